"""Suppliers' responses and what follows: expressions of interest, proposals, scoring,
shortlists and phases, the award, and results recorded against the outcomes."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.notifications.services import notify
from catalogue.personal_data import record_override
from catalogue.records.models import Deployment, Tool
from outcomes.models import Challenge, ChallengePhase, ChallengeResponse, PhaseShortlist
from outcomes.services import news
from outcomes.services.base import UK, _challenge_event, _refuse_personal_data, _require, today
from outcomes.services.challenges import visible_deployments
from outcomes.services.sharing import co_sponsor_ids
from suppliers.models import Offering

# --- expressions of interest and proposals ------------------------------------------------------

RESPONSE_KINDS = {"interest": "expression of interest", "proposal": "proposal"}


def response_window(challenge: Challenge, kind: str, on: date | None = None) -> str | None:
    """None when a supplier may send or change this kind of response; otherwise why not."""
    on = on or today()
    if kind == "interest":
        if challenge.status != "market-engagement":
            return "Expressions of interest can be sent only during market engagement"
        return None
    if challenge.status != "open":
        return "Proposals can be sent only while the challenge is open for proposals"
    if challenge.closes is None or on > challenge.closes:
        return "The closing date has passed: proposals can no longer be sent or changed"
    return None


def own_response(session: Session, viewer: Viewer, challenge: Challenge, kind: str) -> ChallengeResponse | None:
    if viewer.member_org_id is None:
        return None
    return session.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.challenge_id == challenge.id,
            ChallengeResponse.supplier_id == viewer.member_org_id,
            ChallengeResponse.kind == kind,
        )
    ).first()


def supplier_offerings(session: Session, viewer: Viewer) -> list[Offering]:
    if viewer.member_org_id is None:
        return []
    return list(
        session.exec(
            select(Offering)
            .where(Offering.supplier_id == viewer.member_org_id, access.not_withdrawn_clause(Offering))
            .order_by(Offering.name)
        ).all()
    )


def save_response(
    session: Session, viewer: Viewer, challenge: Challenge, kind: str, data: dict[str, Any]
) -> ChallengeResponse:
    """Send or change the supplier's own expression of interest or proposal: an answer to each
    evaluation criterion and each requirement (every essential one required for a proposal, each
    missing one reported at once) and document links. Each save gets a new receipt, sent by email."""
    _require(access.can_respond_to_challenges(viewer), "Only approved suppliers can respond to challenges")
    if kind not in RESPONSE_KINDS:
        raise Invalid("Choose an expression of interest or a proposal")
    refusal = response_window(challenge, kind)
    if refusal:
        raise Invalid(refusal)
    errors: dict[str, str] = {}
    offering_id = None
    if data.get("offering"):
        offering = session.exec(
            select(Offering).where(
                Offering.ref == data["offering"],
                Offering.supplier_id == viewer.member_org_id,
                access.not_withdrawn_clause(Offering),
            )
        ).first()
        if offering is None:
            errors["offering"] = "Choose one of your own offerings"
        else:
            offering_id = offering.id
    essentials = challenge.essential_requirements
    answers = _answers(data.get("requirements_met"), len(essentials))
    nice = challenge.nice_to_have_requirements
    nice_answers = _answers(data.get("nice_to_have"), len(nice))
    criteria = [c["criterion"] for c in challenge.evaluation_criteria or []]
    criteria_answers = _answers(data.get("criteria_answers"), len(criteria))
    errors.update(missing_answers(challenge, kind, answers))
    if errors:
        raise Invalid.of_fields(errors)
    override = _refuse_personal_data(
        {
            "approach": data.get("approach"),
            "price": data.get("price"),
            "evidence": data.get("evidence"),
            **{f"requirements_met-{i}": a for i, a in enumerate(answers)},
            **{f"nice_to_have-{i}": a for i, a in enumerate(nice_answers)},
            **{f"criteria_answers-{i}": a for i, a in enumerate(criteria_answers)},
        }
    )
    response = own_response(session, viewer, challenge, kind) or ChallengeResponse(
        challenge_id=challenge.id, supplier_id=viewer.member_org_id, kind=kind
    )
    response.approach = data["approach"]
    response.offering_id = offering_id
    response.requirements_met = [{"requirement": r, "how": a} for r, a in zip(essentials, answers, strict=True)]
    response.nice_to_have_met = [{"requirement": r, "how": a} for r, a in zip(nice, nice_answers, strict=True)]
    response.criteria_answers = [{"criterion": c, "answer": a} for c, a in zip(criteria, criteria_answers, strict=True)]
    response.documents = [d for d in data.get("documents") or [] if d]
    response.price = data.get("price")
    response.evidence = data.get("evidence")
    if response.status == "withdrawn":
        response.status = "submitted"
    response.submitted_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    session.add(response)
    session.flush()
    record_override(session, override, response)
    news.response_saved(session, challenge, response)  # the owner's team: that it arrived, never its contents
    _receipt(session, viewer, challenge, response, "received")
    return response


def missing_answers(challenge: Challenge, kind: str, given: Any) -> dict[str, str]:
    """Every essential requirement a proposal leaves unanswered, by field, all at once (forms and
    the API merge these with their own field errors)."""
    if kind != "proposal":
        return {}
    essentials = challenge.essential_requirements
    return {
        f"requirements_met-{number}": f"Say how your proposal meets the essential requirement ‘{text[:80]}’"
        for number, (text, answer) in enumerate(zip(essentials, _answers(given, len(essentials)), strict=True))
        if not answer
    }


def _answers(given: Any, count: int) -> list[str]:
    answers = [(a or "").strip() for a in given or []]
    return (answers + [""] * count)[:count]


def _receipt(session: Session, viewer: Viewer, challenge: Challenge, response: ChallengeResponse, what: str) -> None:
    """A new reference and time for this version, on the page and by email to the person who sent
    it. The email says what arrived, never what it says (the inbox may be shared)."""
    response.version = (response.version or 0) + 1
    response.updated_at = utcnow()
    response.receipt = f"{challenge.ref[:90]}-{response.id}-{response.version}".upper()
    session.add(response)
    user = session.get(User, viewer.user_id) if viewer.user_id and viewer.user_id > 0 else None
    if user is None:
        return
    label = RESPONSE_KINDS[response.kind]
    when = response.updated_at.astimezone(UK)
    body = f"We {what} your {label} for {challenge.title}.\n\nReceipt reference: {response.receipt}\nTime: {when:%-d %B %Y at %H:%M}"
    if response.kind == "proposal" and challenge.closes:
        body += (
            f"\n\nYou can change or withdraw it until the end of {challenge.closes:%-d %B %Y}, the closing date. "
            "Until then it is sealed: the buyer sees only that it arrived."
        )
    notify(
        session,
        [user],
        f"Receipt: your {label} for {challenge.title} was {what}",
        body,
        f"/challenges/{challenge.ref}/responses/{response.id}",
        record=challenge,
        kind="challenge",
        topic="response-receipt",
    )


def withdraw_response(session: Session, viewer: Viewer, challenge: Challenge, kind: str) -> ChallengeResponse:
    """The supplier takes its response back (until the closing date): nobody else sees it again."""
    _require(access.can_respond_to_challenges(viewer), "Only approved suppliers can respond to challenges")
    response = own_response(session, viewer, challenge, kind)
    if response is None or response.status == "withdrawn":
        raise Invalid(f"You have no {RESPONSE_KINDS.get(kind, 'response')} to withdraw")
    refusal = response_window(challenge, kind)
    if refusal:
        raise Invalid(refusal)
    response.status = "withdrawn"
    session.execute(sa.delete(PhaseShortlist).where(PhaseShortlist.response_id == response.id))
    _receipt(session, viewer, challenge, response, "withdrew")
    return response


def proposal_count(session: Session, viewer: Viewer, challenge: Challenge) -> int | None:
    """How many proposals arrived (not withdrawn): what the owner and co-sponsors see while the
    proposals are sealed. None for anyone else."""
    if not access.can_see_responses(viewer, challenge, co_sponsor_ids(session, challenge)):
        return None
    return session.exec(
        select(sa.func.count())
        .select_from(ChallengeResponse)
        .where(
            ChallengeResponse.challenge_id == challenge.id,
            ChallengeResponse.kind == "proposal",
            ChallengeResponse.status != "withdrawn",
        )
    ).one()


def own_responses(session: Session, viewer: Viewer) -> list[tuple[ChallengeResponse, Challenge]]:
    """The signed-in supplier's own expressions of interest and proposals (never another
    supplier's), newest first, each with its challenge."""
    if viewer.member_org_id is None or not access.can_respond_to_challenges(viewer):
        return []
    rows = session.exec(
        select(ChallengeResponse, Challenge)
        .join(Challenge, Challenge.id == ChallengeResponse.challenge_id)
        .where(ChallengeResponse.supplier_id == viewer.member_org_id)
        .order_by(ChallengeResponse.updated_at.desc(), ChallengeResponse.id.desc())
    ).all()
    return [(r, c) for r, c in rows if access.can_view_response(viewer, r, c)]


def visible_responses(
    session: Session, viewer: Viewer, challenge: Challenge, kind: str | None = None
) -> list[tuple[ChallengeResponse, Organisation]]:
    """Every response this viewer may see: all of them for the owner and co-sponsors, only its
    own for a supplier, none for anyone else. Ordered by weighted score, then date."""
    sponsors = co_sponsor_ids(session, challenge)
    query = (
        select(ChallengeResponse, Organisation)
        .join(Organisation, Organisation.id == ChallengeResponse.supplier_id)
        .where(ChallengeResponse.challenge_id == challenge.id)
    )
    if not access.can_see_responses(viewer, challenge, sponsors):
        # Narrow in SQL as well as below: a supplier's query never even loads another's response.
        if viewer.member_org_id is None:
            return []
        query = query.where(ChallengeResponse.supplier_id == viewer.member_org_id)
    if kind:
        query = query.where(ChallengeResponse.kind == kind)
    rows = session.exec(query.order_by(ChallengeResponse.submitted_at, ChallengeResponse.id)).all()
    rows = [(r, o) for r, o in rows if access.can_view_response(viewer, r, challenge, sponsors)]
    rows.sort(key=lambda ro: -(ro[0].score_total or -1))
    return rows


def get_response(session: Session, viewer: Viewer, challenge: Challenge, response_id: int) -> ChallengeResponse | None:
    response = session.get(ChallengeResponse, response_id)
    if response is None or response.challenge_id != challenge.id:
        return None
    if not access.can_view_response(viewer, response, challenge, co_sponsor_ids(session, challenge)):
        return None
    return response


def shortlist(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    response: ChallengeResponse,
    phase_id: int | None = None,
    on: bool = True,
) -> None:
    """Shortlist a response (for a phase, when the route has phases), or take it off."""
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status in ("awarded", "closed", "withdrawn", "draft"):
        raise Invalid("Shortlists can be changed only while the challenge is live")
    if not access.can_view_response(viewer, response, challenge):
        raise Invalid("Proposals are sealed until the closing date")
    if phase_id is not None:
        phase = session.get(ChallengePhase, phase_id)
        if phase is None or phase.challenge_id != challenge.id:
            raise Invalid("That phase is not part of this challenge")
        existing = session.get(PhaseShortlist, (phase_id, response.id))
        if on and existing is None:
            session.add(PhaseShortlist(phase_id=phase_id, response_id=response.id))
        elif not on and existing is not None:
            session.delete(existing)
            session.flush()
    still_listed = on or (
        phase_id is not None
        and session.exec(select(PhaseShortlist).where(PhaseShortlist.response_id == response.id)).first() is not None
    )
    response.status = "shortlisted" if still_listed else "submitted"
    session.add(response)
    news.shortlisted(session, challenge, response)  # that supplier alone hears it


def phases(session: Session, challenge: Challenge) -> list[tuple[ChallengePhase, list[int]]]:
    """Phases in date order, each with the response ids shortlisted for it."""
    rows = session.exec(
        select(ChallengePhase).where(ChallengePhase.challenge_id == challenge.id).order_by(ChallengePhase.id)
    ).all()
    result = []
    for phase in rows:
        ids = session.exec(select(PhaseShortlist.response_id).where(PhaseShortlist.phase_id == phase.id)).all()
        result.append((phase, list(ids)))
    order = {"feasibility": 0, "prototype": 1, "pilot": 2}
    result.sort(key=lambda pr: (order.get(pr[0].name, 9), pr[0].starts or date.max))
    return result


def add_phase(session: Session, viewer: Viewer, challenge: Challenge, data: dict[str, Any]) -> ChallengePhase:
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status in ("awarded", "closed", "withdrawn"):
        raise Invalid("Phases cannot be added once the challenge has finished")
    exists = session.exec(
        select(ChallengePhase).where(ChallengePhase.challenge_id == challenge.id, ChallengePhase.name == data["name"])
    ).first()
    if exists is not None:
        raise Invalid("That phase has already been added", "name")
    phase = ChallengePhase(
        challenge_id=challenge.id,
        name=data["name"],
        budget=data.get("budget"),
        starts=data.get("starts"),
        ends=data.get("ends"),
    )
    session.add(phase)
    session.flush()
    return phase


def update_phase(
    session: Session, viewer: Viewer, challenge: Challenge, phase: ChallengePhase, data: dict[str, Any]
) -> ChallengePhase:
    """Change a phase's name, budget or dates (not once it has been awarded as a lot)."""
    _require(access.can_manage_challenge(viewer, challenge))
    if phase.challenge_id != challenge.id:
        raise Invalid("That phase is not part of this challenge")
    if challenge.status in ("closed", "withdrawn") or phase.awarded_response_id is not None:
        raise Invalid("This phase can no longer be changed")
    clash = session.exec(
        select(ChallengePhase).where(
            ChallengePhase.challenge_id == challenge.id,
            ChallengePhase.name == data["name"],
            ChallengePhase.id != phase.id,
        )
    ).first()
    if clash is not None:
        raise Invalid("That phase has already been added", "name")
    phase.name = data["name"]
    phase.budget = data.get("budget")
    phase.starts = data.get("starts")
    phase.ends = data.get("ends")
    session.add(phase)
    return phase


# --- results after award --------------------------------------------------------------------------


def record_results(
    session: Session, viewer: Viewer, challenge: Challenge, results: list[dict[str, Any]], deployment_ref: str | None
) -> None:
    """Actual results against each outcome's baseline and target, and the deployment that followed."""
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status != "awarded":
        raise Invalid("Results can be recorded once the challenge has been awarded")
    deployment_id = None
    if deployment_ref:
        deployment = session.exec(select(Deployment).where(Deployment.ref == deployment_ref)).first()
        if deployment is None or not access.can_view(viewer, deployment):
            raise Invalid("Choose a deployment from the list", "deployment")
        deployment_id = deployment.id
    rows = []
    for index, _outcome in enumerate(challenge.outcomes or []):
        given = results[index] if index < len(results) else {}
        if given.get("actual") or given.get("note"):
            rows.append({"outcome": index, "actual": given.get("actual") or "", "note": given.get("note") or ""})
    override = _refuse_personal_data({"results": rows})
    challenge.results = rows
    challenge.result_deployment_id = deployment_id
    session.add(challenge)
    record_override(session, override, challenge)
    _challenge_event(session, challenge, "update", "results have been recorded against the outcomes")


def results_view(session: Session, viewer: Viewer, challenge: Challenge) -> dict[str, Any]:
    """Outcomes with their actual results, and the resulting deployment if this viewer may see it."""
    by_index = {r["outcome"]: r for r in challenge.results or []}
    rows = [(o, by_index.get(i)) for i, o in enumerate(challenge.outcomes or [])]
    deployment = session.get(Deployment, challenge.result_deployment_id) if challenge.result_deployment_id else None
    if deployment is not None and not access.can_view(viewer, deployment):
        deployment = None
    return {"rows": rows, "deployment": deployment, "any": bool(by_index)}


def tool_names(session: Session, tool_ids: set[int]) -> dict[int, str]:
    """{tool id: name}, to label deployments by their tool (the caller's deployments are visible)."""
    if not tool_ids:
        return {}
    return dict(session.exec(select(Tool.id, Tool.name).where(Tool.id.in_(tool_ids))).all())


def tried_deployments(session: Session, viewer: Viewer, challenge: Challenge) -> list[tuple[Deployment, Organisation]]:
    """Linked deployments, filtered for this viewer (a private peer deployment stays hidden)."""
    result = []
    for deployment in visible_deployments(session, viewer, list(challenge.tried_deployment_ids or [])):
        result.append((deployment, session.get(Organisation, deployment.organisation_id)))
    return result
