"""Freshness: every kept record says when it was last confirmed and by whom (stamped on create and
on every write by its owner, and by "Still true"); 12 months unconfirmed, it is tagged in pages,
lists and the API and can be filtered on; insights say how much of what the viewer sees is
current; owners are reminded in the digest once per period with a signed "Still true" link that
only works for that record and that user's organisation."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from catalogue.db import utcnow
from catalogue.notifications import preferences
from catalogue.notifications.models import OutboxEmail
from catalogue.records.models import Deployment
from catalogue.upkeep import reminders
from tests.factories import DeploymentFactory
from tests.helpers.api import call
from tests.helpers.upkeep import audit_changes, make_world

OLD = utcnow() - timedelta(days=430)


@pytest.fixture
def world(db):
    return make_world(db)


def _age(db, record, when=OLD) -> None:
    db.expire_all()  # what requests wrote meanwhile
    record.last_confirmed_at = when
    db.add(record)
    db.commit()


def test_a_new_record_is_confirmed_by_its_owner(client_as, db, world) -> None:
    d = world.deployment
    assert d.last_confirmed_at is not None and d.last_confirmed_by_id == world.owner_org.id and not d.stale
    page = client_as(None).get("/deployments/dep-kept").get_data(as_text=True)
    assert "Last confirmed" in page and "by Brackenfold Council" in page and "Not confirmed since" not in page


def test_stale_record_is_tagged_everywhere_and_filtered(client_as, client, db, world) -> None:
    _age(db, world.deployment)
    _age(db, world.single_view)
    month = OLD.strftime("%B %Y")
    anon = client_as(None)
    assert f"Not confirmed since {month}" in anon.get("/deployments/dep-kept").get_data(as_text=True)
    assert f"Not confirmed since {month}" in anon.get("/deployments").get_data(as_text=True)
    assert f"Not confirmed since {month}" in anon.get("/single-views").get_data(as_text=True)
    assert "dep-kept" in anon.get("/deployments?freshness=stale").get_data(as_text=True)
    assert "dep-kept" not in anon.get("/deployments?freshness=current").get_data(as_text=True)
    assert "sv-kept" in anon.get("/single-views?freshness=stale").get_data(as_text=True)
    assert "sv-kept" not in anon.get("/single-views?freshness=current").get_data(as_text=True)
    body = call(client, "GET", "/api/v1/deployments/dep-kept").get_json()
    assert body["stale"] is True and body["last_confirmed_at"].startswith(OLD.date().isoformat())
    assert body["last_confirmed_by"] == world.owner_org.ref
    refs = {i["ref"] for i in call(client, "GET", "/api/v1/deployments?freshness=stale").get_json()["items"]}
    assert refs == {"dep-kept"}
    assert call(client, "GET", "/api/v1/deployments?freshness=current").get_json()["items"] == []
    assert call(client, "GET", "/api/v1/deployments?freshness=soon").status_code == 422
    views = call(client, "GET", "/api/v1/single-views?freshness=stale").get_json()["items"]
    assert [v["ref"] for v in views] == ["sv-kept"] and views[0]["stale"] is True
    # Insights: how much of what this viewer sees is current.
    DeploymentFactory(organisation_id=world.owner_org.id, tool_id=world.deployment.tool_id, visibility="public")
    # A stale record the viewer may not see counts for nobody but those who may.
    DeploymentFactory(
        organisation_id=world.owner_org.id,
        tool_id=world.deployment.tool_id,
        visibility="private",
        last_confirmed_at=OLD,
    )
    insights = anon.get("/insights").get_data(as_text=True)
    assert re.search(r"1 of 2 deployments \(50%\)", insights), insights
    own = client_as(world.users["owner"]).get("/insights").get_data(as_text=True)
    assert re.search(r"1 of 3 deployments \(33%\)", own), own


def test_offering_stale_tag_and_filter(client_as, db, world) -> None:
    _age(db, world.offering)
    anon = client_as(None)
    assert "Not confirmed since" in anon.get("/offerings").get_data(as_text=True)
    assert "off-kept" in anon.get("/offerings?freshness=stale").get_data(as_text=True)
    assert "off-kept" not in anon.get("/offerings?freshness=current").get_data(as_text=True)


def test_still_true_button_and_owner_edits_confirm(client_as, client, db, world) -> None:
    _age(db, world.deployment)
    assert client_as(world.users["other_la"]).post("/records/deployment/dep-kept/confirm").status_code == 403
    assert client_as(world.users["admin"]).post("/records/deployment/dep-kept/confirm").status_code == 403
    owner = client_as(world.users["owner"])
    assert "Still true" in owner.get("/deployments/dep-kept").get_data(as_text=True)
    assert owner.post("/records/deployment/dep-kept/confirm").status_code == 303
    db.rollback()
    db.expire_all()
    d = db.get(Deployment, world.deployment.id)
    assert not d.stale and d.last_confirmed_by_id == world.owner_org.id
    assert any("last_confirmed_at" in c for c in audit_changes(db, "deployment", d.id))
    # A site admin's edit is not the owner's word; the owner's edit (API) is.
    _age(db, d)
    patched = call(
        client, "PATCH", "/api/v1/deployments/dep-kept", world.tokens["admin"], json={"summary": "Moderated"}
    )
    assert patched.status_code == 200 and patched.get_json()["stale"] is True
    patched = call(client, "PATCH", "/api/v1/deployments/dep-kept", world.tokens["owner"], json={"summary": "Ours"})
    assert patched.status_code == 200 and patched.get_json()["stale"] is False


def _digest_for(db, address: str) -> OutboxEmail | None:
    db.rollback()
    db.expire_all()
    rows = db.exec(select(OutboxEmail).where(OutboxEmail.to_address == address, OutboxEmail.kind == "digest")).all()
    return rows[-1] if rows else None


def _still_true_path(email: OutboxEmail) -> str:
    return re.search(r"https?://[^/\s]+(/still-true/\S+)", email.body).group(1)


def test_reminder_in_the_digest_once_per_period_and_one_click_confirm(app, client, db, world) -> None:
    _age(db, world.deployment)
    with app.test_request_context():
        assert preferences.send_digests(db) >= 1
        db.commit()
    email = _digest_for(db, "owner@brackenfold.example")
    assert email is not None and "Still true?" in email.body and "/deployments/dep-kept/edit" in email.body
    path = _still_true_path(email)
    # Not twice in the period.
    with app.test_request_context():
        preferences.send_digests(db)
        db.commit()
    assert len(db.exec(select(OutboxEmail).where(OutboxEmail.kind == "freshness")).all()) == 1
    # Opening the link confirms nothing (link checkers open them); the button does, as that user.
    page = client.get(path)
    assert page.status_code == 200 and "Still true" in page.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    assert db.get(Deployment, world.deployment.id).stale
    done = client.post(path)
    assert done.status_code == 200 and "confirmed as still true" in done.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    d = db.get(Deployment, world.deployment.id)
    assert not d.stale and d.last_confirmed_by_id == world.owner_org.id
    from catalogue.changes import AuditEvent

    audit = db.exec(
        select(AuditEvent).where(AuditEvent.record_id == d.id, AuditEvent.record_type == "deployment")
    ).all()
    assert audit[-1].actor_id == world.users["owner"].id and "last_confirmed_at" in audit[-1].changes


def test_still_true_link_refuses_tampered_expired_and_other_organisations(app, client, db, world) -> None:
    _age(db, world.deployment)
    owner = world.users["owner"]
    with app.test_request_context():
        good = reminders.still_true_token("deployment", world.deployment.id, owner.id, world.owner_org.id)
        # Another organisation's member, with a token naming their own organisation.
        other = world.users["other_la"]
        theirs = reminders.still_true_token("deployment", world.deployment.id, other.id, world.other_org.id)
        # The owner's user id claiming another organisation.
        claimed = reminders.still_true_token("deployment", world.deployment.id, owner.id, world.other_org.id)
        # Good for the single view only.
        view_token = reminders.still_true_token("single_view", world.single_view.id, owner.id, world.owner_org.id)
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    for token in (tampered, theirs, claimed, "not-a-token"):
        assert client.get(f"/still-true/{token}").status_code == 404
        assert client.post(f"/still-true/{token}").status_code == 404
    assert client.post(f"/still-true/{view_token}").status_code == 200
    db.rollback()
    db.expire_all()
    assert db.get(Deployment, world.deployment.id).stale  # only the single view was confirmed
    # Expired: a link signed 46 days ago.
    import itsdangerous

    with app.test_request_context(), pytest.MonkeyPatch.context() as patch:
        signed_at = int(time.time() - reminders.LINK_MAX_AGE.total_seconds() - 86400)
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: signed_at)
        expired = reminders.still_true_token("deployment", world.deployment.id, owner.id, world.owner_org.id)
    assert client.post(f"/still-true/{expired}").status_code == 404
    assert client.get(f"/still-true/{good}").status_code == 200  # the same link, still valid
    # A user who has left the organisation cannot use their old link.
    owner_row = db.get(type(owner), owner.id)
    owner_row.organisation_id = world.other_org.id
    db.add(owner_row)
    db.commit()
    assert client.post(f"/still-true/{good}").status_code == 404
    db.rollback()
    db.expire_all()
    assert db.get(Deployment, world.deployment.id).stale


def test_withdrawn_records_are_not_reminded(app, db, world) -> None:
    _age(db, world.deployment)
    world.deployment.withdrawn_at = utcnow()
    world.deployment.withdrawn_reason = "gone"
    db.add(world.deployment)
    db.commit()
    assert ("deployment", world.deployment.id) not in {(k, r.id) for k, r in reminders.stale_records(db)}


def test_search_cards_tag_stale_records_and_filter_by_freshness(client_as, db, world) -> None:
    _age(db, world.deployment)
    anon = client_as(None)
    page = anon.get("/search?q=zorblatt").get_data(as_text=True)
    assert f"Not confirmed since {OLD.strftime('%B %Y')}" in page
    stale = anon.get("/search?q=zorblatt&freshness=stale").get_data(as_text=True)
    assert "/deployments/dep-kept" in stale and "/single-views/sv-kept" not in stale
    current = anon.get("/search?q=zorblatt&freshness=current").get_data(as_text=True)
    assert "/deployments/dep-kept" not in current and "/single-views/sv-kept" in current
    assert "/offerings/off-kept" in current
    assert anon.get("/search?q=zorblatt&freshness=%00nonsense").status_code == 200
