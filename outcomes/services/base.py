"""What every outcomes service module shares: the English calendar day, the refusals and
the followers' news. Not part of the facade (outcomes.services re-exports only `today`)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from catalogue.errors import Invalid, NotAllowed
from catalogue.personal_data import Review, guard
from outcomes import clock
from outcomes.models import Challenge

UK = ZoneInfo("Europe/London")


def today() -> date:
    """Closing dates are English calendar days (outcomes.clock keeps the clock)."""
    return clock.today()


def _require(allowed: bool, message: str = "You do not have permission to do that") -> None:
    if not allowed:
        raise NotAllowed(message)


def _refuse_personal_data(data: dict[str, Any], skip: tuple[str, ...] = ()) -> Review | None:
    """Free text about a child or family is never stored where others read it. Returns what the
    writer confirmed is not about a real person, for `record_override` once the record is saved."""
    checked = guard(data, skip=skip)
    if checked.problems:
        raise Invalid.of_fields(checked.problems)
    return checked.override


def _challenge_event(session: Session, challenge: Challenge, event: str, text: str) -> None:
    """Interested suppliers and followers hear about status changes, new Q&A, amendments and
    results (in the same transaction)."""
    from outcomes.services import news

    news.challenge_news(session, challenge, event, text)
