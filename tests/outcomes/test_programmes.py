"""Partnerships (programmes): a lead creates one, invites member authorities who accept, runs
challenges with a supplier cohort; members see all its challenges, others do not."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from catalogue.errors import Invalid, NotAllowed
from outcomes import services
from outcomes.models import Challenge, Programme, ProgrammeMember
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, viewer


def create(client, name: str = "Northern Innovation Partnership"):
    return client.post(
        "/partnerships/new",
        data={
            "name": name,
            "description": "Six authorities working on recording",
            "phases": "Discovery, then prototypes",
            "milestones": "2031-06-30 Prototype demo day\n2031-01-15 Kick-off",
            "evaluation_plan": "EVALPLANMARKER independent evaluation",
        },
    )


def test_authorities_and_partnerships_lead_suppliers_do_not(world: World, client_as, client, db: Session) -> None:
    assert client_as(world.supplier_user).get("/partnerships/new").status_code == 403
    assert client.get("/partnerships/new").status_code == 303
    bad = client_as(world.la_user).post("/partnerships/new", data={"name": "", "milestones": "next June demo"})
    assert bad.status_code == 200 and "Enter the name" in bad.text and "next June demo" in bad.text
    response = create(client_as(world.la_user))
    assert response.status_code == 303
    fresh(db)
    programme = db.exec(select(Programme)).one()
    db.commit()  # end the read transaction: an open snapshot can stall SQLite writers
    assert programme.lead_id == world.la.id
    assert [m["date"] for m in programme.milestones] == ["2031-01-15", "2031-06-30"]
    page = client.get(f"/partnerships/{programme.ref}")
    assert page.status_code == 200 and "EVALPLANMARKER" in page.text and "Prototype demo day" in page.text
    # Milestones read like every other date on the site.
    assert "15 January 2031" in page.text and "30 June 2031" in page.text and "2031-01-15" not in page.text
    assert "Northern Innovation Partnership" in client.get("/partnerships").text
    partnership_org = f.OrganisationFactory(kind="partnership")
    lead = f.UserFactory(organisation_id=partnership_org.id)
    assert create(client_as(lead), "Regional programme").status_code == 303


def test_invited_then_accepted_members_see_the_programmes_challenges(world: World, client_as, db: Session) -> None:
    create(client_as(world.la_user))
    fresh(db)
    programme = db.exec(select(Programme)).one()
    db.commit()  # end the read transaction: an open snapshot can stall SQLite writers
    draft = full_challenge(world.la, title="PROGRAMMEDRAFTMARKER")
    world.other_user.role = "admin"  # only an administrator answers for the organisation
    db.commit()
    lead = client_as(world.la_user)
    member = client_as(world.other_user)

    # Only the lead manages.
    assert member.post(f"/partnerships/{programme.ref}/members", data={"member": world.other_la.ref}).status_code == 403
    not_la = lead.post(f"/partnerships/{programme.ref}/members", data={"member": world.supplier.ref})
    assert not_la.status_code == 200 and "Choose a local authority" in not_la.text
    assert lead.post(f"/partnerships/{programme.ref}/members", data={"member": world.other_la.ref}).status_code == 303
    # A draft does not join through the page (only published challenges do); one run under the
    # programme before that rule is what members may still open.
    refused = lead.post(f"/partnerships/{programme.ref}/challenges", data={"challenge": draft.ref})
    assert refused.status_code == 200 and "Only a published challenge" in refused.text
    fresh(db)
    db.get(Challenge, draft.id).programme_id = programme.id
    db.commit()

    # Invited is not yet a member: the draft stays hidden.
    assert member.get(f"/challenges/{draft.ref}").status_code == 404
    invitation = member.get(f"/partnerships/{programme.ref}")
    assert "has been invited" in invitation.text and "PROGRAMMEDRAFTMARKER" not in invitation.text
    # Someone else cannot answer for them.
    assert (
        client_as(world.supplier_user)
        .post(f"/partnerships/{programme.ref}/invitation", data={"decision": "accept"})
        .status_code
        == 403
    )
    assert member.post(f"/partnerships/{programme.ref}/invitation", data={"decision": "accept"}).status_code == 303
    fresh(db)
    assert db.get(ProgrammeMember, (programme.id, world.other_la.id)).status == "accepted"

    assert member.get(f"/challenges/{draft.ref}").status_code == 200
    assert "PROGRAMMEDRAFTMARKER" in member.get(f"/partnerships/{programme.ref}").text
    assert "PROGRAMMEDRAFTMARKER" in member.get("/challenges").text
    # Members see challenges, not the owner's controls or proposals.
    assert member.get(f"/challenges/{draft.ref}/edit").status_code == 403
    assert member.get(f"/challenges/{draft.ref}/responses").status_code == 404
    # Everyone else still does not see the draft.
    outsider_la = f.OrganisationFactory(kind="local-authority")
    outsider = client_as(f.UserFactory(organisation_id=outsider_la.id))
    for c in (outsider, client_as(world.supplier_user)):
        assert c.get(f"/challenges/{draft.ref}").status_code == 404
        assert "PROGRAMMEDRAFTMARKER" not in c.get(f"/partnerships/{programme.ref}").text
        assert "PROGRAMMEDRAFTMARKER" not in c.get("/challenges").text


def test_declined_members_see_nothing_more(world: World, db: Session) -> None:
    lead = viewer(world.la_user, world.la)
    programme = services.create_programme(db, lead, {"name": "P", "description": "D"})
    services.invite_member(db, lead, programme, world.other_la.ref)
    db.commit()
    draft = full_challenge(world.la, programme_id=programme.id)  # run under it before drafts were refused
    db.commit()
    world.other_user.role = "admin"  # only an administrator answers for the organisation
    db.commit()
    member = viewer(world.other_user, world.other_la)
    services.respond_to_invitation(db, member, programme, accept=False)
    db.commit()
    assert not services.can_view(db, member, draft)
    with pytest.raises(Invalid):
        services.respond_to_invitation(db, member, programme, accept=True)
    # A declined authority can be invited again; an invited one cannot be invited twice.
    services.invite_member(db, lead, programme, world.other_la.ref)
    db.commit()
    with pytest.raises(Invalid, match="already been invited"):
        services.invite_member(db, lead, programme, world.other_la.ref)


def test_cohort_and_challenges_only_from_members(world: World, db: Session, client_as) -> None:
    lead = viewer(world.la_user, world.la)
    programme = services.create_programme(db, lead, {"name": "P", "description": "D"})
    db.commit()
    services.add_cohort_supplier(db, lead, programme, world.supplier.ref)
    db.commit()
    with pytest.raises(Invalid, match="already been invited to the cohort"):
        services.add_cohort_supplier(db, lead, programme, world.supplier.ref)
    # The supplier joins by accepting (an administrator of it).
    world.supplier_user.role = "admin"
    db.commit()
    services.respond_to_cohort_invitation(db, viewer(world.supplier_user, world.supplier), programme, accept=True)
    db.commit()
    with pytest.raises(Invalid, match="already in the cohort"):
        services.add_cohort_supplier(db, lead, programme, world.supplier.ref)
    with pytest.raises(Invalid, match="Choose a supplier"):
        services.add_cohort_supplier(db, lead, programme, world.other_la.ref)
    outsiders = full_challenge(world.other_la, status="open")
    with pytest.raises(Invalid, match="posted by the lead or a member"):
        services.attach_challenge(db, lead, programme, outsiders.ref)
    with pytest.raises(NotAllowed):
        services.add_cohort_supplier(db, viewer(world.other_user, world.other_la), programme, world.rival.ref)
    page = client_as(world.rival_user).get(f"/partnerships/{programme.ref}")
    assert "Acme Notes Ltd" in page.text
    assert db.exec(select(Challenge).where(Challenge.programme_id == programme.id)).all() == []


def test_members_see_programme_results(world: World, db: Session, client_as) -> None:
    lead = viewer(world.la_user, world.la)
    programme = services.create_programme(db, lead, {"name": "P", "description": "D"})
    awarded = full_challenge(
        world.la, status="awarded", results=[{"outcome": 0, "actual": "RESULTMARKER 5.5 hours", "note": ""}]
    )
    services.attach_challenge(db, lead, programme, awarded.ref)
    db.commit()
    assert "RESULTMARKER 5.5 hours" in client_as(world.other_user).get(f"/partnerships/{programme.ref}").text
