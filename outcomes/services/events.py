"""Market-engagement events on a challenge: supplier days, webinars and one-to-one slots.

The owner and approved co-sponsors run them (catalogue.access.can_run_events); verified suppliers
sign up while the challenge is in market engagement or open and the event has not started. A full
event puts a supplier on the waiting list, promoted in the order of signing up as places free. After
the event its notes and slides links go to every interested supplier, and questions raised there
join the challenge's clarification questions (outcomes.services.questions: the same personal-data
check and the same answer flow).

Times are days and times of day in England; every function that depends on "now" takes `now`
(an aware datetime) so tests freeze the clock by passing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid, NotAllowed, NotFound
from catalogue.personal_data import record_override
from outcomes import clock
from outcomes.models import Challenge, ChallengeEvent, ChallengeEventSignup
from outcomes.schemas import EVENT_KINDS
from outcomes.services import news
from outcomes.services.base import UK, _refuse_personal_data, _require
from outcomes.services.sharing import can_view, co_sponsor_ids

# Events are added, and suppliers sign up, while the challenge is in one of these (as shown).
EVENT_STATUSES = ("market-engagement", "open")
TEXT_FIELDS = ("title", "description", "place")


def now_in_england() -> datetime:
    return datetime.now(UK)


def starts_at(event: ChallengeEvent) -> datetime:
    return datetime.combine(event.day, event.starts, tzinfo=UK)


def ends_at(event: ChallengeEvent) -> datetime:
    return datetime.combine(event.day, event.ends, tzinfo=UK)


def slot_times(event: ChallengeEvent, slot: int) -> tuple[datetime, datetime]:
    begin = starts_at(event) + timedelta(minutes=(event.slot_minutes or 0) * slot)
    return begin, begin + timedelta(minutes=event.slot_minutes or 0)


def _slots(data: dict[str, Any]) -> int:
    """How many one-to-one slots of `slot_minutes` fit between the start and the end."""
    minutes = (
        datetime.combine(data["day"], data["ends"]) - datetime.combine(data["day"], data["starts"])
    ).seconds // 60
    return minutes // data["slot_minutes"]


def _runs(session: Session, viewer: Viewer, challenge: Challenge) -> bool:
    return access.can_run_events(viewer, challenge, co_sponsor_ids(session, challenge))


def events_closed(challenge: Challenge, on: Any = None) -> str | None:
    """None while events can be added and signed up to; otherwise why not."""
    if clock.effective_status(challenge, on) not in EVENT_STATUSES:
        return "Events are only for a challenge in market engagement or open for proposals"
    return None


def signup_closed(challenge: Challenge, event: ChallengeEvent, now: datetime | None = None) -> str | None:
    """None when a supplier may sign up now; otherwise why not."""
    now = now or now_in_england()
    if event.status == "cancelled":
        return "This event has been cancelled"
    refusal = events_closed(challenge, now.astimezone(UK).date())
    if refusal:
        return "Sign-up has closed: the challenge is no longer in market engagement or open"
    if now >= starts_at(event):
        return "Sign-up has closed: the event has started"
    return None


# --- reading --------------------------------------------------------------------------------------


def visible_events(session: Session, viewer: Viewer, challenge: Challenge) -> list[ChallengeEvent]:
    """The challenge's events, soonest first, for whoever may see the challenge."""
    if not can_view(session, viewer, challenge):
        return []
    return list(
        session.exec(
            select(ChallengeEvent)
            .where(ChallengeEvent.challenge_id == challenge.id)
            .order_by(ChallengeEvent.day, ChallengeEvent.starts, ChallengeEvent.id)
        ).all()
    )


def get_event(session: Session, viewer: Viewer, challenge: Challenge, event_id: int) -> ChallengeEvent:
    event = session.get(ChallengeEvent, event_id)
    if event is None or event.challenge_id != challenge.id or not can_view(session, viewer, challenge):
        raise NotFound()
    return event


def _signups(session: Session, event: ChallengeEvent, *statuses: str) -> list[ChallengeEventSignup]:
    return list(
        session.exec(
            select(ChallengeEventSignup)
            .where(ChallengeEventSignup.event_id == event.id, ChallengeEventSignup.status.in_(statuses))
            .order_by(ChallengeEventSignup.signed_up_at, ChallengeEventSignup.id)
        ).all()
    )


def places_taken(session: Session, event: ChallengeEvent) -> int:
    return len(_signups(session, event, "booked"))


def own_signup(session: Session, viewer: Viewer, event: ChallengeEvent) -> ChallengeEventSignup | None:
    if viewer.member_org_id is None:
        return None
    row = session.exec(
        select(ChallengeEventSignup).where(
            ChallengeEventSignup.event_id == event.id, ChallengeEventSignup.supplier_id == viewer.member_org_id
        )
    ).first()
    return row if row is not None and row.status != "cancelled" else None


def describe_place(session: Session, event: ChallengeEvent, signup: ChallengeEventSignup) -> str:
    """What the supplier holds: a place (a slot, for one-to-one) or its number on the waiting list."""
    if signup.status == "booked":
        if event.kind == "one-to-one" and signup.slot is not None:
            begin, end = slot_times(event, signup.slot)
            return f"You have the one-to-one slot from {begin:%H:%M} to {end:%H:%M} on {event.day:%-d %B %Y}"
        return "You have a place"
    return f"You are number {waiting_position(session, event, signup)} on the waiting list"


def waiting_position(session: Session, event: ChallengeEvent, signup: ChallengeEventSignup) -> int | None:
    """The supplier's number on the waiting list (1 = next to get a place); None when not waiting."""
    if signup.status != "waiting":
        return None
    waiting = [row.id for row in _signups(session, event, "waiting")]
    return waiting.index(signup.id) + 1


@dataclass(frozen=True)
class Attendee:
    signup: ChallengeEventSignup
    supplier: Organisation
    by: User | None
    slot: tuple[datetime, datetime] | None


def attendees(session: Session, viewer: Viewer, challenge: Challenge, event: ChallengeEvent) -> list[Attendee]:
    """Who has a place and who waits (in order): the owner and co-sponsors only."""
    _require(_runs(session, viewer, challenge), "Only the challenge's owner and co-sponsors see who signed up")
    result = []
    for row in _signups(session, event, "booked", "waiting"):
        supplier = session.get(Organisation, row.supplier_id)
        by = session.get(User, row.signed_up_by_id) if row.signed_up_by_id else None
        slot = slot_times(event, row.slot) if row.status == "booked" and row.slot is not None else None
        result.append(Attendee(row, supplier, by, slot))
    return result


# --- the owner's side -----------------------------------------------------------------------------


def _check_event(
    session: Session, viewer: Viewer, challenge: Challenge, data: dict[str, Any], now: datetime
) -> tuple[int, Any]:
    """Who may, when, and the personal-data check: every problem at once. Returns the capacity
    and the writer's confirmation (for the audit trail)."""
    _require(_runs(session, viewer, challenge), "Only the challenge's owner and co-sponsors run its events")
    problems: dict[str, str] = {}
    refusal = events_closed(challenge, now.astimezone(UK).date())
    if refusal:
        problems["_schema"] = refusal
    if datetime.combine(data["day"], data["starts"], tzinfo=UK) <= now:
        problems["day"] = "The event must start in the future"
    capacity = data.get("capacity")
    if data["kind"] == "one-to-one":
        capacity = _slots(data)
        if capacity < 1:
            problems["slot_minutes"] = "No slot of that length fits between the start and end times"
    try:
        override = _refuse_personal_data({k: data.get(k) for k in TEXT_FIELDS})
    except Invalid as exc:
        problems.update(exc.errors)
        override = None
    if problems:
        raise Invalid.of_fields(problems)
    return capacity, override


def create_event(
    session: Session, viewer: Viewer, challenge: Challenge, data: dict[str, Any], now: datetime | None = None
) -> ChallengeEvent:
    now = now or now_in_england()
    capacity, override = _check_event(session, viewer, challenge, data, now)
    event = ChallengeEvent(
        challenge_id=challenge.id,
        kind=data["kind"],
        title=data["title"],
        description=data.get("description"),
        day=data["day"],
        starts=data["starts"],
        ends=data["ends"],
        place=data.get("place"),
        link=data.get("link"),
        capacity=capacity,
        slot_minutes=data.get("slot_minutes") if data["kind"] == "one-to-one" else None,
        created_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(event)
    session.flush()
    record_override(session, override, event)
    return event


def event_form_data(event: ChallengeEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "title": event.title,
        "description": event.description or "",
        "day_parts": {"day": str(event.day.day), "month": str(event.day.month), "year": str(event.day.year)},
        "starts": f"{event.starts:%H:%M}",
        "ends": f"{event.ends:%H:%M}",
        "place": event.place or "",
        "link": event.link or "",
        "capacity": "" if event.kind == "one-to-one" else str(event.capacity),
        "slot_minutes": str(event.slot_minutes or ""),
    }


def update_event(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    event: ChallengeEvent,
    data: dict[str, Any],
    now: datetime | None = None,
) -> ChallengeEvent:
    """Change an event before it starts. Fewer places than suppliers already hold is refused;
    more places promote the waiting list. Suppliers signed up hear of a new day, time or place."""
    now = now or now_in_england()
    if event.status == "cancelled":
        raise Invalid("A cancelled event cannot be changed")
    if now >= starts_at(event):
        raise Invalid("An event cannot be changed once it has started")
    capacity, override = _check_event(session, viewer, challenge, data, now)
    taken = places_taken(session, event)
    if capacity < taken:
        field = "slot_minutes" if data["kind"] == "one-to-one" else "capacity"
        raise Invalid(f"{taken} suppliers already have a place: give at least {taken} places", field)
    before = (event.day, event.starts, event.ends, event.place, event.link)
    event.kind, event.title, event.description = data["kind"], data["title"], data.get("description")
    event.day, event.starts, event.ends = data["day"], data["starts"], data["ends"]
    event.place, event.link, event.capacity = data.get("place"), data.get("link"), capacity
    event.slot_minutes = data.get("slot_minutes") if data["kind"] == "one-to-one" else None
    event.updated_at = utcnow()
    session.add(event)
    _renumber_slots(session, event)
    session.flush()
    record_override(session, override, event)
    if before != (event.day, event.starts, event.ends, event.place, event.link):
        news.event_changed(
            session, challenge, event.id, f"the event {event.title} has changed", detail=_when_where(event)
        )
    _promote(session, challenge, event)
    return event


def cancel_event(
    session: Session, viewer: Viewer, challenge: Challenge, event: ChallengeEvent, reason: str
) -> ChallengeEvent:
    _require(_runs(session, viewer, challenge), "Only the challenge's owner and co-sponsors run its events")
    if event.status == "cancelled":
        raise Invalid("This event has already been cancelled")
    override = _refuse_personal_data({"reason": reason})
    event.status, event.cancel_reason, event.updated_at = "cancelled", reason, utcnow()
    session.add(event)
    session.flush()
    record_override(session, override, event)
    news.event_changed(session, challenge, event.id, f"the event {event.title} has been cancelled", detail=reason)
    return event


def publish_notes(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    event: ChallengeEvent,
    notes: str,
    slides: list[dict[str, str]],
    now: datetime | None = None,
) -> ChallengeEvent:
    """After the event: its notes and slides links, sent (the first time) to every interested
    supplier; later corrections are saved without another email."""
    _require(_runs(session, viewer, challenge), "Only the challenge's owner and co-sponsors run its events")
    now = now or now_in_england()
    if event.status == "cancelled":
        raise Invalid("A cancelled event has no notes")
    if now < ends_at(event):
        raise Invalid(f"Publish the notes after the event ends ({ends_at(event):%H:%M on %-d %B %Y})", "notes")
    override = _refuse_personal_data(
        {"notes": notes, **{f"slides-{i}-title": s["title"] for i, s in enumerate(slides)}}
    )
    first = event.notes_published_at is None
    event.notes, event.slides = notes, [{"title": s["title"], "url": s["url"]} for s in slides]
    event.notes_published_at = event.notes_published_at or utcnow()
    event.updated_at = utcnow()
    session.add(event)
    session.flush()
    record_override(session, override, event)
    if first:
        links = "\n".join(f"- {s['title']}: {s['url']}" for s in event.slides)
        news.event_notes(
            session,
            challenge,
            event.id,
            f"the notes of {event.title} were published",
            detail=notes + (f"\n\nSlides and documents:\n{links}" if links else ""),
        )
    return event


def add_event_question(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    event: ChallengeEvent,
    question: str,
    answer: str | None,
    now: datetime | None = None,
) -> Any:
    """A question raised at the event joins the challenge's clarification questions; with an
    answer (the owner's), it is published at once, as any answered question is."""
    from outcomes.services import questions

    _require(_runs(session, viewer, challenge), "Only the challenge's owner and co-sponsors run its events")
    now = now or now_in_england()
    if event.status == "cancelled":
        raise Invalid("A cancelled event raised no questions")
    if now < starts_at(event):
        raise Invalid("Add the questions raised at the event once it has started", "question")
    if answer and not access.can_manage_challenge(viewer, challenge):
        raise NotAllowed("Only the challenge's owner answers questions: leave the answer empty")
    return questions.add_event_question(session, viewer, challenge, event.id, question, answer)


def _when_where(event: ChallengeEvent) -> str:
    lines = [f"When: {event.day:%-d %B %Y}, {event.starts:%H:%M} to {event.ends:%H:%M}"]
    if event.place:
        lines.append(f"Where: {event.place}")
    if event.link:
        lines.append(f"Online: {event.link}")
    return "\n".join(lines)


def kind_label(event: ChallengeEvent) -> str:
    return EVENT_KINDS.get(event.kind, event.kind)


# --- the supplier's side --------------------------------------------------------------------------


def sign_up(
    session: Session, viewer: Viewer, challenge: Challenge, event: ChallengeEvent, now: datetime | None = None
) -> ChallengeEventSignup:
    """A place if one is free, else the waiting list; the owner's team is told."""
    _require(access.can_sign_up_to_events(viewer), "Only approved members of a verified supplier can sign up")
    refusal = signup_closed(challenge, event, now)
    if refusal:
        raise Invalid(refusal)
    # Lock the event row (PostgreSQL) so two suppliers cannot take the last place at once.
    session.exec(select(ChallengeEvent).where(ChallengeEvent.id == event.id).with_for_update()).first()
    row = session.exec(
        select(ChallengeEventSignup).where(
            ChallengeEventSignup.event_id == event.id, ChallengeEventSignup.supplier_id == viewer.member_org_id
        )
    ).first()
    if row is not None and row.status != "cancelled":
        raise Invalid("Your organisation has already signed up to this event")
    row = row or ChallengeEventSignup(event_id=event.id, supplier_id=viewer.member_org_id)
    row.signed_up_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    row.signed_up_at = row.updated_at = utcnow()
    row.status, row.slot = (
        ("booked", _free_slot(session, event))
        if places_taken(session, event) < event.capacity
        else (
            "waiting",
            None,
        )
    )
    session.add(row)
    session.flush()
    supplier = session.get(Organisation, viewer.member_org_id)
    who = supplier.name if supplier else "A supplier"
    news.event_signup(
        session,
        challenge,
        f"the {kind_label(event).lower()} {event.title}"
        + (" (on its waiting list)" if row.status == "waiting" else ""),
        event.day,
        who,
    )
    return row


def cancel_signup(
    session: Session, viewer: Viewer, challenge: Challenge, event: ChallengeEvent, now: datetime | None = None
) -> None:
    """The supplier gives up its place (or leaves the waiting list) before the event starts; the
    first on the waiting list takes a freed place."""
    now = now or now_in_england()
    row = own_signup(session, viewer, event)
    if row is None or not access.can_sign_up_to_events(viewer):
        raise Invalid("Your organisation is not signed up to this event")
    if now >= starts_at(event):
        raise Invalid("The event has started")
    row.status, row.slot, row.updated_at = "cancelled", None, utcnow()
    session.add(row)
    session.flush()
    _promote(session, challenge, event)


def _free_slot(session: Session, event: ChallengeEvent) -> int | None:
    if event.kind != "one-to-one":
        return None
    taken = {row.slot for row in _signups(session, event, "booked")}
    return next(i for i in range(event.capacity + 1) if i not in taken)


def _renumber_slots(session: Session, event: ChallengeEvent) -> None:
    """After a change of times or slot length: slots again in the order suppliers signed up."""
    for index, row in enumerate(_signups(session, event, "booked")):
        row.slot = index if event.kind == "one-to-one" else None
        session.add(row)


def _promote(session: Session, challenge: Challenge, event: ChallengeEvent) -> None:
    """Free places go to the waiting list in order; each promoted supplier is told."""
    if event.status == "cancelled":
        return
    waiting = _signups(session, event, "waiting")
    free = event.capacity - places_taken(session, event)
    for row in waiting[: max(free, 0)]:
        row.status, row.slot, row.updated_at = "booked", _free_slot(session, event), utcnow()
        session.add(row)
        session.flush()
        news.event_place(
            session,
            challenge,
            row.supplier_id,
            f"a place at {event.title} came free and is now yours",
            detail=describe_place(session, event, row).replace("You have", "Your organisation has")
            + "\n\n"
            + _when_where(event),
        )
