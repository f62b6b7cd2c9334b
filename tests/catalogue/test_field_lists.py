"""Field lists written beside a schema derive from it (issue 14): each equals the schema's
declared fields, in the schema's order, less the fields the list leaves out on purpose."""

from __future__ import annotations

import pytest

from catalogue.api import serialise
from catalogue.bundle import ORGANISATION_FIELDS
from catalogue.records.schemas import (
    DEPLOYMENT_FIELDS,
    SINGLE_VIEW_FIELDS,
    DeploymentSchema,
    OrganisationSchema,
    SingleViewSchema,
    ToolSchema,
)
from catalogue.schemas import answer_fields, fields_except
from outcomes.api import CHALLENGE_COLUMNS, ChallengeOut
from suppliers.api import OFFERING_COLUMNS, OfferingOut

CASES = [
    (DEPLOYMENT_FIELDS, DeploymentSchema, {"ref", "organisation", "tool", "resources"}),
    (SINGLE_VIEW_FIELDS, SingleViewSchema, {"ref", "organisation", "tool"}),
    (ORGANISATION_FIELDS, OrganisationSchema, {"members"}),
    (serialise.ORGANISATION_COLUMNS, OrganisationSchema, {"members"}),
    (serialise.TOOL_COLUMNS, ToolSchema, {"supplier", "developed_by"}),
    (
        OFFERING_COLUMNS,
        OfferingOut,
        {"supplier", "tool", "accreditations_as_written", "supplier_name", *serialise.FRESHNESS_FIELDS},
    ),
    (CHALLENGE_COLUMNS, ChallengeOut, {"owner", "owner_name", "topics", "topics_removed"}),
]


@pytest.mark.parametrize(("columns", "schema", "left_out"), CASES)
def test_list_is_the_schemas_fields_in_order(columns: tuple[str, ...], schema: type, left_out: set[str]) -> None:
    declared = answer_fields(schema)
    assert tuple(columns) == tuple(name for name in declared if name not in left_out)
    assert left_out <= set(declared)  # nothing left out that the schema does not declare


def test_a_field_added_to_the_schema_joins_the_list() -> None:
    class Wider(DeploymentSchema):
        extra = DeploymentSchema._declared_fields["summary"]

    assert fields_except(Wider, "ref", "organisation", "tool", "resources")[-1] == "extra"


def test_the_lists_the_formats_depend_on_keep_their_order() -> None:
    # The bundle and the API write keys in these orders: a reordered schema must be noticed.
    assert DEPLOYMENT_FIELDS[:3] == ("stage", "started", "ended") and DEPLOYMENT_FIELDS[-1] == "visibility"
    assert serialise.SINGLE_VIEW_COLUMNS == ("ref", "status", "sources", "other_sources", "documentation", "visibility")
    assert ("ref", *DEPLOYMENT_FIELDS) == serialise.DEPLOYMENT_COLUMNS
    assert OFFERING_COLUMNS[0] == "ref" and OFFERING_COLUMNS[-1] == "updated_at"
    assert CHALLENGE_COLUMNS[:3] == ("ref", "title", "problem") and "updated_at" in CHALLENGE_COLUMNS
