"""/api/v1 market-engagement events on a challenge: list and read them, and (with a token) add,
change and cancel them (the owner and co-sponsors), sign up and give up a place (verified
suppliers), publish the notes and slides, and add a question raised at the event.

Every call goes through outcomes.services.events, the functions the event pages use: who may,
when, the waiting list and the personal-data check are decided there, never here. Who sees the
challenge (and so its events) is decided by catalogue.access through `get_challenge`."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, pre_load, validate
from sqlmodel import Session

from catalogue import access, errors
from catalogue.accounts.models import Organisation
from catalogue.api import API_PREFIX, Blueprint, common, http
from catalogue.db import get_session
from catalogue.web_address import WebAddress
from outcomes import services
from outcomes.models import Challenge, ChallengeEvent, ClarificationQuestion
from outcomes.schemas import EVENT_KINDS, EventCancelSchema, EventNotesSchema, EventQuestionSchema, EventSchema
from outcomes.services import events as event_rules
from suppliers.api import MARKET_DESCRIPTION, MARKET_TAG

blp = Blueprint("api_events", __name__, url_prefix=API_PREFIX, description=MARKET_DESCRIPTION, doc_tag=MARKET_TAG)
common.install(blp)

EVENT_STATUSES = ("scheduled", "cancelled")
SIGNUP_STATUSES = ("booked", "waiting")
QUESTION_STATUSES = ("asked", "published")


# --- what the API answers ------------------------------------------------------------------------


class SlideOut(Schema):
    title = fields.String()
    url = WebAddress()


class SignupOut(Schema):
    """Your organisation's place at an event: booked (a place, or a one-to-one slot) or waiting."""

    event = fields.Integer(metadata={"description": "the event's id"})
    challenge = fields.String()
    supplier = fields.String(metadata={"description": "your organisation's ref"})
    status = fields.String(validate=validate.OneOf(SIGNUP_STATUSES))
    place = fields.String(metadata={"example": "You are number 2 on the waiting list"})
    waiting_position = fields.Integer(metadata={"description": "on the waiting list: your number (1 = next)"})
    slot_starts = fields.DateTime(metadata={"description": "one-to-one: your slot (time in England)"})
    slot_ends = fields.DateTime()
    signed_up_at = fields.DateTime()


class AttendeeOut(Schema):
    supplier = fields.String()
    supplier_name = fields.String()
    status = fields.String(validate=validate.OneOf(SIGNUP_STATUSES))
    slot_starts = fields.DateTime()
    slot_ends = fields.DateTime()
    signed_up_at = fields.DateTime()


class EventOut(Schema):
    id = fields.Integer()
    challenge = fields.String()
    kind = fields.String(validate=validate.OneOf(list(EVENT_KINDS)))
    kind_label = fields.String()
    title = fields.String()
    description = fields.String()
    day = fields.Date()
    starts = fields.String(metadata={"description": "time of day in England, HH:MM", "example": "10:00"})
    ends = fields.String(metadata={"description": "time of day in England, HH:MM", "example": "12:30"})
    place = fields.String()
    link = WebAddress(allow_none=True, metadata={"description": "the online link (http or https)"})
    capacity = fields.Integer(metadata={"description": "places (one-to-one: the slots that fit)"})
    slot_minutes = fields.Integer()
    places_taken = fields.Integer()
    status = fields.String(validate=validate.OneOf(EVENT_STATUSES))
    cancel_reason = fields.String()
    signup_closed = fields.String(metadata={"description": "why sign-up is closed; absent while open"})
    notes = fields.String()
    slides = fields.List(fields.Nested(SlideOut))
    notes_published_at = fields.DateTime()
    updated_at = fields.DateTime()
    signup = fields.Nested(SignupOut, metadata={"description": "a supplier's own place, when it has one"})
    attendees = fields.List(
        fields.Nested(AttendeeOut), metadata={"description": "the owner and co-sponsors only: places, then waiting"}
    )


class EventQuestionOut(Schema):
    id = fields.Integer()
    challenge = fields.String()
    event = fields.Integer()
    question = fields.String()
    answer = fields.String()
    status = fields.String(validate=validate.OneOf(QUESTION_STATUSES))
    asked_at = fields.DateTime()
    published_at = fields.DateTime()


# What an event's GET answers beyond what a PATCH takes: dropped from a body sent back as read.
EVENT_READ_ONLY = tuple(name for name in EventOut._declared_fields if name not in EventSchema._declared_fields)


class EventPatch(EventSchema):
    """Any of an event's fields; the rest stay as they are (the whole, merged, is checked again
    by EventSchema, so the checks across fields are not run on the part sent)."""

    def _check(self, *_args: Any, **_kwargs: Any) -> None:  # replaces EventSchema's hook
        return None

    @pre_load
    def _drop_read_only(self, data: Any, **_kwargs: Any) -> Any:
        return {k: v for k, v in data.items() if k not in EVENT_READ_ONLY} if isinstance(data, dict) else data


EVENT_EXAMPLE = {
    "kind": "supplier-day",
    "title": "Supplier day: recording visits",
    "description": "The problem, the data and the timetable, then questions.",
    "day": "2030-03-12",
    "starts": "10:00",
    "ends": "12:30",
    "place": "Council House, Northshire",
    "capacity": 20,
}


def _time(value: Any) -> str | None:
    return f"{value:%H:%M}" if value is not None else None


def signup_json(session: Session, challenge: Challenge, event: ChallengeEvent, row: Any) -> dict[str, Any]:
    supplier = session.get(Organisation, row.supplier_id)
    data: dict[str, Any] = {
        "event": event.id,
        "challenge": challenge.ref,
        "supplier": supplier.ref if supplier else None,
        "status": row.status,
        "place": event_rules.describe_place(session, event, row),
        "signed_up_at": row.signed_up_at,
    }
    if row.status == "booked" and row.slot is not None:
        data["slot_starts"], data["slot_ends"] = event_rules.slot_times(event, row.slot)
    data["waiting_position"] = services.waiting_position(session, event, row)
    return common.compact(data)


def event_json(session: Session, challenge: Challenge, event: ChallengeEvent) -> dict[str, Any]:
    viewer = common.viewer()
    data: dict[str, Any] = {
        "id": event.id,
        "challenge": challenge.ref,
        "kind": event.kind,
        "kind_label": EVENT_KINDS.get(event.kind, event.kind),
        "title": event.title,
        "description": event.description,
        "day": event.day,
        "starts": _time(event.starts),
        "ends": _time(event.ends),
        "place": event.place,
        "link": event.link,
        "capacity": event.capacity,
        "slot_minutes": event.slot_minutes,
        "places_taken": services.places_taken(session, event),
        "status": event.status,
        "cancel_reason": event.cancel_reason,
        "signup_closed": services.signup_closed(challenge, event),
        "notes": event.notes,
        "slides": event.slides,
        "notes_published_at": event.notes_published_at,
        "updated_at": event.updated_at,
    }
    own = services.own_signup(session, viewer, event)
    if own is not None:
        data["signup"] = signup_json(session, challenge, event, own)
    result = common.compact(data)
    # The owner and co-sponsors always get the list, empty or not; nobody else gets it at all.
    if access.can_run_events(viewer, challenge, services.co_sponsor_ids(session, challenge)):
        attendees = [
            common.compact(
                {
                    "supplier": a.supplier.ref if a.supplier else None,
                    "supplier_name": a.supplier.name if a.supplier else None,
                    "status": a.signup.status,
                    "slot_starts": a.slot[0] if a.slot else None,
                    "slot_ends": a.slot[1] if a.slot else None,
                    "signed_up_at": a.signup.signed_up_at,
                }
            )
            for a in services.attendees(session, viewer, challenge, event)
        ]
        result["attendees"] = attendees
    return result


def question_json(challenge: Challenge, row: ClarificationQuestion) -> dict[str, Any]:
    return common.compact(
        {
            "id": row.id,
            "challenge": challenge.ref,
            "event": row.event_id,
            "question": row.question,
            "answer": row.answer,
            "status": row.status,
            "asked_at": row.asked_at,
            "published_at": row.published_at,
        }
    )


# --- finding things, and answering a service's refusal ---------------------------------------------


def _challenge(ref: str) -> Challenge:
    challenge = services.get_challenge(get_session(), common.viewer(), ref)
    if challenge is None:
        common.not_found("challenge")
    return challenge


MAX_ID = 2**63 - 1  # the database's largest integer: a larger id names no event


def _event(ref: str, event_id: int) -> tuple[Challenge, ChallengeEvent]:
    challenge = _challenge(ref)
    if event_id > MAX_ID:
        common.not_found("event")
    try:
        return challenge, services.get_event(get_session(), common.viewer(), challenge, event_id)
    except errors.NotFound:
        common.not_found("event")
        raise  # unreachable: not_found aborts


def _must_run(challenge: Challenge) -> None:
    """403 before reading the body, as the pages refuse before showing the form."""
    session = get_session()
    if not access.can_run_events(common.viewer(), challenge, services.co_sponsor_ids(session, challenge)):
        common.forbidden("Only the challenge's owner and co-sponsors run its events")


def _write(do: Any) -> Any:
    """One service write, committed: NotAllowed is a 403 with its reason, a refusal of the whole
    request (the event has started, sign-up has closed) a 409, field errors a 422 (all at once)."""
    session = get_session()
    try:
        result = do()
    except errors.NotFound:
        session.rollback()
        common.not_found("event")
    except errors.NotAllowed as exc:
        session.rollback()
        common.forbidden(exc.message)
    except errors.Refused as exc:
        session.rollback()
        if set(exc.errors) == {"_schema"}:
            common.abort_conflict(exc.message)
        common.field_errors(exc.errors)
    session.commit()
    return result


def _event_url(challenge: Challenge, event: ChallengeEvent) -> str:
    return f"{API_PREFIX}/challenges/{challenge.ref}/events/{event.id}"


# --- the endpoints ---------------------------------------------------------------------------------


@blp.route("/challenges/<ref>/events")
class Events(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(common.PageArgs, location="query")
    @blp.response(200, common.page_schema(EventOut, "EventPage"))
    def get(self, args: dict[str, Any], ref: str) -> dict[str, Any]:
        """A challenge's events, soonest first, for whoever may see the challenge. The owner and
        co-sponsors also get each event's `attendees`; a supplier gets its own `signup`."""
        session = get_session()
        challenge = _challenge(ref)
        rows = services.visible_events(session, common.viewer(), challenge)
        rows = common.changed_since(rows, args.get("updated_since"))
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = [event_json(session, challenge, e) for e in page["items"]]
        return page

    @blp.arguments(EventSchema, example=EVENT_EXAMPLE)
    @blp.response(201, EventOut)
    def post(self, data: dict[str, Any], ref: str) -> Any:
        """Add an event (the owner and co-sponsors, while the challenge is in market engagement or
        open). One-to-one slots take `slot_minutes`; their capacity is the slots that fit."""
        session = get_session()
        challenge = _challenge(ref)
        _must_run(challenge)
        event = _write(lambda: services.create_event(session, common.viewer(), challenge, data))
        return http.created(event_json(session, challenge, event), _event_url(challenge, event))


@blp.route("/challenges/<ref>/events/<int:event_id>")
class EventItem(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, EventOut)
    def get(self, ref: str, event_id: int) -> dict[str, Any]:
        challenge, event = _event(ref, event_id)
        return event_json(get_session(), challenge, event)

    @blp.arguments(EventPatch(partial=True))
    @blp.response(200, EventOut)
    @blp.alt_response(409, response="Conflict")  # cancelled, or already started
    def patch(self, data: dict[str, Any], ref: str, event_id: int) -> dict[str, Any]:
        """Change an event before it starts (the owner and co-sponsors); send If-Match with its
        ETag to be told (412) when someone changed it meanwhile. Suppliers signed up hear of a new
        day, time or place; more places promote the waiting list."""
        http.check_if_match(lambda: self.get(ref, event_id))
        session = get_session()
        challenge, event = _event(ref, event_id)
        _must_run(challenge)
        merged = services.event_form_data(event)
        merged.pop("day_parts")
        merged["day"] = event.day.isoformat()
        merged.update({k: v for k, v in common.json_body().items() if k in EventSchema._declared_fields})
        clean = common.load_or_422(EventSchema(), merged)
        _write(lambda: services.update_event(session, common.viewer(), challenge, event, clean))
        return event_json(session, challenge, event)


@blp.route("/challenges/<ref>/events/<int:event_id>/cancel", methods=["POST"])
@blp.arguments(EventCancelSchema, example={"reason": "The venue is closed; a webinar replaces it"})
@blp.response(200, EventOut)
@common.write_limit()
def cancel_event(data: dict[str, Any], ref: str, event_id: int) -> dict[str, Any]:
    """Cancel an event with a reason (the owner and co-sponsors); everyone signed up is told."""
    session = get_session()
    challenge, event = _event(ref, event_id)
    _must_run(challenge)
    _write(lambda: services.cancel_event(session, common.viewer(), challenge, event, data["reason"]))
    return event_json(session, challenge, event)


@blp.route("/challenges/<ref>/events/<int:event_id>/signup")
class Signup(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, SignupOut)
    def get(self, ref: str, event_id: int) -> dict[str, Any]:
        """Your organisation's place at the event (404 when it has none)."""
        session = get_session()
        challenge, event = _event(ref, event_id)
        own = services.own_signup(session, common.viewer(), event)
        if own is None:
            common.not_found("sign-up of your organisation to this event")
        return signup_json(session, challenge, event, own)

    @blp.response(201, SignupOut)
    def post(self, ref: str, event_id: int) -> Any:
        """Sign your supplier up (approved members of a verified supplier): a place if one is
        free, else the waiting list. 409 once sign-up has closed (the event started, the challenge
        left market engagement, the event was cancelled) or when already signed up."""
        session = get_session()
        challenge, event = _event(ref, event_id)
        row = _write(lambda: services.sign_up(session, common.viewer(), challenge, event))
        return http.created(signup_json(session, challenge, event, row), _event_url(challenge, event) + "/signup")


@blp.route("/challenges/<ref>/events/<int:event_id>/signup/cancel", methods=["POST"])
@blp.response(200, EventOut)
@common.write_limit()
def cancel_signup(ref: str, event_id: int) -> dict[str, Any]:
    """Give up your organisation's place (or leave the waiting list) before the event starts; the
    first on the waiting list takes the place."""
    session = get_session()
    challenge, event = _event(ref, event_id)
    _write(lambda: services.cancel_signup(session, common.viewer(), challenge, event))
    return event_json(session, challenge, event)


@blp.route("/challenges/<ref>/events/<int:event_id>/notes", methods=["POST"])
@blp.arguments(
    EventNotesSchema,
    example={"notes": "Twelve suppliers came.", "slides": [{"title": "Slides", "url": "https://example.org/s.pdf"}]},
)
@blp.response(200, EventOut)
@common.write_limit()
def publish_notes(data: dict[str, Any], ref: str, event_id: int) -> dict[str, Any]:
    """After the event ends: publish (or correct) its notes and slides links. The first time,
    every interested supplier is sent them."""
    session = get_session()
    challenge, event = _event(ref, event_id)
    _must_run(challenge)
    _write(lambda: services.publish_notes(session, common.viewer(), challenge, event, data["notes"], data["slides"]))
    return event_json(session, challenge, event)


@blp.route("/challenges/<ref>/events/<int:event_id>/questions")
class EventQuestions(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(common.PageArgs, location="query")
    @blp.response(200, common.page_schema(EventQuestionOut, "EventQuestionPage"))
    def get(self, args: dict[str, Any], ref: str, event_id: int) -> dict[str, Any]:
        """The questions raised at the event that you may read (published answers for everyone;
        the owner and co-sponsors also those waiting for an answer)."""
        session = get_session()
        challenge, event = _event(ref, event_id)
        rows = [q for q, _asker in services.visible_questions(session, common.viewer(), challenge)]
        rows = [q for q in rows if q.event_id == event.id]
        rows = common.changed_since(rows, args.get("updated_since"), lambda q: q.published_at or q.asked_at)
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = [question_json(challenge, q) for q in page["items"]]
        return page

    @blp.arguments(EventQuestionSchema, example={"question": "Can the tool run offline?", "answer": "Yes, for a day."})
    @blp.response(201, EventQuestionOut)
    def post(self, data: dict[str, Any], ref: str, event_id: int) -> Any:
        """Add a question raised at the event to the challenge's questions (the owner and
        co-sponsors, once it has started). With an `answer` (the owner only) it is published at
        once; without, it waits for the owner's answer."""
        session = get_session()
        challenge, event = _event(ref, event_id)
        _must_run(challenge)
        row = _write(
            lambda: services.add_event_question(
                session, common.viewer(), challenge, event, data["question"], data.get("answer")
            )
        )
        return http.created(question_json(challenge, row), _event_url(challenge, event) + "/questions")
