"""Expressions of interest and proposals, scoring, shortlists, phases, the award and results."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.errors import NotAllowed, Refused
from catalogue.forms import form_to_dict, load_form
from outcomes import services
from outcomes.schemas import PHASES, PhaseSchema, ResponseSchema, ResultsSchema, ScoreSchema
from outcomes.views.common import _challenge, _date_from_parts, _manage, _signed_in, bp

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
