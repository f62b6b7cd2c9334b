"""Holes where tools meet offerings, deployments and organisations (issue 13: 4, 5 and 8): who
may change a tool, which tools a supplier may sell, and which organisations a form may name."""

from __future__ import annotations

import pytest
from sqlmodel import select

from catalogue.accounts.services import issue_api_token
from suppliers.models import Offering
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.test_api import call
from tests.test_suppliers import OFFERING_FORM


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "SEARCH_SYNC_AFTER_REQUEST": False}


@pytest.fixture
def orgs(db):  # noqa: ANN001, ANN201
    builder = OrganisationFactory(kind="local-authority", name="Builder Council")
    other = OrganisationFactory(kind="local-authority", name="Other Council")
    supplier = OrganisationFactory(kind="supplier", name="Vendor Ltd")
    built = ToolFactory(name="Homegrown Notes", developed_by_id=builder.id)
    DeploymentFactory(organisation_id=builder.id, tool_id=built.id, visibility="public", summary="SEAMEVIDENCE")
    return {
        "builder": builder,
        "other": other,
        "supplier": supplier,
        "built": built,
        "supplier_user": UserFactory(organisation_id=supplier.id),
        "builder_user": UserFactory(organisation_id=builder.id),
        "other_user": UserFactory(organisation_id=other.id),
    }


# --- hole 5: a supplier may not sell a tool an authority built --------------------------------


def test_a_supplier_cannot_sell_a_tool_an_authority_built(db, orgs, client_as, client):  # noqa: ANN001
    built = orgs["built"]
    unclaimed = ToolFactory(name="Nobody's tool")
    vendor = client_as(orgs["supplier_user"])
    form = vendor.get("/offerings/new").get_data(as_text=True)
    assert unclaimed.ref in form and built.ref not in form, "the list offers only tools it may sell"
    response = vendor.post("/offerings/new", data={**OFFERING_FORM, "tool": built.ref, "status": "published"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose a tool your organisation sells" in html
    assert OFFERING_FORM["summary"] in html  # what was typed is shown again
    token = issue_api_token(db, orgs["supplier_user"], label="test")
    db.commit()
    body = {"name": "Borrowed", "categories": ["transcription"], "tool": built.ref}
    refused = call(client, "POST", "/api/v1/offerings", token, json=body)
    assert refused.status_code == 422 and "tool" in refused.get_json()["errors"]["json"]
    mine = call(client, "POST", "/api/v1/offerings", token, json={**body, "tool": unclaimed.ref})
    assert mine.status_code == 201
    refused = call(client, "PATCH", f"/api/v1/offerings/{mine.get_json()['ref']}", token, json={"tool": built.ref})
    assert refused.status_code == 422 and "tool" in refused.get_json()["errors"]["json"]
    db.rollback()
    assert db.exec(select(Offering).where(Offering.tool_id == built.id)).all() == []


def test_an_offering_linked_before_the_rule_borrows_no_evidence(db, orgs, client):  # noqa: ANN001
    from tests.factories import OfferingFactory

    old = OfferingFactory(supplier_id=orgs["supplier"].id, tool_id=orgs["built"].id, status="published")
    db.commit()
    page = client.get(f"/offerings/{old.ref}").get_data(as_text=True)
    assert old.name in page and "SEAMEVIDENCE" not in page
