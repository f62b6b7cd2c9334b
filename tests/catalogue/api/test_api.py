"""The JSON API: tokens (none, bad, revoked, supplier, authorities) × visibility on every list,
detail and search; writes through the same schemas and services; bad input is a 4xx with field
errors, never a 5xx; cookies never authenticate it; contact details never leave."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from catalogue.accounts.models import Organisation
from catalogue.accounts.services import issue_api_token
from catalogue.records.models import Deployment
from suppliers.models import Offering
from tests.factories import (
    OrganisationFactory,
    ToolFactory,
    UserFactory,
)
from tests.helpers.api import call, errors_by_field

ROLES = ["none", "bad", "revoked", "pending", "supplier", "other_la", "owner", "admin"]
SEES = {
    "public": set(ROLES) - {"bad", "revoked"},
    "authorities": {"other_la", "owner", "admin"},
    "private": {"owner", "admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_deployments_list_detail_and_search_follow_the_policy(world, client, role):
    tokens, _ = world
    token = tokens[role]
    listing = call(client, "GET", "/api/v1/deployments", token)
    if role in ("bad", "revoked"):
        assert listing.status_code == 401
        assert listing.headers["WWW-Authenticate"].startswith("Bearer")
        assert "MARKER" not in listing.get_data(as_text=True)
        return
    assert listing.status_code == 200
    refs = {d["ref"] for d in listing.get_json()["items"]}
    assert refs == {f"dep-{v}" for v, roles in SEES.items() if role in roles}
    assert listing.get_json()["total"] == len(refs)
    for vis, roles in SEES.items():
        detail = call(client, "GET", f"/api/v1/deployments/dep-{vis}", token)
        views = call(client, "GET", f"/api/v1/single-views/sv-{vis}", token)
        if role in roles:
            assert detail.status_code == 200 and detail.get_json()["impact"] == f"MARKER{vis.upper()} impact"
            assert views.status_code == 200
        else:
            assert detail.status_code == 404 and "MARKER" not in detail.get_data(as_text=True)
            assert views.status_code == 404
    views = call(client, "GET", "/api/v1/single-views", token).get_json()
    assert {v["ref"] for v in views["items"]} == {f"sv-{v}" for v, roles in SEES.items() if role in roles}
    found = call(client, "GET", "/api/v1/search", token, query_string={"q": "MARKERAUTHORITIES"})
    assert found.status_code == 200
    assert (found.get_json()["total"] > 0) == (role in SEES["authorities"])
    hidden = [] if role in SEES["private"] else ["MARKERPRIVATE"]
    for word in hidden:
        result = call(client, "GET", "/api/v1/search", token, query_string={"q": word}).get_json()
        assert result["total"] == 0 and word not in str(result["items"])


@pytest.mark.parametrize("role", ["none", "supplier", "other_la", "owner", "admin"])
def test_drafts_only_to_their_owners(world, client, role):
    tokens, _ = world
    offerings = {o["ref"] for o in call(client, "GET", "/api/v1/offerings", tokens[role]).get_json()["items"]}
    assert ("off-draft" in offerings) == (role in ("supplier", "admin"))
    assert "off-live" in offerings
    challenges = {c["ref"] for c in call(client, "GET", "/api/v1/challenges", tokens[role]).get_json()["items"]}
    assert ("ch-draft" in challenges) == (role in ("owner", "admin"))
    assert "ch-open" in challenges
    detail = call(client, "GET", "/api/v1/challenges/ch-draft", tokens[role])
    assert detail.status_code == (200 if role in ("owner", "admin") else 404)


def test_contact_details_never_in_the_api(world, client):
    tokens, _ = world
    for url in ("/api/v1/organisations", "/api/v1/organisations/" + _owner_ref(client), "/api/v1/deployments"):
        text = call(client, "GET", url, tokens["admin"]).get_data(as_text=True)
        assert "secret.person@example.org" not in text and "Secret Person" not in text and "Head of Data" not in text


def _owner_ref(client) -> str:
    items = call(client, "GET", "/api/v1/organisations", query_string={"q": "Owner"}).get_json()["items"]
    return items[0]["ref"]


def test_organisations_count_only_visible_deployments(world, client):
    tokens, _ = world

    def count(role: str) -> int:
        items = call(client, "GET", "/api/v1/organisations", tokens[role], query_string={"q": "Owner"}).get_json()
        return items["items"][0]["deployments"]

    assert (count("none"), count("supplier"), count("other_la"), count("owner")) == (1, 1, 2, 3)


def test_pagination(world, client):
    tokens, _ = world
    first = call(client, "GET", "/api/v1/deployments", tokens["admin"], query_string={"per_page": 2}).get_json()
    second = call(
        client, "GET", "/api/v1/deployments", tokens["admin"], query_string={"per_page": 2, "page": 2}
    ).get_json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (3, 2, 2, 1)
    assert not {d["ref"] for d in first["items"]} & {d["ref"] for d in second["items"]}


# --- writing -------------------------------------------------------------------------------------

NEW_DEPLOYMENT = {
    "tool": "tool-fresh",
    "stage": "pilot",
    "summary": "Trying it with one team",
    "visibility": "private",
}


def test_recording_a_tool_again_points_to_the_record_in_plain_text(world, client):
    tokens, _ = world
    again = call(client, "POST", "/api/v1/deployments", tokens["owner"], json={**NEW_DEPLOYMENT, "tool": "tool-shared"})
    assert again.status_code == 422
    [message] = errors_by_field(again.get_json())["tool"]
    assert "<" not in message and "already recorded" in message
    assert re.search(r"\(/deployments/dep-[a-z]+/edit\)", message)


def test_owner_creates_and_changes_a_deployment(world, client, db):
    tokens, users = world
    created = call(client, "POST", "/api/v1/deployments", tokens["owner"], json=NEW_DEPLOYMENT)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["organisation"] == db.get(Organisation, users["owner"].organisation_id).ref
    assert body["stage"] == "pilot" and body["visibility"] == "private"
    ref = body["ref"]
    changed = call(
        client,
        "PATCH",
        f"/api/v1/deployments/{ref}",
        tokens["owner"],
        json={"stage": "implemented", "resources": {"develop_gbp": 45000}},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["stage"] == "implemented"
    assert changed.get_json()["summary"] == "Trying it with one team"
    assert changed.get_json()["resources"] == {"develop_gbp": 45000.0}
    # The other authority may not change it, nor (private) even see it.
    assert (
        call(client, "PATCH", f"/api/v1/deployments/{ref}", tokens["other_la"], json={"stage": "pilot"}).status_code
        == 404
    )
    assert (
        call(client, "PATCH", "/api/v1/deployments/dep-public", tokens["other_la"], json={"stage": "pilot"}).status_code
        == 403
    )


def test_control_characters_are_removed_before_saving(world, client):
    # PostgreSQL refuses NUL in text: it must never reach the database, whatever is sent.
    tokens, _users = world
    body = dict(NEW_DEPLOYMENT, summary="Tried\x00 it\x07 with\tone team")
    created = call(client, "POST", "/api/v1/deployments", tokens["owner"], json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["summary"] == "Tried it with\tone team"


@pytest.mark.parametrize(
    ("role", "status"), [("none", 401), ("bad", 401), ("revoked", 401), ("supplier", 403), ("pending", 403)]
)
def test_who_may_not_write(world, client, role, status):
    tokens, _ = world
    response = call(client, "POST", "/api/v1/deployments", tokens[role], json=NEW_DEPLOYMENT)
    assert response.status_code == status


def test_cookies_never_authenticate_the_api(world, client_as):
    _, users = world
    client = client_as(users["owner"])
    assert call(client, "POST", "/api/v1/deployments", json=NEW_DEPLOYMENT).status_code == 401
    listing = call(client, "GET", "/api/v1/deployments").get_json()
    assert {d["ref"] for d in listing["items"]} == {"dep-public"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tool": "tool-shared"}, "stage"),
        ({**NEW_DEPLOYMENT, "stage": 5}, "stage"),
        ({**NEW_DEPLOYMENT, "stage": "dropped"}, "dropped_reasons"),
        ({**NEW_DEPLOYMENT, "resources": "lots"}, "resources"),
        ({**NEW_DEPLOYMENT, "resources": {"develop_gbp": -4}}, "resources"),
        ({**NEW_DEPLOYMENT, "started": "March"}, "started"),
        ({**NEW_DEPLOYMENT, "impact": "x" * 20001}, "impact"),
        ({**NEW_DEPLOYMENT, "visibility": "everyone"}, "visibility"),
        ({**NEW_DEPLOYMENT, "tool": "no-such-tool"}, "tool"),
        ({**NEW_DEPLOYMENT, "ethics_checks": ["none", "other"]}, "ethics_checks"),
    ],
)
def test_bad_deployments_get_field_errors(world, client, db, body, field):
    tokens, _ = world
    before = len(db.exec(select(Deployment)).all())
    response = call(client, "POST", "/api/v1/deployments", tokens["owner"], json=body)
    assert response.status_code == 422, response.get_json()
    assert field in errors_by_field(response.get_json())
    assert all(isinstance(m, str) for m in errors_by_field(response.get_json())[field])
    db.rollback()
    assert len(db.exec(select(Deployment)).all()) == before


@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", "null", '"a string"', "1e999999", '{"stage": {"a": [1]}}', "\x00\x01"]
)
def test_malformed_bodies_are_4xx(world, client, raw):
    tokens, _ = world
    for url, method in (
        ("/api/v1/deployments", "POST"),
        ("/api/v1/deployments/dep-public", "PATCH"),
        ("/api/v1/single-views", "POST"),
        ("/api/v1/offerings", "POST"),
        ("/api/v1/challenges", "POST"),
        ("/api/v1/challenges/ch-open/interest", "POST"),
    ):
        response = call(client, method, url, tokens["owner"], data=raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (url, raw, response.status_code)
        assert response.is_json


def test_bad_filters_are_422(world, client):
    for query in ({"stage": "nope"}, {"per_page": 1000}, {"page": "x"}, {"region": "Atlantis"}, {"q": "x" * 300}):
        response = call(client, "GET", "/api/v1/deployments", query_string=query)
        assert response.status_code == 422 and set(query) == set(errors_by_field(response.get_json()))


def test_single_view_write(world, client):
    tokens, _ = world
    created = call(
        client,
        "POST",
        "/api/v1/single-views",
        tokens["owner"],
        json={"status": "live", "sources": ["education", "police"]},
    )
    assert created.status_code == 201, created.get_json()
    ref = created.get_json()["ref"]
    changed = call(client, "PATCH", f"/api/v1/single-views/{ref}", tokens["owner"], json={"sources": ["housing"]})
    assert changed.status_code == 200 and changed.get_json()["sources"] == ["housing"]
    assert changed.get_json()["status"] == "live"
    bad = call(client, "POST", "/api/v1/single-views", tokens["owner"], json={"status": "maybe"})
    assert bad.status_code == 422 and "status" in errors_by_field(bad.get_json())


def test_offering_write(world, client):
    tokens, _ = world
    body = {"name": "Scribe", "categories": ["transcription"], "summary": "Notes."}
    assert call(client, "POST", "/api/v1/offerings", tokens["owner"], json=body).status_code == 403
    created = call(client, "POST", "/api/v1/offerings", tokens["supplier"], json=body)
    assert created.status_code == 201, created.get_json()
    ref = created.get_json()["ref"]
    assert created.get_json()["status"] == "draft"
    assert call(client, "GET", f"/api/v1/offerings/{ref}").status_code == 404
    published = call(client, "PATCH", f"/api/v1/offerings/{ref}", tokens["supplier"], json={"status": "published"})
    assert published.status_code == 200 and published.get_json()["name"] == "Scribe"
    assert call(client, "GET", f"/api/v1/offerings/{ref}").status_code == 200
    bad = call(client, "POST", "/api/v1/offerings", tokens["supplier"], json={"name": "", "categories": ["nope"]})
    assert bad.status_code == 422 and {"name", "categories"} <= set(errors_by_field(bad.get_json()))
    # The personal-data check the offering form runs, with the same answer.
    child = "Piloted with Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB"
    for method, path in (("POST", "/api/v1/offerings"), ("PATCH", f"/api/v1/offerings/{ref}")):
        refused = call(client, method, path, tokens["supplier"], json={**body, "description": child})
        assert refused.status_code == 422 and "description" in errors_by_field(refused.get_json())
    assert "Acacia" not in call(client, "GET", f"/api/v1/offerings/{ref}").get_data(as_text=True)


def test_an_offering_may_not_sell_a_competitors_tool_through_the_api(world, client, db):
    tokens, users = world
    supplier_id = users["supplier"].organisation_id
    own_tool = ToolFactory(ref="tool-vendor", name="Vendortool", supplier_id=supplier_id)
    rival = OrganisationFactory(kind="supplier", name="Rival Ltd")
    rival_token = issue_api_token(db, UserFactory(organisation_id=rival.id), label="test")
    db.commit()
    body = {"name": "Copycat", "categories": ["transcription"], "tool": own_tool.ref}
    refused = call(client, "POST", "/api/v1/offerings", rival_token, json=body)
    assert refused.status_code == 422 and "tool" in errors_by_field(refused.get_json())
    assert db.exec(select(Offering).where(Offering.name == "Copycat")).first() is None
    mine = call(client, "POST", "/api/v1/offerings", rival_token, json={**body, "tool": "tool-shared"})
    assert mine.status_code == 201 and mine.get_json()["tool"] == "tool-shared"
    ref = mine.get_json()["ref"]
    refused = call(client, "PATCH", f"/api/v1/offerings/{ref}", rival_token, json={"tool": own_tool.ref})
    assert refused.status_code == 422 and "tool" in errors_by_field(refused.get_json())
    assert call(client, "GET", f"/api/v1/offerings/{ref}", rival_token).get_json()["tool"] == "tool-shared"
    ok = call(client, "POST", "/api/v1/offerings", tokens["supplier"], json={**body, "name": "Own"})
    assert ok.status_code == 201 and ok.get_json()["tool"] == own_tool.ref


def test_offering_accreditations_load_as_codes_and_filter(world, client):
    tokens, _ = world
    body = {"name": "Certified", "categories": ["other"], "status": "published"}
    body["accreditations"] = ["Cyber Essentials Plus", "ISO 27001", "Some other badge"]
    created = call(client, "POST", "/api/v1/offerings", tokens["supplier"], json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["accreditations"] == ["cyber-essentials-plus", "iso-27001", "Some other badge"]
    found = call(client, "GET", "/api/v1/offerings?accreditation=iso-27001").get_json()["items"]
    assert [o["name"] for o in found] == ["Certified"]


def test_a_supplier_token_cannot_change_another_suppliers_offering(world, client, db):
    tokens, _ = world
    rival = OrganisationFactory(kind="supplier", name="Rival Ltd")
    rival_token = issue_api_token(db, UserFactory(organisation_id=rival.id), label="test")
    db.commit()
    before = {
        ref: call(client, "GET", f"/api/v1/offerings/{ref}", tokens["supplier"]).get_json()
        for ref in ("off-live", "off-draft")
    }
    hostile = {"name": "Hijacked", "status": "published", "categories": ["other"]}
    assert call(client, "PATCH", "/api/v1/offerings/off-live", rival_token, json=hostile).status_code == 403
    assert call(client, "PATCH", "/api/v1/offerings/off-draft", rival_token, json=hostile).status_code == 404
    # POST lists for the token's own supplier only: a supplier field naming another is ignored.
    created = call(client, "POST", "/api/v1/offerings", rival_token, json={**hostile, "supplier": "org-0"})
    assert created.status_code == 201 and created.get_json()["supplier"] == rival.ref
    for ref, was in before.items():
        assert call(client, "GET", f"/api/v1/offerings/{ref}", tokens["supplier"]).get_json() == was
    assert db.exec(select(Offering).where(Offering.name == "Hijacked")).one().supplier_id == rival.id


def test_challenge_and_expression_of_interest(world, client):
    tokens, _ = world
    created = call(
        client,
        "POST",
        "/api/v1/challenges",
        tokens["owner"],
        json={
            "title": "Write-ups at night",
            "problem": "Workers type notes at home.",
            "users": "Social workers",
            "budget_min": 1000,
            "budget_max": 5000,
        },
    )
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["status"] == "draft" and data["users"] == "Social workers" and data["budget_max"] == 5000
    changed = call(client, "PATCH", f"/api/v1/challenges/{data['ref']}", tokens["owner"], json={"route": "grant"})
    assert changed.status_code == 200 and changed.get_json()["route"] == "grant"
    bad = call(
        client,
        "PATCH",
        f"/api/v1/challenges/{data['ref']}",
        tokens["owner"],
        json={"budget_min": 9000, "budget_max": 10},
    )
    assert bad.status_code == 422
    assert (
        call(client, "POST", "/api/v1/challenges", tokens["supplier"], json={"title": "T", "problem": "P"}).status_code
        == 403
    )
    # Expressions of interest: suppliers only, seen by the owner and the supplier only.
    sent = call(
        client,
        "POST",
        "/api/v1/challenges/ch-open/interest",
        tokens["supplier"],
        json={"approach": "We can help with MARKERAPPROACH."},
    )
    assert sent.status_code == 201, sent.get_json()
    assert (
        call(
            client, "POST", "/api/v1/challenges/ch-open/interest", tokens["other_la"], json={"approach": "x"}
        ).status_code
        == 403
    )
    assert (
        call(
            client, "POST", "/api/v1/challenges/ch-open/proposal", tokens["supplier"], json={"approach": "x"}
        ).status_code
        == 409
    )
    assert (
        call(
            client, "POST", "/api/v1/challenges/ch-open/interest", tokens["supplier"], json={"approach": ""}
        ).status_code
        == 422
    )
    for role, sees in (("owner", True), ("supplier", True), ("other_la", False), ("none", False)):
        text = call(client, "GET", "/api/v1/challenges/ch-open/responses", tokens[role]).get_data(as_text=True)
        assert ("MARKERAPPROACH" in text) == sees


def test_openapi_and_docs(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    for path in (
        "/api/v1/deployments",
        "/api/v1/organisations",
        "/api/v1/tools",
        "/api/v1/single-views",
        "/api/v1/offerings",
        "/api/v1/challenges",
        "/api/v1/search",
        "/api/v1/challenges/{ref}/proposal",
    ):
        assert path in paths
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<title>API – Signpost</title>" in text and "/api/v1/deployments" in text
    assert "cdn" not in text.lower() and '<script src="http' not in text
    # The renderer (swagger-ui-dist) is served from the project's own static files.
    for asset in ("swagger/swagger-ui-bundle.js", "swagger/swagger-ui.css", "swagger/api-docs.js"):
        assert f"/static/{asset}" in text
        served = client.get(f"/static/{asset}")
        assert served.status_code == 200 and len(served.data) > 500, asset
        served.close()


def test_html_errors_stay_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    api = client.get("/api/v1/no-such")
    assert api.status_code == 404 and api.is_json


@pytest.fixture
def csrf_app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_api_is_exempt_from_csrf_but_forms_are_not(csrf_app_config, db):
    from catalogue import create_app

    app = create_app(csrf_app_config)
    owner_org = OrganisationFactory(kind="local-authority")
    ToolFactory(ref="tool-csrf")
    user = UserFactory(organisation_id=owner_org.id)
    token = issue_api_token(db, user)
    db.commit()
    client = app.test_client()
    body = {"tool": "tool-csrf", "stage": "pilot"}
    with app.app_context():
        assert (
            client.post("/api/v1/deployments", json=body, headers={"Authorization": f"Bearer {token}"}).status_code
            == 201
        )
        assert client.post("/account/sign-in", data={"email": "x", "password": "y"}).status_code == 400
    app.extensions["catalogue.engine"].dispose()
