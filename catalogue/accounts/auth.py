"""Flask-Login wiring: sessions that can be revoked, and the current viewer for the policy."""

from __future__ import annotations

import hmac
from urllib.parse import urljoin, urlparse

from flask import Flask, g, request
from flask_login import LoginManager, current_user

from catalogue.access import ANONYMOUS, Viewer, viewer_for
from catalogue.accounts.models import User
from catalogue.db import get_session

login_manager = LoginManager()
login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "info"
# Flask-Login's "strong" protection would drop sessions on IP changes; revocation is by token instead.
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The id is 'ID:TOKEN'; a rotated token (password change, sign-out everywhere) revokes it."""
    try:
        raw_id, token = user_id.split(":", 1)
        user = get_session().get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or not hmac.compare_digest(user.session_token, token) or user.status == "rejected":
        return None
    return user


def current_viewer() -> Viewer:
    """The policy's view of whoever made this request (cached for the request)."""
    if "viewer" not in g:
        if request.path.startswith("/static/"):
            return ANONYMOUS
        user = g.get("api_user") or current_user
        g.viewer = viewer_for(user if user and user.is_authenticated else None)
    return g.viewer


def is_safe_next(target: str | None) -> bool:
    """`next` may only point within this site."""
    if not target or target.startswith("//") or "\\" in target:
        return False
    host = urlparse(request.host_url)
    test = urlparse(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and host.netloc == test.netloc and target.startswith("/")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
