"""Security properties that hold for every route: CSRF on every unsafe method, headers on every
page, sessions that cannot be fixed or outlive a password change, throttled sign-in that never
says whether an account exists, no open redirects, size limits. Routes come from app.url_map,
so a route added later is covered without touching this file."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlmodel import select

from catalogue import create_app
from catalogue.accounts.models import User
from catalogue.accounts.services import issue_api_token
from tests.conftest import dummy_urls, isolate, route_rules, sign_in
from tests.factories import PASSWORD, OrganisationFactory, ToolFactory, UserFactory

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# The JSON API authenticates with bearer tokens, not cookies, so CSRF does not apply there.
TOKEN_AUTH_PREFIXES = ("/static/", "/api/")
# RFC 8058 one-click unsubscribe: mail clients POST without a CSRF token; the signed token in the
# URL is the authority (tests/catalogue/notifications/test_notifications.py checks it and that other routes stay protected).
CSRF_EXEMPT_PREFIXES = ("/notifications/unsubscribe/",)


@pytest.fixture
def csrf_app(app_config: dict):
    application = isolate(create_app(dict(app_config, WTF_CSRF_ENABLED=True)))
    yield application
    application.extensions["catalogue.engine"].dispose()


@pytest.fixture
def member(db):
    org = OrganisationFactory(kind="local-authority")
    return UserFactory(organisation_id=org.id, email="member@example.org")


def _csrf_token(client, path: str = "/account/sign-in") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def _normalise(body: str) -> str:
    """Strip what differs on every request (nonces, CSRF tokens) so two pages can be compared."""
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', body)


# --- CSRF -------------------------------------------------------------------------------------


def test_every_unsafe_route_refuses_a_missing_csrf_token(csrf_app: Flask, member: User) -> None:
    anonymous = csrf_app.test_client()
    signed_in = sign_in(csrf_app.test_client(), member)
    checked, failures = 0, []
    for method in UNSAFE:
        for rule in route_rules(csrf_app, method, skip_prefixes=TOKEN_AUTH_PREFIXES + CSRF_EXEMPT_PREFIXES):
            for url in dummy_urls(rule):
                for who, client in (("anonymous", anonymous), ("signed in", signed_in)):
                    response = client.open(url, method=method, data={"email": "x@example.org"})
                    checked += 1
                    if response.status_code != 400:
                        failures.append(f"{method} {url} ({who}) -> {response.status_code}")
    assert checked, "no unsafe routes found"
    assert not failures, "unsafe routes without CSRF protection:\n" + "\n".join(failures)


def test_csrf_token_from_the_page_is_accepted(csrf_app: Flask, member: User) -> None:
    client = csrf_app.test_client()
    token = _csrf_token(client)
    response = client.post("/account/sign-in", data={"csrf_token": token, "email": member.email, "password": PASSWORD})
    assert response.status_code == 303


def test_csrf_token_from_another_session_is_refused(csrf_app: Flask, member: User) -> None:
    token = _csrf_token(csrf_app.test_client())
    response = csrf_app.test_client().post(
        "/account/sign-in", data={"csrf_token": token, "email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 400


# --- headers ----------------------------------------------------------------------------------


def _check_headers(response, url: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    if not csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"{url}: CSP missing or unsafe: {csp!r}")
    if "frame-ancestors 'none'" not in csp:
        problems.append(f"{url}: no frame-ancestors 'none'")
    if "script-src 'self' 'nonce-" not in csp:
        problems.append(f"{url}: scripts not limited to self and a nonce")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: no nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append(f"{url}: no Referrer-Policy")
    if response.status_code >= 500:
        problems.append(f"{url}: {response.status_code}")
    return problems


def test_security_headers_on_every_get_route(app: Flask, member: User) -> None:
    problems = []
    clients = (app.test_client(), sign_in(app.test_client(), member))
    for rule in route_rules(app, "GET", skip_prefixes=()):
        for url in dummy_urls(rule):
            if url.startswith("/static/"):
                url = "/static/favicon.svg"
            for client in clients:
                with client.get(url) as response:
                    problems += _check_headers(response, url)
    assert not problems, "\n".join(problems)


def test_nonce_is_fresh_per_request_and_used_by_every_script(client) -> None:
    first, second = client.get("/"), client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    assert nonce not in second.headers["Content-Security-Policy"]
    page = first.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, f"inline script without the nonce: {tag}"
    assert "style=" not in page, "inline styles are refused by the CSP"


def test_hsts_over_https_only(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    hsts = client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert "max-age=" in hsts and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000


def test_account_pages_are_not_cached(client_as, member: User) -> None:
    response = client_as(member).get("/account")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


# --- sessions ----------------------------------------------------------------------------------


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_sign_in_starts_a_fresh_session(client, member: User) -> None:
    client.get("/account/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = _session_cookie(client)
    response = client.post("/account/sign-in", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 303
    after = _session_cookie(client)
    assert after and after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == member.get_id()
    # The cookie from before sign-in is not a signed-in session.
    replay = client.application.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/account").status_code == 302


def test_sign_out_only_by_post(client_as, member: User) -> None:
    client = client_as(member)
    assert client.get("/account/sign-out").status_code == 405
    assert client.get("/account").status_code == 200
    assert client.post("/account/sign-out").status_code == 303
    assert client.get("/account").status_code == 302


def test_a_replayed_cookie_from_before_sign_out_is_dead(app: Flask, member: User) -> None:
    client = app.test_client()
    assert client.post("/account/sign-in", data={"email": member.email, "password": PASSWORD}).status_code == 303
    old_cookie = _session_cookie(client)
    other_device = sign_in(app.test_client(), member)
    assert other_device.get("/account").status_code == 200
    signed_out = client.post("/account/sign-out", follow_redirects=True)
    assert "You have signed out on every device" in signed_out.get_data(as_text=True)
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/account").status_code == 302
    # Sign-out ends every session of the account (said on the page).
    assert other_device.get("/account").status_code == 302


def _sign_in_remembered(app: Flask, user: User):
    client = app.test_client()
    response = client.post(
        "/account/sign-in",
        data={"email": user.email, "password": PASSWORD, "remember": "1"},
        base_url="https://localhost",
    )
    assert response.status_code == 303
    return client, response


def test_remember_cookie_flags(app: Flask, member: User) -> None:
    _client, response = _sign_in_remembered(app, member)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    lowered = cookie.lower()
    assert "; secure" in lowered and "; httponly" in lowered and "samesite=lax" in lowered
    session_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()


def _remember_only_client(app: Flask, remember_value: str):
    client = app.test_client()
    client.set_cookie("remember_token", remember_value, domain="localhost")
    return client


def test_remember_cookie_signs_in_until_the_password_changes(app: Flask, member: User) -> None:
    client, _ = _sign_in_remembered(app, member)
    remembered = client.get_cookie("remember_token").value
    assert _remember_only_client(app, remembered).get("/account", base_url="https://localhost").status_code == 200
    new_password = "another quite long passphrase 7"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new_password},
        base_url="https://localhost",
    )
    assert response.status_code == 303
    # The old remember cookie (on a lost laptop, say) no longer signs anyone in...
    assert _remember_only_client(app, remembered).get("/account", base_url="https://localhost").status_code == 302
    # ...nor does an old session cookie; the device that changed it stays signed in.
    assert client.get("/account", base_url="https://localhost").status_code == 200


def test_sign_out_forgets_the_remember_cookie(app: Flask, member: User) -> None:
    client, _ = _sign_in_remembered(app, member)
    assert client.post("/account/sign-out", base_url="https://localhost").status_code == 303
    assert client.get_cookie("remember_token") is None
    assert client.get("/account", base_url="https://localhost").status_code == 302


def test_rejected_member_is_signed_out(db, client_as, member: User) -> None:
    client = client_as(member)
    assert client.get("/account").status_code == 200
    stored = db.get(User, member.id)
    stored.status = "rejected"
    db.add(stored)
    db.commit()
    assert client.get("/account").status_code == 302


# --- sign-in throttling and account enumeration --------------------------------------------------


def test_sixth_failed_attempt_for_one_account_is_refused(limited_app: Flask, db, member: User) -> None:
    for attempt in range(5):
        # A different address each time: the per-account limit must hold on its own.
        client = limited_app.test_client()
        response = client.post(
            "/account/sign-in",
            data={"email": member.email, "password": "wrong password number x"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt + 1}"},
        )
        assert response.status_code == 200, attempt
    response = limited_app.test_client().post(
        "/account/sign-in",
        data={"email": member.email.upper(), "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Another account from the same addresses is not affected.
    other = UserFactory(email="other@example.org")
    ok = limited_app.test_client().post(
        "/account/sign-in",
        data={"email": other.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert ok.status_code == 303


def test_successful_sign_ins_do_not_count(limited_app: Flask, member: User) -> None:
    for _ in range(7):
        client = limited_app.test_client()
        assert client.post("/account/sign-in", data={"email": member.email, "password": PASSWORD}).status_code == 303


def test_one_address_is_throttled_across_accounts(limited_app: Flask) -> None:
    client = limited_app.test_client()
    codes = [
        client.post(
            "/account/sign-in", data={"email": f"nobody{i}@example.org", "password": "wrong password number x"}
        ).status_code
        for i in range(21)
    ]
    assert codes[:20] == [200] * 20
    assert codes[20] == 429


def test_unknown_account_and_wrong_password_look_the_same(limited_app: Flask, member: User) -> None:
    def attempt(email: str) -> tuple[int, str]:
        response = limited_app.test_client().post(
            "/account/sign-in", data={"email": email, "password": "wrong password number x"}
        )
        body = _normalise(response.get_data(as_text=True)).replace(email, "EMAIL")
        return response.status_code, body

    unknown = "nobody-here@example.org"
    for _ in range(5):
        assert attempt(member.email) == attempt(unknown)
    # The limit also applies to accounts that do not exist, so a 429 says nothing either.
    assert attempt(member.email)[0] == attempt(unknown)[0] == 429


def test_pending_and_rejected_accounts(db, client, member: User) -> None:
    pending = UserFactory(email="pending@example.org", status="pending", organisation_id=member.organisation_id)
    assert client.post("/account/sign-in", data={"email": pending.email, "password": PASSWORD}).status_code == 303
    rejected = UserFactory(email="rejected@example.org", status="rejected")
    response = client.application.test_client().post(
        "/account/sign-in", data={"email": rejected.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


# --- redirects ---------------------------------------------------------------------------------

OFFSITE = [
    "//evil.example",
    "//evil.example/account",
    "https://evil.example",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "https:evil.example",
    "/%2F%2Fevil.example",
    " //evil.example",
    "http://localhost.evil.example/",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("target", OFFSITE)
def test_no_open_redirect_after_sign_in(client, member: User, target: str) -> None:
    response = client.post("/account/sign-in", data={"email": member.email, "password": PASSWORD, "next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    parsed = urlsplit(location)
    # A path on this site (even one that mentions evil.example) is fine; another host or scheme is not.
    assert not parsed.scheme and not parsed.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_next_within_the_site_is_followed(client, member: User) -> None:
    redirect = client.get("/account")
    assert redirect.status_code == 302 and "next=" in redirect.headers["Location"]
    response = client.post(
        "/account/sign-in", data={"email": member.email, "password": PASSWORD, "next": "/account?tab=1"}
    )
    assert response.headers["Location"] == "/account?tab=1"


def test_sign_in_page_escapes_next(client) -> None:
    page = client.get('/account/sign-in?next="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in page


# --- sizes -------------------------------------------------------------------------------------


def test_three_megabyte_body_is_refused(client) -> None:
    big = "x" * (3 * 1024 * 1024)
    assert client.post("/account/sign-in", data={"email": "a@example.org", "password": big}).status_code == 413
    raw = client.post("/account/sign-up", data=big, content_type="application/octet-stream")
    assert raw.status_code == 413


def test_every_unsafe_route_refuses_three_megabytes(csrf_app: Flask) -> None:
    big = {"field": "x" * (3 * 1024 * 1024)}
    failures = []
    client = csrf_app.test_client()
    for method in UNSAFE:
        for rule in route_rules(csrf_app, method, skip_prefixes=TOKEN_AUTH_PREFIXES):
            for url in dummy_urls(rule)[:1]:
                status = client.open(url, method=method, data=big).status_code
                if status != 413:
                    failures.append(f"{method} {url} -> {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("field", "length", "message"),
    [
        ("display_name", 201, "Name must be 200 characters or fewer"),
        ("email", 321, "Email address must be 320 characters or fewer"),
        ("new_organisation_name", 201, "Name of the organisation must be 200 characters or fewer"),
        ("new_organisation_website", 501, "The web address must be 500 characters or fewer"),
        ("password", 257, "Password must be 256 characters or fewer"),
    ],
)
def test_sign_up_text_limits(client, field: str, length: int, message: str) -> None:
    data = {
        "display_name": "Sam Example",
        "email": "sam@example.org",
        "password": "velvet lantern orbit maple 42",
        "organisation_choice": "new",
        "new_organisation_name": "Limits Ltd",
        "new_organisation_kind": "supplier",
    }
    data[field] = ("a" * (length - len("@example.org")) + "@example.org") if field == "email" else "a" * length
    response = client.post("/account/sign-up", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert client.application.test_client().get("/").status_code == 200


def test_sign_in_text_limits(client) -> None:
    response = client.post("/account/sign-in", data={"email": "a" * 400, "password": "b" * 300})
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)


def test_no_user_table_values_in_pages(db, client_as, member: User) -> None:
    """Hashes and session tokens never reach a page, even the user's own account page."""
    client = client_as(member)
    stored = db.exec(select(User).where(User.id == member.id)).one()
    for path in ("/", "/account", "/account/sign-in"):
        page = client.get(path).get_data(as_text=True)
        assert stored.password_hash not in page and stored.session_token not in page


# --- writes with the limiter on (its counters share SQLite with the request) ----------------------
# The limiter counts on a connection of its own to the same database, so a request must never
# hold SQLite's write lock while the limiter counts its hit: it would wait out the 30 s busy
# timeout, then fail with a 500.

# Far below the 30 s busy timeout a blocked write would wait for.
QUICK = 10.0


@pytest.fixture
def token_owner(db):
    org = OrganisationFactory(kind="local-authority")
    ToolFactory(ref="tool-limited")
    user = UserFactory(organisation_id=org.id, email="owner@example.org")
    token = issue_api_token(db, user)
    db.commit()
    return user, token


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_api_writes_succeed_quickly_with_the_limiter_on(limited_app: Flask, token_owner) -> None:
    _user, token = token_owner
    client = limited_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"tool": "tool-limited", "stage": "pilot", "visibility": "private"}
    created, took = _timed(lambda: client.post("/api/v1/deployments", json=body, headers=headers))
    assert created.status_code == 201, created.get_json()
    assert took < QUICK
    ref = created.get_json()["ref"]
    changed, took = _timed(
        lambda: client.patch(f"/api/v1/deployments/{ref}", json={"stage": "implemented"}, headers=headers)
    )
    assert changed.status_code == 200, changed.get_json()
    assert took < QUICK


def test_api_writes_are_still_limited(limited_app: Flask, token_owner) -> None:
    _user, token = token_owner
    client = limited_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    # 60 writes a minute per token: refused ones (422) count too.
    codes = [client.post("/api/v1/deployments", json={}, headers=headers).status_code for _ in range(61)]
    assert set(codes[:60]) == {422}
    assert codes[60] == 429


def test_form_posts_succeed_quickly_with_the_limiter_on(limited_app: Flask, token_owner) -> None:
    user, _token = token_owner
    # Signed in already: the request loads its user before the limiter counts the post.
    client = sign_in(limited_app.test_client(), user)
    response, took = _timed(
        lambda: client.post("/account/sign-in", data={"email": user.email, "password": "wrong password here"})
    )
    assert response.status_code == 200 and took < QUICK
    response, took = _timed(lambda: client.post("/account/sign-in", data={"email": user.email, "password": PASSWORD}))
    assert response.status_code == 303 and took < QUICK
    response, took = _timed(lambda: client.post("/account/sign-out"))
    assert response.status_code == 303 and took < QUICK


def test_form_posts_are_still_limited(limited_app: Flask, token_owner) -> None:
    user, _token = token_owner
    client = sign_in(limited_app.test_client(), user)
    codes = [
        client.post("/account/sign-in", data={"email": user.email, "password": "wrong password here"}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def test_password_reset_and_sign_up_are_throttled_per_address_asked_about(limited_app: Flask) -> None:
    # From different addresses each time: one email address cannot be flooded with mail.
    for path, data in (
        ("/account/forgotten-password", {"email": "target@example.org"}),
        ("/account/sign-up", {"email": "target@example.org"}),
    ):
        codes = [
            limited_app.test_client().post(path, data=data, environ_base={"REMOTE_ADDR": f"10.9.0.{n}"}).status_code
            for n in range(4)
        ]
        assert codes[3] == 429 and 429 not in codes[:3], (path, codes)


# --- small hardening ------------------------------------------------------------------------------


@pytest.mark.parametrize(("proxies", "expected"), [(0, "10.1.1.1"), (1, "203.0.113.9")])
def test_trusted_proxies_decide_the_client_address(app_config: dict, proxies: int, expected: str) -> None:
    from flask import request

    application = create_app(dict(app_config, TRUSTED_PROXIES=proxies))
    application.add_url_rule("/_test/address", "test_address", lambda: request.remote_addr or "")
    seen = application.test_client().get(
        "/_test/address", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    assert seen.get_data(as_text=True) == expected
    application.extensions["catalogue.engine"].dispose()


def test_workers_starting_at_once_agree_on_the_generated_secret_key(tmp_path, monkeypatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from catalogue.config import _secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: _secret_key(tmp_path), range(16)))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_remember_cookie_lasts_a_month(app: Flask, member: User) -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import parsedate_to_datetime

    _client, response = _sign_in_remembered(app, member)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30, minutes=1)


def test_an_admin_cannot_reject_themselves(db, client_as) -> None:
    org = OrganisationFactory(kind="local-authority")
    admin = UserFactory(organisation_id=org.id, role="admin")
    db.commit()
    client = client_as(admin)
    assert client.post(f"/account/members/{admin.id}/reject").status_code == 403
    db.rollback()
    assert db.get(User, admin.id).status == "approved"
    assert client.get("/account").status_code == 200
