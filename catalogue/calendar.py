"""English calendar days: closing dates, deadlines and "today" for every package.

Closing dates are days in England, kept until the end of the day, so "has it passed?" is asked of
the Europe/London date, never of UTC. The challenge clock (outcomes.clock) and the policy's
sealed proposals (catalogue.access) both ask here, so they cannot disagree.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def today() -> date:
    """Today in England: a closing date is open until the end of its day."""
    return datetime.now(UK).date()


def closing_passed(closes: date | None, on: date | None = None) -> bool:
    """True once the day after `closes` has begun in England (`on` stands for today in tests)."""
    return closes is not None and closes < (on or today())
