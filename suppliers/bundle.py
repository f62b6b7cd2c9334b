"""The bundle's `offerings` list: registered with the core's bundle import and export."""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalogue import access
from catalogue.bundle import RefField, Section, register_section
from suppliers.models import Offering
from suppliers.schemas import OfferingSchema


def _published(row: Offering, _data: dict[str, Any], _is_new: bool) -> None:
    # An offering that arrives in a bundle has been published where it came from.
    if row.status != "published":
        row.status = "published"


SECTION = Section(
    name="offerings",
    model=Offering,
    schema=OfferingSchema,
    order=50,
    fields=(
        "ref",
        "name",
        "summary",
        "description",
        "categories",
        "outcomes",
        "delivery",
        "case_management_systems",
        "accreditations",
        "hosting",
        "pricing",
    ),
    refs={
        "supplier": RefField("organisations", "supplier_id", ("supplier",), "must be a supplier"),
        "tool": RefField("tools", "tool_id"),
    },
    ref_after={"supplier": "ref", "tool": "ref"},
    on_write=_published,
    visible=access.offering_visible_clause,
    list_fields=("categories", "outcomes", "case_management_systems", "accreditations"),
)


def init_app(app: Flask) -> None:
    register_section(SECTION)
