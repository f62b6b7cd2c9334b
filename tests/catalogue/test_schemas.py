"""The bundle-shaped schemas shared by forms, the API and the bundle importer: edge cases."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from catalogue.records.schemas import DeploymentSchema, OrganisationSchema, SingleViewSchema, ToolSchema
from outcomes.schemas import ChallengeSchema
from suppliers.schemas import OfferingSchema

DEPLOYMENT = {"ref": "dep-1", "organisation": "la-1", "tool": "tool-1", "stage": "pilot"}


def errors(schema, data: dict) -> dict:
    with pytest.raises(ValidationError) as info:
        schema.load(data)
    return info.value.messages


def test_minimal_records_load_with_defaults() -> None:
    assert DeploymentSchema().load(DEPLOYMENT)["visibility"] == "authorities"
    assert ChallengeSchema().load({"ref": "c", "owner": "o", "title": "T", "problem": "P"})["status"] == "draft"
    assert SingleViewSchema().load({"ref": "s", "organisation": "o", "status": "no"})["visibility"] == "authorities"


def test_unknown_fields_are_ignored_and_blanks_are_not_given() -> None:
    data = DeploymentSchema().load({**DEPLOYMENT, "colour": "blue", "summary": "  ", "started": ""})
    assert "colour" not in data and "summary" not in data and "started" not in data


@pytest.mark.parametrize("ref", ["", "Upper", "-leading", "has space", "a" * 81, "ünï"])
def test_bad_refs(ref: str) -> None:
    assert "ref" in errors(ToolSchema(), {"ref": ref, "name": "x", "categories": ["other"]})


@pytest.mark.parametrize("ref", ["a", "tool-1", "x.y_z-9", "a" * 80])
def test_good_refs(ref: str) -> None:
    assert ToolSchema().load({"ref": ref, "name": "x", "categories": ["other"]})["ref"] == ref


@pytest.mark.parametrize("month", ["2025-13", "2025-00", "2025-1", "25-01", "March 2025", "2025/03", "1800-01"])
def test_bad_months(month: str) -> None:
    messages = errors(DeploymentSchema(), {**DEPLOYMENT, "started": month})
    assert messages["started"] == ["Enter the month the pilot started, like 2025-03"]


def test_end_before_start() -> None:
    messages = errors(DeploymentSchema(), {**DEPLOYMENT, "started": "2025-05", "ended": "2025-04"})
    assert "ended" in messages
    assert DeploymentSchema().load({**DEPLOYMENT, "started": "2025-05", "ended": "2025-05"})


def test_dropped_needs_reasons_and_only_dropped_has_them() -> None:
    assert "dropped_reasons" in errors(DeploymentSchema(), {**DEPLOYMENT, "stage": "dropped"})
    assert "dropped_reasons" in errors(DeploymentSchema(), {**DEPLOYMENT, "dropped_reasons": ["cost"]})
    assert DeploymentSchema().load({**DEPLOYMENT, "stage": "dropped", "dropped_reasons": "cost"})[
        "dropped_reasons"
    ] == ["cost"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dropped_reasons", ["cost", "cost"]),
        ("dropped_reasons", ["not-a-reason"]),
        ("ethics_checks", [1]),
        ("ethics_checks", {"a": 1}),
        ("stage", "finished"),
        ("evaluation", "great"),
        ("visibility", "everyone"),
        ("summary", "x" * 501),
        ("impact", "x" * 20001),
        ("evaluator", "x" * 201),
    ],
)
def test_bad_deployment_fields(field: str, value: object) -> None:
    data = {**DEPLOYMENT, "stage": "dropped", "dropped_reasons": ["cost"], field: value}
    assert field in errors(DeploymentSchema(), data)


@pytest.mark.parametrize("value", [-1, "-0.5", "lots", float("nan"), float("inf"), True, "1e400"])
def test_bad_resources(value: object) -> None:
    messages = errors(DeploymentSchema(), {**DEPLOYMENT, "resources": {"develop_gbp": value}})
    assert "develop_gbp" in messages["resources"]


def test_resources_accept_pounds_and_commas() -> None:
    data = DeploymentSchema().load(
        {**DEPLOYMENT, "resources": {"develop_gbp": "£25,000", "develop_fte": "0.5", "maintain_fte": 0}}
    )
    assert data["resources"] == {"develop_gbp": 25000.0, "develop_fte": 0.5, "maintain_fte": 0.0}
    assert "resources" in errors(DeploymentSchema(), {**DEPLOYMENT, "resources": "lots"})


def test_messages_are_human() -> None:
    messages = errors(DeploymentSchema(), {})
    assert messages["stage"] == ["Choose the stage the tool is at"]
    assert messages["tool"] == ["Choose the tool"]
    assert all("Missing data" not in m[0] and "Not a valid" not in m[0] for m in messages.values())


def test_organisation_rules() -> None:
    base = {"ref": "o", "name": "Org", "kind": "local-authority"}
    assert "kind" in errors(OrganisationSchema(), {**base, "kind": "charity"})
    assert "region" in errors(OrganisationSchema(), {**base, "region": "Wales"})
    assert "ons_code" in errors(OrganisationSchema(), {**base, "ons_code": "E0800002"})
    assert "members" in errors(OrganisationSchema(), {**base, "members": ["a"]})
    assert "members" in errors(OrganisationSchema(), {**base, "kind": "partnership", "members": ["a", "a"]})
    assert "case_management_system" in errors(
        OrganisationSchema(), {**base, "kind": "supplier", "case_management_system": "X"}
    )
    assert OrganisationSchema().load({**base, "kind": "partnership", "members": ["a", "b"], "ons_code": None})[
        "members"
    ] == ["a", "b"]


def test_tool_and_offering_need_categories() -> None:
    assert "categories" in errors(ToolSchema(), {"ref": "t", "name": "T", "categories": []})
    assert "categories" in errors(ToolSchema(), {"ref": "t", "name": "T"})
    assert "categories" in errors(OfferingSchema(), {"ref": "o", "supplier": "s", "name": "O", "categories": []})
    assert "uses_ai" in errors(ToolSchema(), {"ref": "t", "name": "T", "categories": ["other"], "uses_ai": "perhaps"})
    loaded = OfferingSchema().load(
        {"ref": "o", "supplier": "s", "name": "O", "categories": ["other"], "outcomes": "First\n\nSecond\n"}
    )
    assert loaded["outcomes"] == ["First", "Second"]
    assert "outcomes" in errors(
        OfferingSchema(), {"ref": "o", "supplier": "s", "name": "O", "categories": ["other"], "outcomes": ["x" * 501]}
    )


def test_challenge_rules() -> None:
    base = {"ref": "c", "owner": "o", "title": "T", "problem": "P"}
    assert "budget_max" in errors(ChallengeSchema(), {**base, "budget_min": 10, "budget_max": 5})
    assert ChallengeSchema().load({**base, "budget_min": 5, "budget_max": 5})
    assert "budget_min" in errors(ChallengeSchema(), {**base, "budget_min": -1})
    assert "closes" in errors(ChallengeSchema(), {**base, "closes": "2026-02-30"})
    assert "status" in errors(ChallengeSchema(), {**base, "status": "live"})
    assert "route" in errors(ChallengeSchema(), {**base, "route": "magic"})
    messages = errors(ChallengeSchema(), {**base, "outcomes": [{"measure": "m"}]})
    assert messages["outcomes"][0]["outcome"] == ["Enter the outcome"]
    assert "problem" in errors(ChallengeSchema(), {**base, "problem": ""})


def test_forms_may_leave_out_ref_and_owner() -> None:
    data = DeploymentSchema(exclude=("ref", "organisation")).load({"tool": "t", "stage": "pilot"})
    assert "ref" not in data


def test_organisation_profile_fields_are_the_schemas_in_page_order():
    from catalogue.records.schemas import ORGANISATION_PROFILE_FIELDS, OrganisationProfileSchema
    from catalogue.schemas import answer_fields

    assert set(ORGANISATION_PROFILE_FIELDS) == set(answer_fields(OrganisationProfileSchema))
    assert ORGANISATION_PROFILE_FIELDS[:2] == ("website", "case_management_system")
