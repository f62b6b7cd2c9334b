"""Reminding owners to confirm records nobody has confirmed for 12 months, in the daily digest,
with a signed one-click "Still true" link and a link to update the record.

The link names the record, the user and the user's organisation, and expires: it confirms only
that record, only while the user is still an approved member of the organisation that owns it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from catalogue import access
from catalogue.accounts.models import User
from catalogue.db import utcnow
from catalogue.errors import NotFound
from catalogue.upkeep import services
from catalogue.upkeep.models import FreshnessReminder

# Owners are reminded about a record at most once in this period.
REMIND_EVERY = timedelta(days=30)
# A "Still true" link works for this long (a little past the next reminder).
LINK_MAX_AGE = timedelta(days=45)
_SALT = "upkeep.still-true"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def still_true_token(kind: str, record_id: int, user_id: int, organisation_id: int) -> str:
    return _serializer().dumps({"k": kind, "r": record_id, "u": user_id, "o": organisation_id})


def read_still_true_token(token: str) -> tuple[str, int, int, int] | None:
    """(kind, record id, user id, organisation id), or None when tampered with or expired."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
        return str(data["k"]), int(data["r"]), int(data["u"]), int(data["o"])
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
        return None


def token_record(session: Session, token: str) -> tuple[Any, User, access.Viewer, str] | None:
    """The record, user and viewer a valid link is for; None when the link is bad, expired, or
    no longer that user's to use (they left the organisation, or it no longer owns the record)."""
    read = read_still_true_token(token)
    if read is None:
        return None
    kind, record_id, user_id, org_id = read
    if kind not in services.KEPT_KINDS:
        return None
    record = session.get(services.model_of(kind), record_id)
    user = session.get(User, user_id)
    if record is None or user is None or user.organisation_id != org_id:
        return None
    viewer = access.viewer_for(user)
    if viewer.member_org_id != org_id or not access.can_confirm(viewer, record):
        return None
    return record, user, viewer, kind


def _recipients(session: Session, organisation_id: int) -> list[User]:
    """The organisation's approved admins, else every approved member."""
    members = list(
        session.exec(
            select(User).where(User.organisation_id == organisation_id, User.status == "approved").order_by(User.id)
        )
    )
    admins = [u for u in members if u.role == "admin"]
    return admins or members


def stale_records(session: Session, now: datetime | None = None) -> list[tuple[str, Any]]:
    """(kind, record) not withdrawn, not confirmed for 12 months and not reminded in the period."""
    now = now or utcnow()
    found: list[tuple[str, Any]] = []
    for kind in services.KEPT_KINDS:
        try:
            model = services.model_of(kind)
        except NotFound:  # a kind whose package is not installed
            continue
        reminded = (
            select(FreshnessReminder.record_id)
            .where(FreshnessReminder.kind == kind, FreshnessReminder.reminded_at > now - REMIND_EVERY)
            .scalar_subquery()
        )
        query = select(model).where(
            access.not_withdrawn_clause(model),
            services.freshness_clause(model, "stale", now),
            model.id.not_in(reminded),
        )
        found.extend((kind, r) for r in session.exec(query.order_by(model.id)))
    return found


def queue_reminders(session: Session, now: datetime | None = None) -> int:
    """Hold one digest item per user listing their organisation's stale records; remember the
    reminder so the next run within REMIND_EVERY says nothing. Returns how many users."""
    from catalogue.notifications.models import OutboxEmail
    from catalogue.notifications.services import Unsubscribe, absolute, unsubscribe_token

    now = now or utcnow()
    by_user: dict[int, tuple[User, list[str]]] = {}
    for kind, record in stale_records(session, now):
        for user in _recipients(session, record.organisation_id):
            token = still_true_token(kind, record.id, user.id, record.organisation_id)
            confirmed = record.last_confirmed_at or record.updated_at
            lines = [
                f"- {services.title(session, kind, record)} (last confirmed {confirmed:%B %Y})",
                f"  Still true? Confirm it in one click: {absolute('/still-true/' + token)}",
                f"  Or update it: {absolute(services.edit_url(kind, record.ref))}",
            ]
            by_user.setdefault(user.id, (user, []))[1].extend(lines)
        _remember(session, kind, record.id, now)
    for user, lines in by_user.values():
        body = "\n".join(["Nobody has confirmed these records for 12 months. Are they still true?", "", *lines])
        session.add(
            OutboxEmail(
                user_id=user.id,
                to_address=user.email,
                subject="Records to confirm: are they still true?",
                body=body,
                unsubscribe_token=unsubscribe_token(user.id, Unsubscribe("digest")),
                status="digest",
                kind="freshness",
            )
        )
    session.flush()
    return len(by_user)


def _remember(session: Session, kind: str, record_id: int, now: datetime) -> None:
    row = session.exec(
        select(FreshnessReminder).where(FreshnessReminder.kind == kind, FreshnessReminder.record_id == record_id)
    ).first()
    if row is None:
        row = FreshnessReminder(kind=kind, record_id=record_id)
    row.reminded_at = now
    session.add(row)
