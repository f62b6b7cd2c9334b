"""Challenge and partnership pages: parse the form, call outcomes.services, render.

Every page works without JavaScript: repeatable rows (outcomes, criteria) are added and removed
by buttons that post the form back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from catalogue import access, features, lost_update, vocabulary
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.errors import NotAllowed, Refused
from catalogue.forms import form_to_dict, load_form
from catalogue.personal_data.guard import confirmation_field
from outcomes import ocds, services
from outcomes.models import Challenge, Programme
from outcomes.schemas import (
    CLOSED_REASONS,
    PHASES,
    SECTIONS,
    AnswerSchema,
    ChallengeFormSchema,
    CloseSchema,
    CoSponsorRequestSchema,
    PhaseSchema,
    ProgrammeSchema,
    QuestionSchema,
    ResponseSchema,
    ResultsSchema,
    ScoreSchema,
)

bp = Blueprint("challenges", __name__)
pbp = Blueprint("partnerships", __name__)

SECTION_TITLES: dict[str, str] = {
    "problem": "The problem",
    "users": "Users and their needs",
    "outcomes": "Outcomes",
    "constraints": "Constraints",
    "tried-before": "What has been tried before",
    "budget": "Budget and procurement route",
    "timetable": "Timetable and closing date",
    "evaluation": "Evaluation criteria",
    "requirements": "Requirements",
}
STATUS_TAGS: dict[str, str] = {
    "draft": "govuk-tag--grey",
    "market-engagement": "govuk-tag--purple",
    "open": "govuk-tag--green",
    "evaluating": "govuk-tag--yellow",
    "awarded": "govuk-tag--blue",
    "closed": "govuk-tag--red",
    "withdrawn": "govuk-tag--red",
}


# --- helpers ------------------------------------------------------------------------------------


def _end_transaction(response):
    """Whatever should be saved was committed by the view; end the request's transaction now, so a
    form shown again with errors does not hold SQLite's write lock while later hooks run."""
    from flask import g

    session = g.get("db_session")
    if session is not None and session.in_transaction():
        session.rollback()
    return response


bp.after_request(_end_transaction)
pbp.after_request(_end_transaction)


def _challenge(ref: str) -> Challenge:
    challenge = services.get_challenge(get_session(), current_viewer(), ref)
    if challenge is None:
        abort(404)
    return challenge


def _manage(ref: str) -> Challenge:
    challenge = _challenge(ref)
    if not access.can_manage_challenge(current_viewer(), challenge):
        abort(403)
    return challenge


def _signed_in() -> None:
    if current_viewer().is_anonymous:
        abort(redirect(url_for("accounts.sign_in", next=request.path), code=303))


def _date_from_parts(form: MultiDict, name: str) -> str | None:
    """GOV.UK date input (day, month, year) -> 'YYYY-MM-DD' for the schema; junk stays junk so the
    schema's message shows."""
    parts = [form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    day, month, year = parts
    if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return "-".join(parts) or None


def _date_parts(value: Any) -> dict[str, str]:
    if hasattr(value, "day"):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    return {"day": "", "month": "", "year": ""}


def _rows(form: MultiDict, prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Repeatable rows named prefix-N-key, in N order, blank rows dropped."""
    indexes = sorted({int(m.group(1)) for k in form for m in [re.match(rf"^{prefix}-(\d+)-", k)] if m})
    rows = []
    for i in indexes:
        row = {key: form.get(f"{prefix}-{i}-{key}", "").strip() for key in keys}
        if any(row.values()):
            rows.append(row)
    return rows


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
    rows = services.list_challenges(get_session(), viewer, **filters)
    return render_template(
        "outcomes/index.html",
        title="Challenges",
        rows=rows,
        filters=filters,
        can_author=access.can_author_challenge(viewer),
        tags=STATUS_TAGS,
    )


@bp.get("/challenges/<ref>")
def show(ref: str):
    session, viewer = get_session(), current_viewer()
    challenge = _challenge(ref)
    sponsors = services.co_sponsor_ids(session, challenge)
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
        "response_count": len(services.visible_responses(session, viewer, challenge))
        if access.can_see_responses(viewer, challenge, sponsors)
        else 0,
        "has_ocds": ocds.has_release(challenge),
        "tags": STATUS_TAGS,
        "closed_reasons": CLOSED_REASONS,
    }
    return render_template("outcomes/show.html", **context)


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
        try:
            services.save_section(session, current_viewer(), challenge, section, clean)
            session.commit()
        except NotAllowed:
            abort(403)
        except Refused as exc:
            session.rollback()
            errors = exc.errors
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
    if not errors:
        session = get_session()
        try:
            services.change_status(
                session,
                current_viewer(),
                challenge,
                to_status,
                reason=data.get("reason"),
                detail=data.get("detail"),
            )
            session.commit()
        except NotAllowed:
            abort(403)
        except Refused as exc:
            session.rollback()
            session.refresh(challenge)
            errors = exc.errors if exc.field != "_schema" else {"to": exc.message}
    if errors:
        # The check page's buttons carry no "not about a real person" box: this page's form does.
        if raw.get("from_check") and to_status in ("market-engagement", "open") and not confirmation_field():
            return _check_page(challenge, errors)
        return render_template("outcomes/status.html", data=raw, errors=errors, **context)
    flash(f"The challenge is now ‘{vocabulary.label(vocabulary.CHALLENGE_STATUSES, to_status)}’", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


# --- co-sponsors ---------------------------------------------------------------------------------


@bp.route("/challenges/<ref>/co-sponsor", methods=["GET", "POST"])
def co_sponsor(ref: str):
    _signed_in()
    challenge = _challenge(ref)
    viewer = current_viewer()
    if not access.can_co_sponsor(viewer, challenge):
        abort(403)
    context = {"title": "Ask to co-sponsor this challenge", "challenge": challenge}
    if request.method == "GET":
        return render_template("outcomes/co_sponsor.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(CoSponsorRequestSchema(), raw)
    if not errors:
        session = get_session()
        try:
            services.request_co_sponsor(session, viewer, challenge, data.get("note"))
            session.commit()
        except Refused as exc:
            session.rollback()
            errors = {"note": exc.message}
    if errors:
        return render_template("outcomes/co_sponsor.html", data=raw, errors=errors, **context)
    flash("Your request has been sent to the challenge owner", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.post("/challenges/<ref>/co-sponsors/<int:request_id>")
def decide_co_sponsor(ref: str, request_id: int):
    challenge = _manage(ref)
    session = get_session()
    try:
        services.decide_co_sponsor(
            session, current_viewer(), challenge, request_id, request.form.get("decision") == "approve"
        )
        session.commit()
    except Refused:
        session.rollback()
        abort(404)
    flash("Co-sponsor decision saved", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.post("/challenges/<ref>/programme-requests/<int:request_id>")
def decide_programme_request(ref: str, request_id: int):
    challenge = _manage(ref)
    session = get_session()
    try:
        services.decide_programme_request(
            session, current_viewer(), challenge, request_id, request.form.get("decision") == "accept"
        )
        session.commit()
    except Refused as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("challenges.show", ref=ref), code=303)
    flash("Your answer to the partnership has been saved", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


# --- clarification questions ------------------------------------------------------------------


@bp.route("/challenges/<ref>/questions/new", methods=["GET", "POST"])
def ask(ref: str):
    _signed_in()
    challenge = _challenge(ref)
    viewer = current_viewer()
    if not access.can_respond_to_challenges(viewer):
        abort(403, "Only approved suppliers can ask clarification questions")
    context = {
        "title": "Ask a clarification question",
        "challenge": challenge,
        "closed": services.questions_open(challenge),
    }
    if request.method == "GET":
        return render_template("outcomes/ask.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(QuestionSchema(), raw)
    if not errors:
        session = get_session()
        try:
            services.ask_question(session, viewer, challenge, data["question"])
            session.commit()
        except Refused as exc:
            session.rollback()
            errors = {"question": exc.message}
    if errors:
        return render_template("outcomes/ask.html", data=raw, errors=errors, **context)
    flash("Your question has been sent. The answer will be published to every supplier without your name", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.route("/challenges/<ref>/questions/<int:question_id>/answer", methods=["GET", "POST"])
def answer(ref: str, question_id: int):
    challenge = _manage(ref)
    session = get_session()
    question = next(
        (q for q, _asker in services.visible_questions(session, current_viewer(), challenge) if q.id == question_id),
        None,
    )
    if question is None:
        abort(404)
    context = {"title": "Answer a clarification question", "challenge": challenge, "question": question}
    if request.method == "GET":
        data = {"question": question.question, "answer": question.answer or ""}
        return render_template("outcomes/answer.html", data=data, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(AnswerSchema(), raw)
    if not errors:
        try:
            services.answer_question(
                session, current_viewer(), challenge, question_id, data["question"], data["answer"]
            )
            session.commit()
        except Refused as exc:
            session.rollback()
            errors = exc.errors
    if errors:
        return render_template("outcomes/answer.html", data=raw, errors=errors, **context)
    flash("The question and answer have been published", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


# --- expressions of interest and proposals --------------------------------------------------------


@bp.route("/challenges/<ref>/respond/<kind>", methods=["GET", "POST"])
def respond(ref: str, kind: str):
    if kind not in services.RESPONSE_KINDS:
        abort(404)
    _signed_in()
    challenge = _challenge(ref)
    viewer = current_viewer()
    if not access.can_respond_to_challenges(viewer):
        abort(403, "Only approved suppliers can respond to challenges")
    session = get_session()
    existing = services.own_response(session, viewer, challenge, kind)
    offerings = services.supplier_offerings(session, viewer)
    context = {
        "title": ("Change your " if existing else "Send your ") + services.RESPONSE_KINDS[kind],
        "challenge": challenge,
        "kind": kind,
        "kind_label": services.RESPONSE_KINDS[kind],
        "existing": existing,
        "offerings": {o.ref: o.name for o in offerings},
        "closed": services.response_window(challenge, kind),
    }
    if request.method == "GET":
        data: dict[str, Any] = {}
        if existing is not None:
            offering = next((o for o in offerings if o.id == existing.offering_id), None)
            data = {
                "approach": existing.approach,
                "offering": offering.ref if offering else "",
                "price": "" if existing.price is None else f"{existing.price:g}",
                "evidence": existing.evidence or "",
            }
            for i, row in enumerate(existing.requirements_met or []):
                data[f"requirements_met-{i}"] = row.get("how", "")
        return render_template("outcomes/respond.html", data=data, errors={}, **context)
    raw = form_to_dict(request.form)
    answers = [raw.get(f"requirements_met-{i}", "") for i in range(len(challenge.essential_requirements))]
    parsed = {k: v for k, v in raw.items() if not k.startswith("requirements_met-")}
    parsed["requirements_met"] = answers
    data, errors = load_form(ResponseSchema(), parsed)
    if not errors:
        try:
            services.save_response(session, viewer, challenge, kind, data)
            session.commit()
        except NotAllowed:
            abort(403)
        except Refused as exc:
            session.rollback()
            errors = exc.errors if exc.field != "_schema" else {"approach": exc.message}
    if errors:
        return render_template("outcomes/respond.html", data=raw, errors=errors, **context)
    flash(f"Your {services.RESPONSE_KINDS[kind]} has been saved", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.get("/challenges/<ref>/responses")
def responses(ref: str):
    _signed_in()
    challenge = _challenge(ref)
    session, viewer = get_session(), current_viewer()
    rows = services.visible_responses(session, viewer, challenge)
    if not rows and not access.can_see_responses(viewer, challenge, services.co_sponsor_ids(session, challenge)):
        abort(404)
    return render_template(
        "outcomes/responses.html",
        title=f"Responses to {challenge.title}",
        challenge=challenge,
        rows=rows,
        manager=access.can_manage_challenge(viewer, challenge),
        phases=services.phases(session, challenge),
        phase_names=PHASES,
    )


@bp.route("/challenges/<ref>/responses/<int:response_id>", methods=["GET", "POST"])
def response_detail(ref: str, response_id: int):
    _signed_in()
    challenge = _challenge(ref)
    session, viewer = get_session(), current_viewer()
    response = services.get_response(session, viewer, challenge, response_id)
    if response is None:
        abort(404)
    manager = access.can_manage_challenge(viewer, challenge)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if request.method == "POST":
        if not manager:
            abort(403)
        raw = form_to_dict(request.form)
        action = raw.get("action", "score")
        try:
            if action == "score":
                scores = {k[6:]: v for k, v in raw.items() if k.startswith("score-") and v != ""}
                data, errors = load_form(ScoreSchema(), {"scores": scores, "feedback": raw.get("feedback", "")})
                if not errors:
                    services.score_response(session, viewer, challenge, response, data["scores"], data.get("feedback"))
            elif action in ("shortlist", "unshortlist"):
                phase = raw.get("phase")
                services.shortlist(
                    session,
                    viewer,
                    challenge,
                    response,
                    int(phase) if phase and phase.isdigit() else None,
                    on=action == "shortlist",
                )
            elif action == "award":
                services.award(session, viewer, challenge, response)
            else:
                errors = {"action": "Choose what to do with the response"}
            if not errors:
                session.commit()
        except NotAllowed:
            abort(403)
        except Refused as exc:
            session.rollback()
            errors = exc.errors
        if errors:
            data = raw
            session.refresh(response)
            session.refresh(challenge)
        else:
            flash("Saved", "success")
            return redirect(url_for("challenges.response_detail", ref=ref, response_id=response_id), code=303)
    if not data:
        data = {f"score-{k}": v for k, v in (response.scores or {}).items()}
        data["feedback"] = response.feedback or ""
    offering = None
    if response.offering_id:
        from suppliers.models import Offering

        offering = session.get(Offering, response.offering_id)
    return render_template(
        "outcomes/response.html",
        title=f"{services.RESPONSE_KINDS[response.kind].capitalize()} for {challenge.title}",
        challenge=challenge,
        response=response,
        supplier=session.get(Organisation, response.supplier_id),
        offering=offering,
        manager=manager,
        # A supplier sees feedback once the decision is made, never the scores of others.
        show_feedback=manager or response.status in ("unsuccessful", "awarded"),
        phases=services.phases(session, challenge),
        phase_names=PHASES,
        data=data,
        errors=errors,
    )


# --- phases and results --------------------------------------------------------------------------


@bp.route("/challenges/<ref>/phases", methods=["GET", "POST"])
def phases(ref: str):
    challenge = _manage(ref)
    session = get_session()
    context = {
        "title": "Phases",
        "challenge": challenge,
        "phases": services.phases(session, challenge),
        "phase_names": PHASES,
    }
    if request.method == "GET":
        return render_template("outcomes/phases.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    parsed = {k: v for k, v in raw.items() if not re.match(r"^(starts|ends)-(day|month|year)$", k)}
    for name in ("starts", "ends"):
        value = _date_from_parts(request.form, name)
        if value is not None:
            parsed[name] = value
    data, errors = load_form(PhaseSchema(), parsed)
    if not errors:
        try:
            services.add_phase(session, current_viewer(), challenge, data)
            session.commit()
        except Refused as exc:
            session.rollback()
            errors = exc.errors
    if errors:
        return render_template("outcomes/phases.html", data=raw, errors=errors, **context)
    flash("Phase added", "success")
    return redirect(url_for("challenges.phases", ref=ref), code=303)


@bp.route("/challenges/<ref>/results", methods=["GET", "POST"])
def results(ref: str):
    challenge = _manage(ref)
    session, viewer = get_session(), current_viewer()
    own_deployments = [
        d for d in services.visible_deployments(session, viewer) if d.organisation_id == challenge.owner_id
    ]
    context = {"title": "Record the results", "challenge": challenge, "deployments": own_deployments}
    if request.method == "GET":
        data: dict[str, Any] = {}
        for row in challenge.results or []:
            data[f"results-{row['outcome']}-actual"] = row.get("actual", "")
            data[f"results-{row['outcome']}-note"] = row.get("note", "")
        if challenge.result_deployment_id:
            dep = next((d for d in own_deployments if d.id == challenge.result_deployment_id), None)
            data["deployment"] = dep.ref if dep else ""
        return render_template("outcomes/results.html", data=data, errors={}, **context)
    raw = form_to_dict(request.form)
    rows = [
        {"actual": raw.get(f"results-{i}-actual", ""), "note": raw.get(f"results-{i}-note", "")}
        for i in range(len(challenge.outcomes or []))
    ]
    data, errors = load_form(ResultsSchema(), {"results": rows, "deployment": raw.get("deployment", "")})
    if not errors:
        try:
            services.record_results(session, viewer, challenge, data["results"], data.get("deployment"))
            session.commit()
        except NotAllowed:
            abort(403)
        except Refused as exc:
            session.rollback()
            errors = exc.errors
    if errors:
        return render_template("outcomes/results.html", data=raw, errors=errors, **context)
    flash("Results saved", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


# --- partnerships ---------------------------------------------------------------------------------


def _programme(ref: str) -> Programme:
    programme = services.get_programme(get_session(), ref)
    if programme is None:
        abort(404)
    return programme


@pbp.get("/partnerships")
def partnerships():
    return render_template(
        "partnerships/index.html",
        title="Partnerships",
        rows=services.list_programmes(get_session()),
        can_create=access.can_create_programme(current_viewer()),
    )


def _programme_form(form_data: dict, errors: dict, programme: Programme | None = None) -> str:
    title = f"Edit {programme.name}" if programme else "Start a partnership"
    return render_template("partnerships/form.html", title=title, data=form_data, errors=errors, programme=programme)


def _save_programme(save: Callable[[dict[str, Any]], Programme | None], programme: Programme | None = None):
    raw = form_to_dict(request.form)
    data, errors = load_form(ProgrammeSchema(), raw)
    if errors:
        return _programme_form(raw, errors, programme)
    session = get_session()
    try:
        saved = save(data) or programme
        session.commit()
    except Refused as exc:
        session.rollback()
        return _programme_form(raw, exc.errors, programme)
    flash("Partnership saved", "success")
    return redirect(url_for("partnerships.show", ref=saved.ref), code=303)


@pbp.route("/partnerships/new", methods=["GET", "POST"])
def new_partnership():
    _signed_in()
    viewer = current_viewer()
    if not access.can_create_programme(viewer):
        abort(403, "Only approved members of a partnership or local authority can lead a partnership")
    if request.method == "GET":
        return _programme_form({}, {})
    return _save_programme(lambda data: services.create_programme(get_session(), viewer, data))


@pbp.route("/partnerships/<ref>/edit", methods=["GET", "POST"])
def edit_partnership(ref: str):
    programme = _programme(ref)
    viewer = current_viewer()
    if not access.can_manage_programme(viewer, programme):
        abort(403)
    if request.method == "GET":
        return _programme_form(services.programme_form_data(programme), {}, programme)
    return _save_programme(lambda data: services.update_programme(get_session(), viewer, programme, data), programme)


def _partnership_page(programme: Programme, errors: dict[str, str], data: dict[str, Any]) -> str:
    session, viewer = get_session(), current_viewer()
    context = services.programme_view(session, viewer, programme)
    options: dict[str, Any] = {}
    if context["manager"]:
        orgs = session.exec(
            select(Organisation)
            .where(Organisation.kind.in_(("local-authority", "supplier")), access.verified_clause(Organisation))
            .order_by(Organisation.name)
        ).all()
        options = {
            "authorities": {o.ref: o.name for o in orgs if o.kind == "local-authority" and o.id != programme.lead_id},
            "suppliers": {o.ref: o.name for o in orgs if o.kind == "supplier"},
            "attachable": {c.ref: c.title for c in services.attachable_challenges(session, viewer, programme)},
        }
    return render_template(
        "partnerships/show.html",
        title=programme.name,
        programme=programme,
        errors=errors,
        data=data,
        options=options,
        tags=STATUS_TAGS,
        **context,
    )


@pbp.get("/partnerships/<ref>", endpoint="show")
def show_partnership(ref: str):
    return _partnership_page(_programme(ref), {}, {})


@pbp.post("/partnerships/<ref>/<action>")
def partnership_action(ref: str, action: str):
    programme = _programme(ref)
    _signed_in()
    session, viewer = get_session(), current_viewer()
    raw = form_to_dict(request.form)
    actions: dict[str, tuple[str, Callable[[], Any], str]] = {
        "members": (
            "member",
            lambda: services.invite_member(session, viewer, programme, raw.get("member", "")),
            "Invitation sent",
        ),
        "cohort": (
            "supplier",
            lambda: services.add_cohort_supplier(session, viewer, programme, raw.get("supplier", "")),
            "Supplier added to the cohort",
        ),
        "challenges": (
            "challenge",
            lambda: services.attach_challenge(session, viewer, programme, raw.get("challenge", "")),
            "Saved: your own published challenge joins at once; a member's joins when its owner accepts",
        ),
        "invitation": (
            "invitation",
            lambda: services.respond_to_invitation(session, viewer, programme, raw.get("decision") == "accept"),
            "Your answer has been saved",
        ),
    }
    if action not in actions:
        abort(404)
    field, do, done = actions[action]
    try:
        do()
        session.commit()
    except NotAllowed:
        abort(403)
    except Refused as exc:
        session.rollback()
        return _partnership_page(programme, {field: exc.message}, raw)
    flash(done, "success")
    return redirect(url_for("partnerships.show", ref=ref), code=303)


def _responses_panel(session: Any, viewer: access.Viewer) -> dict[str, Any] | None:
    """Supplier dashboard: its own expressions of interest and proposals."""
    if not access.can_respond_to_challenges(viewer):
        return None
    return {
        "title": "Your responses",
        "template": "outcomes/_your_responses.html",
        "context": {"rows": services.own_responses(session, viewer)},
    }


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
    features.add_blueprint(app, pbp)
    features.add_dashboard_panel("your-responses", _responses_panel)
