"""The bundle's `offerings` list: registered by the package's init_app with the core's bundle import and export."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.bundle import RefField, Section
from catalogue.schemas import fields_except
from suppliers.models import Offering
from suppliers.schemas import OfferingSchema


def _published_only(model: Any) -> Any:
    # The bundle format has no offering status: an offering in a bundle was published where it
    # came from, so a new one is created published (the model's default) and an existing one keeps
    # its status; a supplier's draft never leaves in an export, not even the operator's full one.
    return model.status == "published"


def _accreditations_to_columns(data: dict[str, Any]) -> dict[str, Any]:
    return {"accreditations_as_written": list(data.get("accreditations_as_written") or [])}


def _accreditations_from_row(row: Offering) -> dict[str, Any]:
    """The format's accreditations are strings: what was written (a bundle's own words), with a
    code from the form written as its label; rows from before that was kept give their labels."""
    written = row.accreditations_as_written or row.accreditations or []
    return {"accreditations": [vocabulary.ACCREDITATIONS.get(a, a) for a in written]}


SECTION = Section(
    name="offerings",
    model=Offering,
    schema=OfferingSchema,
    order=50,
    fields=fields_except(OfferingSchema, "supplier", "tool", "accreditations_as_written"),
    refs={
        "supplier": RefField("organisations", "supplier_id", ("supplier",), "must be a supplier"),
        "tool": RefField("tools", "tool_id"),
    },
    ref_after={"supplier": "ref", "tool": "ref"},
    exportable=_published_only,
    visible=access.offering_visible_clause,
    list_fields=("categories", "outcomes", "case_management_systems", "accreditations"),
    to_columns=_accreditations_to_columns,
    from_row=_accreditations_from_row,
)


def published_offerings_for_tool(session: Session, viewer: Viewer, tool_id: int) -> list[Offering]:
    """For the core's tool page (which may not import this package): published offerings that
    sell the tool, through the offering policy."""
    query = (
        select(Offering)
        .where(Offering.tool_id == tool_id, Offering.status == "published")
        .where(access.offering_visible_clause(viewer, Offering))
        .order_by(Offering.name)
    )
    return list(session.exec(query))
