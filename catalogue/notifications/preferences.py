"""What each user wants emailed, per kind of news: at once, in a daily digest, or not at all.

Services that tell someone about a kind of news pass `about=<kind>` to `notify`; the recipient's
choice decides whether the email goes now, waits for the digest (`flask mail send-digests`, run
daily) or is not sent. The in-app notification is always kept. No stored choice means the kind's
default, or 'off' for a user who unsubscribed from direct emails before choosing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, select

from catalogue.accounts.models import User
from catalogue.db import utcnow
from catalogue.notifications.models import EmailPreference, NotificationPreference, OutboxEmail

CHOICES: dict[str, str] = {"now": "At once", "digest": "In a daily digest", "off": "Off"}


@dataclass(frozen=True)
class Kind:
    label: str
    who: str  # whom this kind of email reaches, for the preferences page
    default: str = "now"


KINDS: dict[str, Kind] = {
    "challenge-question": Kind("A supplier asks a clarification question", "Challenge owners and co-sponsors"),
    "challenge-interest": Kind("A supplier expresses interest", "Challenge owners and co-sponsors"),
    "challenge-proposal": Kind("A proposal arrives (never its contents)", "Challenge owners and co-sponsors"),
    "challenge-co-sponsor": Kind("An authority asks to co-sponsor a challenge", "Challenge owners"),
    "challenge-event-signup": Kind("Someone signs up to a challenge's event", "Challenge owners and co-sponsors"),
    "challenge-event": Kind(
        "An event you signed up to changes: a place for you from the waiting list, a new time or place, a cancellation",
        "Suppliers",
    ),
    "question-answered": Kind("Your clarification question is answered or declined", "Suppliers"),
    "challenge-news": Kind(
        "A challenge you expressed interest in or proposed to changes: amendments, new answers, "
        "deadlines, shortlisting, the award, the close or withdrawal",
        "Suppliers",
    ),
    "partnership-invitation": Kind("Your organisation is invited to a partnership", "Authorities"),
    "partnership-change": Kind(
        "Your organisation is removed from a partnership or its supplier cohort, or your challenge "
        "stops running under one",
        "Authorities and suppliers",
    ),
    "organisation-verification": Kind("An organisation is waiting for verification", "Site admins"),
}


def choices_for(session: Session, users: Iterable[User], kind: str) -> dict[int, str]:
    """Each user's choice for `kind` ('now', 'digest' or 'off')."""
    ids = [u.id for u in users if u.id is not None]
    if not ids:
        return {}
    stored = dict(
        session.exec(
            select(NotificationPreference.user_id, NotificationPreference.choice).where(
                NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind
            )
        ).all()
    )
    unsubscribed = set(
        session.exec(
            select(EmailPreference.user_id).where(
                EmailPreference.user_id.in_(ids), EmailPreference.emails_off.is_(True)
            )
        ).all()
    )
    default = KINDS[kind].default if kind in KINDS else "now"
    return {uid: stored.get(uid, "off" if uid in unsubscribed else default) for uid in ids}


def user_choices(session: Session, user_id: int) -> dict[str, str]:
    """The user's choice for every kind, for the preferences page."""
    user = session.get(User, user_id)
    return {kind: choices_for(session, [user], kind)[user_id] for kind in KINDS}


def save_choices(session: Session, user_id: int, choices: dict[str, str]) -> None:
    """Store the user's choices (unknown kinds and choices are refused by the schema first)."""
    for kind, choice in choices.items():
        if kind not in KINDS or choice not in CHOICES:
            raise ValueError(f"unknown preference {kind}={choice}")
        row = session.get(NotificationPreference, (user_id, kind)) or NotificationPreference(user_id=user_id, kind=kind)
        row.choice = choice
        row.updated_at = utcnow()
        session.add(row)


def turn_off(session: Session, user_id: int, kind: str | None) -> None:
    """One-click unsubscribe from one kind; with no kind (the digest's link), every kind the user
    takes as a digest."""
    current = user_choices(session, user_id)
    kinds = [kind] if kind else [k for k, c in current.items() if c == "digest"]
    save_choices(session, user_id, {k: "off" for k in kinds if k in KINDS})


# --- the daily digest ---------------------------------------------------------------------------


def send_digests(session: Session) -> int:
    """Gather each user's held emails into one, queued to be sent now; returns how many digests.
    Adds to the session; the caller commits."""
    from catalogue.notifications.services import Unsubscribe, absolute, unsubscribe_token
    from catalogue.upkeep.reminders import queue_reminders

    # Records nobody has confirmed for 12 months: their owners' reminders join the digest.
    queue_reminders(session)
    held = session.exec(
        select(OutboxEmail).where(OutboxEmail.status == "digest").order_by(OutboxEmail.user_id, OutboxEmail.id)
    ).all()
    by_user: dict[int, list[OutboxEmail]] = {}
    for row in held:
        if row.user_id is None:  # the account was deleted
            row.status = "digested"
            session.add(row)
            continue
        by_user.setdefault(row.user_id, []).append(row)
    product = current_app.config["PRODUCT_NAME"]
    for user_id, rows in by_user.items():
        token = unsubscribe_token(user_id, Unsubscribe("digest"))
        parts = [f"{len(rows)} update{'s' if len(rows) != 1 else ''} from {product} since the last digest.", ""]
        for row in rows:
            parts += [row.subject, "-" * min(len(row.subject), 72), row.body.strip(), ""]
            row.status = "digested"
            session.add(row)
        parts += [
            "--",
            f"Choose what you are emailed about: {absolute('/account/notifications')}",
            f"To stop these digests, visit {absolute('/notifications/unsubscribe/' + token)}",
        ]
        session.add(
            OutboxEmail(
                user_id=user_id,
                to_address=rows[-1].to_address,
                subject=f"Your daily {product} digest: {len(rows)} update{'s' if len(rows) != 1 else ''}",
                body="\n".join(parts),
                unsubscribe_token=token,
                kind="digest",
            )
        )
    return len(by_user)


def held_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.user_id == user_id, OutboxEmail.status == "digest")
    ).one()
