"""Withdrawing a deployment or single view with a reason: a confirmation page that requires the
reason; the record then leaves every channel (page, list, CSV, search, bundle export, API, the
tool page's counts) for every role, its owner and site admins getting only a notice; it stays in
the audit trail with the reason and the change log reports it deleted. A site admin deletes."""

from __future__ import annotations

import pytest

from catalogue.access import viewer_for
from catalogue.bundle.export import export_bundle
from catalogue.search import engine
from tests.helpers.api import call, errors_by_field
from tests.helpers.upkeep import ROLES, audit_changes, change_ops, make_world

KINDS = {
    "deployment": ("dep-kept", "/deployments", "/api/v1/deployments", "/export/deployments.csv", "deployments"),
    "single_view": ("sv-kept", "/single-views", "/api/v1/single-views", None, "single_views"),
}


@pytest.fixture
def world(db):
    return make_world(db)


def _client(client_as, world, role):
    return client_as(world.users[role])


@pytest.mark.parametrize("kind", KINDS)
def test_withdrawn_record_is_gone_from_every_channel_for_every_role(client_as, db, world, kind) -> None:
    ref, pages, api, csv, section = KINDS[kind]
    owner = _client(client_as, world, "owner")
    # Before: everyone finds it.
    for role in ROLES:
        assert _client(client_as, world, role).get(f"{pages}/{ref}").status_code == 200, role
    assert ref in {r.get("ref") for r in export_bundle(db, viewer_for(None)).get(section, [])}
    assert [h for h in engine.search(viewer_for(None), "zorblatt").hits if h.kind == kind]
    form = owner.get(f"/records/{kind}/{ref}/withdraw")
    assert form.status_code == 200 and "Why are you withdrawing it?" in form.get_data(as_text=True)
    refused = owner.post(f"/records/{kind}/{ref}/withdraw", data={"reason": "   "})
    assert refused.status_code == 422
    assert "Enter why you are withdrawing it" in refused.get_data(as_text=True)
    done = owner.post(f"/records/{kind}/{ref}/withdraw", data={"reason": "Recorded twice by mistake"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/records/{kind}/{ref}/withdrawn")

    record = world.deployment if kind == "deployment" else world.single_view
    for role in ROLES:
        client = _client(client_as, world, role)
        assert client.get(f"{pages}/{ref}").status_code == 404, role
        assert ref not in client.get(pages).get_data(as_text=True), role
        if csv:
            assert ref not in client.get(csv).get_data(as_text=True), role
        api_list = call(client, "GET", api, world.tokens[role])
        assert ref not in api_list.get_data(as_text=True), role
        assert call(client, "GET", f"{api}/{ref}", world.tokens[role]).status_code == 404, role
        viewer = viewer_for(world.users[role])
        assert not [h for h in engine.search(viewer, "zorblatt").hits if h.kind == kind], role
        db.rollback()  # a fresh read, after the request's commit
        exported = export_bundle(db, viewer)
        assert ref not in {r.get("ref") for r in exported.get(section, [])}, role
        notice = client.get(f"/records/{kind}/{ref}/withdrawn")
        assert notice.status_code == (200 if role in ("owner", "admin") else 404), role
        if notice.status_code == 200:
            assert "Recorded twice by mistake" in notice.get_data(as_text=True)
    # The tool page no longer counts it.
    if kind == "deployment":
        assert "Brackenfold" not in client_as(world.users["other_la"]).get("/tools/" + _tool_ref(db, record)).get_data(
            as_text=True
        )
    # The audit trail keeps the reason; the change log says deleted.
    assert any(
        "Recorded twice by mistake" in str(c.get("withdrawn_reason")) for c in audit_changes(db, kind, record.id)
    )
    assert change_ops(db, kind, record.id)[-1] == "delete"


def _tool_ref(db, deployment) -> str:
    from catalogue.records.models import Tool

    return db.get(Tool, deployment.tool_id).ref


@pytest.mark.parametrize("role", ["other_la", "supplier", "anonymous"])
def test_only_the_owner_or_a_site_admin_may_withdraw(client_as, world, role) -> None:
    client = _client(client_as, world, role)
    response = client.post("/records/deployment/dep-kept/withdraw", data={"reason": "Not mine"})
    assert response.status_code in (303, 403, 404)
    if response.status_code == 303:  # anonymous: asked to sign in first
        assert "/account/sign-in" in response.headers["Location"]
    assert client_as(world.users["anonymous"]).get("/deployments/dep-kept").status_code == 200


def test_a_site_admin_deletes_with_a_reason(client_as, db, world) -> None:
    admin = client_as(world.users["admin"])
    page = admin.get("/records/deployment/dep-kept/withdraw").get_data(as_text=True)
    assert "Delete this deployment" in page
    assert admin.post("/records/deployment/dep-kept/withdraw", data={"reason": "Spam"}).status_code == 303
    assert client_as(None).get("/deployments/dep-kept").status_code == 404
    db.refresh(world.deployment)
    assert world.deployment.withdrawn_reason == "Deleted by a site admin: Spam"
    assert world.deployment.withdrawn_by_id == world.users["admin"].id


def test_api_withdraw_needs_a_reason_and_the_owner(client, db, world) -> None:
    url = "/api/v1/deployments/dep-kept/withdraw"
    missing = call(client, "POST", url, world.tokens["owner"], json={})
    assert missing.status_code == 422 and "reason" in errors_by_field(missing.get_json())
    blank = call(client, "POST", url, world.tokens["owner"], json={"reason": " "})
    assert blank.status_code == 422 and "reason" in errors_by_field(blank.get_json())
    assert call(client, "POST", url, world.tokens["other_la"], json={"reason": "x"}).status_code == 403
    assert call(client, "POST", url, world.tokens["supplier"], json={"reason": "x"}).status_code == 403
    assert call(client, "POST", url, None, json={"reason": "x"}).status_code == 401
    done = call(client, "POST", url, world.tokens["owner"], json={"reason": "Wrong authority"})
    assert done.status_code == 200
    body = done.get_json()
    assert body["ref"] == "dep-kept" and body["reason"] == "Wrong authority" and body["deleted"] is False
    assert call(client, "GET", "/api/v1/deployments/dep-kept", world.tokens["owner"]).status_code == 404
    # Withdrawn once: a second withdrawal finds nothing to withdraw.
    assert call(client, "POST", url, world.tokens["owner"], json={"reason": "again"}).status_code == 404
    assert change_ops(db, "deployment", world.deployment.id)[-1] == "delete"


def test_a_later_write_to_a_withdrawn_record_keeps_it_deleted_in_the_log(db, world) -> None:
    from catalogue.db import utcnow

    world.deployment.withdrawn_at = utcnow()
    world.deployment.withdrawn_reason = "gone"
    db.add(world.deployment)
    db.commit()
    world.deployment.summary = "changed after withdrawal"
    db.add(world.deployment)
    db.commit()
    assert change_ops(db, "deployment", world.deployment.id)[-2:] == ["delete", "delete"]


def test_matching_drops_a_withdrawn_offering_and_deployment(app, db) -> None:
    from outcomes.matching import engine
    from tests.helpers.matching import matching_world

    world = matching_world()
    db.commit()
    before = engine.match_challenge(db, world["challenge"], limit=20)
    assert "off-scribe" in {m.record.ref for m in before.offerings}
    assert "dep-public" in {m.record.ref for m in before.deployments}
    with app.test_request_context():
        from catalogue.access import Viewer
        from catalogue.upkeep import services

        admin = Viewer(user_id=None, site_admin=True, approved=True)
        services.withdraw(db, admin, "offering", "off-scribe", "Spam", delete=True)
        services.withdraw(db, admin, "deployment", "dep-public", "Duplicate", delete=True)
        db.commit()
    after = engine.match_challenge(db, world["challenge"], limit=20)
    assert "off-scribe" not in {m.record.ref for m in after.offerings}
    assert "dep-public" not in {m.record.ref for m in after.deployments}


def test_the_operator_deletes_from_the_command_line(app, db, world) -> None:
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["records", "withdraw", "deployment", "dep-kept", "--reason", "  "])
    assert refused.exit_code != 0 and "Enter why you are withdrawing it" in refused.output
    missing = runner.invoke(args=["records", "withdraw", "deployment", "no-such-ref", "--reason", "x"])
    assert missing.exit_code != 0 and "no deployment no-such-ref" in missing.output
    done = runner.invoke(args=["records", "withdraw", "deployment", "dep-kept", "--reason", "Test record"])
    assert done.exit_code == 0, done.output
    db.expire_all()
    assert (
        db.get(type(world.deployment), world.deployment.id).withdrawn_reason == "Deleted by a site admin: Test record"
    )
    assert change_ops(db, "deployment", world.deployment.id)[-1] == "delete"
