"""Ask a peer: a signed-in member of an authority-side organisation asks the organisation behind a
deployment about its experience.

- Who may ask: approved staff of an authority, provider, partnership or government body who may
  see the record (catalogue.access); not its own organisation; never suppliers, who are pointed
  to a challenge's questions instead.
- Who receives it: the organisation's named contact when it consented to be contacted, else its
  approved admins. Neither side's address is shown: the email carries the question and a reply
  link to this site (a signed token naming the question and the recipient's address). When the
  recipient replies there, the asker gets the reply with the recipient's address, and the
  recipient gets the asker's: from then on they write to each other directly.
- Throttled per sender per day by counting their questions in the database (not process memory,
  so every app server agrees); every question and reply is in the audit trail (the recipient
  organisation's admins see it); the text passes the personal-data check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import NotAllowed
from catalogue.records.models import Deployment, PeerQuestion, Tool

QUESTIONS_PER_DAY = 5
MESSAGE_MAX = 2000


class AskRefused(NotAllowed):
    """The viewer may not ask about this record (the message says why and where to go instead)."""


@dataclass
class AskTarget:
    deployment: Deployment
    tool: Tool
    organisation: Organisation


def ask_target(session: Session, viewer: Viewer, ref: str) -> AskTarget:
    """The record to ask about; NotFound (as for any record) when the viewer may not see it,
    AskRefused when they may see it but not ask."""
    from catalogue.records.services import get_visible_deployment

    deployment = get_visible_deployment(session, viewer, ref)
    if viewer.is_supplier:
        raise AskRefused(
            "Suppliers cannot message authorities about their experience. Ask your question on a "
            "published challenge instead: its questions and answers are shared with every supplier."
        )
    if viewer.member_org_id is not None and viewer.member_org_id == deployment.organisation_id:
        raise AskRefused("This is your own organisation's record.")
    if not access.can_ask_peer(viewer, deployment):
        raise AskRefused("Only approved staff of an authority, provider, partnership or government body can ask.")
    return AskTarget(
        deployment, session.get(Tool, deployment.tool_id), session.get(Organisation, deployment.organisation_id)
    )


def recipients(session: Session, organisation: Organisation) -> list[str]:
    """The consenting contact, else the organisation's approved admins."""
    if organisation.contact_consent and organisation.contact_email and not organisation.contact_pending:
        return [organisation.contact_email]
    admins = session.exec(
        select(User.email).where(
            User.organisation_id == organisation.id, User.role == "admin", User.status == "approved"
        )
    ).all()
    return sorted(set(admins))


def asked_today(session: Session, sender_id: int) -> int:
    since = utcnow() - timedelta(days=1)
    return session.exec(
        select(sa.func.count())
        .select_from(PeerQuestion)
        .where(PeerQuestion.sender_id == sender_id, PeerQuestion.created_at >= since)
    ).one()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="peer-question-reply")


def reply_token(question_id: int, address: str) -> str:
    return _serializer().dumps({"q": question_id, "to": address})


def read_reply_token(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("q"), int) or not isinstance(data.get("to"), str):
        return None
    return data["q"], data["to"]


def _queue(session: Session, to: str, subject: str, body: str, user_id: int | None = None) -> None:
    from catalogue.notifications.models import OutboxEmail

    product = current_app.config["PRODUCT_NAME"]
    session.add(
        OutboxEmail(
            user_id=user_id,
            to_address=to,
            subject=f"{subject} – {product}"[:300],
            body=f"{body}\n\n-- \n{product}",
            unsubscribe_token="",
        )
    )
    if has_request_context():
        g.outbox_dirty = True


def _absolute(endpoint: str, **values: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _check_text(text: str, what: str) -> dict[str, str]:
    from catalogue.personal_data import guard

    if not text:
        return {what: f"Enter your {what}"}
    if len(text) > MESSAGE_MAX:
        return {what: f"Your {what} must be {MESSAGE_MAX:,} characters or fewer"}
    return guard({what: text}, [what]).problems


def ask(session: Session, viewer: Viewer, target: AskTarget, message: str) -> tuple[PeerQuestion | None, dict]:
    """Send the question through the outbox, in the caller's transaction: (question, {}) or
    (None, errors keyed by field)."""
    from catalogue.personal_data import guard, record_override

    message = (message or "").strip()
    errors = _check_text(message, "message")
    if errors:
        return None, errors
    if asked_today(session, viewer.user_id) >= QUESTIONS_PER_DAY:
        return None, {
            "message": f"You have sent {QUESTIONS_PER_DAY} questions in the last 24 hours. Try again tomorrow"
        }
    to = recipients(session, target.organisation)
    if not to:
        return None, {
            "message": f"{target.organisation.name} has no one to receive questions yet. "
            "Ask the Signpost team for an introduction"
        }
    question = PeerQuestion(
        deployment_id=target.deployment.id,
        organisation_id=target.organisation.id,
        sender_id=viewer.user_id,
        sender_organisation_id=viewer.member_org_id,
        message=message,
    )
    session.add(question)
    session.flush()
    record_override(session, guard({"message": message}, ["message"]).override, question)
    asker_org = session.get(Organisation, viewer.member_org_id)
    subject = f"{asker_org.name} asks about your experience of {target.tool.name}"
    for address in to:
        body = (
            f"Someone at {asker_org.name} read your record of {target.tool.name} on Signpost and asks:\n\n"
            f"{message}\n\n"
            f"Reply here (your address is shared with them only when you reply): "
            f"{_absolute('records.peer_reply', token=reply_token(question.id, address))}\n"
            f"The record: {_absolute('records.deployment', ref=target.deployment.ref)}"
        )
        _queue(session, address, subject, body)
    return question, {}


@dataclass
class ReplyContext:
    question: PeerQuestion
    address: str
    deployment: Deployment
    tool: Tool
    asker_organisation: Organisation


def reply_context(session: Session, token: str) -> ReplyContext | None:
    found = read_reply_token(token)
    if found is None:
        return None
    question = session.get(PeerQuestion, found[0])
    if question is None:
        return None
    deployment = session.get(Deployment, question.deployment_id)
    return ReplyContext(
        question,
        found[1],
        deployment,
        session.get(Tool, deployment.tool_id),
        session.get(Organisation, question.sender_organisation_id),
    )


def send_reply(session: Session, context: ReplyContext, reply: str) -> dict[str, str]:
    """Record the reply and introduce the two by email, in the caller's transaction."""
    from catalogue.personal_data import guard, record_override

    question = context.question
    if question.replied_at is not None:
        return {"reply": "This question has been answered already"}
    reply = (reply or "").strip()
    errors = _check_text(reply, "reply")
    if errors:
        return errors
    question.reply, question.replied_by, question.replied_at = reply, context.address, utcnow()
    session.add(question)
    session.flush()
    record_override(session, guard({"reply": reply}, ["reply"]).override, question)
    asker = session.get(User, question.sender_id)
    org = session.get(Organisation, question.organisation_id)
    if asker is not None:
        _queue(
            session,
            asker.email,
            f"{org.name} replied about {context.tool.name}",
            f"You asked:\n\n{question.message}\n\n{org.name} replied:\n\n{reply}\n\n"
            f"You can now write to them directly at {context.address}.",
            user_id=asker.id,
        )
        _queue(
            session,
            context.address,
            f"Your reply about {context.tool.name} was sent",
            f"Your reply was sent to {asker.display_name} at {context.asker_organisation.name}. "
            f"You can write to them directly at {asker.email}.",
        )
    return {}


def can_offer_ask(viewer: Viewer, deployment: Deployment) -> bool:
    """Whether the deployment page shows "Ask about this experience" (the page re-checks)."""
    return access.can_view(viewer, deployment) and viewer.member_org_id != deployment.organisation_id
