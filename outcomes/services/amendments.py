"""Amendments: published changes to an open challenge. The owner may extend the closing date
(never shorten it once open), correct or add to the statement, and add a document link; each
amendment is stored with its date and reason, shown in the challenge's history and API output,
published as an OCDS tender amendment and sent to every interested supplier."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.personal_data import guard, record_override
from outcomes import clock
from outcomes.models import Challenge, ChallengeAmendment
from outcomes.services.base import _challenge_event, _require, today

FIELDS = ("closes", "problem", "document_title", "document_url")


def amendments_of(session: Session, challenge: Challenge) -> list[ChallengeAmendment]:
    """Every amendment, oldest first. Amendments are as public as the challenge itself."""
    return list(
        session.exec(
            select(ChallengeAmendment)
            .where(ChallengeAmendment.challenge_id == challenge.id)
            .order_by(ChallengeAmendment.at, ChallengeAmendment.id)
        ).all()
    )


def amendments_view(session: Session, challenge: Challenge) -> list[dict[str, Any]]:
    """Amendments for the page and the API: date, reason and each change in words."""
    return [
        {"at": row.at, "reason": row.reason, "changes": [describe(c) for c in row.changes]}
        for row in amendments_of(session, challenge)
    ]


def describe(change: dict[str, Any]) -> str:
    """One change in words (the history, the email and the OCDS amendment description)."""
    if change["field"] == "closes":
        was, now = date.fromisoformat(change["from"]), date.fromisoformat(change["to"])
        return f"The closing date moved from {was:%-d %B %Y} to {now:%-d %B %Y}"
    if change["field"] == "problem":
        return "The statement of the problem was changed"
    if change["field"] == "document":
        return f"A document was added: {change['title']} ({change['url']})"
    return f"{change['field']} changed"


def amend(
    session: Session, viewer: Viewer, challenge: Challenge, data: dict[str, Any], on: date | None = None
) -> ChallengeAmendment:
    """Apply and publish one amendment of an open challenge, or refuse it with every problem at
    once. `data`: reason (required), and any of closes, problem, document_title with document_url."""
    _require(access.can_manage_challenge(viewer, challenge))
    day = on or today()
    if clock.effective_status(challenge, day) != "open":
        raise Invalid("Only a challenge open for proposals can be amended")
    errors: dict[str, str] = {}
    changes: list[dict[str, Any]] = []
    reason = (data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = "Enter the reason for the amendment"
    closes = data.get("closes")
    if closes is not None and closes != challenge.closes:
        if challenge.closes is not None and closes < challenge.closes:
            errors["closes"] = (
                f"The closing date can only be extended once the challenge is open: "
                f"choose a date after {challenge.closes:%-d %B %Y}"
            )
        elif closes <= day:
            errors["closes"] = "The closing date must be in the future"
        else:
            changes.append({"field": "closes", "from": challenge.closes.isoformat(), "to": closes.isoformat()})
    problem = (data.get("problem") or "").strip()
    if problem and problem != challenge.problem.strip():
        changes.append({"field": "problem", "from": challenge.problem, "to": problem})
    title, url = (data.get("document_title") or "").strip(), data.get("document_url")
    if url and not title:
        errors["document_title"] = "Enter the document's title"
    elif title and not url:
        errors["document_url"] = "Enter the document's web address"
    elif url:
        changes.append({"field": "document", "title": title, "url": url})
    if not changes and not errors.keys() - {"reason"}:
        errors["closes"] = "Change the closing date or the statement, or add a document link"
    # Personal data is reported with every other problem, at once.
    checked = guard({"reason": reason, "problem": problem or None, "document_title": title or None})
    errors = {**checked.problems, **errors}
    if errors:
        raise Invalid.of_fields(errors)
    override = checked.override

    now = utcnow()
    for change in changes:
        if change["field"] == "closes":
            challenge.closes = closes
        elif change["field"] == "problem":
            challenge.problem = problem
        else:
            challenge.documents = [
                *challenge.documents,
                {"title": title, "url": url, "added_at": now.isoformat()},
            ]
    challenge.updated_at = now
    row = ChallengeAmendment(
        challenge_id=challenge.id,
        at=now,
        reason=reason,
        changes=changes,
        made_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(challenge)
    session.add(row)
    session.flush()
    record_override(session, override, row)
    from outcomes.ocds import store  # the amended tender notice (OCDS tender.amendments)

    store.publish(session, challenge, amendment=row, on=day)
    text = "\n".join(f"- {describe(c)}" for c in changes) + f"\n\nWhy: {reason}"
    _challenge_event(session, challenge, "amendment", text)
    return row
