"""HTTP as integrators expect it (issue 17): problem details for every error, 415 and 400 for a
body or query the API does not take, 201 with Location, ETag/Last-Modified with 304 and 412,
pages with links and `updated_since`, rate limits announced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from catalogue.records.models import Deployment
from tests.helpers.api import call, errors_by_field

NEW_DEPLOYMENT = {"tool": "tool-fresh", "stage": "pilot", "visibility": "public", "impact": "Helps"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def test_every_error_is_a_problem(world, client) -> None:
    tokens, _ = world
    _problem(call(client, "GET", "/api/v1/tools/no-such-tool"), 404)
    _problem(call(client, "GET", "/api/v1/no-such-thing"), 404)
    _problem(call(client, "DELETE", "/api/v1/tools"), 405)
    _problem(call(client, "GET", "/api/v1/tools", "sp_not-a-token"), 401)
    _problem(call(client, "POST", "/api/v1/deployments", json=NEW_DEPLOYMENT), 401)
    _problem(call(client, "POST", "/api/v1/offerings", tokens["owner"], json={"name": "x"}), 422)


def test_field_errors_name_json_pointers_all_at_once(world, client) -> None:
    tokens, _ = world
    body = {**NEW_DEPLOYMENT, "stage": 5, "visibility": "everyone", "resources": {"develop_gbp": "lots"}}
    problem = _problem(call(client, "POST", "/api/v1/deployments", tokens["owner"], json=body), 422)
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {"/stage", "/visibility", "/resources/develop_gbp"} <= pointers, problem


def test_unknown_fields_and_wrong_types_are_422(world, client) -> None:
    tokens, _ = world
    unknown = call(client, "POST", "/api/v1/deployments", tokens["owner"], json={**NEW_DEPLOYMENT, "colour": "red"})
    assert "colour" in errors_by_field(_problem(unknown, 422))
    patched = call(client, "PATCH", "/api/v1/deployments/dep-public", tokens["owner"], json={"colour": "red"})
    assert "colour" in errors_by_field(_problem(patched, 422))
    wrong = call(client, "PATCH", "/api/v1/offerings/off-live", tokens["supplier"], json={"categories": 5})
    assert "categories" in errors_by_field(_problem(wrong, 422))


def test_a_body_that_is_not_json_is_415(world, client, db) -> None:
    tokens, _ = world
    before = len(db.exec(select(Deployment)).all())
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        refused = call(
            client, "POST", "/api/v1/deployments", tokens["owner"], data="tool=tool-shared", content_type=content_type
        )
        _problem(refused, 415)
    assert len(db.exec(select(Deployment)).all()) == before


def test_unknown_query_parameters_are_refused(world, client) -> None:
    misspelt = _problem(call(client, "GET", "/api/v1/deployments", query_string={"stge": "pilot"}), 400)
    assert misspelt["errors"][0]["parameter"] == "stge"
    _problem(call(client, "GET", "/api/v1/tools/tool-shared", query_string={"expand": "all"}), 400)
    assert call(client, "GET", "/api/v1/deployments", query_string={"stage": "pilot"}).status_code == 200


def test_create_answers_201_with_the_location_of_the_record(world, client) -> None:
    tokens, _ = world
    created = call(client, "POST", "/api/v1/deployments", tokens["owner"], json=NEW_DEPLOYMENT)
    assert created.status_code == 201, created.get_json()
    location = created.headers["Location"]
    assert location.endswith(f"/api/v1/deployments/{created.get_json()['ref']}")
    assert call(client, "GET", location, tokens["owner"]).status_code == 200


def test_records_carry_versions_and_revalidate(world, client) -> None:
    tokens, _ = world
    first = call(client, "GET", "/api/v1/deployments/dep-public", tokens["owner"])
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    same = call(client, "GET", "/api/v1/deployments/dep-public", tokens["owner"], headers={"If-None-Match": etag})
    assert same.status_code == 304 and not same.get_data()
    page = call(client, "GET", "/api/v1/tools")
    assert page.headers["ETag"]
    assert call(client, "GET", "/api/v1/tools", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_a_stale_if_match_is_412_and_nothing_is_overwritten(world, client) -> None:
    tokens, _ = world
    url = "/api/v1/deployments/dep-public"
    etag = call(client, "GET", url, tokens["owner"]).headers["ETag"]
    # Someone else changes it meanwhile.
    other = call(client, "PATCH", url, tokens["admin"], json={"impact": "Changed by the admin"})
    assert other.status_code == 200, other.get_json()
    stale = call(client, "PATCH", url, tokens["owner"], json={"impact": "Mine"}, headers={"If-Match": etag})
    problem = _problem(stale, 412)
    assert "changed" in problem["detail"]
    assert call(client, "GET", url, tokens["owner"]).get_json()["impact"] == "Changed by the admin"
    fresh = call(client, "GET", url, tokens["owner"]).headers["ETag"]
    assert stale.headers["ETag"] == fresh
    kept = call(client, "PATCH", url, tokens["owner"], json={"impact": "Mine"}, headers={"If-Match": fresh})
    assert kept.status_code == 200 and kept.get_json()["impact"] == "Mine"
    assert kept.headers["ETag"] != fresh


@pytest.mark.parametrize(
    ("url", "who", "body"),
    [
        ("/api/v1/offerings/off-live", "supplier", {"summary": "New summary"}),
        ("/api/v1/challenges/ch-open", "owner", {"title": "A new title"}),
        ("/api/v1/tools/tool-shared", "admin", {"summary": "New summary"}),
        ("/api/v1/single-views/sv-public", "owner", {"documentation": "New documentation"}),
    ],
)
def test_every_patch_checks_if_match(world, client, url: str, who: str, body: dict) -> None:
    tokens, _ = world
    _problem(call(client, "PATCH", url, tokens[who], json=body, headers={"If-Match": '"not-the-version"'}), 412)
    etag = call(client, "GET", url, tokens[who]).headers["ETag"]
    changed = call(client, "PATCH", url, tokens[who], json=body, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()


def test_pages_link_to_their_neighbours(world, client) -> None:
    tokens, _ = world
    first = call(client, "GET", "/api/v1/deployments", tokens["owner"], query_string={"per_page": 1, "stage": "pilot"})
    body = first.get_json()
    assert body["total"] == 3 and body["pages"] == 3
    assert body["links"]["prev"] is None and "page=2" in body["links"]["next"]
    assert "stage=pilot" in body["links"]["next"] and "per_page=1" in body["links"]["next"]
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' in first.headers["Link"]
    second = call(client, "GET", body["links"]["next"], tokens["owner"]).get_json()
    assert second["page"] == 2 and "page=1" in second["links"]["prev"]
    assert {i["ref"] for i in second["items"]}.isdisjoint({i["ref"] for i in body["items"]})


@pytest.mark.parametrize(
    "url", ["/api/v1/deployments", "/api/v1/tools", "/api/v1/offerings", "/api/v1/challenges", "/api/v1/single-views"]
)
def test_every_list_takes_updated_since(world, client, db, url: str) -> None:
    tokens, _ = world
    everything = call(client, "GET", url, tokens["admin"]).get_json()
    assert everything["total"] > 0
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(days=3650)).isoformat()
    assert call(client, "GET", url, tokens["admin"], query_string={"updated_since": future}).get_json()["total"] == 0
    since_long_ago = call(client, "GET", url, tokens["admin"], query_string={"updated_since": past}).get_json()
    assert since_long_ago["items"] == everything["items"] and since_long_ago["total"] == everything["total"]
    bad = call(client, "GET", url, query_string={"updated_since": "last tuesday"})
    assert "updated_since" in errors_by_field(_problem(bad, 422))


def test_updated_since_keeps_only_what_changed(world, client, db) -> None:
    tokens, _ = world
    row = db.exec(select(Deployment).where(Deployment.ref == "dep-public")).one()
    for other in db.exec(select(Deployment).where(Deployment.ref != "dep-public")).all():
        other.updated_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.add(other)
    row.updated_at = datetime(2024, 6, 1, tzinfo=UTC)
    db.add(row)
    db.commit()
    found = call(client, "GET", "/api/v1/deployments", tokens["owner"], query_string={"updated_since": "2024-01-01"})
    assert [d["ref"] for d in found.get_json()["items"]] == ["dep-public"]


def test_rate_limits_are_announced_and_a_429_says_when_to_retry(limited_app, db) -> None:
    from catalogue.accounts.services import issue_api_token
    from tests.factories import OrganisationFactory, ToolFactory, UserFactory

    council = OrganisationFactory(kind="local-authority")
    ToolFactory(ref="tool-shared")
    token = issue_api_token(db, UserFactory(organisation_id=council.id))
    db.commit()
    client = limited_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post("/api/v1/deployments", json={"stage": "nope"}, headers=headers)
    assert first.status_code == 422
    assert first.headers["RateLimit-Limit"] == "60" and first.headers["RateLimit-Remaining"] == "59"
    assert 0 < int(first.headers["RateLimit-Reset"]) <= 60 and first.headers["RateLimit-Policy"] == "60;w=60"
    for _ in range(60):
        last = client.post("/api/v1/deployments", json={"stage": "nope"}, headers=headers)
    body = _problem(last, 429)
    assert 0 < body["retry_after"] <= 60 and last.headers["Retry-After"] == str(body["retry_after"])
    assert f"{body['retry_after']} seconds" in body["detail"]


def test_what_a_get_returns_can_be_patched_back(world, client, db) -> None:
    tokens, _ = world
    url = "/api/v1/challenges/ch-open"
    shaped = {
        "requirements": [
            {"requirement": "Works with our case system", "essential": True},
            {"requirement": "Welsh language", "essential": False},
        ],
        "constraint_details": {"data": "Stays in the UK", "hosting": "Cloud"},
        "tried_deployments": ["dep-public"],
        "closes": "2030-06-30",
        "questions_close": "2030-06-01",
    }
    changed = call(client, "PATCH", url, tokens["owner"], json=shaped)
    assert changed.status_code == 200, changed.get_json()
    got = call(client, "GET", url, tokens["owner"])
    body = got.get_json()
    assert body["requirements"] == shaped["requirements"]
    assert body["constraint_details"] == shaped["constraint_details"]
    assert "Data: Stays in the UK" in body["constraints"]
    assert body["tried_deployments"] == ["dep-public"] and body["questions_close"] == "2030-06-01"
    # The whole record, as read, goes back unchanged (read-only fields and all).
    again = call(client, "PATCH", url, tokens["owner"], json=body, headers={"If-Match": got.headers["ETag"]})
    assert again.status_code == 200, again.get_json()
    assert {k: v for k, v in again.get_json().items() if k != "updated_at"} == {
        k: v for k, v in body.items() if k != "updated_at"
    }
    # The forms' names still work; a deployment ref that is not there is a field error.
    forms = call(client, "PATCH", url, tokens["owner"], json={"essential": ["Only this"], "nice_to_have": []})
    assert forms.get_json()["requirements"] == [{"requirement": "Only this", "essential": True}]
    missing = call(client, "PATCH", url, tokens["owner"], json={"tried_deployments": ["dep-public", "no-such"]})
    assert missing.status_code == 422
    assert [e["pointer"] for e in missing.get_json()["errors"]] == ["/tried_deployments/1"]


def test_the_vocabulary_with_labels(world, client) -> None:
    from catalogue import vocabulary

    answer = call(client, "GET", "/api/v1/vocabulary")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "public, max-age=60"
    lists = answer.get_json()["lists"]
    assert {"categories", "dropped_reasons", "ethics_checks", "regions", "accreditations"} <= set(lists)
    assert lists["categories"][0] == {
        "code": next(iter(vocabulary.CATEGORIES)),
        "label": vocabulary.CATEGORIES[next(iter(vocabulary.CATEGORIES))],
    }
    assert [c["code"] for c in lists["dropped_reasons"]] == list(vocabulary.DROPPED_REASONS)
    # The document lists the same codes as enums.
    spec = call(client, "GET", "/api/v1/openapi.json").get_json()
    ethics = spec["components"]["schemas"]["DeploymentOut"]["properties"]["ethics_checks"]
    assert ethics["items"]["enum"] == [c["code"] for c in lists["ethics_checks"]]
    for name in ("categories", "dropped_reasons", "ethics_checks"):
        prop = (
            spec["components"]["schemas"]["DeploymentInput"]["properties"].get(name)
            or spec["components"]["schemas"]["ToolOut"]["properties"][name]
        )
        assert prop.get("items", {}).get("enum"), name


def test_operations_declare_security_and_every_error(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    patch = spec["paths"]["/api/v1/deployments/{ref}"]["patch"]
    assert patch["security"] == [{"bearer": []}]
    assert {"401", "403", "404", "412", "415", "422", "429"} <= set(patch["responses"])
    problem = spec["components"]["responses"]["PreconditionFailed"]["content"]["application/problem+json"]
    assert problem["schema"]["$ref"] == "#/components/schemas/Problem"
    read = spec["paths"]["/api/v1/tools"]["get"]
    assert read["security"] == [{"bearer": []}, {}] and "304" in read["responses"]
    assert "Location" in spec["paths"]["/api/v1/deployments"]["post"]["responses"]["201"]["headers"]


def test_the_documents_examples_are_accepted(world, client, db) -> None:
    from tests.factories import ToolFactory

    tokens, _ = world
    ToolFactory(ref="magic-notes")
    db.commit()
    spec = call(client, "GET", "/api/v1/openapi.json").get_json()
    for path in ("/api/v1/challenges", "/api/v1/deployments"):
        example = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"]
        created = call(client, "POST", path, tokens["owner"], json=example)
        assert created.status_code == 201, (path, created.get_json())


def test_an_organisations_public_profile(world, client) -> None:
    tokens, _ = world
    ref = call(client, "GET", "/api/v1/deployments/dep-public").get_json()["organisation"]
    anonymous = call(client, "GET", f"/api/v1/organisations/{ref}")
    body = anonymous.get_json()
    assert anonymous.status_code == 200 and anonymous.headers["ETag"] and anonymous.headers["Last-Modified"]
    assert body["deployments"] == ["dep-public"] and body["single_views"] == ["sv-public"]
    assert "secret" not in anonymous.get_data(as_text=True).lower()
    owner = call(client, "GET", f"/api/v1/organisations/{ref}", tokens["owner"]).get_json()
    assert set(owner["deployments"]) == {"dep-public", "dep-authorities", "dep-private"}
    assert call(client, "GET", "/api/v1/organisations/no-such-org").status_code == 404
