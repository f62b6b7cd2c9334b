"""Expressions of interest and proposals, scoring, shortlists, phases, the award and results."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.errors import Invalid, save, saved
from catalogue.forms import form_to_dict, load_form
from outcomes import services
from outcomes.schemas import (
    MAX_DOCUMENTS,
    PHASES,
    AwardSchema,
    EvaluatorScoreSchema,
    PhaseSchema,
    ResponseSchema,
    ResultsSchema,
    ScoreSchema,
)
from outcomes.views.common import _challenge, _date_from_parts, _date_parts, _manage, _signed_in, bp

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
        return render_template(
            "outcomes/respond.html", data=_response_form_data(existing, offerings), errors={}, **context
        )
    raw = form_to_dict(request.form)
    if raw.get("action") == "withdraw":
        errors = saved(session, lambda: services.withdraw_response(session, viewer, challenge, kind), "withdraw")
        if errors:
            return render_template("outcomes/respond.html", data=raw, errors=errors, **context)
        flash(f"Your {services.RESPONSE_KINDS[kind]} has been withdrawn", "success")
        return redirect(url_for("challenges.show", ref=ref), code=303)
    parsed = {
        k: v for k, v in raw.items() if not re.match(r"^(requirements_met|nice_to_have|criteria_answers|documents)-", k)
    }
    parsed["requirements_met"] = _indexed(raw, "requirements_met", len(challenge.essential_requirements))
    parsed["nice_to_have"] = _indexed(raw, "nice_to_have", len(challenge.nice_to_have_requirements))
    parsed["criteria_answers"] = _indexed(raw, "criteria_answers", len(challenge.evaluation_criteria or []))
    parsed["documents"] = [d for d in _indexed(raw, "documents", MAX_DOCUMENTS)]
    data, errors = load_form(ResponseSchema(), parsed)
    if errors:
        # Every error at once: the missing essential answers as well as the fields' own errors.
        errors = {**services.missing_answers(challenge, kind, parsed["requirements_met"]), **errors}
    else:
        data["documents"] = [d for d in data["documents"] if d]
        response, errors = save(
            session, lambda: services.save_response(session, viewer, challenge, kind, data), "approach"
        )
    if errors:
        return render_template("outcomes/respond.html", data=raw, errors=errors, **context)
    flash(
        f"Your {services.RESPONSE_KINDS[kind]} has been received. Receipt reference {response.receipt}, "
        f"{response.updated_at.astimezone(services.UK):%-d %B %Y at %H:%M}. We have emailed you the receipt.",
        "success",
    )
    return redirect(url_for("challenges.response_detail", ref=ref, response_id=response.id), code=303)


def _indexed(raw: dict[str, Any], name: str, count: int) -> list[str]:
    return [raw.get(f"{name}-{i}", "") for i in range(count)]


def _response_form_data(existing: Any, offerings: list[Any]) -> dict[str, Any]:
    """The saved response as the form's fields, for changing it."""
    if existing is None:
        return {}
    offering = next((o for o in offerings if o.id == existing.offering_id), None)
    data = {
        "approach": existing.approach,
        "offering": offering.ref if offering else "",
        "price": "" if existing.price is None else f"{existing.price:g}",
        "evidence": existing.evidence or "",
    }
    for name, rows, key in (
        ("requirements_met", existing.requirements_met, "how"),
        ("nice_to_have", existing.nice_to_have_met, "how"),
        ("criteria_answers", existing.criteria_answers, "answer"),
    ):
        for i, row in enumerate(rows or []):
            data[f"{name}-{i}"] = row.get(key, "")
    for i, link in enumerate(existing.documents or []):
        data[f"documents-{i}"] = link
    return data


@bp.get("/challenges/<ref>/responses")
def responses(ref: str):
    _signed_in()
    challenge = _challenge(ref)
    session, viewer = get_session(), current_viewer()
    rows = services.visible_responses(session, viewer, challenge)
    count = services.proposal_count(session, viewer, challenge)
    if not rows and count is None:
        abort(404)
    return render_template(
        "outcomes/responses.html",
        title=f"Responses to {challenge.title}",
        challenge=challenge,
        rows=rows,
        # While sealed the owner and co-sponsors see only how many proposals arrived.
        sealed_count=count if access.proposals_sealed(challenge) else None,
        manager=access.can_manage_challenge(viewer, challenge),
        phases=services.phases(session, challenge),
        phase_names=PHASES,
    )


def _scores_from(raw: dict[str, Any], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix) and v != ""}


def _act(session: Any, viewer: Any, challenge: Any, response: Any, action: str, raw: dict[str, Any]) -> None:
    """One action on a response page (moderate, evaluate, shortlist); the form's errors are
    raised as Invalid, so nothing is saved."""
    if action == "score":
        data, errors = load_form(
            ScoreSchema(),
            {
                "scores": _scores_from(raw, "score-"),
                "reasons": _scores_from(raw, "reason-"),
                "feedback": raw.get("feedback", ""),
                "note": raw.get("note", ""),
            },
        )
        if errors:
            raise Invalid.of_fields(errors)
        services.score_response(
            session,
            viewer,
            challenge,
            response,
            data["scores"],
            data.get("feedback"),
            note=data.get("note"),
            reasons=data.get("reasons"),
        )
    elif action == "evaluate":
        data, errors = load_form(
            EvaluatorScoreSchema(),
            {
                "scores": _scores_from(raw, "eval-"),
                "reasons": _scores_from(raw, "eval_reason-"),
                "note": raw.get("eval_note", ""),
            },
        )
        if errors:
            raise Invalid.of_fields(
                {("eval_scores" if k.startswith(("scores", "reasons")) else "eval_note"): v for k, v in errors.items()}
            )
        services.evaluate(
            session, viewer, challenge, response, data["scores"], data.get("note"), reasons=data.get("reasons")
        )
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
    else:
        raise Invalid("Choose what to do with the response", "action")


def _evaluate_field(key: str) -> str:
    """Where an evaluator's error shows: beside the scores, or the reason or note it is about."""
    if key in ("scores", "_schema"):
        return "eval_scores"
    return f"eval_{key}" if key.startswith("reason-") else key


@bp.route("/challenges/<ref>/responses/<int:response_id>", methods=["GET", "POST"])
def response_detail(ref: str, response_id: int):
    _signed_in()
    challenge = _challenge(ref)
    session, viewer = get_session(), current_viewer()
    response = services.get_response(session, viewer, challenge, response_id)
    if response is None:
        abort(404)
    sponsors = services.co_sponsor_ids(session, challenge)
    manager = access.can_manage_challenge(viewer, challenge)
    evaluator = access.can_score_response(viewer, response, challenge, sponsors)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if request.method == "POST":
        raw = form_to_dict(request.form)
        action = raw.get("action", "score")
        if not (manager or (evaluator and action == "evaluate")):
            abort(403)
        if action == "award":
            # The award is made on its confirmation page, never by one button.
            return redirect(url_for("challenges.award", ref=ref, response_id=response_id), code=303)
        errors = saved(session, lambda: _act(session, viewer, challenge, response, action, raw))
        if action == "evaluate":
            errors = {_evaluate_field(k): v for k, v in errors.items()}
        if errors:
            data = raw
            session.refresh(response)
            session.refresh(challenge)
        else:
            flash("Saved", "success")
            return redirect(url_for("challenges.response_detail", ref=ref, response_id=response_id), code=303)
    scored = services.evaluator_scores(session, viewer, challenge, response)
    if not data:
        data = {f"score-{k}": v for k, v in (response.scores or {}).items()}
        data.update({f"reason-{k}": v for k, v in (response.score_reasons or {}).items()})
        data["feedback"] = response.feedback or ""
        data["note"] = response.moderation_note or ""
        mine = next((row for row, user, _org in scored if user.id == viewer.user_id), None)
        if mine is not None:
            data.update({f"eval-{k}": v for k, v in mine.scores.items()})
            data.update({f"eval_reason-{k}": v for k, v in (mine.reasons or {}).items()})
            data["eval_note"] = mine.note or ""
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
        evaluator=evaluator,
        evaluator_scores=scored,
        own=viewer.member_org_id == response.supplier_id,
        # A supplier sees feedback once the decision is made, never the scores of others.
        show_feedback=manager or response.status in ("unsuccessful", "awarded"),
        assessment=access.can_see_assessment(viewer, response, challenge),
        phases=services.phases(session, challenge),
        phase_names=PHASES,
        data=data,
        errors=errors,
    )


@bp.route("/challenges/<ref>/responses/<int:response_id>/award", methods=["GET", "POST"])
def award(ref: str, response_id: int):
    """The award's confirmation page: what will happen and who is told, the contract's value and
    dates, and the standstill period before the contract is entered."""
    challenge = _manage(ref)
    session, viewer = get_session(), current_viewer()
    response = services.get_response(session, viewer, challenge, response_id)
    if response is None or response.kind != "proposal":
        abort(404)
    phases = services.phases(session, challenge)
    open_phases = {str(p.id): PHASES.get(p.name, p.name) for p, _ids in phases if p.awarded_response_id is None}
    context = {
        "title": "Confirm the award",
        "challenge": challenge,
        "response": response,
        "plan": services.award_plan(session, challenge, response),
        "phase_choices": open_phases,
    }
    if request.method == "GET":
        return render_template("outcomes/award.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    parsed = {k: v for k, v in raw.items() if not re.match(r"^(starts|ends)-(day|month|year)$", k)}
    parsed["phase"] = raw.get("phase") or None
    for name in ("starts", "ends"):
        value = _date_from_parts(request.form, name)
        if value is not None:
            parsed[name] = value
    data, errors = load_form(AwardSchema(), parsed)
    if not errors:
        errors = saved(session, lambda: services.award(session, viewer, challenge, response, contract=data))
    if errors:
        return render_template("outcomes/award.html", data=raw, errors=errors, **context)
    flash("Awarded. Each supplier that proposed has been sent its assessment summary.", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.get("/challenges/<ref>/responses/<int:response_id>/assessment")
def assessment(ref: str, response_id: int):
    """A proposing supplier's assessment summary: its scores, the reasons, the winner's scores."""
    _signed_in()
    challenge = _challenge(ref)
    session, viewer = get_session(), current_viewer()
    response = services.get_response(session, viewer, challenge, response_id)
    summary = services.assessment_summary(session, viewer, challenge, response) if response else None
    if summary is None:
        abort(404)
    return render_template(
        "outcomes/assessment.html",
        title=f"Assessment summary for {challenge.title}",
        challenge=challenge,
        response=response,
        supplier=session.get(Organisation, response.supplier_id),
        summary=summary,
    )


# --- phases and results --------------------------------------------------------------------------


def _phase_context(session: Any, challenge: Any) -> dict[str, Any]:
    """Phases with the names of the proposals shortlisted for (and awarded) each."""
    names = {r.id: o.name for r, o in services.visible_responses(session, current_viewer(), challenge)}
    return {
        "challenge": challenge,
        "phases": services.phases(session, challenge),
        "phase_names": PHASES,
        "names": names,
    }


def _phase_data(form: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    raw = form_to_dict(form)
    parsed = {k: v for k, v in raw.items() if not re.match(r"^(starts|ends)-(day|month|year)$", k)}
    for name in ("starts", "ends"):
        value = _date_from_parts(form, name)
        if value is not None:
            parsed[name] = value
    data, errors = load_form(PhaseSchema(), parsed)
    return raw, data, errors


@bp.route("/challenges/<ref>/phases", methods=["GET", "POST"])
def phases(ref: str):
    challenge = _manage(ref)
    session = get_session()
    context = {"title": "Phases", **_phase_context(session, challenge)}
    if request.method == "GET":
        return render_template("outcomes/phases.html", data={}, errors={}, **context)
    raw, data, errors = _phase_data(request.form)
    if not errors:
        errors = saved(session, lambda: services.add_phase(session, current_viewer(), challenge, data))
    if errors:
        return render_template("outcomes/phases.html", data=raw, errors=errors, **context)
    flash("Phase added", "success")
    return redirect(url_for("challenges.phases", ref=ref), code=303)


@bp.route("/challenges/<ref>/phases/<int:phase_id>", methods=["GET", "POST"])
def edit_phase(ref: str, phase_id: int):
    challenge = _manage(ref)
    session = get_session()
    phase = next((p for p, _ids in services.phases(session, challenge) if p.id == phase_id), None)
    if phase is None:
        abort(404)
    context = {"title": "Change the phase", "challenge": challenge, "phase": phase, "phase_names": PHASES}
    if request.method == "GET":
        data = {"name": phase.name, "budget": "" if phase.budget is None else f"{phase.budget:g}"}
        for name in ("starts", "ends"):
            for part, value in _date_parts(getattr(phase, name)).items():
                data[f"{name}-{part}"] = value
        return render_template("outcomes/phase_edit.html", data=data, errors={}, **context)
    raw, data, errors = _phase_data(request.form)
    if not errors:
        errors = saved(session, lambda: services.update_phase(session, current_viewer(), challenge, phase, data))
    if errors:
        return render_template("outcomes/phase_edit.html", data=raw, errors=errors, **context)
    flash("Phase changed", "success")
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
        errors = saved(
            session,
            lambda: services.record_results(session, viewer, challenge, data["results"], data.get("deployment")),
        )
    if errors:
        return render_template("outcomes/results.html", data=raw, errors=errors, **context)
    flash("Results saved", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)
