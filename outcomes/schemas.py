"""Validation for outcome-based challenges, shaped like the exchange bundle's `challenge`.

The base schema is shared by the challenge form, the JSON API and the bundle importer; form-only
fields (timetable, evaluation criteria, requirements) are added by subclasses in this module.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from catalogue import vocabulary
from catalogue.schemas import Amount, BaseSchema, Choice, Codes, Ref, StringList, Text, Whole, money
from catalogue.web_address import WebAddress


class OutcomeSchema(BaseSchema):
    outcome = Text("The outcome", max_length=1000, required=True)
    measure = Text("How it will be measured", max_length=1000)
    baseline = Text("The baseline", max_length=200)
    target = Text("The target", max_length=200)


class ChallengeSchema(BaseSchema):
    ref = Ref("challenge", required=True)
    owner = Ref("organisation posting the challenge", required=True)
    title = Text("The title", max_length=200, required=True)
    problem = Text("The problem", required=True)
    users = Text("Who the users are and what they need")
    outcomes = fields.List(Whole(OutcomeSchema), error_messages={"invalid": "Give the outcomes as a list"})
    constraints = Text("The constraints")
    tried_before = Text("What you have tried before")
    budget_min = money("the lowest budget")
    budget_max = money("the highest budget")
    route = Choice(vocabulary.ROUTES, "Choose a procurement route from the list")
    status = Choice(vocabulary.CHALLENGE_STATUSES, "Choose a status from the list", load_default="draft")
    closes = fields.Date(
        format="iso",
        error_messages={"invalid": "Enter the closing date as a real date, like 2026-05-29"},
    )

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            raise ValidationError({"budget_max": ["The highest budget must be the same as or more than the lowest"]})


# --- the challenge form: the bundle's fields plus the form-only ones ----------------------------

CLOSED_REASONS: dict[str, str] = {
    "no-suitable-proposals": "No suitable proposals",
    "cancelled": "Cancelled",
    "budget-withdrawn": "Budget withdrawn",
    "other": "Other",
}

PHASES: dict[str, str] = {
    "feasibility": "Feasibility",
    "prototype": "Prototype",
    "pilot": "Pilot",
}

DATE_MESSAGE = "Enter {what} as a real date, like 29 5 2026"


def a_date(what: str, **kwargs: Any) -> fields.Date:
    message = DATE_MESSAGE.format(what=what)
    return fields.Date(format="iso", error_messages={"invalid": message, "required": message}, **kwargs)


class CriterionSchema(BaseSchema):
    criterion = Text("The criterion", max_length=500, required=True)
    weight = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=100, error="Enter a weighting between 1 and 100"),
        error_messages={
            "required": "Enter a weighting for the criterion",
            "invalid": "Enter the weighting as a whole number, like 30",
        },
    )


class ChallengeFormSchema(ChallengeSchema):
    """The authoring form. Each page loads only its own fields (`only=`); the bundle keeps the
    base schema."""

    categories = Codes(vocabulary.CATEGORIES, "category")
    constraint_data = Text("The data constraints", max_length=5000)
    constraint_ig = Text("The information governance constraints", max_length=5000)
    constraint_hosting = Text("The hosting constraints", max_length=5000)
    constraint_cms = Text("The case management system", max_length=500)
    tried_deployments = fields.List(
        fields.Integer(error_messages={"invalid": "Choose deployments from the list"}),
        error_messages={"invalid": "Choose deployments from the list"},
    )
    timetable = Text("The timetable", max_length=5000)
    closes = a_date("the closing date")
    questions_close = a_date("the date clarification questions close")
    evaluation_criteria = fields.List(
        Whole(CriterionSchema), error_messages={"invalid": "Give the evaluation criteria as a list"}
    )
    essential = StringList("essential requirement", max_length=1000)
    nice_to_have = StringList("nice-to-have requirement", max_length=1000)

    @validates_schema
    def _check_form(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        criteria = data.get("evaluation_criteria")
        if criteria:
            total = sum(c.get("weight") or 0 for c in criteria)
            if total != 100:
                errors["evaluation_criteria"] = [f"The weightings must add up to 100. They add up to {total}"]
            names = [c["criterion"].strip().lower() for c in criteria]
            if len(set(names)) != len(names):
                errors["evaluation_criteria"] = ["Each criterion must be given only once"]
        closes, questions = data.get("closes"), data.get("questions_close")
        if closes and questions and questions >= closes:
            errors["questions_close"] = ["Clarification questions must close before the closing date"]
        if errors:
            raise ValidationError(errors)


# Which fields each page of the task list asks for.
SECTIONS: dict[str, tuple[str, ...]] = {
    "problem": ("title", "problem", "categories"),
    "users": ("users",),
    "outcomes": ("outcomes",),
    "constraints": ("constraint_data", "constraint_ig", "constraint_hosting", "constraint_cms"),
    "tried-before": ("tried_before", "tried_deployments"),
    "budget": ("budget_min", "budget_max", "route"),
    "timetable": ("timetable", "closes", "questions_close"),
    "evaluation": ("evaluation_criteria",),
    "requirements": ("essential", "nice_to_have"),
}


# --- around a challenge: co-sponsors, questions, responses, scoring, phases, results ------------


class CoSponsorRequestSchema(BaseSchema):
    note = Text("Why you want to join", max_length=2000)


class QuestionSchema(BaseSchema):
    question = Text("Your question", max_length=2000, required=True)


class AnswerSchema(BaseSchema):
    question = Text("The question", max_length=2000, required=True)
    answer = Text("The answer", max_length=5000, required=True)


class AmendmentSchema(BaseSchema):
    """An amendment of an open challenge (outcomes.services.amendments checks the rest)."""

    reason = Text("The reason for the amendment", max_length=2000, required=True)
    closes = a_date("the new closing date", load_default=None, allow_none=True)
    problem = Text("The statement of the problem", max_length=20000)
    document_title = Text("The document's title", max_length=200)
    document_url = WebAddress(load_default=None, allow_none=True)


class DeclineQuestionSchema(BaseSchema):
    reason = Text("Why you decline to answer", max_length=2000)


def _answer_list() -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(max=5000, error="Each answer must be 5,000 characters or fewer")),
        load_default=list,
    )


MAX_DOCUMENTS = 5


class ResponseSchema(BaseSchema):
    """An expression of interest or a proposal. `requirements_met` is one answer per essential
    requirement, in order (the service checks that each is answered for a proposal, reporting
    every missing one at once); `nice_to_have` one per nice-to-have requirement; `criteria_answers`
    one per evaluation criterion; `documents` links to the supplier's documents."""

    approach = Text("Your approach", max_length=10000, required=True)
    offering = Ref("offering")
    requirements_met = _answer_list()
    nice_to_have = _answer_list()
    criteria_answers = _answer_list()
    documents = fields.List(
        WebAddress(allow_none=True),
        load_default=list,
        validate=validate.Length(max=MAX_DOCUMENTS, error=f"Give at most {MAX_DOCUMENTS} document links"),
    )
    price = money("your price")
    evidence = Text("Your evidence", max_length=10000)


def _scores_field() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Integer(
            strict=False,
            validate=validate.Range(min=0, max=10, error="Enter each score as a whole number from 0 to 10"),
            error_messages={"invalid": "Enter each score as a whole number from 0 to 10"},
        ),
        load_default=dict,
    )


def _reasons_field() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.Length(max=2000, error="Each reason must be 2,000 characters or fewer")),
        load_default=dict,
    )


class ScoreSchema(BaseSchema):
    """The owner's moderated score: scores and reasons per criterion, feedback, a moderation note."""

    scores = _scores_field()
    reasons = _reasons_field()
    feedback = Text("The feedback", max_length=5000)
    note = Text("The moderation note", max_length=5000)


class EvaluatorScoreSchema(BaseSchema):
    """One evaluator's own scores, the reasons per criterion, and a note."""

    scores = _scores_field()
    reasons = _reasons_field()
    note = Text("Your note", max_length=5000)


class AwardSchema(BaseSchema):
    """The contract the award leads to; `phase` awards one phase (a lot) only."""

    value = Amount("Enter the contract value in pounds as a number, 0 or more, like 25000", required=True)
    starts = a_date("the date the contract starts", required=True)
    ends = a_date("the date the contract ends", required=True)
    phase = fields.Integer(
        allow_none=True, load_default=None, error_messages={"invalid": "Choose a phase from the list"}
    )

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("starts") and data.get("ends") and data["ends"] < data["starts"]:
            raise ValidationError({"ends": ["The contract must end on or after the day it starts"]})


class CloseSchema(BaseSchema):
    reason = Choice(CLOSED_REASONS, "Choose why the challenge closed without an award", required=True)
    detail = Text("The reason", max_length=2000)

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("reason") == "other" and not data.get("detail"):
            raise ValidationError({"detail": ["Enter the reason the challenge closed"]})


class WithdrawSchema(BaseSchema):
    detail = Text("The reason", max_length=2000)


class PhaseSchema(BaseSchema):
    name = Choice(PHASES, "Choose the phase: feasibility, prototype or pilot", required=True)
    budget = money("the phase budget")
    starts = a_date("the date the phase starts")
    ends = a_date("the date the phase ends")

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("starts") and data.get("ends") and data["ends"] < data["starts"]:
            raise ValidationError({"ends": ["The phase must end on or after the day it starts"]})


class ResultSchema(BaseSchema):
    actual = Text("The actual result", max_length=200)
    note = Text("The note", max_length=2000)


class ResultsSchema(BaseSchema):
    results = fields.List(Whole(ResultSchema), load_default=list)
    deployment = Ref("deployment")


class ProgrammeSchema(BaseSchema):
    name = Text("The name of the partnership", max_length=200, required=True)
    description = Text("The description", max_length=10000, required=True)
    phases = Text("The phases", max_length=5000)
    milestones = StringList("milestone", max_length=300)
    evaluation_plan = Text("The evaluation plan", max_length=10000)

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        for line in data.get("milestones") or []:
            head = line.split(" ", 1)
            try:
                date.fromisoformat(head[0])
            except ValueError:
                raise ValidationError(
                    {
                        "milestones": [
                            f"Start each milestone with its date, like ‘2026-06-30 Prototype demo day’: ‘{line[:40]}’"
                        ]
                    }
                ) from None
            if len(head) < 2 or not head[1].strip():
                raise ValidationError({"milestones": [f"Say what happens on {head[0]}"]})


class RemovalSchema(BaseSchema):
    """The lead removes a member, a challenge or a cohort supplier: the reason is told to them."""

    reason = Text("The reason", max_length=2000)


# --- market-engagement events -------------------------------------------------------------------

EVENT_KINDS: dict[str, str] = {
    "supplier-day": "Supplier day",
    "webinar": "Webinar",
    "one-to-one": "One-to-one slots",
}
TIME_MESSAGE = "Enter {what} as a time of day on the 24-hour clock, like 14:30"
MAX_CAPACITY = 1000


def a_time(what: str, **kwargs: Any) -> fields.Time:
    message = TIME_MESSAGE.format(what=what)
    return fields.Time(format="iso", error_messages={"invalid": message, "required": message}, **kwargs)


class EventSchema(BaseSchema):
    """A market-engagement event: when, where (a place, an online link or both) and how many
    places. One-to-one slots take a slot length instead: their places are the slots that fit."""

    kind = Choice(EVENT_KINDS, "Choose the kind of event: a supplier day, a webinar or one-to-one slots", required=True)
    title = Text("The name of the event", max_length=200, required=True)
    description = Text("What the event covers", max_length=5000)
    day = a_date("the date of the event", required=True)
    starts = a_time("the start time", required=True)
    ends = a_time("the end time", required=True)
    place = Text("The place", max_length=500)
    link = WebAddress("Enter the online link starting with https:// or http://", load_default=None, allow_none=True)
    capacity = fields.Integer(
        strict=False,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_CAPACITY, error=f"Enter the number of places, from 1 to {MAX_CAPACITY}"),
        error_messages={"invalid": f"Enter the number of places as a whole number, from 1 to {MAX_CAPACITY}"},
    )
    slot_minutes = fields.Integer(
        strict=False,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=5, max=240, error="Enter the length of each slot in minutes, from 5 to 240"),
        error_messages={"invalid": "Enter the length of each slot as a whole number of minutes, like 30"},
    )

    # Every problem at once: these checks run even when a field was refused (`original` tells a
    # field left empty from one typed wrongly, which has its own message already).
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check(self, data: dict[str, Any], original: Any, **_kwargs: Any) -> None:
        typed = {k for k, v in (original or {}).items() if v not in (None, "")} if isinstance(original, dict) else set()
        errors: dict[str, list[str]] = {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts is not None and ends is not None and ends <= starts:
            errors["ends"] = ["The event must end after it starts"]
        if not data.get("place") and not data.get("link") and "link" not in typed:
            errors["place"] = ["Enter the place, the online link or both"]
        if data.get("kind") == "one-to-one":
            if data.get("slot_minutes") is None and "slot_minutes" not in typed:
                errors["slot_minutes"] = ["Enter the length of each slot in minutes, like 30"]
        elif data.get("kind") and data.get("capacity") is None and "capacity" not in typed:
            errors["capacity"] = [f"Enter the number of places, from 1 to {MAX_CAPACITY}"]
        if errors:
            raise ValidationError(errors)


class EventCancelSchema(BaseSchema):
    reason = Text("The reason for cancelling", max_length=2000, required=True)


MAX_SLIDES = 10


class SlideSchema(BaseSchema):
    title = Text("The title of the slides or document", max_length=200, required=True)
    url = WebAddress(required=True)


class EventNotesSchema(BaseSchema):
    """After the event: notes, and links to the slides (or other documents), each with a title."""

    notes = Text("The notes", max_length=20000, required=True)
    slides = fields.List(
        Whole(SlideSchema),
        load_default=list,
        validate=validate.Length(max=MAX_SLIDES, error=f"Give at most {MAX_SLIDES} links"),
    )


class EventQuestionSchema(BaseSchema):
    """A question raised at an event, added to the challenge's questions (and answered there)."""

    question = Text("The question", max_length=2000, required=True)
    answer = Text("The answer", max_length=5000)
