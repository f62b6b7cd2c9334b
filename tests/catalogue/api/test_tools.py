"""PATCH /api/v1/tools/<ref>: the tool edit page's rules through the API (same service, same
policy, same checks), with the API's conventions (401 without a token, 403 when the policy says
no, 404 for no such tool, 422 with field errors and nothing changed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from catalogue.accounts.services import issue_api_token
from catalogue.changes import AuditEvent
from catalogue.records.models import Tool
from tests.factories import OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.api import call, errors_by_field

CHILD = "Piloted with Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB"


@pytest.fixture
def world(db: Session) -> SimpleNamespace:
    la = OrganisationFactory(ref="la-home", name="Home Council")
    other_la = OrganisationFactory(ref="la-away", name="Away Council")
    supplier = OrganisationFactory(ref="sup-x", name="Supplier X", kind="supplier")
    rival = OrganisationFactory(ref="sup-y", name="Supplier Y", kind="supplier")
    ToolFactory(ref="tool-sold", name="Sold Tool", supplier_id=supplier.id)
    ToolFactory(ref="tool-built", name="Built Tool", developed_by_id=la.id)
    ToolFactory(ref="tool-open", name="Open Tool", uses_ai=None)
    users = {
        "la_member": UserFactory(organisation_id=la.id),
        "la_owner": UserFactory(organisation_id=la.id, role="admin"),
        "other_la": UserFactory(organisation_id=other_la.id),
        "supplier_member": UserFactory(organisation_id=supplier.id),
        "supplier_owner": UserFactory(organisation_id=supplier.id, role="admin"),
        "rival": UserFactory(organisation_id=rival.id),
        "pending": UserFactory(organisation_id=supplier.id, status="pending"),
        "admin": UserFactory(is_site_admin=True),
    }
    tokens: dict[str, str | None] = {"none": None}
    for role, user in users.items():
        tokens[role] = issue_api_token(db, user, label="test")
    db.commit()
    return SimpleNamespace(tokens=tokens, users=users)


def _tool(db: Session, ref: str) -> Tool:
    db.rollback()
    db.expire_all()
    return db.exec(select(Tool).where(Tool.ref == ref)).one()


@pytest.mark.parametrize(
    ("ref", "role", "status"),
    [
        ("tool-sold", "supplier_member", 200),
        ("tool-sold", "supplier_owner", 200),
        ("tool-sold", "admin", 200),
        ("tool-sold", "rival", 403),
        ("tool-sold", "la_member", 403),
        ("tool-sold", "pending", 403),
        ("tool-sold", "none", 401),
        ("tool-built", "la_member", 200),
        ("tool-built", "la_owner", 200),
        ("tool-built", "other_la", 403),
        ("tool-built", "supplier_member", 403),
        ("tool-built", "pending", 403),
        ("tool-built", "none", 401),
        ("tool-open", "other_la", 403),  # not its seller, builder or the organisation that added it
        ("tool-open", "supplier_member", 403),
    ],
)
def test_who_may_patch_a_tool(world, client, db, ref: str, role: str, status: int) -> None:
    before = _tool(db, ref).summary
    response = call(client, "PATCH", f"/api/v1/tools/{ref}", world.tokens[role], json={"summary": f"By {role}"})
    assert response.status_code == status, response.get_json()
    assert response.is_json
    assert _tool(db, ref).summary == (f"By {role}" if status == 200 else before)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_no_such_tool_is_404(world, client) -> None:
    response = call(client, "PATCH", "/api/v1/tools/no-such-tool", world.tokens["admin"], json={"summary": "x"})
    assert response.status_code == 404 and response.is_json


def test_patch_merges_onto_the_tool_and_get_shows_it(world, client, db) -> None:
    changed = call(
        client,
        "PATCH",
        "/api/v1/tools/tool-built",
        world.tokens["la_member"],
        json={"name": "Built Tool Plus", "uses_ai": False, "case_management_systems": ["Mosaic", " ", "Eclipse"]},
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["name"] == "Built Tool Plus" and body["uses_ai"] is False
    assert body["case_management_systems"] == ["Mosaic", "Eclipse"]
    # The fields not given keep their values; who built it is not the editor's to change.
    assert body["categories"] == ["transcription"] and body["delivery"] == "standalone"
    assert body["summary"].startswith("Records conversations") and body["developed_by"] == "la-home"
    shown = call(client, "GET", "/api/v1/tools/tool-built").get_json()
    assert shown["name"] == "Built Tool Plus" and shown["case_management_systems"] == ["Mosaic", "Eclipse"]
    assert _tool(db, "tool-built").developed_by_id is not None


def test_the_audit_trail_names_the_token_user(world, client, db) -> None:
    response = call(
        client, "PATCH", "/api/v1/tools/tool-sold", world.tokens["supplier_member"], json={"name": "Sold 2"}
    )
    assert response.status_code == 200, response.get_json()
    db.rollback()
    event = db.exec(select(AuditEvent).where(AuditEvent.record_ref == "tool-sold", AuditEvent.action == "update")).one()
    assert event.actor_id == world.users["supplier_member"].id
    assert event.changes["name"] == ["Sold Tool", "Sold 2"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "  ", "summary": None}, {"name"}),
        ({"categories": []}, {"categories"}),
        ({"name": "", "uses_ai": "maybe"}, {"uses_ai"}),
        ({"categories": ["not-a-category"]}, {"categories"}),
        ({"uses_ai": "maybe"}, {"uses_ai"}),
        ({"delivery": "sideways"}, {"delivery"}),
        ({"name": "x" * 201}, {"name"}),
        ({"name": "sold tool"}, {"name"}),  # another tool's name, in another case
        ({"supplier": "la-away"}, {"supplier"}),  # not a supplier
    ],
)
def test_bad_input_is_422_with_field_errors_and_changes_nothing(world, client, db, body, fields) -> None:
    response = call(client, "PATCH", "/api/v1/tools/tool-built", world.tokens["la_member"], json=body)
    assert response.status_code == 422, response.get_json()
    assert fields <= set(errors_by_field(response.get_json())), response.get_json()
    tool = _tool(db, "tool-built")
    assert tool.name == "Built Tool" and tool.categories == ["transcription"] and tool.uses_ai is True


def test_personal_data_is_refused(world, client, db) -> None:
    for field in ("summary", "description"):
        refused = call(client, "PATCH", "/api/v1/tools/tool-sold", world.tokens["supplier_member"], json={field: CHILD})
        assert refused.status_code == 422 and field in errors_by_field(refused.get_json())
    assert "Acacia" not in call(client, "GET", "/api/v1/tools/tool-sold").get_data(as_text=True)
    assert "Acacia" not in (_tool(db, "tool-sold").description or "")


def test_only_a_site_admin_moves_a_tool_to_another_supplier(world, client, db) -> None:
    for role in ("supplier_member", "supplier_owner"):
        for supplier in ("sup-y", None):
            refused = call(client, "PATCH", "/api/v1/tools/tool-sold", world.tokens[role], json={"supplier": supplier})
            assert refused.status_code == 422, (role, supplier)
            assert "Only a site administrator" in errors_by_field(refused.get_json())["supplier"][0]
    assert _tool(db, "tool-sold").supplier_id == world.users["supplier_member"].organisation_id
    moved = call(client, "PATCH", "/api/v1/tools/tool-sold", world.tokens["admin"], json={"supplier": "sup-y"})
    assert moved.status_code == 200 and moved.get_json()["supplier"] == "sup-y"
    # Now the rival's, so the first supplier may no longer change it.
    again = call(client, "PATCH", "/api/v1/tools/tool-sold", world.tokens["supplier_member"], json={"summary": "x"})
    assert again.status_code == 403


def test_cookies_never_authenticate_a_tool_patch(world, client_as) -> None:
    client = client_as(world.users["supplier_member"])
    assert call(client, "PATCH", "/api/v1/tools/tool-sold", json={"summary": "x"}).status_code == 401


def test_there_is_no_api_to_create_a_tool(world, client) -> None:
    # The pages create a tool only inside the deployment form; the API mirrors that.
    body = {"name": "Brand New", "categories": ["transcription"]}
    assert call(client, "POST", "/api/v1/tools", world.tokens["admin"], json=body).status_code == 405


def test_the_openapi_document_describes_the_patch(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/tools/{ref}"]["patch"]
    assert "requestBody" in operation and {"200", "422"} <= set(operation["responses"])
    assert "post" not in spec["paths"]["/api/v1/tools"]
