"""Validation for outcome-based challenges, shaped like the exchange bundle's `challenge`.

The base schema is shared by the challenge form, the JSON API and the bundle importer; form-only
fields (timetable, evaluation criteria, requirements) are added by subclasses in this module.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from catalogue import vocabulary
from catalogue.records.schemas import BaseSchema, Choice, Ref, Text, money


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
    outcomes = fields.List(fields.Nested(OutcomeSchema), error_messages={"invalid": "Give the outcomes as a list"})
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
