"""Notifications, follows, alerts and the email outbox: the functions other packages call.

How to tell people about something (from a service, inside the write's transaction):

    from catalogue.notifications import services as notifications
    notifications.notify(session, users, "Subject", "Body text", "/path", record=obj, kind="deployment")

`notify` asks the visibility policy for each recipient and silently skips anyone who may not see
`record`, so callers can pass "everyone who follows this" without filtering first. Nothing is
committed here: the caller's commit stores the notifications and the queued emails together with
the change itself. Emails go out after the response (MAIL_SEND_AFTER_REQUEST) or by
`flask mail send-pending`, retried with backoff when the mail server is down.

Event hooks for other packages:
- `on_deployment_created(session, deployment)`: call after adding a deployment (after flush, so it
  has an id); tells the tool's followers who may see the deployment.
- `on_challenge_event(session, challenge, event, text)`: call when a published challenge gets a new
  public question and answer (event "qa") or changes status ("status"); tells its followers.
- `followers(session, kind, record_id)`: the users following a record.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from catalogue import access, features
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.notifications import preferences
from catalogue.notifications.models import AlertSubscription, EmailPreference, Follow, Notification, OutboxEmail

# The outbox's sending lives in catalogue.notifications.sending; the names callers use, here too.
from catalogue.notifications.sending import MAIL_POLICY as MAIL_POLICY
from catalogue.notifications.sending import SendResult as SendResult
from catalogue.notifications.sending import header_value as header_value
from catalogue.notifications.sending import send_after_response as send_after_response
from catalogue.notifications.sending import send_pending as send_pending

log = logging.getLogger(__name__)


# --- who to tell ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribe:
    """What the unsubscribe link in an email turns off.

    scope 'follow': stop following (kind, record_id); 'alerts': turn the user's challenge alerts
    off; 'emails': no more direct emails (in-app notifications continue); 'kind': no more emails
    of that kind of news (catalogue.notifications.preferences); 'digest': no more digests."""

    scope: str = "emails"
    kind: str | None = None
    record_id: int | None = None


def followers(session: Session, kind: str, record_id: int) -> list[User]:
    """Users following a record (kind 'tool' or 'challenge'), rejected accounts left out."""
    return list(
        session.exec(
            select(User)
            .join(Follow, Follow.user_id == User.id)
            .where(Follow.kind == kind, Follow.record_id == record_id, User.status != "rejected")
            .order_by(User.id)
        )
    )


def is_following(session: Session, user_id: int | None, kind: str, record_id: int) -> bool:
    if user_id is None:
        return False
    found = session.exec(
        select(Follow.id).where(Follow.user_id == user_id, Follow.kind == kind, Follow.record_id == record_id)
    ).first()
    return found is not None


def _viewers(session: Session, users: list[User]) -> dict[int, access.Viewer]:
    org_ids = {u.organisation_id for u in users if u.organisation_id}
    kinds = (
        dict(session.exec(select(Organisation.id, Organisation.kind).where(Organisation.id.in_(org_ids))).all())
        if org_ids
        else {}
    )
    return {u.id: access.viewer_for(u, organisation_kind=kinds.get(u.organisation_id)) for u in users}


# --- unsubscribe tokens -----------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications.unsubscribe")


def unsubscribe_token(user_id: int, unsubscribe: Unsubscribe) -> str:
    """A signed token naming the user and what to turn off; it never expires, like a mailing list's."""
    return _serializer().dumps(
        {"u": user_id, "s": unsubscribe.scope, "k": unsubscribe.kind, "r": unsubscribe.record_id}
    )


def read_unsubscribe_token(token: str) -> tuple[int, Unsubscribe] | None:
    try:
        data = _serializer().loads(token)
        return int(data["u"]), Unsubscribe(scope=data["s"], kind=data["k"], record_id=data["r"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def describe_unsubscribe(session: Session, unsubscribe: Unsubscribe) -> str:
    """What unsubscribing turns off, in words for the confirmation page."""
    if unsubscribe.scope == "follow":
        target = _load_target(session, unsubscribe.kind or "", unsubscribe.record_id or 0)
        name = getattr(target, "name", None) or getattr(target, "title", None) or f"this {unsubscribe.kind}"
        return f"emails and notifications about {name} (you will stop following it)"
    if unsubscribe.scope == "alerts":
        return "alerts about new challenges"
    if unsubscribe.scope == "kind" and unsubscribe.kind in preferences.KINDS:
        return f"emails when: {preferences.KINDS[unsubscribe.kind].label.lower()}"
    if unsubscribe.scope == "digest":
        return "the daily digest (every kind of news you chose to receive in it)"
    return "emails from Signpost that are not about something you follow (you will still see them on your notifications page)"


def apply_unsubscribe(session: Session, user_id: int, unsubscribe: Unsubscribe) -> None:
    """Turn off what the token names. Idempotent: a second click changes nothing."""
    if unsubscribe.scope == "follow":
        session.execute(
            sa.delete(Follow).where(
                Follow.user_id == user_id, Follow.kind == unsubscribe.kind, Follow.record_id == unsubscribe.record_id
            )
        )
    elif unsubscribe.scope in ("kind", "digest"):
        preferences.turn_off(session, user_id, unsubscribe.kind if unsubscribe.scope == "kind" else None)
    elif unsubscribe.scope == "alerts":
        sub = session.exec(select(AlertSubscription).where(AlertSubscription.user_id == user_id)).first()
        if sub is not None:
            sub.active = False
            sub.updated_at = utcnow()
            session.add(sub)
    else:
        pref = session.get(EmailPreference, user_id) or EmailPreference(user_id=user_id)
        pref.emails_off = True
        pref.updated_at = utcnow()
        session.add(pref)


# --- notify -----------------------------------------------------------------------------------


def notify(
    session: Session,
    users: Iterable[User],
    subject: str,
    body: str,
    url: str | None,
    record: Any = None,
    kind: str | None = None,
    *,
    unsubscribe: Unsubscribe | None = None,
    topic: str | None = None,
    email: bool = True,
    about: str | None = None,
) -> list[Notification]:
    """Tell each user who may see `record` (of `kind`, as in access.can_view_kind): an in-app
    notification and, unless they unsubscribed, a queued email. Users who may not see the record
    get nothing at all, so the subject and body may quote it.

    `url` is a path on this site (the email makes it absolute). `unsubscribe` says what the email's
    unsubscribe link turns off (default: direct emails). `topic` labels the notification so callers
    can avoid repeating themselves (see `already_notified`). `about` names the kind of news
    (catalogue.notifications.preferences.KINDS): each recipient's choice for it decides whether the
    email goes at once, waits for the daily digest or is not sent, and the email's unsubscribe link
    turns that kind off. Adds to the session; never commits.
    """
    recipients = {u.id: u for u in users if u is not None and u.id is not None and u.status != "rejected"}
    if not recipients:
        return []
    viewers = _viewers(session, list(recipients.values()))
    unsubscribe = unsubscribe or (Unsubscribe("kind", about) if about else Unsubscribe())
    choices = preferences.choices_for(session, recipients.values(), about) if about and email else {}
    emails_off = set()
    if email and unsubscribe.scope == "emails" and not about:
        emails_off = set(
            session.exec(
                select(EmailPreference.user_id).where(
                    EmailPreference.user_id.in_(recipients), EmailPreference.emails_off.is_(True)
                )
            ).all()
        )
    record_id = getattr(record, "id", None)
    created = []
    for user_id, user in recipients.items():
        if not access.can_view_kind(viewers[user_id], kind, record):
            continue
        note = Notification(
            user_id=user_id,
            subject=subject[:300],
            body=body,
            url=url,
            topic=topic,
            record_kind=kind,
            record_id=record_id,
        )
        session.add(note)
        created.append(note)
        choice = choices.get(user_id, "now")
        if email and user_id not in emails_off and choice != "off" and user.email:
            _queue_email(session, user, subject, body, url, unsubscribe, digest=choice == "digest", kind=about)
    return created


def already_notified(session: Session, topic: str, record_kind: str, record_id: int) -> set[int]:
    """Ids of users who already have a notification with this topic about this record."""
    return set(
        session.exec(
            select(Notification.user_id).where(
                Notification.topic == topic,
                Notification.record_kind == record_kind,
                Notification.record_id == record_id,
            )
        ).all()
    )


def absolute(path: str) -> str:
    """A path on this site as a full web address, for emails."""
    return current_app.config["BASE_URL"].rstrip("/") + path


_absolute = absolute


def _queue_email(
    session: Session,
    user: User,
    subject: str,
    body: str,
    url: str | None,
    unsub: Unsubscribe,
    *,
    digest: bool = False,
    kind: str | None = None,
) -> None:
    token = unsubscribe_token(user.id, unsub)
    lines = [body.strip(), ""]
    if url:
        lines += [f"See it on {current_app.config['PRODUCT_NAME']}: {_absolute(url)}", ""]
    if not digest:  # a digest carries one footer for all its items
        lines += [
            "--",
            f"Choose what you are emailed about: {_absolute('/account/notifications')}",
            f"To stop these emails, visit {_absolute('/notifications/unsubscribe/' + token)}",
        ]
    session.add(
        OutboxEmail(
            user_id=user.id,
            to_address=user.email,
            subject=subject[:300],
            body="\n".join(lines).rstrip(),
            unsubscribe_token=token,
            status="digest" if digest else "pending",
            kind=kind,
        )
    )
    if has_request_context() and not digest:
        g.outbox_dirty = True


# --- event hooks ------------------------------------------------------------------------------


def on_deployment_created(session: Session, deployment: Any) -> list[Notification]:
    """Tell the followers of the deployment's tool, respecting the deployment's visibility (an
    'authorities' deployment reaches no supplier, a 'private' one only its own organisation).
    Call from the service that adds the deployment, after a flush, before the commit."""
    from catalogue.records.models import Tool

    tool = session.get(Tool, deployment.tool_id)
    org = session.get(Organisation, deployment.organisation_id)
    if tool is None or org is None:
        return []
    users = [u for u in followers(session, "tool", tool.id) if u.id != deployment.created_by_id]
    subject = f"{org.name} recorded its experience of {tool.name}"
    body = f"{org.name} added a record of {tool.name} (stage: {deployment.stage})."
    if deployment.summary:
        body += f"\n\n{deployment.summary}"
    return notify(
        session,
        users,
        subject,
        body,
        f"/deployments/{deployment.ref}",
        record=deployment,
        kind="deployment",
        unsubscribe=Unsubscribe("follow", "tool", tool.id),
        topic="deployment-created",
    )


CHALLENGE_EVENTS = {
    "qa": "New question and answer on {title}",
    "status": "{title}: {text}",
    "update": "Update on {title}",
    "amendment": "{title} has been amended",
}


def on_challenge_event(
    session: Session, challenge: Any, event: str, text: str, *, exclude: frozenset[int] = frozenset()
) -> list[Notification]:
    """Tell a challenge's followers about an event: 'qa' (a new public question and answer; `text`
    is the question and answer as everyone may read them), 'status' (`text` like "now open for
    proposals"), or 'update' (anything else). Followers who may not see the challenge (a draft)
    get nothing; users in `exclude` (told another way already) too. Call inside the transaction
    that makes the change."""
    template = CHALLENGE_EVENTS.get(event, CHALLENGE_EVENTS["update"])
    subject = template.format(title=challenge.title, text=text)
    return notify(
        session,
        [u for u in followers(session, "challenge", challenge.id) if u.id not in exclude],
        subject,
        text,
        f"/challenges/{challenge.ref}",
        record=challenge,
        kind="challenge",
        unsubscribe=Unsubscribe("follow", "challenge", challenge.id),
        topic=f"challenge-{event}",
    )


# --- follows ----------------------------------------------------------------------------------


class FollowError(Exception):
    """The record cannot be followed (unknown, or not visible to this user)."""


def _load_target(session: Session, kind: str, record_id: int) -> Any:
    # Followable kinds are registered by the packages that own them (catalogue.features).
    followable = features.followable().get(kind)
    return session.get(followable.model, record_id) if followable is not None else None


def follow(session: Session, viewer: access.Viewer, kind: str, record_id: int) -> Any:
    """Follow a tool or challenge the viewer may see; returns the record. Following twice is fine."""
    if viewer.is_anonymous:
        raise FollowError("Sign in to follow")
    target = _load_target(session, kind, record_id)
    if target is None or not access.can_view_kind(viewer, kind, target):
        raise FollowError("Not found")
    if not is_following(session, viewer.user_id, kind, record_id):
        session.add(Follow(user_id=viewer.user_id, kind=kind, record_id=record_id))
    return target


def unfollow(session: Session, viewer: access.Viewer, kind: str, record_id: int) -> None:
    if viewer.is_anonymous:
        raise FollowError("Sign in to follow")
    session.execute(
        sa.delete(Follow).where(Follow.user_id == viewer.user_id, Follow.kind == kind, Follow.record_id == record_id)
    )


def target_url(kind: str, target: Any) -> str:
    followable = features.followable().get(kind)
    ref = str(getattr(target, "ref", ""))
    return followable.url.format(ref=ref) if followable is not None else "/" + ref


def my_follows(session: Session, viewer: access.Viewer) -> list[tuple[Follow, Any]]:
    """The viewer's follows with their records (records they can no longer see are left out)."""
    rows = session.exec(select(Follow).where(Follow.user_id == viewer.user_id).order_by(Follow.created_at)).all()
    result = []
    for row in rows:
        target = _load_target(session, row.kind, row.record_id)
        if target is not None and access.can_view_kind(viewer, row.kind, target):
            result.append((row, target))
    return result


# --- in-app list ------------------------------------------------------------------------------


def list_notifications(session: Session, viewer: access.Viewer, limit: int = 50, offset: int = 0) -> list[Notification]:
    return list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == viewer.user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(
        select(sa.func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).one()


def mark_read(session: Session, viewer: access.Viewer, notification_id: int | None = None) -> int:
    """Mark one of the viewer's notifications read (or all of them); returns how many changed."""
    stmt = sa.update(Notification).where(Notification.user_id == viewer.user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=utcnow())).rowcount


# --- alerts -----------------------------------------------------------------------------------


def get_alerts(session: Session, user_id: int) -> AlertSubscription | None:
    return session.exec(select(AlertSubscription).where(AlertSubscription.user_id == user_id)).first()


def save_alerts(
    session: Session, viewer: access.Viewer, categories: list[str], keywords: list[str]
) -> AlertSubscription:
    """Set the viewer's challenge alerts; choosing nothing turns them off."""
    sub = get_alerts(session, viewer.user_id) or AlertSubscription(user_id=viewer.user_id)
    sub.categories = list(categories)
    sub.keywords = list(keywords)
    sub.active = bool(categories or keywords)
    sub.updated_at = utcnow()
    session.add(sub)
    return sub


def active_alerts(session: Session) -> list[tuple[AlertSubscription, User]]:
    return list(
        session.exec(
            select(AlertSubscription, User)
            .join(User, User.id == AlertSubscription.user_id)
            .where(AlertSubscription.active.is_(True), User.status != "rejected")
            .order_by(AlertSubscription.id)
        ).all()
    )
