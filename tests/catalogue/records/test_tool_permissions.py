"""Holes where tools meet offerings, deployments and organisations (issue 13: 4, 5 and 8): who
may change a tool, which tools a supplier may sell, and which organisations a form may name."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from catalogue.accounts.services import issue_api_token
from suppliers.models import Offering
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.api import call, errors_by_field
from tests.helpers.suppliers import OFFERING_FORM


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "SEARCH_SYNC_AFTER_REQUEST": False}


@pytest.fixture
def orgs(db):
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


def test_a_supplier_cannot_sell_a_tool_an_authority_built(db, orgs, client_as, client):
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
    assert refused.status_code == 422 and "tool" in errors_by_field(refused.get_json())
    mine = call(client, "POST", "/api/v1/offerings", token, json={**body, "tool": unclaimed.ref})
    assert mine.status_code == 201
    refused = call(client, "PATCH", f"/api/v1/offerings/{mine.get_json()['ref']}", token, json={"tool": built.ref})
    assert refused.status_code == 422 and "tool" in errors_by_field(refused.get_json())
    db.rollback()
    assert db.exec(select(Offering).where(Offering.tool_id == built.id)).all() == []


def test_an_offering_linked_before_the_rule_borrows_no_evidence(db, orgs, client):
    from tests.factories import OfferingFactory

    old = OfferingFactory(supplier_id=orgs["supplier"].id, tool_id=orgs["built"].id, status="published")
    db.commit()
    page = client.get(f"/offerings/{old.ref}").get_data(as_text=True)
    assert old.name in page and "SEAMEVIDENCE" not in page


# --- hole 8: no form, API body or bundle names an organisation the pick list would not offer ---


@pytest.fixture
def pending_supplier(db):
    return OrganisationFactory(kind="supplier", name="Pending Vendor Ltd", verification="pending")


def test_a_crafted_deployment_form_cannot_name_a_pending_supplier(db, orgs, pending_supplier, client_as):
    from catalogue.records.models import Tool
    from tests.helpers.records_forms import draft_of, step

    client = client_as(orgs["other_user"])
    start = draft_of(client.get("/deployments/new"))
    assert pending_supplier.ref not in client.get("/deployments/new").get_data(as_text=True)
    new_tool = {
        "tool_choice": "new",
        "new_tool-name": "Crafted Helper",
        "new_tool-categories": ["admin-automation"],
        "new_tool-supplier": pending_supplier.ref,
    }
    response = step(client, "/deployments/new/tool", start, **new_tool)
    html = response.get_data(as_text=True)
    assert "Choose the supplier from the list" in html and "Crafted Helper" in html
    # A tampered draft saved at the end is checked again.
    tampered = json.dumps(
        {
            "tool_choice": "new",
            "new_tool": {
                "name": "Crafted Helper",
                "categories": ["admin-automation"],
                "supplier": pending_supplier.ref,
            },
            "stage": "pilot",
            "started": "2025-01",
            "evaluation": "none",
            "visibility": "public",
        }
    )
    assert step(client, "/deployments/new/check", tampered, action="save").status_code == 200
    db.rollback()
    assert db.exec(select(Tool).where(Tool.name == "Crafted Helper")).first() is None


def test_a_tool_cannot_be_handed_to_a_pending_supplier(db, orgs, pending_supplier, client_as, client):
    built = orgs["built"]
    form = {"name": built.name, "categories": ["admin-automation"], "supplier": pending_supplier.ref}
    page = client_as(UserFactory(is_site_admin=True)).post(f"/tools/{built.ref}/edit", data=form)
    assert page.status_code == 200 and "Choose the supplier from the list" in page.get_data(as_text=True)
    token = issue_api_token(db, orgs["builder_user"], label="test")
    db.commit()
    refused = call(client, "PATCH", f"/api/v1/tools/{built.ref}", token, json={"supplier": pending_supplier.ref})
    assert refused.status_code == 422 and "supplier" in errors_by_field(refused.get_json())
    db.rollback()
    db.expire_all()
    assert db.get(type(built), built.id).supplier_id is None


def test_a_bundle_cannot_name_a_pending_organisation(db, pending_supplier):
    from catalogue.bundle import BundleError, import_bundle

    bundle = {
        "format": "csc-catalogue-bundle",
        "version": 1,
        "tools": [
            {"ref": "crafted-tool", "name": "Crafted", "categories": ["other"], "supplier": pending_supplier.ref}
        ],
    }
    with pytest.raises(BundleError) as raised:
        import_bundle(db, bundle)
    assert any(pending_supplier.ref in problem for problem in raised.value.problems)


# --- hole 4: only the tool's own organisations change it; a supplier claims it ----------------


def test_another_authority_cannot_change_or_hand_over_a_tool(db, orgs, client_as):
    from catalogue.access import viewer_for
    from catalogue.records import services

    builder = client_as(orgs["builder_user"])
    draft = {
        "tool_choice": "new",
        "new_tool": {"name": "Added Elsewhere", "categories": ["admin-automation"]},
        "stage": "pilot",
        "started": "2025-01",
        "evaluation": "none",
        "visibility": "public",
    }
    from tests.helpers.records_forms import step

    assert step(builder, "/deployments/new/check", json.dumps(draft), action="save").status_code == 303
    db.rollback()
    tool = db.exec(select(services.Tool).where(services.Tool.name == "Added Elsewhere")).one()
    assert tool.added_by_id == orgs["builder"].id
    db.commit()
    form = {"name": "Renamed by a stranger", "categories": ["admin-automation"]}
    other = client_as(orgs["other_user"])
    assert other.get(f"/tools/{tool.ref}/edit").status_code == 403
    assert other.post(f"/tools/{tool.ref}/edit", data=form).status_code == 403
    assert "Edit this tool" not in other.get(f"/tools/{tool.ref}").get_data(as_text=True)
    # Its own organisation changes it, but cannot hand it to a supplier.
    handed = builder.post(f"/tools/{tool.ref}/edit", data={**form, "supplier": orgs["supplier"].ref})
    assert "Only a site administrator can change the supplier" in handed.get_data(as_text=True)
    assert builder.post(f"/tools/{tool.ref}/edit", data={**form, "name": "Renamed at home"}).status_code == 303
    db.rollback()
    db.expire_all()
    tool = db.get(services.Tool, tool.id)
    assert tool.name == "Renamed at home" and tool.supplier_id is None
    assert not services.access.can_change_tool(viewer_for(orgs["other_user"], "local-authority"), tool)


def test_a_supplier_claims_a_tool_and_a_site_admin_approves(db, orgs, client_as):
    from catalogue.changes import AuditEvent
    from catalogue.notifications.models import OutboxEmail
    from catalogue.records.models import Tool, ToolClaim

    admin = UserFactory(is_site_admin=True)
    tool = ToolFactory(name="Orphan Notes")
    db.commit()
    vendor = client_as(orgs["supplier_user"])
    assert "Claim this tool" in vendor.get(f"/tools/{tool.ref}").get_data(as_text=True)
    assert "Claim this tool" not in vendor.get(f"/tools/{orgs['built'].ref}").get_data(as_text=True)
    assert vendor.post(f"/tools/{orgs['built'].ref}/claim").status_code == 403, "an authority built it"
    assert client_as(orgs["other_user"]).post(f"/tools/{tool.ref}/claim").status_code == 403
    assert vendor.post(f"/tools/{tool.ref}/claim").status_code == 303
    db.rollback()
    claim = db.exec(select(ToolClaim)).one()
    assert db.get(Tool, tool.id).supplier_id is None, "not before a site admin approves"
    assert db.exec(select(OutboxEmail).where(OutboxEmail.to_address == admin.email)).first() is not None
    db.commit()
    # Only site admins see and answer claims.
    assert vendor.get("/tools/claims").status_code == 403
    assert vendor.post(f"/tools/claims/{claim.id}", data={"decision": "approve"}).status_code == 403
    site = client_as(admin)
    assert "Orphan Notes" in site.get("/tools/claims").get_data(as_text=True)
    assert site.post(f"/tools/claims/{claim.id}", data={"decision": "approve"}).status_code == 303
    db.rollback()
    db.expire_all()
    assert db.get(Tool, tool.id).supplier_id == orgs["supplier"].id
    assert db.get(ToolClaim, claim.id).status == "approved"
    audited = db.exec(select(AuditEvent.action).where(AuditEvent.record_type == "tool_claim")).all()
    assert "create" in audited and "update" in audited
    assert db.exec(select(OutboxEmail).where(OutboxEmail.to_address == orgs["supplier_user"].email)).first()
    db.commit()
    # Now the supplier changes its tool; answering twice is refused.
    assert vendor.get(f"/tools/{tool.ref}/edit").status_code == 200
    assert site.post(f"/tools/claims/{claim.id}", data={"decision": "reject"}).status_code == 303
    db.rollback()
    assert db.get(ToolClaim, claim.id).status == "approved"
