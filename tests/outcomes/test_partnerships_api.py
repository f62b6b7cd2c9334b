"""Partnerships kept up to date through the JSON API (issues 15 and 17): reading a partnership as
the caller may see it, the lead's removals, invitations answered only by an administrator, and
the API and the pages agreeing (a member removed through the API loses members-only material in
both). Every answer is checked against the OpenAPI document (tests.helpers.api.call)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from catalogue.accounts.services import issue_api_token
from catalogue.changes import AuditEvent
from catalogue.notifications.models import OutboxEmail
from outcomes import services
from outcomes.models import Challenge, Programme, ProgrammeMember, ProgrammeSupplier
from tests import factories as f
from tests.helpers.api import call, errors_by_field
from tests.helpers.challenges import World, fresh, full_challenge, viewer

PERSONAL = "Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB, 07700 900123"


@pytest.fixture
def setting(world: World, db: Session) -> tuple[Programme, dict[str, str | None], dict]:
    """Led by world.la; world.other_la an accepted member; tokens for each role, administrators
    of the member authority and of the supplier among them."""
    programme = services.create_programme(
        db, viewer(world.la_user, world.la), {"name": "Fells partnership", "description": "D"}
    )
    db.add(ProgrammeMember(programme_id=programme.id, member_id=world.other_la.id, status="accepted"))
    users = {
        "lead": world.la_user,
        "member": world.other_user,
        "supplier": world.supplier_user,
        "supplier_admin": f.UserFactory(organisation_id=world.supplier.id, role="admin", display_name="Sam Admin"),
        "rival": world.rival_user,
        "pending": world.pending_user,
    }
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, user in users.items():
        tokens[role] = issue_api_token(db, user, label="test")
    db.commit()
    return programme, tokens, users


def test_reading_a_partnership_as_each_role_may(world: World, db: Session, client, setting) -> None:
    programme, tokens, _users = setting
    services.add_cohort_supplier(db, viewer(world.la_user, world.la), programme, world.supplier.ref)
    db.commit()
    url = f"/api/v1/partnerships/{programme.ref}"
    listed = call(client, "GET", "/api/v1/partnerships", None).get_json()
    assert [p["ref"] for p in listed["items"]] == [programme.ref]
    public = call(client, "GET", url, None)
    assert public.status_code == 200 and public.headers["ETag"]
    body = public.get_json()
    assert body["lead"] == world.la.ref and body["manager"] is False
    assert [m["organisation"] for m in body["members"]] == [world.other_la.ref]
    assert "cohort" not in body, "an invitation is not shown to others"
    lead = call(client, "GET", url, tokens["lead"]).get_json()
    assert lead["manager"] is True and lead["cohort"] == [
        {"organisation": world.supplier.ref, "name": "Acme Notes Ltd", "status": "invited"}
    ]
    invited = call(client, "GET", url, tokens["supplier"]).get_json()
    assert invited["invitations"] == [
        {
            "kind": "cohort",
            "can_answer": False,
            "who_can_answer": "Only an administrator of Acme Notes Ltd can answer this invitation: ask Sam Admin",
        }
    ]
    assert call(client, "GET", url, tokens["supplier_admin"]).get_json()["invitations"][0]["can_answer"] is True
    assert call(client, "GET", "/api/v1/partnerships/no-such-thing", None).status_code == 404
    assert call(client, "GET", f"{url}?colour=red", None).status_code == 400


def test_member_removed_through_the_api_loses_members_only_material(
    world: World, db: Session, client, client_as, setting
) -> None:
    programme, tokens, _users = setting
    draft = full_challenge(world.la, title="UPKEEPDRAFTMARKER", programme_id=programme.id)
    db.commit()
    url = f"/api/v1/partnerships/{programme.ref}"
    assert "UPKEEPDRAFTMARKER" in str(call(client, "GET", url, tokens["member"]).get_json()["challenges"])
    assert call(client, "GET", f"/api/v1/challenges/{draft.ref}", tokens["member"]).status_code == 200
    assert client_as(world.other_user).get(f"/challenges/{draft.ref}").status_code == 200
    removal = f"{url}/members/{world.other_la.ref}/remove"
    for role in ("member", "supplier", "rival", "pending"):
        refused = call(client, "POST", removal, tokens[role], json={"reason": "r"})
        assert refused.status_code == 403, role
    assert call(client, "POST", removal, None, json={}).status_code == 401
    personal = call(client, "POST", removal, tokens["lead"], json={"reason": f"Because of {PERSONAL}"})
    assert personal.status_code == 422 and "reason" in errors_by_field(personal.get_json())
    assert personal.get_json()["personal_data"]["findings"]
    fresh(db)
    assert db.get(ProgrammeMember, (programme.id, world.other_la.id)).status == "accepted"
    done = call(client, "POST", removal, tokens["lead"], json={"reason": "The partnership narrowed"})
    assert done.status_code == 200 and "members" not in done.get_json()
    # At once, in the API and on the pages.
    assert call(client, "GET", f"/api/v1/challenges/{draft.ref}", tokens["member"]).status_code == 404
    assert "UPKEEPDRAFTMARKER" not in str(call(client, "GET", url, tokens["member"]).get_json())
    assert client_as(world.other_user).get(f"/challenges/{draft.ref}").status_code == 404
    assert "UPKEEPDRAFTMARKER" not in client_as(world.other_user).get(f"/partnerships/{programme.ref}").text
    fresh(db)
    told = db.exec(select(OutboxEmail).where(OutboxEmail.user_id == world.other_user.id)).all()
    assert any("removed" in m.subject and "narrowed" in m.body for m in told)
    assert db.exec(select(AuditEvent).where(AuditEvent.organisation_id == world.other_la.id)).all()
    # Not (or no longer) a member: 404, as the page answers.
    assert call(client, "POST", removal, tokens["lead"], json={}).status_code == 404
    assert call(client, "POST", f"{url}/members/no-such-org/remove", tokens["lead"], json={}).status_code == 404


def test_the_lead_takes_a_challenge_out(world: World, db: Session, client, setting) -> None:
    programme, tokens, _users = setting
    run = full_challenge(world.other_la, status="open", published_at=datetime.now(UTC), programme_id=programme.id)
    other = full_challenge(world.other_la, status="open", published_at=datetime.now(UTC))
    db.commit()
    url = f"/api/v1/partnerships/{programme.ref}/challenges"
    assert call(client, "POST", f"{url}/{run.ref}/remove", tokens["member"], json={}).status_code == 403
    assert call(client, "POST", f"{url}/{other.ref}/remove", tokens["lead"], json={}).status_code == 404
    done = call(client, "POST", f"{url}/{run.ref}/remove", tokens["lead"], json={"reason": "Run alone now"})
    assert done.status_code == 200 and "challenges" not in done.get_json()
    fresh(db)
    assert db.get(Challenge, run.id).programme_id is None


def test_suppliers_join_the_cohort_by_accepting_and_the_lead_removes_them(
    world: World, db: Session, client, setting
) -> None:
    programme, tokens, _users = setting
    services.add_cohort_supplier(db, viewer(world.la_user, world.la), programme, world.supplier.ref)
    db.commit()
    url = f"/api/v1/partnerships/{programme.ref}"
    answer = f"{url}/cohort-invitation"
    staff = call(client, "POST", answer, tokens["supplier"], json={"decision": "accept"})
    assert staff.status_code == 403 and "ask Sam Admin" in staff.get_json()["detail"]
    not_invited = call(client, "POST", answer, tokens["rival"], json={"decision": "accept"})
    assert not_invited.status_code == 403 and "not been invited" in not_invited.get_json()["detail"]
    bad = call(client, "POST", answer, tokens["supplier_admin"], json={"decision": "maybe"})
    assert bad.status_code == 422 and "decision" in errors_by_field(bad.get_json())
    fresh(db)
    assert db.get(ProgrammeSupplier, (programme.id, world.supplier.id)).status == "invited"
    ok = call(client, "POST", answer, tokens["supplier_admin"], json={"decision": "accept"})
    assert ok.status_code == 200
    assert ok.get_json()["cohort"] == [
        {"organisation": world.supplier.ref, "name": "Acme Notes Ltd", "status": "accepted"}
    ]
    twice = call(client, "POST", answer, tokens["supplier_admin"], json={"decision": "decline"})
    assert twice.status_code == 409 and "already answered" in twice.get_json()["detail"]
    removal = f"{url}/cohort/{world.supplier.ref}/remove"
    assert call(client, "POST", removal, tokens["supplier_admin"], json={}).status_code == 403
    assert call(client, "POST", removal, tokens["lead"], json={}).status_code == 200
    assert "cohort" not in call(client, "GET", url, None).get_json()
    assert call(client, "POST", removal, tokens["lead"], json={}).status_code == 404


def test_only_an_administrator_answers_a_membership_invitation(world: World, db: Session, client, setting) -> None:
    programme, tokens, _users = setting
    third = f.OrganisationFactory(kind="local-authority", name="Third Council")
    staff = f.UserFactory(organisation_id=third.id)
    admin = f.UserFactory(organisation_id=third.id, role="admin", display_name="Ada Admin")
    db.commit()
    services.invite_member(db, viewer(world.la_user, world.la), programme, third.ref)
    tokens = {"staff": issue_api_token(db, staff, label="t"), "admin": issue_api_token(db, admin, label="t")}
    db.commit()
    answer = f"/api/v1/partnerships/{programme.ref}/invitation"
    refused = call(client, "POST", answer, tokens["staff"], json={"decision": "accept"})
    assert refused.status_code == 403
    assert (
        refused.get_json()["detail"]
        == "Only an administrator of Third Council can answer this invitation: ask Ada Admin"
    )
    assert call(client, "POST", answer, tokens["admin"], json={}).status_code == 422
    declined = call(client, "POST", answer, tokens["admin"], json={"decision": "decline"})
    assert declined.status_code == 200 and "invitations" not in declined.get_json()
    fresh(db)
    assert db.get(ProgrammeMember, (programme.id, third.id)).status == "declined"
