"""Evaluation and award: each evaluator's scores, the owner's moderated score (what ranks), the
award with its contract and standstill period, per phase (lot) or for the whole challenge, and
each proposing supplier's assessment summary (Procurement Act 2023, s.50)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.notifications.services import notify
from catalogue.personal_data import record_override
from outcomes import clock
from outcomes.models import Challenge, ChallengePhase, ChallengeResponse, ResponseScore
from outcomes.services.base import _refuse_personal_data, _require
from outcomes.services.lifecycle import change_status
from outcomes.services.sharing import co_sponsor_ids


def weighted_total(challenge: Challenge, scores: dict[str, int]) -> float | None:
    """Each score is 0 to 10; the total is out of 100, weighted by the criteria."""
    criteria = challenge.evaluation_criteria or []
    if not criteria or not scores:
        return None
    total = sum(scores.get(str(i), 0) / 10 * c["weight"] for i, c in enumerate(criteria))
    return round(total, 1)


def _scorable(challenge: Challenge, response: ChallengeResponse, scores: dict[str, Any]) -> None:
    if challenge.status not in ("market-engagement", "open", "evaluating", "awarded", "closed"):
        raise Invalid("Responses can be scored once the challenge has been published")
    if response.kind == "proposal" and clock.effective_status(challenge) == "open":
        raise Invalid("Score proposals after the closing date, when the challenge is being evaluated")
    if response.status == "withdrawn":
        raise Invalid("This response was withdrawn")
    known = {str(i) for i in range(len(challenge.evaluation_criteria or []))}
    if set(scores) - known:
        raise Invalid("Score only the challenge's evaluation criteria", "scores")


def score_response(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    response: ChallengeResponse,
    scores: dict[str, int],
    feedback: str | None,
    note: str | None = None,
    reasons: dict[str, str] | None = None,
) -> ChallengeResponse:
    """The owner's moderated score (from the evaluators' scores), with the reasons per criterion
    and the feedback the supplier reads after the decision, and a note on the moderation."""
    _require(access.can_manage_challenge(viewer, challenge))
    _scorable(challenge, response, scores)
    reasons = {k: v.strip() for k, v in (reasons or {}).items() if v and v.strip()}
    override = _refuse_personal_data(
        {"feedback": feedback, "moderation_note": note, **{f"reason-{k}": v for k, v in reasons.items()}}
    )
    response.scores = {k: int(v) for k, v in scores.items()}
    response.score_reasons = reasons
    response.score_total = weighted_total(challenge, response.scores)
    response.feedback = feedback
    response.moderation_note = note
    session.add(response)
    record_override(session, override, response)
    return response


def evaluate(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    response: ChallengeResponse,
    scores: dict[str, int],
    note: str | None,
    reasons: dict[str, str] | None = None,
) -> ResponseScore:
    """One evaluator's own scores (the owner's or an approved co-sponsor's staff) with the reasons
    per criterion, kept apart from everyone else's until the owner moderates."""
    _require(access.can_score_response(viewer, response, challenge, co_sponsor_ids(session, challenge)))
    reasons = {k: v.strip() for k, v in (reasons or {}).items() if v and v.strip()}
    _scorable(challenge, response, {**scores, **reasons})
    override = _refuse_personal_data({"note": note, **{f"reason-{k}": v for k, v in reasons.items()}})
    row = session.exec(
        select(ResponseScore).where(
            ResponseScore.response_id == response.id, ResponseScore.evaluator_id == viewer.user_id
        )
    ).first() or ResponseScore(
        response_id=response.id, evaluator_id=viewer.user_id, organisation_id=viewer.member_org_id
    )
    row.scores = {k: int(v) for k, v in scores.items()}
    row.total = weighted_total(challenge, row.scores)
    row.note = note
    row.reasons = reasons
    row.at = utcnow()
    session.add(row)
    session.flush()
    record_override(session, override, row)
    return row


def evaluator_scores(
    session: Session, viewer: Viewer, challenge: Challenge, response: ChallengeResponse
) -> list[tuple[ResponseScore, User, Organisation]]:
    """Every evaluator's scores for the owner and co-sponsors; nothing for anyone else (the
    supplier sees only the moderated score, in its assessment summary)."""
    sponsors = co_sponsor_ids(session, challenge)
    if not (
        access.can_see_responses(viewer, challenge, sponsors)
        and access.can_view_response(viewer, response, challenge, sponsors)
    ):
        return []
    return list(
        session.exec(
            select(ResponseScore, User, Organisation)
            .join(User, User.id == ResponseScore.evaluator_id)
            .join(Organisation, Organisation.id == ResponseScore.organisation_id)
            .where(ResponseScore.response_id == response.id)
            .order_by(ResponseScore.at)
        ).all()
    )


# --- the award -----------------------------------------------------------------------------------


def _proposals(session: Session, challenge: Challenge) -> list[ChallengeResponse]:
    return list(
        session.exec(
            select(ChallengeResponse).where(
                ChallengeResponse.challenge_id == challenge.id,
                ChallengeResponse.kind == "proposal",
                ChallengeResponse.status != "withdrawn",
            )
        ).all()
    )


@dataclass
class AwardPlan:
    """What an award will do, shown on the confirmation page before it is made."""

    winner: Organisation
    unsuccessful: list[Organisation]
    standstill_ends: date
    phase: ChallengePhase | None = None
    told: list[str] = field(default_factory=list)


def award_plan(
    session: Session,
    challenge: Challenge,
    response: ChallengeResponse,
    phase: ChallengePhase | None = None,
    on: date | None = None,
) -> AwardPlan:
    others = [p for p in _proposals(session, challenge) if p.id != response.id]
    names = [session.get(Organisation, p.supplier_id) for p in others]
    return AwardPlan(
        winner=session.get(Organisation, response.supplier_id),
        unsuccessful=[n for n in names if n is not None],
        standstill_ends=standstill_ends(on or clock.today()),
        phase=phase,
        told=[
            "every supplier that sent a proposal, by email, with its assessment summary",
            "the challenge's followers and the public, through the contract award notice (UK6)",
        ],
    )


def award(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    response: ChallengeResponse,
    on: date | None = None,
    contract: dict[str, Any] | None = None,
) -> None:
    """Record the award: the chosen proposal wins, every other proposal is unsuccessful, and each
    supplier that proposed is sent its assessment summary. With `contract["phase"]` (a phase id)
    the award is for that phase (a lot): other phases can still be awarded, each to one proposal;
    the challenge is awarded with the first. The contract is entered after the standstill."""
    _require(access.can_manage_challenge(viewer, challenge))
    contract = contract or {}
    if response.challenge_id != challenge.id or response.kind != "proposal" or response.status == "withdrawn":
        raise Invalid("Choose one of this challenge's proposals")
    # Past the closing date the challenge is evaluating even if the daily job has not run yet.
    clock.catch_up(session, challenge, on)
    phase = None
    if contract.get("phase"):
        phase = session.get(ChallengePhase, contract["phase"])
        if phase is None or phase.challenge_id != challenge.id:
            raise Invalid("That phase is not part of this challenge", "phase")
        if phase.awarded_response_id is not None:
            raise Invalid("That phase has already been awarded", "phase")
        if challenge.status not in ("evaluating", "awarded"):
            raise Invalid("A phase is awarded after its proposals have been evaluated")
    elif challenge.status != "evaluating":
        raise Invalid("A challenge is awarded after its proposals have been evaluated")
    winners = {response.id}
    if phase is not None:
        phase.awarded_response_id = response.id
        phase.contract_value = contract.get("value")
        session.add(phase)
        session.flush()
        winners |= {
            p.awarded_response_id
            for p in session.exec(select(ChallengePhase).where(ChallengePhase.challenge_id == challenge.id)).all()
            if p.awarded_response_id
        }
    for other in _proposals(session, challenge):
        other.status = "awarded" if other.id in winners else "unsuccessful"
        session.add(other)
    first_award = phase is None or challenge.status == "evaluating"
    if first_award:
        challenge.awarded_at = utcnow()
        challenge.contract_value = contract.get("value")
        challenge.contract_starts = contract.get("starts") or (phase.starts if phase else None)
        challenge.contract_ends = contract.get("ends") or (phase.ends if phase else None)
        change_status(session, viewer, challenge, "awarded", _awarding=True)
    else:
        # A later lot's award is a contract award notice of its own (the first one's is published
        # by the status change).
        from outcomes.ocds import store  # the store imports this package

        store.publish(session, challenge, on=on)
    session.flush()
    _send_assessments(session, challenge)


def awarded_to(session: Session, challenge: Challenge) -> Organisation | None:
    """Who won is public once awarded (as any published contract award); what they proposed is not."""
    response = awarded_response(session, challenge)
    return session.get(Organisation, response.supplier_id) if response else None


def awarded_response(session: Session, challenge: Challenge) -> ChallengeResponse | None:
    if challenge.status != "awarded":
        return None
    return session.exec(
        select(ChallengeResponse)
        .where(ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.status == "awarded")
        .order_by(ChallengeResponse.id)
    ).first()


def standstill_ends(awarded: date) -> date:
    """The OCDS store's working-day count (one rule for the page, the email and the UK7 notice)."""
    from outcomes.ocds.store import standstill_ends as ends  # the store imports this package

    return ends(awarded)


def standstill_end(challenge: Challenge) -> date | None:
    """The last day of the standstill period; the contract is entered after it."""
    return standstill_ends(challenge.awarded_at.date()) if challenge.awarded_at else None


# --- assessment summaries ---------------------------------------------------------------------------


def assessment_summary(
    session: Session, viewer: Viewer, challenge: Challenge, response: ChallengeResponse
) -> dict[str, Any] | None:
    """What the Act requires each proposing supplier be told before the contract is entered: its
    own moderated score per criterion with the reasons, and the winning proposal's scores per
    criterion (never the winner's text). None for anyone but the supplier and the owner."""
    if not access.can_see_assessment(viewer, response, challenge):
        return None
    winner = awarded_response(session, challenge)
    rows = []
    for i, criterion in enumerate(challenge.evaluation_criteria or []):
        key = str(i)
        rows.append(
            {
                "criterion": criterion["criterion"],
                "weight": criterion["weight"],
                "score": (response.scores or {}).get(key),
                "reason": (response.score_reasons or {}).get(key, ""),
                "winner_score": (winner.scores or {}).get(key) if winner else None,
            }
        )
    return {
        "rows": rows,
        "total": response.score_total,
        "winner_total": winner.score_total if winner else None,
        "won": response.status == "awarded",
        "winner": session.get(Organisation, winner.supplier_id) if winner else None,
        "feedback": response.feedback,
        "standstill_ends": standstill_end(challenge),
    }


def _send_assessments(session: Session, challenge: Challenge) -> None:
    """Email each supplier that proposed (its approved users) its assessment summary."""
    for response in _proposals(session, challenge):
        users = session.exec(
            select(User).where(User.organisation_id == response.supplier_id, User.status == "approved")
        ).all()
        owner_view = Viewer(site_admin=True)
        summary = assessment_summary(session, owner_view, challenge, response)
        if summary is None or not users:
            continue
        outcome = "was successful" if summary["won"] else "was not successful"
        lines = [f"Your proposal for {challenge.title} {outcome}."]
        for row in summary["rows"]:
            lines.append(
                f"- {row['criterion']} ({row['weight']}%): your score {_score(row['score'])}, "
                f"the winning proposal's {_score(row['winner_score'])}."
                + (f" Why: {row['reason']}" if row["reason"] else "")
            )
        if summary["feedback"]:
            lines += ["", f"Feedback: {summary['feedback']}"]
        if summary["standstill_ends"]:
            lines += [
                "",
                f"The standstill period ends on {summary['standstill_ends']:%-d %B %Y}; "
                "the contract is entered after it.",
            ]
        notify(
            session,
            users,
            f"Assessment summary: {challenge.title}",
            "\n".join(lines),
            f"/challenges/{challenge.ref}/responses/{response.id}/assessment",
            record=challenge,
            kind="challenge",
            topic="assessment-summary",
        )


def _score(value: Any) -> str:
    return "not scored" if value is None else f"{value} out of 10"
