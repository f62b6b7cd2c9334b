"""PATCH validates nested records whole: a partial body is partial at its top level only, so a
list of outcomes, criteria or documents it replaces must be complete (422 naming every gap)."""

from __future__ import annotations

from outcomes.schemas import ChallengeFormSchema
from tests.helpers.api import call

CHALLENGE = {"title": "Write-ups at night", "problem": "Workers type notes at home."}


def _new_challenge(client, token: str) -> str:
    created = call(client, "POST", "/api/v1/challenges", token, json=CHALLENGE)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["ref"]


def _pointers(response) -> dict[str, str]:
    """Each field error of a problem-details body by its JSON pointer."""
    body = response.get_json()
    assert response.mimetype == "application/problem+json" and body["status"] == response.status_code
    return {e["pointer"]: e["detail"] for e in body["errors"]}


def test_patch_with_a_criterion_missing_its_name_is_422_not_500(world, client):
    tokens, _ = world
    ref = _new_challenge(client, tokens["owner"])
    bad = call(
        client, "PATCH", f"/api/v1/challenges/{ref}", tokens["owner"], json={"evaluation_criteria": [{"weight": 100}]}
    )
    assert bad.status_code == 422, bad.get_data(as_text=True)
    assert "/evaluation_criteria/0/criterion" in _pointers(bad)
    # Every gap at once, in every item.
    both = call(
        client,
        "PATCH",
        f"/api/v1/challenges/{ref}",
        tokens["owner"],
        json={"evaluation_criteria": [{"weight": 50}, {"criterion": "Cost"}]},
    )
    assert both.status_code == 422
    errors = _pointers(both)
    assert {"/evaluation_criteria/0/criterion", "/evaluation_criteria/1/weight"} <= set(errors)
    good = call(
        client,
        "PATCH",
        f"/api/v1/challenges/{ref}",
        tokens["owner"],
        json={"evaluation_criteria": [{"criterion": "Cost", "weight": 100}]},
    )
    assert good.status_code == 200, good.get_json()


def test_patch_with_an_outcome_missing_its_text_is_refused(world, client):
    tokens, _ = world
    ref = _new_challenge(client, tokens["owner"])
    bad = call(
        client,
        "PATCH",
        f"/api/v1/challenges/{ref}",
        tokens["owner"],
        json={"outcomes": [{"measure": "only a measure"}]},
    )
    assert bad.status_code == 422
    assert _pointers(bad)["/outcomes/0/outcome"] == "Enter the outcome"
    assert call(client, "GET", f"/api/v1/challenges/{ref}", tokens["owner"]).get_json().get("outcomes") in (None, [])


def test_patch_with_a_document_missing_its_address_is_refused(world, client):
    tokens, _ = world
    bad = call(
        client,
        "PATCH",
        "/api/v1/offerings/off-live",
        tokens["supplier"],
        json={"links": [{"title": "A guide"}]},
    )
    assert bad.status_code == 422, bad.get_data(as_text=True)
    assert "/links/0/url" in _pointers(bad)


def test_a_partial_load_is_partial_at_the_top_level_only() -> None:
    schema = ChallengeFormSchema(only=("outcomes", "evaluation_criteria", "title"), partial=True)
    errors = schema.validate({"outcomes": [{"measure": "m"}], "evaluation_criteria": [{"weight": 100}]})
    assert errors == {
        "outcomes": {0: {"outcome": ["Enter the outcome"]}},
        "evaluation_criteria": {0: {"criterion": ["Enter the criterion"]}},
    }
    assert schema.validate({}) == {}, "the top level stays partial"
