"""Signed, expiring links for confirming an email address and resetting a password.

Each token names the user and a fingerprint of their session token and password hash. Confirming
rotates the session token and a reset sets a new hash (and rotates the token), so every link
works once: after use its fingerprint no longer matches."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from catalogue.accounts.models import User

CONFIRM = "signpost.confirm-email"
RESET = "signpost.reset-password"
MAX_AGE = {CONFIRM: 3 * 24 * 3600, RESET: 3600}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.session_token}:{user.password_hash}".encode()).hexdigest()[:32]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for(session: Session, token: str, purpose: str) -> User | None:
    """The user a token still works for, or None (forged, expired, used, or account rejected)."""
    try:
        data = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
        user = session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or user.status == "rejected" or not hmac.compare_digest(_fingerprint(user), str(data["f"])):
        return None
    return user
