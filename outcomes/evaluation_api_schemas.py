"""The request and response shapes of the evaluation and award API (outcomes.evaluation_api):
scores per criterion (the pages' own score field), moderation, shortlists, the award plan and
award (the pages' AwardSchema), and the assessment summary."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from outcomes.schemas import AwardSchema, EvaluatorScoreSchema, ScoreSchema, _scores_field

# An id the database can hold (SQLite's integers are 64-bit): a larger one is a field error, not a 500.
ID_RANGE = validate.Range(min=1, max=2**63 - 1, error="Give an id from this API, a whole number from 1")


# --- shapes ------------------------------------------------------------------------------------


def _score_field() -> fields.Field:
    field = _scores_field().value_field
    field.required = True
    field.error_messages = {**field.error_messages, "required": "Enter each score as a whole number from 0 to 10"}
    return field


class CriterionScore(Schema):
    """One criterion's score; `title` and `weight` are read only (a GET may be PUT back)."""

    class Meta:
        unknown = EXCLUDE

    criterion = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, error="Give the criterion's position, from 0"),
        metadata={"description": "the criterion's position in the challenge's evaluation_criteria, from 0"},
    )
    # The pages' own score field: a whole number from 0 to 10, with the pages' message.
    score = _score_field()
    title = fields.String(dump_only=True)
    weight = fields.Integer(dump_only=True)


class ReasonedScore(CriterionScore):
    reason = fields.String(
        validate=validate.Length(max=2000, error="Each reason must be 2,000 characters or fewer"),
        metadata={"description": "why this score; the supplier reads it in its assessment summary"},
    )


def _ignored() -> fields.Raw:
    """What a GET answers and a PUT may send back unchanged: read only, ignored."""
    return fields.Raw(metadata={"description": "read only: ignored when sent"})


class EvaluationIn(EvaluatorScoreSchema):
    """One evaluator's own scores and reasons per criterion, and a note (only the owner and
    co-sponsors read them)."""

    scores = fields.List(fields.Nested(ReasonedScore), required=True)
    evaluator = _ignored()
    organisation = _ignored()
    organisation_name = _ignored()
    total = _ignored()
    at = _ignored()


class EvaluationOut(Schema):
    evaluator = fields.String(metadata={"description": "the evaluator's name"})
    organisation = fields.String(metadata={"description": "the evaluator's organisation ref"})
    organisation_name = fields.String()
    scores = fields.List(fields.Nested(ReasonedScore))
    total = fields.Float(allow_none=True, metadata={"description": "weighted, out of 100"})
    note = fields.String()
    at = fields.DateTime()


class ModerationIn(ScoreSchema):
    """The owner's moderated score (what ranks and what the supplier is told): per criterion with
    the reasons, the feedback the supplier reads after the decision, and a note on the moderation."""

    class Meta(ScoreSchema.Meta):
        exclude = ("reasons",)

    scores = fields.List(fields.Nested(ReasonedScore), required=True)
    total = _ignored()


class ModerationOut(Schema):
    scores = fields.List(fields.Nested(ReasonedScore))
    total = fields.Float(allow_none=True, metadata={"description": "weighted, out of 100"})
    note = fields.String()
    feedback = fields.String()


class ScoresOut(Schema):
    proposal = fields.Integer()
    status = fields.String()
    evaluators = fields.List(fields.Nested(EvaluationOut), metadata={"description": "every evaluator's own scores"})
    moderated = fields.Nested(ModerationOut, metadata={"description": "the owner's moderated score (owner only)"})


class ShortlistIn(Schema):
    phase = fields.Integer(
        allow_none=True, strict=True, metadata={"description": "a phase id (GET …/award-plan lists them)"}
    )


class ShortlistArgs(Schema):
    phase = fields.Integer(metadata={"description": "take the proposal off this phase's shortlist only"})


class PhaseRef(Schema):
    id = fields.Integer()
    name = fields.String()
    label = fields.String()


class ShortlistOut(Schema):
    proposal = fields.Integer()
    status = fields.String(metadata={"description": "shortlisted or submitted"})
    phases = fields.List(fields.Nested(PhaseRef), metadata={"description": "the phases it is shortlisted for"})


class SupplierRef(Schema):
    ref = fields.String()
    name = fields.String()


class AwardPlanArgs(Schema):
    proposal = fields.Integer(required=True, validate=ID_RANGE, metadata={"description": "the proposal's id"})
    phase = fields.Integer(validate=ID_RANGE, metadata={"description": "award this phase (a lot) only"})


class AwardPlanOut(Schema):
    proposal = fields.Integer()
    winner = fields.Nested(SupplierRef)
    unsuccessful = fields.List(fields.Nested(SupplierRef))
    phase = fields.Nested(PhaseRef, allow_none=True)
    open_phases = fields.List(fields.Nested(PhaseRef), metadata={"description": "phases not yet awarded"})
    standstill_ends = fields.Date(
        metadata={"description": "if awarded today: eight working days (Procurement Act 2023)"}
    )
    told = fields.List(fields.String())


class AwardIn(AwardSchema):
    """The award: the winning proposal, the contract's value and dates, and `phase` for one lot."""

    proposal = fields.Integer(
        required=True,
        strict=True,
        validate=ID_RANGE,
        error_messages={"required": "Choose the winning proposal (its id)"},
    )


class AwardOut(AwardPlanOut):
    challenge = fields.String()
    status = fields.String(metadata={"description": "the challenge's status after the award"})
    value = fields.Float(allow_none=True, metadata={"description": "the contract's value (the lot's for a phase)"})
    starts = fields.Date(allow_none=True, metadata={"description": "the contract's start (the phase's for a lot)"})
    ends = fields.Date(allow_none=True, metadata={"description": "the contract's end (the phase's for a lot)"})
    awarded_at = fields.DateTime()


class AssessmentRow(Schema):
    criterion = fields.String()
    weight = fields.Integer()
    score = fields.Integer(allow_none=True)
    reason = fields.String()
    winner_score = fields.Integer(allow_none=True, metadata={"description": "the winning proposal's score"})


class AssessmentSummaryOut(Schema):
    challenge = fields.String()
    proposal = fields.Integer()
    won = fields.Boolean()
    rows = fields.List(fields.Nested(AssessmentRow))
    total = fields.Float(allow_none=True)
    winner_total = fields.Float(allow_none=True)
    winner = fields.Nested(SupplierRef, allow_none=True)
    feedback = fields.String()
    standstill_ends = fields.Date(allow_none=True)
