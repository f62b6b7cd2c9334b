"""The challenge clock: the status a person sees follows the dates.

A challenge stored as "open" whose closing date has passed is evaluating, whether or not the
scheduled command (`flask challenges advance`) has stored the move yet. Every page, list, count,
dashboard, alert, API answer and OCDS release asks this module, in Python (`effective_status`) or
in the database (`status_expr`, `status_is`), so lists and counts agree with the pages.

Every function takes the day as `on` (default: today in England), so tests freeze dates by
passing it, never by sleeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from catalogue.calendar import closing_passed, today

if TYPE_CHECKING:
    from sqlmodel import Session

    from outcomes.models import Challenge


# The status-history reason stored with a move the clock made (and how pages show it).
CLOSING_DATE_PASSED = "closing-date-passed"
REASONS: dict[str, str] = {CLOSING_DATE_PASSED: "closing date passed"}


def effective_status(challenge: Any, on: date | None = None) -> str:
    """The status to show: the stored one, except that an open challenge past its closing date
    is evaluating."""
    if challenge.status == "open" and closing_passed(challenge.closes, on):
        return "evaluating"
    return challenge.status


def status_reason(challenge: Any, on: date | None = None) -> str | None:
    """Why the shown status differs from the stored one (None when it does not)."""
    if effective_status(challenge, on) != challenge.status:
        return f"The closing date ({challenge.closes:%-d %B %Y}) has passed: proposals are being evaluated"
    return None


def status_expr(on: date | None = None) -> sa.ColumnElement:
    """`effective_status` as a SQL expression over the challenge table."""
    from outcomes.models import Challenge

    return sa.case(
        (
            sa.and_(Challenge.status == "open", Challenge.closes.is_not(None), Challenge.closes < (on or today())),
            sa.literal("evaluating"),
        ),
        else_=Challenge.status,
    )


def status_is(statuses: str | Iterable[str], on: date | None = None) -> sa.ColumnElement[bool]:
    """A WHERE clause: the challenge's effective status is one of `statuses`."""
    wanted = [statuses] if isinstance(statuses, str) else list(statuses)
    return status_expr(on).in_(wanted)


def due(session: Session, on: date | None = None) -> list[Challenge]:
    """Challenges whose stored status lags the clock: open with the closing date passed."""
    from sqlmodel import select

    from outcomes.models import Challenge

    on = on or today()
    return list(
        session.exec(
            select(Challenge)
            .where(Challenge.status == "open", Challenge.closes.is_not(None), Challenge.closes < on)
            .order_by(Challenge.id)
        ).all()
    )


def catch_up(session: Session, challenge: Challenge, on: date | None = None) -> bool:
    """Store the move the clock already shows (open -> evaluating, reason "closing date passed"),
    acting as the site. True when a move was stored."""
    if effective_status(challenge, on) == challenge.status:
        return False
    from catalogue.access import Viewer
    from outcomes import services

    services.change_status(
        session,
        Viewer(site_admin=True),
        challenge,
        "evaluating",
        reason=CLOSING_DATE_PASSED,
        detail="The closing date passed",
        on=on,
    )
    return True


def advance(session: Session, on: date | None = None) -> list[Challenge]:
    """The scheduled job: store every move the clock shows. Returns the challenges moved."""
    moved = due(session, on)
    for challenge in moved:
        catch_up(session, challenge, on)
    from outcomes.ocds import store

    store.publish_due_contracts(session, on or today())
    return moved
