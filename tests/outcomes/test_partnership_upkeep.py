"""Partnerships kept up to date (issue 15): the lead removes members, challenges and cohort suppliers
(each told through the outbox, audited, access follows at once); only an organisation's
administrator answers an invitation for it; suppliers join a cohort only by accepting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from catalogue import access
from catalogue.changes import AuditEvent
from catalogue.errors import Invalid, NotAllowed
from catalogue.notifications.models import OutboxEmail
from outcomes import services
from outcomes.models import Challenge, Programme, ProgrammeChallengeRequest, ProgrammeMember, ProgrammeSupplier
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, viewer

PERSONAL = "Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB, 07700 900123"


def _programme(db: Session, world: World) -> Programme:
    """Led by world.la; world.other_la an accepted member."""
    programme = services.create_programme(
        db, viewer(world.la_user, world.la), {"name": "Fells partnership", "description": "D"}
    )
    db.add(ProgrammeMember(programme_id=programme.id, member_id=world.other_la.id, status="accepted"))
    db.commit()
    return programme


def _emails(db: Session, user, kind: str) -> list[OutboxEmail]:
    return list(db.exec(select(OutboxEmail).where(OutboxEmail.user_id == user.id, OutboxEmail.kind == kind)).all())


def test_a_removed_member_loses_members_only_material_at_once(world: World, db: Session, client_as) -> None:
    programme = _programme(db, world)
    lead, member = viewer(world.la_user, world.la), viewer(world.other_user, world.other_la)
    # Members-only: a draft run under the partnership (from before drafts were refused).
    draft = full_challenge(world.la, title="UPKEEPDRAFTMARKER", programme_id=programme.id)
    own = full_challenge(world.other_la, status="open", published_at=datetime.now(UTC), programme_id=programme.id)
    asked = full_challenge(world.other_la, status="open", published_at=datetime.now(UTC))
    db.add(ProgrammeChallengeRequest(programme_id=programme.id, challenge_id=asked.id))
    db.commit()
    members = services.programme_member_ids(db, programme.id)
    assert access.programme_member_sees(member, members) and services.can_view(db, member, draft)
    assert draft.id in services.shared_challenge_ids(db, member)
    page = client_as(world.other_user)
    assert page.get(f"/challenges/{draft.ref}").status_code == 200

    services.remove_member(db, lead, programme, world.other_la.ref, "The partnership narrowed to two counties")
    db.commit()
    fresh(db)
    # The policy answers from the accepted members only: nothing cached keeps the old answer.
    members = services.programme_member_ids(db, programme.id)
    assert not access.programme_member_sees(member, members)
    assert not services.can_view(db, member, db.get(Challenge, draft.id))
    assert services.shared_challenge_ids(db, member) == frozenset()
    assert page.get(f"/challenges/{draft.ref}").status_code == 404
    assert "UPKEEPDRAFTMARKER" not in page.get(f"/partnerships/{programme.ref}").text
    assert "UPKEEPDRAFTMARKER" not in page.get("/challenges").text
    # Its own challenges leave with it; the pending request to run one is withdrawn.
    assert db.get(Challenge, own.id).programme_id is None
    assert db.exec(select(ProgrammeChallengeRequest)).one().status == "withdrawn"
    # Told through the outbox, with the reason; audited on both organisations' trails.
    (told,) = _emails(db, world.other_user, "partnership-change")
    assert "was removed from the partnership" in told.subject and "narrowed to two counties" in told.body
    trail = db.exec(select(AuditEvent).where(AuditEvent.record_type == "programme", AuditEvent.action == "update"))
    owners = {row.organisation_id: row.changes for row in trail.all()}
    assert set(owners) == {world.la.id, world.other_la.id}
    assert owners[world.la.id][f"member:{world.other_la.ref}"] == ["accepted", "removed"]
    # A removed authority can be invited again.
    services.invite_member(db, lead, programme, world.other_la.ref)
    db.commit()
    assert db.get(ProgrammeMember, (programme.id, world.other_la.id)).status == "invited"


def test_the_lead_takes_a_challenge_out(world: World, db: Session, client_as) -> None:
    programme = _programme(db, world)
    draft = full_challenge(world.other_la, title="MEMBERDRAFTMARKER", programme_id=programme.id)
    db.commit()
    third_la = f.OrganisationFactory(kind="local-authority")
    third_user = f.UserFactory(organisation_id=third_la.id)
    db.add(ProgrammeMember(programme_id=programme.id, member_id=third_la.id, status="accepted"))
    db.commit()
    assert client_as(third_user).get(f"/challenges/{draft.ref}").status_code == 200
    with pytest.raises(NotAllowed):
        services.remove_challenge(db, viewer(world.other_user, world.other_la), programme, draft.ref)
    lead = client_as(world.la_user)
    confirm = lead.get(f"/partnerships/{programme.ref}/remove/challenge/{draft.ref}")
    assert confirm.status_code == 200 and "MEMBERDRAFTMARKER" in confirm.text
    refused = lead.post(f"/partnerships/{programme.ref}/remove/challenge/{draft.ref}", data={"reason": PERSONAL})
    assert refused.status_code == 200 and "There is a problem" in refused.text
    fresh(db)
    assert db.get(Challenge, draft.id).programme_id == programme.id, "nothing half-saved"
    done = lead.post(f"/partnerships/{programme.ref}/remove/challenge/{draft.ref}", data={"reason": ""})
    assert done.status_code == 303
    fresh(db)
    assert db.get(Challenge, draft.id).programme_id is None
    assert client_as(third_user).get(f"/challenges/{draft.ref}").status_code == 404
    (told,) = _emails(db, world.other_user, "partnership-change")
    assert "no longer runs under the partnership" in told.subject
    # The challenge's own trail has the change too (Challenge is audited).
    changes = db.exec(select(AuditEvent).where(AuditEvent.record_type == "challenge", AuditEvent.record_id == draft.id))
    assert any(row.changes.get("programme_id") == [programme.id, None] for row in changes.all())
    # Only what the partnership has can be removed.
    assert lead.get(f"/partnerships/{programme.ref}/remove/challenge/{draft.ref}").status_code == 404
    assert client_as(world.other_user).get(f"/partnerships/{programme.ref}/remove/member/x").status_code == 403


def test_suppliers_join_the_cohort_only_by_accepting(world: World, db: Session, client_as) -> None:
    programme = _programme(db, world)
    lead = viewer(world.la_user, world.la)
    supplier_admin = f.UserFactory(organisation_id=world.supplier.id, role="admin", display_name="Sam Admin")
    db.commit()
    services.add_cohort_supplier(db, lead, programme, world.supplier.ref)
    db.commit()
    assert db.get(ProgrammeSupplier, (programme.id, world.supplier.id)).status == "invited"
    (invited,) = _emails(db, supplier_admin, "partnership-invitation")
    assert "supplier cohort" in invited.subject
    with pytest.raises(Invalid, match="already been invited"):
        services.add_cohort_supplier(db, lead, programme, world.supplier.ref)
    # Not in the cohort until it accepts: others do not see it listed.
    outsider = client_as(world.rival_user).get(f"/partnerships/{programme.ref}").text
    assert "Acme Notes Ltd" not in outsider
    # A member of staff who is not an administrator is told who can answer.
    staff = client_as(world.supplier_user)
    assert "Only an administrator of Acme Notes Ltd can answer this invitation: ask Sam Admin" in (
        staff.get(f"/partnerships/{programme.ref}").text
    )
    answer = staff.post(f"/partnerships/{programme.ref}/cohort-invitation", data={"decision": "accept"})
    assert answer.status_code == 403 and "ask Sam Admin" in answer.text
    fresh(db)
    assert db.get(ProgrammeSupplier, (programme.id, world.supplier.id)).status == "invited"
    ok = client_as(supplier_admin).post(f"/partnerships/{programme.ref}/cohort-invitation", data={"decision": "accept"})
    assert ok.status_code == 303
    assert "Acme Notes Ltd" in client_as(world.rival_user).get(f"/partnerships/{programme.ref}").text
    # The lead removes it: told, audited, gone from the list.
    fresh(db)
    services.remove_cohort_supplier(db, lead, programme, world.supplier.ref, None)
    db.commit()
    assert "Acme Notes Ltd" not in client_as(world.rival_user).get(f"/partnerships/{programme.ref}").text
    (told,) = _emails(db, supplier_admin, "partnership-change")
    assert "removed from the supplier cohort" in told.subject
    trail = db.exec(select(AuditEvent).where(AuditEvent.organisation_id == world.supplier.id)).all()
    assert any(row.changes == {f"cohort:{world.supplier.ref}": ["accepted", "removed"]} for row in trail)
    with pytest.raises(Invalid, match="Choose a supplier of the cohort"):
        services.remove_cohort_supplier(db, lead, programme, world.supplier.ref, None)


def test_only_an_administrator_accepts_a_membership_invitation(world: World, db: Session, client_as) -> None:
    programme = services.create_programme(db, viewer(world.la_user, world.la), {"name": "P", "description": "D"})
    db.commit()
    services.invite_member(db, viewer(world.la_user, world.la), programme, world.other_la.ref)
    admin = f.UserFactory(organisation_id=world.other_la.id, role="admin", display_name="Ada Admin")
    db.commit()
    with pytest.raises(NotAllowed, match="Only an administrator of Southshire Council"):
        services.respond_to_invitation(db, viewer(world.other_user, world.other_la), programme, accept=True)
    refused = client_as(world.other_user).post(f"/partnerships/{programme.ref}/invitation", data={"decision": "accept"})
    assert refused.status_code == 403 and "ask Ada Admin" in refused.text
    fresh(db)
    assert db.get(ProgrammeMember, (programme.id, world.other_la.id)).status == "invited"
    accepted = client_as(admin).post(f"/partnerships/{programme.ref}/invitation", data={"decision": "accept"})
    assert accepted.status_code == 303
    fresh(db)
    assert db.get(ProgrammeMember, (programme.id, world.other_la.id)).status == "accepted"
    # The lead withdraws an invitation the same way it removes a member.
    third = f.OrganisationFactory(kind="local-authority", name="Third Council")
    db.commit()
    services.invite_member(db, viewer(world.la_user, world.la), programme, third.ref)
    services.remove_member(db, viewer(world.la_user, world.la), programme, third.ref)
    db.commit()
    assert db.get(ProgrammeMember, (programme.id, third.id)).status == "removed"
    with pytest.raises(Invalid, match="Choose a member"):
        services.remove_member(db, viewer(world.la_user, world.la), programme, third.ref)
