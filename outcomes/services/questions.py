"""Clarification questions: suppliers ask while the window is open; the owner answers and
publishes the pair (reworded if need be, so the asker is not named)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.personal_data import record_override
from outcomes.models import Challenge, ClarificationQuestion
from outcomes.services import news
from outcomes.services.base import _challenge_event, _refuse_personal_data, _require, today
from outcomes.services.sharing import co_sponsor_ids

# --- clarification questions ------------------------------------------------------------------


def questions_open(challenge: Challenge, on: date | None = None) -> str | None:
    """None when suppliers may ask; otherwise why not."""
    on = on or today()
    if challenge.status not in ("market-engagement", "open"):
        return "Questions can be asked only during market engagement or while the challenge is open"
    if challenge.status == "open":
        closes = challenge.questions_close or (challenge.closes and challenge.closes - timedelta(days=7))
        if closes is not None and on > closes:
            return f"Clarification questions closed on {closes:%-d %B %Y}"
    return None


def ask_question(session: Session, viewer: Viewer, challenge: Challenge, text: str) -> ClarificationQuestion:
    _require(access.can_respond_to_challenges(viewer), "Only approved suppliers can ask clarification questions")
    refusal = questions_open(challenge)
    if refusal:
        raise Invalid(refusal, "question")
    override = _refuse_personal_data({"question": text})
    row = ClarificationQuestion(
        challenge_id=challenge.id,
        supplier_id=viewer.member_org_id,
        asked_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
        question=text,
    )
    session.add(row)
    session.flush()
    record_override(session, override, row)
    news.question_asked(session, challenge, row)
    return row


def add_event_question(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    event_id: int,
    text: str,
    answer: str | None = None,
) -> ClarificationQuestion:
    """A question raised at a market-engagement event (outcomes.services.events checks who and
    when), added by the team running it: no supplier is named. With an answer it goes through
    `answer_question` and is published at once; without, it waits for the owner's answer as any
    question does."""
    override = _refuse_personal_data({"question": text, "answer": answer})
    row = ClarificationQuestion(challenge_id=challenge.id, supplier_id=None, event_id=event_id, question=text)
    session.add(row)
    session.flush()
    record_override(session, override, row)
    if answer:
        return answer_question(session, viewer, challenge, row.id, text, answer)
    news.question_asked(session, challenge, row)
    return row


def answer_question(
    session: Session, viewer: Viewer, challenge: Challenge, question_id: int, question: str, answer: str
) -> ClarificationQuestion:
    """The owner answers (and may reword the question, to remove who asked) and publishes the pair."""
    _require(access.can_manage_challenge(viewer, challenge))
    row = session.get(ClarificationQuestion, question_id)
    if row is None or row.challenge_id != challenge.id:
        raise Invalid("That question is not for this challenge")
    override = _refuse_personal_data({"question": question, "answer": answer})
    first_time = row.status != "published"
    row.question, row.answer, row.status = question, answer, "published"
    row.published_at = row.published_at or utcnow()
    session.add(row)
    session.flush()
    record_override(session, override, row)
    if first_time:
        _challenge_event(session, challenge, "qa", f"Q: {question}\n\nA: {answer}")
        news.question_decided(session, challenge, row)
    return row


def decline_question(
    session: Session, viewer: Viewer, challenge: Challenge, question_id: int, reason: str | None
) -> ClarificationQuestion:
    """The owner declines to answer (a question already answered elsewhere, or out of scope): the
    question is not published, and the asker is told why."""
    _require(access.can_manage_challenge(viewer, challenge))
    row = session.get(ClarificationQuestion, question_id)
    if row is None or row.challenge_id != challenge.id:
        raise Invalid("That question is not for this challenge")
    if row.status != "asked":
        raise Invalid("Only a question waiting for an answer can be declined")
    override = _refuse_personal_data({"reason": reason})
    row.status, row.answer = "declined", reason or None
    session.add(row)
    session.flush()
    record_override(session, override, row)
    news.question_decided(session, challenge, row)
    return row


def visible_questions(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ClarificationQuestion, Organisation | None]]:
    """Questions this viewer may read, each with the asking supplier only where the policy allows."""
    sponsors = co_sponsor_ids(session, challenge)
    show_asker = access.can_see_asker(viewer, challenge, sponsors)
    rows = session.exec(
        select(ClarificationQuestion)
        .where(ClarificationQuestion.challenge_id == challenge.id)
        .order_by(ClarificationQuestion.asked_at, ClarificationQuestion.id)
    ).all()
    result = []
    for row in rows:
        if access.can_view_question(viewer, row, challenge, sponsors):
            asker = session.get(Organisation, row.supplier_id) if show_asker and row.supplier_id else None
            result.append((row, asker))
    return result
