"""References through the API, by the pages' service: a supplier asks, lists its requests (never
which deployment was confirmed); the cited organisation lists, confirms with one of its own
deployments, declines or revokes; nobody else reaches a request."""

from __future__ import annotations

import pytest
from sqlmodel import select

from catalogue.accounts.models import User
from catalogue.accounts.services import issue_api_token
from tests.factories import DeploymentFactory, OfferingFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.api import call, errors_by_field


@pytest.fixture
def cited(db):
    supplier = OrganisationFactory(kind="supplier", name="Vendor Ltd")
    council = OrganisationFactory(kind="local-authority", name="Citedshire")
    other = OrganisationFactory(kind="local-authority", name="Othershire")
    tool = ToolFactory(ref="tool-ref", name="Refnotes")
    OfferingFactory(ref="off-ref", supplier_id=supplier.id, tool_id=tool.id, status="published")
    DeploymentFactory(ref="dep-cited", organisation_id=council.id, tool_id=tool.id, visibility="private")
    users = {
        "supplier": UserFactory(organisation_id=supplier.id),
        "council": UserFactory(organisation_id=council.id),
        "other": UserFactory(organisation_id=other.id),
    }
    tokens = {name: issue_api_token(db, user) for name, user in users.items()}
    db.commit()
    return tokens, council


def _ask(client, tokens, council) -> int:
    asked = call(
        client,
        "POST",
        "/api/v1/offerings/off-ref/references",
        tokens["supplier"],
        json={"organisation": council.ref, "note": "You piloted it in 2024"},
    )
    assert asked.status_code == 201, asked.get_json()
    assert asked.headers["Location"].endswith(f"/api/v1/references/{asked.get_json()['id']}")
    return asked.get_json()["id"]


def test_ask_confirm_and_revoke(cited, client):
    tokens, council = cited
    rid = _ask(client, tokens, council)
    inbox = call(client, "GET", "/api/v1/references?status=pending", tokens["council"]).get_json()["items"]
    assert [(r["id"], r["offering"], r["status"]) for r in inbox] == [(rid, "off-ref", "pending")]
    assert call(client, "GET", "/api/v1/references", tokens["other"]).get_json()["items"] == []
    # Only the cited organisation answers; others do not even see the request.
    assert (
        call(
            client, "POST", f"/api/v1/references/{rid}/confirm", tokens["other"], json={"deployment": "dep-cited"}
        ).status_code
        == 404
    )
    assert (
        call(
            client, "POST", f"/api/v1/references/{rid}/confirm", tokens["supplier"], json={"deployment": "dep-cited"}
        ).status_code
        == 404
    )
    wrong = call(
        client, "POST", f"/api/v1/references/{rid}/confirm", tokens["council"], json={"deployment": "dep-nope"}
    )
    assert wrong.status_code == 422 and "deployment" in errors_by_field(wrong.get_json())
    confirmed = call(
        client, "POST", f"/api/v1/references/{rid}/confirm", tokens["council"], json={"deployment": "dep-cited"}
    )
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert confirmed.get_json()["deployment"] == "dep-cited"
    again = call(client, "POST", f"/api/v1/references/{rid}/decline", tokens["council"], json={})
    assert again.status_code == 409
    # The supplier sees the answer, never which (private) deployment it was.
    mine = call(client, "GET", "/api/v1/offerings/off-ref/references", tokens["supplier"]).get_json()["items"]
    assert mine[0]["status"] == "confirmed" and mine[0]["deployment"] is None
    revoked = call(client, "POST", f"/api/v1/references/{rid}/revoke", tokens["council"], json={})
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    assert call(client, "POST", f"/api/v1/references/{rid}/revoke", tokens["council"], json={}).status_code == 409


def test_decline_and_the_suppliers_errors(cited, client):
    tokens, council = cited
    url = "/api/v1/offerings/off-ref/references"
    bad = call(client, "POST", url, tokens["supplier"], json={"organisation": "", "note": "x" * 1001, "extra": 1})
    assert bad.status_code == 422 and set(errors_by_field(bad.get_json())) == {"organisation", "note", "extra"}
    unknown = call(client, "POST", url, tokens["supplier"], json={"organisation": "org-nowhere"})
    assert unknown.status_code == 422 and "organisation" in errors_by_field(unknown.get_json())
    assert call(client, "POST", url, tokens["council"], json={"organisation": council.ref}).status_code == 403
    assert call(client, "GET", url, tokens["council"]).status_code == 403
    personal = call(
        client,
        "POST",
        url,
        tokens["supplier"],
        json={"organisation": council.ref, "note": "Ask Jayden Smith, NHS 943 476 5919"},
    )
    assert personal.status_code == 422 and "personal_data" in personal.get_data(as_text=True)
    rid = _ask(client, tokens, council)
    twice = call(client, "POST", url, tokens["supplier"], json={"organisation": council.ref})
    assert twice.status_code == 422
    declined = call(client, "POST", f"/api/v1/references/{rid}/decline", tokens["council"], json={})
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert call(client, "GET", "/api/v1/references", None).status_code == 401


def test_the_inbox_page_revokes_through_the_same_service(cited, client, db, client_as):
    tokens, council = cited
    rid = _ask(client, tokens, council)
    call(client, "POST", f"/api/v1/references/{rid}/confirm", tokens["council"], json={"deployment": "dep-cited"})
    member = db.exec(select(User).where(User.organisation_id == council.id)).first()
    page = client_as(member)
    assert f"/references/{rid}/revoke" in page.get("/references").get_data(as_text=True)
    assert page.post(f"/references/{rid}/revoke").status_code == 303
    # Revoking twice loses nothing: back to the inbox, which says why nothing changed.
    again = page.post(f"/references/{rid}/revoke", follow_redirects=True)
    assert again.status_code == 200 and "Only a confirmed reference can be revoked" in again.get_data(as_text=True)
    assert "Revoked" in page.get("/references").get_data(as_text=True)


def test_an_id_too_big_for_the_database_is_not_found(cited, client):
    tokens, _ = cited
    for url in ("/api/v1/references/9223372036854775808", "/api/v1/references/0"):
        assert call(client, "GET", url, tokens["council"]).status_code == 404
