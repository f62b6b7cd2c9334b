"""Suppliers' responses and what follows: expressions of interest, proposals, scoring,
shortlists and phases, the award, and results recorded against the outcomes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.personal_data import record_override
from catalogue.records.models import Deployment
from outcomes import clock
from outcomes.models import Challenge, ChallengePhase, ChallengeResponse, PhaseShortlist
from outcomes.services import news
from outcomes.services.base import _challenge_event, _refuse_personal_data, _require, today
from outcomes.services.challenges import visible_deployments
from outcomes.services.lifecycle import change_status
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
        session.exec(select(Offering).where(Offering.supplier_id == viewer.member_org_id).order_by(Offering.name)).all()
    )


def save_response(
    session: Session, viewer: Viewer, challenge: Challenge, kind: str, data: dict[str, Any]
) -> ChallengeResponse:
    """Send or change the supplier's own expression of interest or proposal."""
    _require(access.can_respond_to_challenges(viewer), "Only approved suppliers can respond to challenges")
    if kind not in RESPONSE_KINDS:
        raise Invalid("Choose an expression of interest or a proposal")
    refusal = response_window(challenge, kind)
    if refusal:
        raise Invalid(refusal)
    offering_id = None
    if data.get("offering"):
        offering = session.exec(
            select(Offering).where(Offering.ref == data["offering"], Offering.supplier_id == viewer.member_org_id)
        ).first()
        if offering is None:
            raise Invalid("Choose one of your own offerings", "offering")
        offering_id = offering.id
    essentials = challenge.essential_requirements
    answers = [(a or "").strip() for a in data.get("requirements_met") or []]
    answers = (answers + [""] * len(essentials))[: len(essentials)]
    if kind == "proposal":
        for number, answer in enumerate(answers):
            if not answer:
                raise Invalid(
                    f"Say how your proposal meets the essential requirement ‘{essentials[number][:80]}’",
                    f"requirements_met-{number}",
                )
    override = _refuse_personal_data(
        {
            "approach": data.get("approach"),
            "price": data.get("price"),
            "evidence": data.get("evidence"),
            **{f"requirements_met-{i}": a for i, a in enumerate(answers)},
        }
    )
    response = own_response(session, viewer, challenge, kind) or ChallengeResponse(
        challenge_id=challenge.id, supplier_id=viewer.member_org_id, kind=kind
    )
    response.approach = data["approach"]
    response.offering_id = offering_id
    response.requirements_met = [{"requirement": r, "how": a} for r, a in zip(essentials, answers, strict=True)]
    response.price = data.get("price")
    response.evidence = data.get("evidence")
    response.submitted_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    response.updated_at = utcnow()
    session.add(response)
    session.flush()
    record_override(session, override, response)
    news.response_saved(session, challenge, response)  # the owner's team: that it arrived, never its contents
    return response


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


def weighted_total(challenge: Challenge, scores: dict[str, int]) -> float | None:
    """Each score is 0 to 10; the total is out of 100, weighted by the criteria."""
    criteria = challenge.evaluation_criteria or []
    if not criteria or not scores:
        return None
    total = sum(scores.get(str(i), 0) / 10 * c["weight"] for i, c in enumerate(criteria))
    return round(total, 1)


def score_response(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    response: ChallengeResponse,
    scores: dict[str, int],
    feedback: str | None,
) -> ChallengeResponse:
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status not in ("market-engagement", "open", "evaluating", "awarded", "closed"):
        raise Invalid("Responses can be scored once the challenge has been published")
    if response.kind == "proposal" and clock.effective_status(challenge) == "open":
        raise Invalid("Score proposals after the closing date, when the challenge is being evaluated")
    known = {str(i) for i in range(len(challenge.evaluation_criteria or []))}
    if set(scores) - known:
        raise Invalid("Score only the challenge's evaluation criteria", "scores")
    override = _refuse_personal_data({"feedback": feedback})
    response.scores = {k: int(v) for k, v in scores.items()}
    response.score_total = weighted_total(challenge, response.scores)
    response.feedback = feedback
    session.add(response)
    record_override(session, override, response)
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


def award(
    session: Session, viewer: Viewer, challenge: Challenge, response: ChallengeResponse, on: date | None = None
) -> None:
    """Record the award: the chosen proposal wins, every other proposal is unsuccessful."""
    _require(access.can_manage_challenge(viewer, challenge))
    if response.challenge_id != challenge.id or response.kind != "proposal":
        raise Invalid("Choose one of this challenge's proposals")
    # Past the closing date the challenge is evaluating even if the daily job has not run yet.
    clock.catch_up(session, challenge, on)
    if challenge.status != "evaluating":
        raise Invalid("A challenge is awarded after its proposals have been evaluated")
    for other in session.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.kind == "proposal"
        )
    ).all():
        other.status = "awarded" if other.id == response.id else "unsuccessful"
        session.add(other)
    challenge.awarded_at = utcnow()
    change_status(session, viewer, challenge, "awarded", _awarding=True)


def awarded_to(session: Session, challenge: Challenge) -> Organisation | None:
    """Who won is public once awarded (as any published contract award); what they proposed is not."""
    if challenge.status != "awarded":
        return None
    supplier_id = session.exec(
        select(ChallengeResponse.supplier_id).where(
            ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.status == "awarded"
        )
    ).first()
    return session.get(Organisation, supplier_id) if supplier_id else None


def awarded_response(session: Session, challenge: Challenge) -> ChallengeResponse | None:
    return session.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.status == "awarded"
        )
    ).first()


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


def tried_deployments(session: Session, viewer: Viewer, challenge: Challenge) -> list[tuple[Deployment, Organisation]]:
    """Linked deployments, filtered for this viewer (a private peer deployment stays hidden)."""
    result = []
    for deployment in visible_deployments(session, viewer, list(challenge.tried_deployment_ids or [])):
        result.append((deployment, session.get(Organisation, deployment.organisation_id)))
    return result
