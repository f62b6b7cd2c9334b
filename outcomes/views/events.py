"""Market-engagement event pages (their own blueprint, `events`): add, change and cancel an event,
sign up and give up a place, the attendee list, the notes and slides, and questions raised there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.errors import NotFound, saved
from catalogue.forms import form_to_dict, load_form
from outcomes import services
from outcomes.models import Challenge, ChallengeEvent
from outcomes.schemas import EVENT_KINDS, EventCancelSchema, EventNotesSchema, EventQuestionSchema, EventSchema
from outcomes.services import events as event_rules
from outcomes.views.common import _challenge, _date_from_parts, _rows, _signed_in

ebp = Blueprint("events", __name__)

DAY_PARTS = ("day", "month", "year")


def _event(ref: str, event_id: int) -> tuple[Challenge, ChallengeEvent]:
    challenge = _challenge(ref)
    try:
        return challenge, services.get_event(get_session(), current_viewer(), challenge, event_id)
    except NotFound:
        abort(404)


def _runs(challenge: Challenge) -> bool:
    session = get_session()
    return access.can_run_events(current_viewer(), challenge, services.co_sponsor_ids(session, challenge))


def _must_run(challenge: Challenge) -> None:
    _signed_in()
    if not _runs(challenge):
        abort(403, "Only the challenge's owner and co-sponsors run its events")


def _save(write: Callable[[], Any]) -> dict[str, str]:
    """One service write, committed; its field errors when invalid (NotAllowed goes on to a 403)."""
    return saved(get_session(), write)


# --- adding and changing an event ----------------------------------------------------------------


def _event_form(challenge: Challenge, data: dict, errors: dict, event: ChallengeEvent | None = None) -> str:
    return render_template(
        "outcomes/event_form.html",
        title=f"Change {event.title}" if event else "Add an event",
        challenge=challenge,
        event=event,
        kinds=EVENT_KINDS,
        data=data,
        errors=errors,
        closed=services.events_closed(challenge),
    )


def _read_event_form() -> tuple[dict[str, Any], dict[str, Any]]:
    """(what was typed, for showing again; what the schema reads)."""
    raw = form_to_dict(request.form)
    raw["day_parts"] = {p: raw.pop(f"day-{p}", "") for p in DAY_PARTS}
    given = {k: v for k, v in raw.items() if k != "day_parts"}
    given["day"] = _date_from_parts(request.form, "day")
    return raw, given


def _save_event(challenge: Challenge, save: Callable[[dict[str, Any]], Any], event: ChallengeEvent | None = None):
    raw, given = _read_event_form()
    data, errors = load_form(EventSchema(), given)
    if not errors:
        errors = _save(lambda: save(data))
    if errors:
        if event is not None:
            get_session().refresh(event)
        return _event_form(challenge, raw, errors, event)
    flash("The event has been saved", "success")
    return redirect(url_for("challenges.show", ref=challenge.ref, _anchor="events"), code=303)


@ebp.route("/challenges/<ref>/events/new", methods=["GET", "POST"])
def new_event(ref: str):
    challenge = _challenge(ref)
    _must_run(challenge)
    if request.method == "GET":
        return _event_form(challenge, {"kind": "supplier-day"}, {})
    viewer = current_viewer()
    return _save_event(challenge, lambda data: services.create_event(get_session(), viewer, challenge, data))


@ebp.route("/challenges/<ref>/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(ref: str, event_id: int):
    challenge, event = _event(ref, event_id)
    _must_run(challenge)
    if request.method == "GET":
        return _event_form(challenge, services.event_form_data(event), {}, event)
    viewer = current_viewer()
    return _save_event(
        challenge, lambda data: services.update_event(get_session(), viewer, challenge, event, data), event
    )


# --- the event page, cancelling, signing up ------------------------------------------------------


def _event_page(challenge: Challenge, event: ChallengeEvent, errors: dict[str, str], data: dict[str, Any]) -> str:
    session, viewer = get_session(), current_viewer()
    runs = _runs(challenge)
    own = services.own_signup(session, viewer, event)
    return render_template(
        "outcomes/event.html",
        title=event.title,
        challenge=challenge,
        event=event,
        kind=EVENT_KINDS.get(event.kind, event.kind),
        runs=runs,
        attendees=services.attendees(session, viewer, challenge, event) if runs else [],
        taken=services.places_taken(session, event),
        own=own,
        place=services.describe_place(session, event, own) if own else None,
        can_sign_up=access.can_sign_up_to_events(viewer),
        signup_closed=services.signup_closed(challenge, event),
        ended=event_rules.now_in_england() >= event_rules.ends_at(event),
        started=event_rules.now_in_england() >= event_rules.starts_at(event),
        questions=[q for q, _asker in services.visible_questions(session, viewer, challenge) if q.event_id == event.id],
        errors=errors,
        data=data,
    )


@ebp.get("/challenges/<ref>/events/<int:event_id>")
def show_event(ref: str, event_id: int):
    challenge, event = _event(ref, event_id)
    return _event_page(challenge, event, {}, {})


@ebp.post("/challenges/<ref>/events/<int:event_id>/cancel")
def cancel_event(ref: str, event_id: int):
    challenge, event = _event(ref, event_id)
    _must_run(challenge)
    raw = form_to_dict(request.form)
    data, errors = load_form(EventCancelSchema(), raw)
    if not errors:
        errors = _save(lambda: services.cancel_event(get_session(), current_viewer(), challenge, event, data["reason"]))
    if errors:
        get_session().refresh(event)
        return _event_page(challenge, event, errors, raw)
    flash("The event has been cancelled and everyone signed up has been told", "success")
    return redirect(url_for("events.show_event", ref=ref, event_id=event_id), code=303)


@ebp.post("/challenges/<ref>/events/<int:event_id>/sign-up")
def sign_up(ref: str, event_id: int):
    _signed_in()
    challenge, event = _event(ref, event_id)
    viewer = current_viewer()
    if not access.can_sign_up_to_events(viewer):
        abort(403, "Only approved members of a verified supplier can sign up to events")
    errors = _save(lambda: services.sign_up(get_session(), viewer, challenge, event))
    if errors:
        return _event_page(challenge, event, {"sign-up": next(iter(errors.values()))}, {})
    place = services.describe_place(get_session(), event, services.own_signup(get_session(), viewer, event))
    flash(f"You are signed up. {place}", "success")
    return redirect(url_for("events.show_event", ref=ref, event_id=event_id), code=303)


@ebp.post("/challenges/<ref>/events/<int:event_id>/sign-up/cancel")
def cancel_sign_up(ref: str, event_id: int):
    _signed_in()
    challenge, event = _event(ref, event_id)
    errors = _save(lambda: services.cancel_signup(get_session(), current_viewer(), challenge, event))
    if errors:
        return _event_page(challenge, event, {"sign-up": next(iter(errors.values()))}, {})
    flash("Your organisation is no longer signed up to this event", "success")
    return redirect(url_for("events.show_event", ref=ref, event_id=event_id), code=303)


# --- after the event: notes and slides, questions raised -----------------------------------------


def _notes_form(challenge: Challenge, event: ChallengeEvent, data: dict, errors: dict) -> str:
    rows = data.get("slides") or []
    return render_template(
        "outcomes/event_notes.html",
        title=f"Notes of {event.title}",
        challenge=challenge,
        event=event,
        data=data,
        errors=errors,
        rows=list(rows) + [{"title": "", "url": ""}],
    )


@ebp.route("/challenges/<ref>/events/<int:event_id>/notes", methods=["GET", "POST"])
def event_notes(ref: str, event_id: int):
    challenge, event = _event(ref, event_id)
    _must_run(challenge)
    if request.method == "GET":
        return _notes_form(challenge, event, {"notes": event.notes or "", "slides": list(event.slides or [])}, {})
    raw = {"notes": request.form.get("notes", "").strip(), "slides": _rows(request.form, "slides", ("title", "url"))}
    if request.form.get("add-row"):
        return _notes_form(challenge, event, raw, {})
    data, errors = load_form(EventNotesSchema(), raw)
    if not errors:
        errors = _save(
            lambda: services.publish_notes(
                get_session(), current_viewer(), challenge, event, data["notes"], data["slides"]
            )
        )
    if errors:
        get_session().refresh(event)
        return _notes_form(challenge, event, raw, errors)
    flash("The notes are published and every interested supplier has been told", "success")
    return redirect(url_for("events.show_event", ref=ref, event_id=event_id), code=303)


@ebp.route("/challenges/<ref>/events/<int:event_id>/questions", methods=["GET", "POST"])
def event_question(ref: str, event_id: int):
    challenge, event = _event(ref, event_id)
    _must_run(challenge)
    context = {
        "title": "Add a question raised at the event",
        "challenge": challenge,
        "event": event,
        "owner": access.can_manage_challenge(current_viewer(), challenge),
    }
    if request.method == "GET":
        return render_template("outcomes/event_question.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(EventQuestionSchema(), raw)
    if not errors:
        errors = _save(
            lambda: services.add_event_question(
                get_session(), current_viewer(), challenge, event, data["question"], data.get("answer")
            )
        )
    if errors:
        return render_template("outcomes/event_question.html", data=raw, errors=errors, **context)
    flash(
        "The question and its answer are published with the challenge's questions"
        if raw.get("answer")
        else "The question is added to the challenge's questions, waiting for the owner's answer",
        "success",
    )
    return redirect(url_for("events.show_event", ref=ref, event_id=event_id), code=303)
