"""The bundle's `challenges` list: registered by the package's init_app with the core's bundle import and export."""

from __future__ import annotations

from typing import Any

from catalogue import access
from catalogue.bundle import RefField, Section
from catalogue.db import utcnow
from outcomes.models import Challenge
from outcomes.schemas import ChallengeSchema


def _stamp_published(row: Challenge, _data: dict[str, Any], _is_new: bool) -> None:
    # Statuses come from the bundle; a published one needs the date it went out.
    if row.status in access.PUBLISHED_CHALLENGE_STATUSES and row.published_at is None:
        row.published_at = utcnow()


def _outcomes_to_columns(data: dict[str, Any]) -> dict[str, Any]:
    return {"outcomes": [dict(o) for o in data.get("outcomes") or []], "problem": data.get("problem") or ""}


SECTION = Section(
    name="challenges",
    model=Challenge,
    schema=ChallengeSchema,
    order=60,
    fields=(
        "ref",
        "title",
        "problem",
        "users",
        "outcomes",
        "constraints",
        "tried_before",
        "budget_min",
        "budget_max",
        "route",
        "status",
        "closes",
    ),
    refs={
        "owner": RefField(
            "organisations",
            "owner_id",
            ("local-authority", "provider", "partnership"),
            "must be an authority, provider or partnership",
        )
    },
    ref_after={"owner": "ref"},
    to_columns=_outcomes_to_columns,
    on_write=_stamp_published,
    visible=access.challenge_visible_clause,
    list_fields=("outcomes",),
)
