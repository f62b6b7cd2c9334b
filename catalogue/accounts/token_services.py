"""Self-service API tokens: a user names a token, gives it a scope (read, or read and write) and
an expiry, sees when each was last used and revokes them. Only a token's SHA-256 is stored; the
secret is shown once, when it is made. The operators' command (`flask users token`) makes
never-expiring read-and-write tokens through the same `issue_api_token`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from catalogue.accounts.models import ApiToken, User
from catalogue.accounts.services import hash_token, issue_api_token
from catalogue.db import utcnow

SCOPES = {"read": "Read only", "write": "Read and write"}
EXPIRY_DAYS = {"7": "7 days", "30": "30 days", "90": "90 days", "365": "1 year"}
# How often a token's last use is written: a busy client does not write on every request.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenNotFound(Exception):
    """No such token of this user's."""


@dataclass(frozen=True)
class TokenAccess:
    """A valid token and whose it is."""

    user: User
    token: ApiToken

    @property
    def may_write(self) -> bool:
        return self.token.scope == "write"


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_expired(token: ApiToken, now: datetime | None = None) -> bool:
    return token.expires_at is not None and _aware(token.expires_at) <= (now or utcnow())


def token_access(session: Session, raw: str) -> tuple[TokenAccess | None, str | None]:
    """(access, None) for a usable token, else (None, why): unknown, revoked or expired."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(raw))).first()
    if token is None or token.revoked_at is not None:
        return None, "That API token is not valid or has been revoked"
    if is_expired(token):
        return None, "That API token has expired: make a new one on your account's API tokens page"
    user = session.get(User, token.user_id)
    if user is None or user.status == "rejected":
        return None, "That API token is not valid or has been revoked"
    return TokenAccess(user, token), None


def needs_last_used(token: ApiToken, now: datetime | None = None) -> bool:
    return token.last_used_at is None or (now or utcnow()) - _aware(token.last_used_at) >= LAST_USED_EVERY


def mark_used(session: Session, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is not None:
        token.last_used_at = utcnow()
        session.add(token)


def create_token(session: Session, user: User, label: str, scope: str, expires_in_days: int) -> tuple[str, ApiToken]:
    """A new token of the user's (data from TokenSchema); the secret is returned once."""
    raw = issue_api_token(
        session, user, label=label, scope=scope, expires_at=utcnow() + timedelta(days=expires_in_days)
    )
    session.flush()
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(raw))).one()
    return raw, token


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked and expired ones included (marked on the page)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(session.exec(query))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's is TokenNotFound)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenNotFound
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
    return token
