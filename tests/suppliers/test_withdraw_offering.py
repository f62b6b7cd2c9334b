"""Withdrawing an offering with a reason: gone from its page, the directory, the CSV, search,
the API and the bundle export for every role; its supplier (and site admins) get a notice; the
change log reports it deleted; the audit trail keeps the reason. Freshness on its page and API."""

from __future__ import annotations

import pytest

from catalogue.access import viewer_for
from catalogue.bundle.export import export_bundle
from catalogue.search import engine
from tests.helpers.api import call, errors_by_field
from tests.helpers.upkeep import ROLES, audit_changes, change_ops, make_world


@pytest.fixture
def world(db):
    return make_world(db)


def test_withdrawn_offering_is_gone_everywhere(client_as, db, world) -> None:
    seller = client_as(world.users["supplier_owner"])
    page = seller.get("/offerings/off-kept").get_data(as_text=True)
    assert "Last confirmed" in page and "by Quarrystone Ltd" in page and "Withdraw this record" in page
    refused = seller.post("/records/offering/off-kept/withdraw", data={"reason": ""})
    assert refused.status_code == 422 and "Enter why you are withdrawing it" in refused.get_data(as_text=True)
    assert seller.post("/records/offering/off-kept/withdraw", data={"reason": "No longer sold"}).status_code == 303
    for role in (*ROLES, "supplier_owner"):
        client = client_as(world.users[role])
        assert client.get("/offerings/off-kept").status_code == 404, role
        assert "off-kept" not in client.get("/offerings").get_data(as_text=True), role
        assert "Zorblatt Notes" not in client.get("/export/offerings.csv").get_data(as_text=True), role
        assert call(client, "GET", "/api/v1/offerings/off-kept", world.tokens[role]).status_code == 404, role
        assert "off-kept" not in call(client, "GET", "/api/v1/offerings", world.tokens[role]).get_data(as_text=True)
        viewer = viewer_for(world.users[role])
        assert not [h for h in engine.search(viewer, "zorblatt").hits if h.kind == "offering"], role
        db.rollback()
        assert "off-kept" not in {o.get("ref") for o in export_bundle(db, viewer).get("offerings", [])}, role
        notice = client.get("/records/offering/off-kept/withdrawn")
        assert notice.status_code == (200 if role in ("supplier", "supplier_owner", "admin") else 404), role
    assert any(
        "No longer sold" in str(c.get("withdrawn_reason")) for c in audit_changes(db, "offering", world.offering.id)
    )
    assert change_ops(db, "offering", world.offering.id)[-1] == "delete"


def test_only_its_supplier_withdraws_an_offering(client, world) -> None:
    url = "/api/v1/offerings/off-kept/withdraw"
    assert call(client, "POST", url, world.tokens["owner"], json={"reason": "x"}).status_code == 403
    missing = call(client, "POST", url, world.tokens["supplier_owner"], json={"reason": ""})
    assert missing.status_code == 422 and "reason" in errors_by_field(missing.get_json())
    assert call(client, "POST", url, world.tokens["supplier_owner"], json={"reason": "Discontinued"}).status_code == 200
    assert call(client, "GET", "/api/v1/offerings/off-kept", world.tokens["supplier_owner"]).status_code == 404


def test_offering_api_carries_freshness_and_confirm(client, db, world) -> None:
    body = call(client, "GET", "/api/v1/offerings/off-kept", None).get_json()
    assert body["stale"] is False and body["last_confirmed_by"] == world.supplier_org.ref
    assert body["last_confirmed_by_name"] == "Quarrystone Ltd" and body["last_confirmed_at"]
    url = "/api/v1/offerings/off-kept/confirm"
    assert call(client, "POST", url, world.tokens["owner"]).status_code == 403
    confirmed = call(client, "POST", url, world.tokens["supplier_owner"])
    assert confirmed.status_code == 200 and confirmed.get_json()["stale"] is False
