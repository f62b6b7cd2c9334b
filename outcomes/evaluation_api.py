"""/api/v1 evaluation and award (issue 15 through the API, issue 17): each evaluator's own scores,
every evaluator's scores and the owner's moderated score, shortlists per phase, the award plan
and the award (whole challenge or one phase), and a supplier's own assessment summary.

Every call goes through the services the pages use (outcomes.services.evaluation, .responses)
and the access rules in catalogue.access; a refusal about the record's state is a 409, a field's
a 422 with every field error, a proposal nobody may read here a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView

from catalogue import access, errors
from catalogue.accounts.models import Organisation
from catalogue.api import API_PREFIX, Blueprint, common, http
from catalogue.db import get_session
from outcomes import services
from outcomes.api import _challenge_or_404
from outcomes.evaluation_api_schemas import (
    ID_RANGE,
    AssessmentSummaryOut,
    AwardIn,
    AwardOut,
    AwardPlanArgs,
    AwardPlanOut,
    EvaluationIn,
    EvaluationOut,
    ModerationIn,
    ModerationOut,
    ScoresOut,
    ShortlistArgs,
    ShortlistIn,
    ShortlistOut,
)
from outcomes.models import Challenge, ChallengeResponse
from outcomes.schemas import PHASES, EvaluatorScoreSchema, ScoreSchema
from suppliers.api import MARKET_DESCRIPTION, MARKET_TAG

blp = Blueprint("api_evaluation", __name__, url_prefix="/api/v1", description=MARKET_DESCRIPTION, doc_tag=MARKET_TAG)
common.install(blp)

PROPOSAL = "/challenges/<ref>/proposals/<int:response_id>"


# --- helpers -----------------------------------------------------------------------------------


def _proposal_or_404(challenge: Challenge, response_id: int) -> ChallengeResponse:
    """The proposal if this caller may read it (sealed until the closing date; never another
    supplier's): the pages' own lookup."""
    if response_id > ID_RANGE.max:  # no row has it, and SQLite cannot even be asked
        common.not_found("proposal")
    response = services.get_response(get_session(), common.viewer(), challenge, response_id)
    if response is None or response.kind != "proposal":
        common.not_found("proposal")
    return response


def _refused(exc: errors.Refused, rows: list[dict[str, Any]] | None = None) -> None:
    """A service's refusal: 403, 409 about the record's state, 422 naming each field (a reason
    the service names by criterion, `reason-1`, at its place in the body, /scores/0/reason)."""
    if isinstance(exc, errors.NotAllowed):
        common.forbidden(exc.message)
    if isinstance(exc, errors.NotFound):
        common.not_found()
    if set(exc.errors) == {"_schema"}:
        common.abort_conflict(exc.message)
    at = {f"reason-{row['criterion']}": f"scores-{i}-reason" for i, row in enumerate(rows or [])}
    common.field_errors({at.get(k, k): v for k, v in exc.errors.items()})


def _as_service(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return {str(row["criterion"]): row[key] for row in rows if row.get(key) not in (None, "")}


def _save(write: Callable[[], Any], rows: list[dict[str, Any]] | None = None) -> None:
    """One service write, committed; a refusal rolls back and answers as `_refused` says."""
    session = get_session()
    try:
        write()
    except errors.Refused as exc:
        session.rollback()
        _refused(exc, rows)
    session.commit()


def _clean_scores(data: dict[str, Any], schema: Any, *keys: str) -> dict[str, Any]:
    """The body's per-criterion rows as the service's maps (score, reason by criterion) plus
    `keys`, checked by the pages' own schema (422 with every field error)."""
    _twice(data["scores"])
    given = {
        "scores": _as_service(data["scores"], "score"),
        "reasons": _as_service(data["scores"], "reason"),
        **{key: data.get(key) for key in keys},
    }
    return common.load_or_422(schema, common.compact(given) | {"scores": given["scores"]})


def _twice(rows: list[dict[str, Any]]) -> None:
    """A criterion scored twice in one body is a field error (the service keys by criterion)."""
    seen: set[int] = set()
    problems = {}
    for i, row in enumerate(rows):
        if row["criterion"] in seen:
            problems[f"scores-{i}-criterion"] = "Score each criterion once"
        seen.add(row["criterion"])
    if problems:
        common.field_errors(problems)


def _rows(challenge: Challenge, scores: dict[str, Any], reasons: dict[str, str] | None = None) -> list[dict]:
    rows = []
    for i, criterion in enumerate(challenge.evaluation_criteria or []):
        if str(i) not in scores:
            continue
        row = {"criterion": i, "title": criterion["criterion"], "weight": criterion["weight"], "score": scores[str(i)]}
        if reasons is not None and reasons.get(str(i)):
            row["reason"] = reasons[str(i)]
        rows.append(row)
    return rows


def _evaluation_json(challenge: Challenge, row: Any, user: Any, org: Any) -> dict[str, Any]:
    return common.compact(
        {
            "evaluator": (user.display_name if user else "") or "An evaluator",  # as the page names them
            "organisation": org.ref if org else None,
            "organisation_name": org.name if org else None,
            "scores": _rows(challenge, row.scores or {}, row.reasons or {}),
            "total": row.total,
            "note": row.note,
            "at": row.at,
        }
    )


def _moderation_json(challenge: Challenge, response: ChallengeResponse) -> dict[str, Any]:
    return common.compact(
        {
            "scores": _rows(challenge, response.scores or {}, response.score_reasons or {}),
            "total": response.score_total,
            "note": response.moderation_note,
            "feedback": response.feedback,
        }
    )


def _mine(challenge: Challenge, response: ChallengeResponse) -> Any:
    viewer = common.viewer()
    scored = services.evaluator_scores(get_session(), viewer, challenge, response)
    return next(((r, u, o) for r, u, o in scored if u.id == viewer.user_id), None)


def _evaluator_or_403(challenge: Challenge, response: ChallengeResponse) -> None:
    sponsors = services.co_sponsor_ids(get_session(), challenge)
    if not access.can_score_response(common.viewer(), response, challenge, sponsors):
        common.forbidden("Only the challenge's owner and approved co-sponsors score its proposals")


def _phase_ref(phase: Any) -> dict[str, Any]:
    return {"id": phase.id, "name": phase.name, "label": PHASES.get(phase.name, phase.name)}


def _supplier(org: Organisation | None) -> dict[str, Any] | None:
    return {"ref": org.ref, "name": org.name} if org else None


# --- scores ------------------------------------------------------------------------------------


@blp.route(PROPOSAL + "/scores")
@blp.response(200, ScoresOut)
@blp.alt_response(403, response="Forbidden")
def proposal_scores(ref: str, response_id: int) -> dict[str, Any]:
    """Every evaluator's scores (the owner and approved co-sponsors) and, for the owner, the
    moderated score with its reasons, note and feedback. Never the supplier's to read."""
    challenge = _challenge_or_404(ref)
    response = _proposal_or_404(challenge, response_id)
    _evaluator_or_403(challenge, response)
    scored = services.evaluator_scores(get_session(), common.viewer(), challenge, response)
    body: dict[str, Any] = {
        "proposal": response.id,
        "status": response.status,
        "evaluators": [_evaluation_json(challenge, r, u, o) for r, u, o in scored],
    }
    if access.can_manage_challenge(common.viewer(), challenge):
        body["moderated"] = _moderation_json(challenge, response)
    return body


@blp.route(PROPOSAL + "/scores/mine")
class OwnEvaluation(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, EvaluationOut)
    @blp.alt_response(403, response="Forbidden")
    def get(self, ref: str, response_id: int) -> dict[str, Any]:
        """Your own scores for the proposal, as an evaluator (404 until you have scored it)."""
        challenge = _challenge_or_404(ref)
        response = _proposal_or_404(challenge, response_id)
        _evaluator_or_403(challenge, response)
        mine = _mine(challenge, response)
        if mine is None:
            common.not_found("scores of yours for this proposal")
        return _evaluation_json(challenge, *mine)

    @blp.arguments(EvaluationIn, example={"scores": [{"criterion": 0, "score": 7}], "note": "Clear plan"})
    @blp.response(200, EvaluationOut)
    @blp.alt_response(409, response="Conflict")
    @blp.alt_response(412, response="PreconditionFailed")
    def put(self, data: dict[str, Any], ref: str, response_id: int) -> dict[str, Any]:
        """Give or change your own scores (owner's or approved co-sponsor's staff), after the
        closing date; kept apart from other evaluators' until the owner moderates."""
        challenge = _challenge_or_404(ref)
        response = _proposal_or_404(challenge, response_id)
        _evaluator_or_403(challenge, response)
        if _mine(challenge, response) is not None:
            http.check_if_match(lambda: self.get(ref, response_id))
        clean = _clean_scores(data, EvaluatorScoreSchema(), "note")
        _save(
            lambda: services.evaluate(
                get_session(),
                common.viewer(),
                challenge,
                response,
                clean["scores"],
                clean.get("note"),
                reasons=clean.get("reasons"),
            ),
            data["scores"],
        )
        return _evaluation_json(challenge, *_mine(challenge, response))


@blp.route(PROPOSAL + "/scores/moderated")
class Moderation(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, ModerationOut)
    @blp.alt_response(403, response="Forbidden")
    def get(self, ref: str, response_id: int) -> dict[str, Any]:
        """The moderated score (the owner's): what ranks the proposals and what the supplier is told."""
        challenge = _challenge_or_404(ref)
        response = _proposal_or_404(challenge, response_id)
        if not access.can_manage_challenge(common.viewer(), challenge):
            common.forbidden("Only the challenge's owner moderates the scores")
        return _moderation_json(challenge, response)

    @blp.arguments(
        ModerationIn,
        example={"scores": [{"criterion": 0, "score": 7, "reason": "A clear plan"}], "note": "Agreed by the panel"},
    )
    @blp.response(200, ModerationOut)
    @blp.alt_response(409, response="Conflict")
    @blp.alt_response(412, response="PreconditionFailed")
    def put(self, data: dict[str, Any], ref: str, response_id: int) -> dict[str, Any]:
        """Set the moderated score (owner only): per criterion with the reasons, a note on the
        moderation, and the feedback the supplier reads after the decision."""
        challenge = _challenge_or_404(ref)
        response = _proposal_or_404(challenge, response_id)
        if not access.can_manage_challenge(common.viewer(), challenge):
            common.forbidden("Only the challenge's owner moderates the scores")
        http.check_if_match(lambda: self.get(ref, response_id))
        clean = _clean_scores(data, ScoreSchema(), "feedback", "note")
        _save(
            lambda: services.score_response(
                get_session(),
                common.viewer(),
                challenge,
                response,
                clean["scores"],
                clean.get("feedback"),
                note=clean.get("note"),
                reasons=clean.get("reasons"),
            ),
            data["scores"],
        )
        return _moderation_json(challenge, response)


# --- shortlists --------------------------------------------------------------------------------


def _shortlist_json(challenge: Challenge, response: ChallengeResponse) -> dict[str, Any]:
    listed = [p for p, ids in services.phases(get_session(), challenge) if response.id in ids]
    return {"proposal": response.id, "status": response.status, "phases": [_phase_ref(p) for p in listed]}


def _change_shortlist(ref: str, response_id: int, phase: int | None, on: bool) -> dict[str, Any]:
    session = get_session()
    challenge = _challenge_or_404(ref)
    response = _proposal_or_404(challenge, response_id)
    if phase is not None and phase not in {p.id for p, _ids in services.phases(session, challenge)}:
        common.field_errors({"phase": "That phase is not part of this challenge"})
    _save(lambda: services.shortlist(session, common.viewer(), challenge, response, phase, on=on))
    return _shortlist_json(challenge, response)


@blp.route(PROPOSAL + "/shortlist")
class Shortlist(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(ShortlistIn, example={"phase": 1})
    @blp.response(200, ShortlistOut)
    @blp.alt_response(409, response="Conflict")
    def put(self, data: dict[str, Any], ref: str, response_id: int) -> dict[str, Any]:
        """Shortlist the proposal (owner only), for a phase when `phase` is given; its supplier is told."""
        return _change_shortlist(ref, response_id, data.get("phase"), on=True)

    @blp.arguments(ShortlistArgs, location="query")
    @blp.response(200, ShortlistOut)
    @blp.alt_response(409, response="Conflict")
    def delete(self, args: dict[str, Any], ref: str, response_id: int) -> dict[str, Any]:
        """Take the proposal off the shortlist (owner only), or off one phase's with `phase`."""
        return _change_shortlist(ref, response_id, args.get("phase"), on=False)


# --- the award ---------------------------------------------------------------------------------


def _manage_or_403(challenge: Challenge) -> None:
    if not access.can_manage_challenge(common.viewer(), challenge):
        common.forbidden("Only the challenge's owner awards it")


def _award_target(challenge: Challenge, proposal_id: int, phase_id: int | None) -> tuple[ChallengeResponse, Any]:
    """The proposal and phase a plan or award names: a withdrawn proposal or one still sealed is
    a 409 (the state refuses), an id that is not this challenge's a 422."""
    session = get_session()
    response = services.get_response(session, common.viewer(), challenge, proposal_id)
    problems = {}
    if response is None or response.kind != "proposal":
        raw = session.get(ChallengeResponse, proposal_id)
        if raw is not None and raw.challenge_id == challenge.id and raw.kind == "proposal":
            if raw.status == "withdrawn":
                common.abort_conflict("That proposal was withdrawn")
            if access.proposals_sealed(challenge):
                common.abort_conflict("Proposals are sealed until the closing date; award after evaluating them")
        problems["proposal"] = "Choose one of this challenge's proposals"
    phase = None
    if phase_id is not None:
        phase = next((p for p, _ids in services.phases(session, challenge) if p.id == phase_id), None)
        if phase is None:
            problems["phase"] = "That phase is not part of this challenge"
    if problems:
        common.field_errors(problems)
    return response, phase


def _plan_json(challenge: Challenge, response: ChallengeResponse, phase: Any) -> dict[str, Any]:
    session = get_session()
    plan = services.award_plan(session, challenge, response, phase)
    return {
        "proposal": response.id,
        "winner": _supplier(plan.winner),
        "unsuccessful": [_supplier(o) for o in plan.unsuccessful],
        "phase": _phase_ref(phase) if phase else None,
        "open_phases": [_phase_ref(p) for p, _ids in services.phases(session, challenge) if not p.awarded_response_id],
        "standstill_ends": plan.standstill_ends,
        "told": plan.told,
    }


@blp.route("/challenges/<ref>/award-plan")
@blp.arguments(AwardPlanArgs, location="query")
@blp.response(200, AwardPlanOut)
@blp.alt_response(403, response="Forbidden")
@blp.alt_response(409, response="Conflict")
def award_plan(args: dict[str, Any], ref: str) -> dict[str, Any]:
    """What awarding this proposal would do (owner only), for a confirmation step: who wins, who
    is told they were unsuccessful, when the standstill period would end. Changes nothing."""
    challenge = _challenge_or_404(ref)
    _manage_or_403(challenge)
    response, phase = _award_target(challenge, args["proposal"], args.get("phase"))
    return _plan_json(challenge, response, phase)


@blp.route("/challenges/<ref>/awards", methods=["POST"])
@blp.arguments(
    AwardIn, example={"proposal": 12, "value": 48000, "starts": "2031-02-01", "ends": "2032-01-31", "phase": None}
)
@blp.response(201, AwardOut)
@common.write_limit()
def make_award(data: dict[str, Any], ref: str) -> Any:
    """Award the challenge, or one phase with `phase`, to a proposal (owner only, once the
    proposals are evaluated): every other proposal is unsuccessful, each supplier that proposed
    is sent its assessment summary, the contract award notice is published, and the contract is
    entered after the standstill period (`standstill_ends`). 409 when the challenge's state
    refuses (not evaluating, that phase already awarded, the proposal withdrawn)."""
    session = get_session()
    challenge = _challenge_or_404(ref)
    _manage_or_403(challenge)
    response, phase = _award_target(challenge, data["proposal"], data.get("phase"))
    plan = _plan_json(challenge, response, phase)
    contract = {k: data.get(k) for k in ("value", "starts", "ends", "phase")}
    if phase is not None and phase.awarded_response_id is not None:
        common.abort_conflict("That phase has already been awarded")
    _save(lambda: services.award(session, common.viewer(), challenge, response, contract=contract))
    plan.pop("open_phases", None)
    body = {
        **plan,
        "challenge": challenge.ref,
        "status": challenge.status,
        # What was recorded (and published): a lot keeps its own value and the phase's dates.
        "value": phase.contract_value if phase else challenge.contract_value,
        "starts": phase.starts if phase else challenge.contract_starts,
        "ends": phase.ends if phase else challenge.contract_ends,
        "awarded_at": challenge.awarded_at,
        "standstill_ends": services.standstill_end(challenge) if phase is None else plan["standstill_ends"],
    }
    return http.created(body, f"{API_PREFIX}/challenges/{challenge.ref}")


# --- assessment summary ------------------------------------------------------------------------


@blp.route("/challenges/<ref>/assessment")
@blp.response(200, AssessmentSummaryOut)
@blp.alt_response(403, response="Forbidden")
def own_assessment(ref: str) -> dict[str, Any]:
    """Your supplier's assessment summary once the challenge is awarded (Procurement Act 2023,
    s.50): your score per criterion with the reasons, and the winning proposal's scores, never
    its text. Only the supplier that proposed reads it; nothing before the award."""
    session, viewer = get_session(), common.viewer()
    challenge = _challenge_or_404(ref)
    if not access.can_respond_to_challenges(viewer):
        common.forbidden("Only the supplier that proposed reads its assessment summary")
    response = services.own_response(session, viewer, challenge, "proposal")
    summary = services.assessment_summary(session, viewer, challenge, response) if response else None
    if summary is None:
        common.not_found("assessment summary for your supplier (there is one once a proposal is awarded)")
    return common.compact(
        {**summary, "challenge": challenge.ref, "proposal": response.id, "winner": _supplier(summary["winner"])}
    )
