"""Security headers on every response: a CSP with per-request nonces and no unsafe-inline, and
who may cache it (see `cache_headers`)."""

from __future__ import annotations

from flask import Flask, Response, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # The client's address (per-address throttling) and scheme as the trusted proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = g.get("csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; "
            "img-src 'self' data:; "
            "font-src 'self'; "
            "connect-src 'self'; "
            "object-src 'none'; "
            "base-uri 'self'; "
            "form-action 'self'; "
            "frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        cache_headers(response)
        return response


PRIVATE = "private, no-store"
# Anonymous answers are the same for every anonymous visitor, but a cache must check back each
# time (a record may since have been hidden or withdrawn).
ANONYMOUS = "no-cache"
# The API's public records and lists, read without a token: any cache may keep them a minute
# (they carry an ETag to revalidate with after that).
PUBLIC_API = "public, max-age=60"


def _depends_on_who_asks() -> bool:
    """The body was made for this requester: a token or a signed-in user (whose pages show their
    own records and name), a session written during the request (a CSRF token in a form, a flash
    message), the account and admin areas, or a view that said so with `g.no_store`."""
    if g.get("no_store") or request.path.startswith(("/account", "/admin")):
        return True
    if g.get("api_user") is not None:
        return True
    if request.path.startswith("/api/"):
        return False  # the API reads no cookie: without a token it answers as for anyone
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated) or session.modified


# A content-hashed static file (catalogue.assets) never changes: browsers keep it a year.
IMMUTABLE = "public, max-age=31536000, immutable"


def _static_cache(response: Response) -> None:
    """Hashed files are cached for a year; others keep Flask's caching (revalidated)."""
    from catalogue.assets import is_hashed

    if response.status_code == 200 and is_hashed((request.view_args or {}).get("filename", "")):
        response.headers["Cache-Control"] = IMMUTABLE


def cache_headers(response: Response) -> None:
    """Cache-Control and Vary for every answer: static assets see `_static_cache`; otherwise
    `private, no-store` whenever the body depends on who is asking, `public, max-age=60` for the
    API's anonymous reads, else `no-cache`; Vary names
    what tells one requester from another (the session cookie for pages, the token for the API).
    A view's own no-store is never weakened."""
    if request.endpoint == "static" or request.path.startswith("/static/"):
        _static_cache(response)
        return
    response.vary.add("Authorization" if request.path.startswith("/api/") else "Cookie")
    if _depends_on_who_asks():
        response.headers["Cache-Control"] = PRIVATE
    elif "no-store" in (response.headers.get("Cache-Control") or ""):
        return
    elif _public_api_read(response):
        response.headers["Cache-Control"] = PUBLIC_API
    else:
        response.headers["Cache-Control"] = ANONYMOUS


def _public_api_read(response: Response) -> bool:
    """An anonymous API read that found what it asked for (an error is not kept)."""
    return (
        request.path.startswith("/api/")
        and request.method in ("GET", "HEAD")
        and response.status_code in (200, 304)
        and "Authorization" not in request.headers
    )
