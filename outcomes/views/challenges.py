"""The challenge pages: browse, the challenge page and its OCDS release, authoring (start, task
list, each section, check your answers) and status changes."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from catalogue import access, lost_update, vocabulary
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.errors import saved
from catalogue.forms import form_to_dict, load_form
from catalogue.paging import page_number as _page_number
from catalogue.paging import query_without as _query_without
from catalogue.personal_data.guard import confirmation_field
from outcomes import clock, ocds, services
from outcomes.models import Challenge, Programme
from outcomes.schemas import CLOSED_REASONS, SECTIONS, ChallengeFormSchema, CloseSchema, WithdrawSchema
from outcomes.views.common import (
    SECTION_TITLES,
    STATUS_TAGS,
    _challenge,
    _date_from_parts,
    _date_parts,
    _manage,
    _rows,
    _signed_in,
    bp,
)

# --- browse and the challenge page --------------------------------------------------------------


@bp.get("/challenges")
def index():
    viewer = current_viewer()
    filters = {k: request.args.get(k) or None for k in ("route", "status", "category", "region")}
    if filters["route"] not in vocabulary.ROUTES:
        filters["route"] = None
    if filters["status"] not in vocabulary.CHALLENGE_STATUSES:
        filters["status"] = None
    if filters["category"] not in vocabulary.CATEGORIES:
        filters["category"] = None
    if filters["region"] not in vocabulary.REGIONS:
        filters["region"] = None
    page = services.challenges_page(get_session(), viewer, page=_page_number(), **filters)
    return render_template(
        "outcomes/index.html",
        title="Challenges",
        rows=page.items,
        page=page,
        link=_query_without,
        filters=filters,
        can_author=access.can_author_challenge(viewer),
        tags=STATUS_TAGS,
    )


@bp.get("/challenges/<ref>")
def show(ref: str):
    session, viewer = get_session(), current_viewer()
    challenge = _challenge(ref)
    sponsors = services.co_sponsor_ids(session, challenge)
    sealed = services.proposal_count(session, viewer, challenge) if access.proposals_sealed(challenge) else None
    context = {
        "title": challenge.title,
        "challenge": challenge,
        "owner": session.get(Organisation, challenge.owner_id),
        "programme": session.get(Programme, challenge.programme_id) if challenge.programme_id else None,
        "co_sponsors": services.co_sponsors(session, viewer, challenge),
        "programme_requests": services.programme_requests(session, viewer, challenge),
        "questions": services.visible_questions(session, viewer, challenge),
        "tried": services.tried_deployments(session, viewer, challenge),
        "results": services.results_view(session, viewer, challenge),
        "history": services.status_history_view(session, viewer, challenge),
        "awarded_to": services.awarded_to(session, challenge),
        "manager": access.can_manage_challenge(viewer, challenge),
        "sees_responses": access.can_see_responses(viewer, challenge, sponsors),
        "can_co_sponsor": access.can_co_sponsor(viewer, challenge)
        and viewer.member_org_id
        not in {row.organisation_id for row, _org in services.co_sponsors(session, viewer, challenge)},
        "supplier": access.can_respond_to_challenges(viewer),
        "own_interest": services.own_response(session, viewer, challenge, "interest"),
        "own_proposal": services.own_response(session, viewer, challenge, "proposal"),
        "interest_window": services.response_window(challenge, "interest"),
        "proposal_window": services.response_window(challenge, "proposal"),
        "questions_open": services.questions_open(challenge),
        "response_count": (
            len(services.visible_responses(session, viewer, challenge)) + (sealed or 0)
            if access.can_see_responses(viewer, challenge, sponsors)
            else 0
        ),
        # While sealed the owner and co-sponsors see only how many proposals arrived.
        "sealed_count": sealed,
        "standstill_ends": services.standstill_end(challenge) if challenge.status == "awarded" else None,
        "has_ocds": ocds.has_release(challenge),
        "tags": STATUS_TAGS,
        "closed_reasons": {**CLOSED_REASONS, **clock.REASONS},
        "status_reason": clock.status_reason(challenge),
        "withdrawal_reason": services.withdrawal_reason(session, challenge),
        "amendments": services.amendments_view(session, challenge),
        **_events_context(session, viewer, challenge, sponsors),
    }
    return render_template("outcomes/show.html", **context)


def _events_context(session: Any, viewer: access.Viewer, challenge: Challenge, sponsors: frozenset[int]) -> dict:
    """The market-engagement events panel: the events, the viewer's place at each, whether it may add one."""
    events = services.visible_events(session, viewer, challenge)
    places = {}
    for event in events:
        own = services.own_signup(session, viewer, event)
        if own is not None:
            places[event.id] = services.describe_place(session, event, own)
    return {
        "events": events,
        "event_places": places,
        "runs_events": access.can_run_events(viewer, challenge, sponsors),
        "events_closed": services.events_closed(challenge),
    }


@bp.get("/challenges/<ref>/ocds.json")
def ocds_release(ref: str):
    challenge = _challenge(ref)
    if not ocds.has_release(challenge):
        abort(404)
    document = ocds.release(get_session(), challenge, current_app.config.get("OCDS_PREFIX", ocds.DEFAULT_PREFIX))
    response = jsonify(document)
    response.headers["Content-Disposition"] = f'inline; filename="{challenge.ref}-ocds.json"'
    return response


# --- authoring: start, task list, each section, check your answers ------------------------------


def _author_form(data: dict[str, Any], errors: dict[str, str]) -> str:
    return render_template(
        "outcomes/new.html", title="Post a challenge", data=data, errors=errors, categories=vocabulary.CATEGORIES
    )


@bp.route("/challenges/new", methods=["GET", "POST"])
def new():
    _signed_in()
    viewer = current_viewer()
    if not access.can_author_challenge(viewer):
        abort(403, "Only approved members of authorities, providers and partnerships can post a challenge")
    if request.method == "GET":
        return _author_form({}, {})
    raw = form_to_dict(request.form, multi=("categories",))
    data, errors = load_form(ChallengeFormSchema(only=SECTIONS["problem"]), raw)
    if errors:
        return _author_form(raw, errors)
    session = get_session()
    challenge = services.create_challenge(session, viewer, data)
    session.commit()
    flash("Your draft challenge has been saved", "success")
    return redirect(url_for("challenges.task_list", ref=challenge.ref), code=303)


@bp.get("/challenges/<ref>/edit")
def task_list(ref: str):
    challenge = _manage(ref)
    return render_template(
        "outcomes/task_list.html",
        title=f"Edit {challenge.title}",
        challenge=challenge,
        sections=SECTION_TITLES,
        done=services.sections_done(challenge),
        editable=challenge.status in services.EDITABLE_STATUSES,
    )


def _section_context(challenge: Challenge, section: str, data: dict[str, Any], errors: dict[str, str]) -> dict:
    context: dict[str, Any] = {
        "title": SECTION_TITLES[section],
        "challenge": challenge,
        "section": section,
        "data": data,
        "errors": errors,
    }
    if section == "tried-before":
        session = get_session()
        deployments = services.visible_deployments(session, current_viewer())
        ids = sorted({d.organisation_id for d in deployments})
        orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(ids))).all()}
        context["deployments"] = [(d, orgs.get(d.organisation_id)) for d in deployments]
        context["tool_names"] = services.tool_names(session, {d.tool_id for d in deployments})
    if section == "timetable":
        for name in ("closes", "questions_close"):
            if isinstance(data.get(name), str) and data.get(f"{name}_parts"):
                continue
            data[f"{name}_parts"] = data.get(f"{name}_parts") or _date_parts(data.get(name))
    return context


def _parse_section(section: str, form: MultiDict) -> tuple[dict[str, Any], str]:
    """The form as the schema wants it, and the button pressed (save, add, remove-N)."""
    action = form.get("action", "save")
    if section == "outcomes":
        rows = _rows(form, "outcomes", ("outcome", "measure", "baseline", "target"))
        return {"outcomes": rows}, action
    if section == "evaluation":
        rows = _rows(form, "evaluation_criteria", ("criterion", "weight"))
        return {"evaluation_criteria": rows}, action
    if section == "tried-before":
        raw = form_to_dict(form, multi=("tried_deployments",))
        return raw, action
    raw = form_to_dict(form)
    if section == "timetable":
        for name in ("closes", "questions_close"):
            raw[f"{name}_parts"] = {p: form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")}
            for p in ("day", "month", "year"):
                raw.pop(f"{name}-{p}", None)
            value = _date_from_parts(form, name)
            if value is not None:
                raw[name] = value
    return raw, action


def _row_action(section: str, data: dict[str, Any], action: str) -> bool:
    """Add or remove a repeatable row; True when the page should simply be shown again."""
    key = {"outcomes": "outcomes", "evaluation": "evaluation_criteria"}.get(section)
    if key is None:
        return False
    blank = (
        {"outcome": "", "measure": "", "baseline": "", "target": ""}
        if key == "outcomes"
        else {"criterion": "", "weight": ""}
    )
    if action == "add":
        data[key] = list(data[key]) + [blank]
        return True
    if action.startswith("remove-") and action[7:].isdigit():
        index = int(action[7:])
        data[key] = [row for i, row in enumerate(data[key]) if i != index]
        return True
    return False


@bp.route("/challenges/<ref>/edit/<section>", methods=["GET", "POST"])
def edit_section(ref: str, section: str):
    if section not in SECTIONS:
        abort(404)
    challenge = _manage(ref)
    if challenge.status not in services.EDITABLE_STATUSES:
        flash("The statement cannot be changed once the challenge is open for proposals", "info")
        return redirect(url_for("challenges.show", ref=ref), code=303)
    if request.method == "GET":
        data = lost_update.stamp(challenge, services.section_data(challenge, section))
        if section in ("outcomes", "evaluation"):
            key = "outcomes" if section == "outcomes" else "evaluation_criteria"
            if not data.get(key):
                _row_action(section, data, "add")
        return render_template("outcomes/section.html", **_section_context(challenge, section, data, {}))
    data, action = _parse_section(section, request.form)
    data[lost_update.FIELD] = request.form.get(lost_update.FIELD, "")
    if _row_action(section, data, action):
        return render_template("outcomes/section.html", **_section_context(challenge, section, data, {}))
    if section == "evaluation":
        for row in data["evaluation_criteria"]:
            row["weight"] = row["weight"] or None
            if row["weight"] is None:
                del row["weight"]
    clean, errors = load_form(ChallengeFormSchema(only=SECTIONS[section]), data)
    # Someone saved it meanwhile: say so, overwrite nothing.
    errors = lost_update.check(challenge, data) or errors
    if not errors:
        session = get_session()
        errors = saved(session, lambda: services.save_section(session, current_viewer(), challenge, section, clean))
    if errors:
        if section in ("outcomes", "evaluation") and not data.get(
            "outcomes" if section == "outcomes" else "evaluation_criteria"
        ):
            _row_action(section, data, "add")
        return render_template("outcomes/section.html", **_section_context(challenge, section, data, errors))
    flash(f"{SECTION_TITLES[section]}: saved", "success")
    return redirect(url_for("challenges.task_list", ref=ref), code=303)


@bp.get("/challenges/<ref>/check")
def check(ref: str):
    challenge = _manage(ref)
    return _check_page(challenge, {})


def _check_page(challenge: Challenge, errors: dict[str, str]) -> str:
    session = get_session()
    return render_template(
        "outcomes/check.html",
        title="Check your challenge before publishing",
        challenge=challenge,
        sections=SECTION_TITLES,
        advice=services.statement_advice(challenge),
        personal=services.personal_data_problems(challenge),
        personal_sections=services.PERSONAL_DATA_FIELDS,
        tried=services.tried_deployments(session, current_viewer(), challenge),
        errors=errors,
        data={},
        transitions=services.allowed_transitions(challenge),
    )


# --- lifecycle ---------------------------------------------------------------------------------


@bp.route("/challenges/<ref>/status", methods=["GET", "POST"])
def status(ref: str):
    challenge = _manage(ref)
    allowed = services.allowed_transitions(challenge)
    context = {
        "title": "Change the status",
        "challenge": challenge,
        "allowed": allowed,
        "closed_reasons": CLOSED_REASONS,
        "reasons": {**CLOSED_REASONS, **clock.REASONS},
        "history": services.status_history_view(get_session(), current_viewer(), challenge),
    }
    if request.method == "GET":
        return render_template("outcomes/status.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    to_status = raw.get("to", "")
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if to_status not in vocabulary.CHALLENGE_STATUSES:
        errors = {"to": "Choose what happens to the challenge next"}
    elif to_status == "closed":
        data, errors = load_form(CloseSchema(), raw)
    elif to_status == "withdrawn":
        data, errors = load_form(WithdrawSchema(), raw)
    if not errors:
        session = get_session()
        errors = saved(
            session,
            lambda: services.change_status(
                session, current_viewer(), challenge, to_status, reason=data.get("reason"), detail=data.get("detail")
            ),
            "to",
        )
        if errors:
            session.refresh(challenge)
    if errors:
        # The check page's buttons carry no "not about a real person" box: this page's form does.
        if raw.get("from_check") and to_status in ("market-engagement", "open") and not confirmation_field():
            return _check_page(challenge, errors)
        return render_template("outcomes/status.html", data=raw, errors=errors, **context)
    flash(f"The challenge is now ‘{vocabulary.label(vocabulary.CHALLENGE_STATUSES, to_status)}’", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)
