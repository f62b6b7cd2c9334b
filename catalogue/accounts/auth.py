"""Flask-Login wiring: sessions that can be revoked, and the current viewer for the policy."""

from __future__ import annotations

import hmac
from urllib.parse import urljoin, urlparse

from flask import Flask, g, request
from flask_login import LoginManager, current_user

from catalogue.access import ANONYMOUS, Viewer, viewer_for
from catalogue.accounts.models import User
from catalogue.changes import current_actor_id
from catalogue.db import UNSAFE_METHODS, get_session, reading

_ACTOR_KEY = "catalogue.actor"

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


def act_for_request(user_id: int | None) -> None:
    """Name `user_id` in the audit trail for every write of this request (cleared at teardown).
    Called for the signed-in user before each request, and by the API once it knows the token."""
    request.environ[_ACTOR_KEY] = True
    current_actor_id.set(user_id)


def _actor_from_session() -> None:
    if request.path.startswith(("/static/", "/api/")):
        return  # the API authenticates by token only (catalogue.api.common)
    if request.method not in UNSAFE_METHODS:
        act_for_request(current_user.id if current_user.is_authenticated else None)
        return
    # Loading the user only reads: under a write request's intent it would take SQLite's write
    # lock now and hold it while flask-limiter (a connection of its own) counts the request.
    session = get_session()
    with reading():
        user_id = current_user.id if current_user.is_authenticated else None
        session.rollback()
    act_for_request(user_id)


def _end_actor(_exc: BaseException | None) -> None:
    # A worker thread serves many requests: no actor may outlive the request that set it.
    if request.environ.pop(_ACTOR_KEY, None):
        current_actor_id.set(None)


def is_safe_next(target: str | None) -> bool:
    """`next` may only point within this site."""
    if not target or target.startswith("//") or "\\" in target:
        return False
    host = urlparse(request.host_url)
    test = urlparse(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and host.netloc == test.netloc and target.startswith("/")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_actor_from_session)
    app.teardown_request(_end_actor)
