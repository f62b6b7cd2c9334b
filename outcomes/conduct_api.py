"""/api/v1 for running a challenge, through the same outcomes services as the pages:
clarification questions (list those you may read, ask, answer, decline), status changes and
their history, and a supplier's own responses with their assessment (scores and feedback)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlmodel import Session

from catalogue import access, errors, vocabulary
from catalogue.accounts.models import Organisation
from catalogue.api import Blueprint, common
from catalogue.db import get_session
from outcomes import services as challenges
from outcomes.api import ResponseOut, _challenge_or_404, response_json
from outcomes.models import Challenge, ClarificationQuestion
from outcomes.schemas import CLOSED_REASONS, AnswerSchema, CloseSchema, DeclineQuestionSchema, QuestionSchema
from suppliers.api import MARKET_DESCRIPTION, MARKET_TAG

blp = Blueprint(
    "api_challenge_conduct", __name__, url_prefix="/api/v1", description=MARKET_DESCRIPTION, doc_tag=MARKET_TAG
)
common.install(blp)


# --- clarification questions ----------------------------------------------------------------------


class QuestionOut(Schema):
    id = fields.Integer(required=True)
    question = fields.String(required=True)
    answer = fields.String(allow_none=True, metadata={"description": "the published answer, or why it was declined"})
    status = fields.String(required=True, validate=validate.OneOf(["asked", "published", "declined"]))
    asked_at = fields.DateTime(required=True)
    published_at = fields.DateTime(allow_none=True)
    asked_by = fields.String(
        allow_none=True, metadata={"description": "the asking supplier's ref: the owner and co-sponsors only"}
    )


def question_json(row: ClarificationQuestion, asker: Organisation | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "question": row.question,
        "answer": row.answer,
        "status": row.status,
        "asked_at": row.asked_at,
        "published_at": row.published_at,
        "asked_by": asker.ref if asker is not None else None,
    }


def _question(session: Session, challenge: Challenge, question_id: int) -> ClarificationQuestion:
    """A question of this challenge the caller may read (else 404), as the answer page finds it."""
    common.id_or_404(question_id, "question")
    for row, _asker in challenges.visible_questions(session, common.viewer(), challenge):
        if row.id == question_id:
            return row
    common.not_found("question")
    raise AssertionError  # unreachable: not_found aborts


@blp.route("/challenges/<ref>/questions")
class Questions(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(common.PageArgs, location="query")
    @blp.response(200, common.page_schema(QuestionOut, "QuestionPage"))
    def get(self, args: dict[str, Any], ref: str) -> dict[str, Any]:
        """The clarification questions you may read: published ones with their answers for
        everyone who sees the challenge; also your own unanswered ones (a supplier), or all of
        them with who asked (the owner and co-sponsors)."""
        session = get_session()
        rows = challenges.visible_questions(session, common.viewer(), _challenge_or_404(ref))
        since = args.get("updated_since")
        rows = common.changed_since(rows, since, lambda r: r[0].published_at or r[0].asked_at)
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = [question_json(q, asker) for q, asker in page["items"]]
        return page

    @blp.arguments(QuestionSchema)
    @blp.response(201, QuestionOut)
    def post(self, data: dict[str, Any], ref: str) -> Any:
        """Ask a clarification question (an approved supplier, during market engagement or while
        the challenge is open, until questions close). The answer is published to every supplier
        without your name."""
        viewer = common.require_token()
        session = get_session()
        challenge = _challenge_or_404(ref)
        closed = challenges.questions_open(challenge)
        if closed:
            common.abort_conflict(closed)
        try:
            row = challenges.ask_question(session, viewer, challenge, data["question"])
        except errors.Refused as exc:
            common.refused(exc)
        session.commit()
        return question_json(row, None), 201


@blp.route("/challenges/<ref>/questions/<int:question_id>/answer", methods=["POST"])
@blp.arguments(AnswerSchema)
@blp.response(200, QuestionOut)
@common.write_limit()
def answer_question(data: dict[str, Any], ref: str, question_id: int) -> dict[str, Any]:
    """Answer a question and publish the pair (the owner); `question` may reword it so the asker
    is not named. Answering again corrects the published pair."""
    viewer = common.require_token()
    session = get_session()
    challenge = _challenge_or_404(ref)
    _question(session, challenge, question_id)
    try:
        row = challenges.answer_question(session, viewer, challenge, question_id, data["question"], data["answer"])
    except errors.Refused as exc:
        common.refused(exc)
    session.commit()
    return question_json(row, None)


@blp.route("/challenges/<ref>/questions/<int:question_id>/decline", methods=["POST"])
@blp.arguments(DeclineQuestionSchema)
@blp.response(200, QuestionOut)
@common.write_limit()
def decline_question(data: dict[str, Any], ref: str, question_id: int) -> dict[str, Any]:
    """Decline to answer a question waiting for one (the owner): it is not published, and the
    supplier that asked is told, with `reason`."""
    viewer = common.require_token()
    session = get_session()
    challenge = _challenge_or_404(ref)
    question = _question(session, challenge, question_id)
    if question.status != "asked":
        common.abort_conflict("Only a question waiting for an answer can be declined")
    try:
        row = challenges.decline_question(session, viewer, challenge, question_id, data.get("reason"))
    except errors.Refused as exc:
        common.refused(exc)
    session.commit()
    return question_json(row, None)


# --- status changes ---------------------------------------------------------------------------------


class StatusChangeIn(CloseSchema):
    """The next status; closing takes `reason` (and `detail` when it is other), withdrawing an
    optional `detail`. Awarding goes through the award page (it chooses the proposal)."""

    to = fields.String(
        required=True,
        validate=validate.OneOf(
            [s for s in vocabulary.CHALLENGE_STATUSES if s not in ("draft", "awarded")],
            error="Choose what happens to the challenge next",
        ),
        error_messages={"required": "Choose what happens to the challenge next"},
    )
    reason = fields.String(
        validate=validate.OneOf(list(CLOSED_REASONS), error="Choose why the challenge closed without an award"),
        metadata={"description": "closing only: why it closed without an award"},
    )


class StatusChangeOut(Schema):
    from_status = fields.String(required=True)
    to_status = fields.String(required=True)
    reason = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    at = fields.DateTime(required=True)
    by = fields.String(allow_none=True, metadata={"description": "who made it: the owner and co-sponsors only"})


class StatusOut(Schema):
    status = fields.String(required=True)
    allowed = fields.List(fields.String(), metadata={"description": "the statuses it may move to next (owner)"})
    history = fields.List(fields.Nested(StatusChangeOut), required=True)


def _status_json(session: Session, challenge: Challenge) -> dict[str, Any]:
    viewer = common.viewer()
    history = [
        {
            "from_status": change.from_status,
            "to_status": change.to_status,
            "reason": change.reason,
            "detail": change.detail,
            "at": change.at,
            "by": who,
        }
        for change, who in challenges.status_history_view(session, viewer, challenge)
    ]
    allowed = list(challenges.allowed_transitions(challenge)) if access.can_manage_challenge(viewer, challenge) else []
    return {"status": challenge.status, "allowed": allowed, "history": history}


@blp.route("/challenges/<ref>/status")
class Status(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, StatusOut)
    def get(self, ref: str) -> dict[str, Any]:
        """The challenge's status, where it may go next (the owner) and every change so far."""
        challenge = _challenge_or_404(ref)
        return _status_json(get_session(), challenge)

    @blp.arguments(StatusChangeIn)
    @blp.response(200, StatusOut)
    def post(self, data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Move the challenge on (the owner), under the status page's rules: publishing checks the
        statement for personal data, opening needs a closing date ahead, closing gives why."""
        viewer = common.require_token()
        session = get_session()
        challenge = _challenge_or_404(ref)
        try:
            challenges.change_status(
                session, viewer, challenge, data["to"], reason=data.get("reason"), detail=data.get("detail")
            )
        except errors.Refused as exc:
            common.refused(exc)
        session.commit()
        return _status_json(session, challenge)


# --- a supplier's own responses -----------------------------------------------------------------------


class CriterionScoreOut(Schema):
    criterion = fields.String()
    weight = fields.Float()
    score = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    winner_score = fields.Integer(allow_none=True)


class AssessmentOut(Schema):
    rows = fields.List(fields.Nested(CriterionScoreOut))
    total = fields.Float(allow_none=True)
    winner_total = fields.Float(allow_none=True)
    won = fields.Boolean()
    winner = fields.String(allow_none=True, metadata={"description": "the winning supplier's ref"})
    feedback = fields.String(allow_none=True)
    standstill_ends = fields.Date(allow_none=True)


class OwnResponseOut(ResponseOut):
    challenge_title = fields.String(dump_only=True)
    assessment = fields.Nested(
        AssessmentOut,
        allow_none=True,
        dump_only=True,
        metadata={"description": "once awarded: your scores per criterion with reasons, the winner's, feedback"},
    )


class OwnResponseArgs(common.PageArgs):
    kind = common.choice_arg(challenges.RESPONSE_KINDS, "Give kind as interest or proposal")


@blp.route("/responses")
@blp.arguments(OwnResponseArgs, location="query")
@blp.response(200, common.page_schema(OwnResponseOut, "OwnResponsePage"))
def own_responses(args: dict[str, Any]) -> dict[str, Any]:
    """Your supplier's own expressions of interest and proposals (never another's), newest first,
    each with its assessment once the challenge is awarded: the scores per criterion with the
    reasons, the winning proposal's scores, and the feedback."""
    viewer = common.require_token()
    session = get_session()
    rows = challenges.own_responses(session, viewer)
    if args.get("kind"):
        rows = [(r, c) for r, c in rows if r.kind == args["kind"]]
    rows = common.changed_since(rows, args.get("updated_since"), lambda row: row[0].updated_at)
    page = common.envelope(rows, args["page"], args["per_page"])
    items = []
    for response, challenge in page["items"]:
        item = response_json(session, challenge, response)
        item["challenge_title"] = challenge.title
        summary = challenges.assessment_summary(session, viewer, challenge, response)
        if summary is not None:
            winner = summary.pop("winner")
            summary["winner"] = winner.ref if winner is not None else None
            item["assessment"] = summary
        items.append(item)
    page["items"] = items
    return page
