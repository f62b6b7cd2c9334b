"""A challenge's life: the allowed status changes, each refused with its reason or recorded with
who and when, and the history shown on the page."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import User
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.personal_data import guard, record_override
from outcomes.models import Challenge, ChallengeResponse, ChallengeStatusChange
from outcomes.schemas import CLOSED_REASONS
from outcomes.services.base import _challenge_event, _refuse_personal_data, _require, today
from outcomes.services.challenges import PERSONAL_DATA_FIELDS
from outcomes.services.sharing import co_sponsor_ids
from suppliers.alerts import challenge_published

# --- the lifecycle ------------------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("market-engagement", "open", "withdrawn"),
    "market-engagement": ("open", "closed", "withdrawn"),
    "open": ("evaluating", "closed", "withdrawn"),
    "evaluating": ("awarded", "closed", "withdrawn"),
    "awarded": (),
    "closed": (),
    "withdrawn": (),
}
STATUS_NEWS = {
    "market-engagement": "now in market engagement: suppliers can ask questions and express interest",
    "open": "now open for proposals",
    "evaluating": "proposals are being evaluated",
    "awarded": "awarded",
    "closed": "closed without an award",
    "withdrawn": "withdrawn",
}


def allowed_transitions(challenge: Challenge) -> tuple[str, ...]:
    # Awarding goes through award(), which chooses the proposal.
    return tuple(s for s in TRANSITIONS.get(challenge.status, ()) if s != "awarded")


def change_status(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    to_status: str,
    *,
    reason: str | None = None,
    detail: str | None = None,
    _awarding: bool = False,
    on: date | None = None,
) -> ChallengeStatusChange:
    """Move a challenge on, or refuse with the reason. Every change is recorded with who and when."""
    _require(access.can_manage_challenge(viewer, challenge))
    current = challenge.status
    if to_status not in TRANSITIONS.get(current, ()):
        raise Invalid(
            f"A challenge that is ‘{vocabulary.label(vocabulary.CHALLENGE_STATUSES, current)}’ cannot become "
            f"‘{vocabulary.label(vocabulary.CHALLENGE_STATUSES, to_status)}’"
        )
    if to_status == "awarded" and not _awarding:
        raise Invalid("Award the challenge by choosing the successful proposal")
    if to_status in ("market-engagement", "open"):
        checked = guard({name: getattr(challenge, name) for name in PERSONAL_DATA_FIELDS}, PERSONAL_DATA_FIELDS)
        if checked.problems:
            raise Invalid(
                "Remove the personal data from the statement before publishing it: "
                + next(iter(checked.problems.values()))
            )
        record_override(session, checked.override, challenge)
    if to_status in ("open", "evaluating"):
        _check_dates(challenge, to_status, on)
    if to_status == "closed":
        _close(session, challenge, reason, detail)
    elif to_status == "withdrawn":
        if current == "draft" and not (detail or "").strip():
            # A mistake undone is recorded with its reason (audit trail, status history).
            raise Invalid("Enter why you are withdrawing the draft", "detail")
        # Why it was withdrawn is public (page, API, history): checked like any published text.
        record_override(session, _refuse_personal_data({"detail": detail}), challenge)
    else:
        detail = None  # only closing and withdrawing carry a reason
    challenge.status = to_status
    if challenge.published_at is None and to_status in ("market-engagement", "open"):
        challenge.published_at = utcnow()
    challenge.updated_at = utcnow()
    change = ChallengeStatusChange(
        challenge_id=challenge.id,
        from_status=current,
        to_status=to_status,
        reason=reason,
        detail=detail or None,
        changed_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(challenge)
    session.add(change)
    session.flush()
    if to_status in ("market-engagement", "open"):
        _challenge_published(session, challenge)
    news = STATUS_NEWS[to_status] + (f": {detail}" if detail and to_status in ("closed", "withdrawn") else "")
    _challenge_event(session, challenge, "status", news)
    from outcomes.ocds import store  # the notice this step publishes (OCDS release history)

    store.publish(session, challenge, on=on)
    return change


def _check_dates(challenge: Challenge, to_status: str, on: date | None = None) -> None:
    """Opening needs a closing date ahead (and sets when questions close); evaluating waits
    until the closing date has passed."""
    now_day = on or today()
    if to_status == "open":
        if challenge.closes is None or challenge.closes <= now_day:
            raise Invalid("Set a closing date in the future before opening the challenge for proposals", "closes")
        if challenge.questions_close is None:
            challenge.questions_close = max(now_day, challenge.closes - timedelta(days=7))
        elif challenge.questions_close >= challenge.closes:
            raise Invalid("Clarification questions must close before the closing date", "questions_close")
    if to_status == "evaluating" and challenge.closes is not None and challenge.closes >= now_day:
        raise Invalid(
            f"Proposals can be sent until the end of the closing date ({challenge.closes:%-d %B %Y}). "
            "Start evaluating after it"
        )


def _close(session: Session, challenge: Challenge, reason: str | None, detail: str | None) -> None:
    """Closed without an award: why, and every proposal still in the running is unsuccessful."""
    record_override(session, _refuse_personal_data({"detail": detail}), challenge)
    if reason not in CLOSED_REASONS:
        raise Invalid("Choose why the challenge closed without an award", "reason")
    if reason == "other" and not (detail or "").strip():
        raise Invalid("Enter the reason the challenge closed", "detail")
    challenge.closed_reason = reason
    challenge.closed_detail = detail or None
    # No award: every proposal still in the running was unsuccessful, so each supplier now
    # sees the feedback written for it.
    for proposal in session.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.challenge_id == challenge.id,
            ChallengeResponse.kind == "proposal",
            ChallengeResponse.status.in_(("submitted", "shortlisted")),
        )
    ).all():
        proposal.status = "unsuccessful"
        session.add(proposal)


def _challenge_published(session: Session, challenge: Challenge) -> None:
    """Suppliers whose alerts match hear about it (in the same transaction)."""
    challenge_published(session, challenge)


def status_history(session: Session, challenge: Challenge) -> list[ChallengeStatusChange]:
    return list(
        session.exec(
            select(ChallengeStatusChange)
            .where(ChallengeStatusChange.challenge_id == challenge.id)
            .order_by(ChallengeStatusChange.at, ChallengeStatusChange.id)
        ).all()
    )


def withdrawal_reason(session: Session, challenge: Challenge) -> str | None:
    """What the owner wrote when withdrawing the challenge (None if not withdrawn or no reason)."""
    if challenge.status != "withdrawn":
        return None
    return session.exec(
        select(ChallengeStatusChange.detail)
        .where(ChallengeStatusChange.challenge_id == challenge.id, ChallengeStatusChange.to_status == "withdrawn")
        .order_by(ChallengeStatusChange.at.desc(), ChallengeStatusChange.id.desc())
    ).first()


def status_history_view(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ChallengeStatusChange, str | None]]:
    """The history, each change with who made it for those who share the owner's view (the
    owner, approved co-sponsors, site admins); None for everyone else."""
    shows_who = access.can_see_responses(viewer, challenge, co_sponsor_ids(session, challenge))
    rows = []
    for change in status_history(session, challenge):
        who = None
        if shows_who and change.changed_by_id is not None:
            user = session.get(User, change.changed_by_id)
            who = (user.display_name or user.email) if user is not None else None
        rows.append((change, who))
    return rows
