"""The personal-data check every supplier form runs on its free text (a child's or family's
details), for profiles, offerings and reference notes alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue.errors import Invalid
from catalogue.personal_data import Review, guard


def refuse_personal_data(data: Mapping[str, Any], fields: tuple[str, ...]) -> Review | None:
    """The personal-data check every free-text form runs (a child's or family's details); what
    the writer confirmed is not about a real person, for `record_override` once saved."""
    checked = guard(data, fields)
    if checked.problems:
        raise Invalid.of_fields(checked.problems)
    return checked.override
