"""Holes where challenges meet partnerships and matching (issue 13: 1 and 10): a draft reaches
nobody through a programme without its owner's consent, and every challenge page asks the one
visibility decision (outcomes.services.get_challenge)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from catalogue.errors import Invalid
from outcomes import services
from outcomes.models import Challenge, Programme, ProgrammeChallengeRequest
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, viewer


def _programme_with_member(db: Session, world: World) -> Programme:
    """Led by world.la; world.other_la an accepted member."""
    lead = viewer(world.la_user, world.la)
    programme = services.create_programme(db, lead, {"name": "Northern partnership", "description": "D"})
    db.commit()
    f.ProgrammeMemberFactory(programme=programme, member=world.other_la, status="accepted")
    return programme


def test_a_programme_member_who_may_open_a_draft_may_open_its_matches(world: World, db: Session, client_as) -> None:
    programme = _programme_with_member(db, world)
    # A draft run under the programme (the lead's own, as attached before consent was asked).
    draft = full_challenge(world.la, title="SEAMDRAFTMATCHES", programme_id=programme.id)
    db.commit()
    member = client_as(world.other_user)
    assert member.get(f"/challenges/{draft.ref}").status_code == 200
    assert member.get(f"/challenges/{draft.ref}/matches").status_code == 200
    # Whoever may not open it gets a 404 on both.
    outsider = client_as(world.supplier_user)
    assert outsider.get(f"/challenges/{draft.ref}").status_code == 404
    assert outsider.get(f"/challenges/{draft.ref}/matches").status_code == 404


def test_a_lead_cannot_attach_a_members_draft(world: World, db: Session, client_as) -> None:
    programme = _programme_with_member(db, world)
    draft = full_challenge(world.other_la, title="SEAMMEMBERDRAFT")
    never = full_challenge(world.other_la, status="withdrawn", title="SEAMNEVERPUBLISHED")
    db.commit()
    lead = client_as(world.la_user)
    page = lead.get(f"/partnerships/{programme.ref}").get_data(as_text=True)
    assert "SEAMMEMBERDRAFT" not in page and "SEAMNEVERPUBLISHED" not in page, "the pick list offers neither"
    for challenge in (draft, never):
        crafted = lead.post(f"/partnerships/{programme.ref}/challenges", data={"challenge": challenge.ref})
        assert crafted.status_code == 200 and "Choose a challenge" in crafted.get_data(as_text=True)
    db.expire_all()
    assert db.get(Challenge, draft.id).programme_id is None and db.get(Challenge, never.id).programme_id is None
    # The lead's own draft does not join either: members would read what was never published.
    own = full_challenge(world.la, title="SEAMLEADDRAFT")
    db.commit()
    refused = lead.post(f"/partnerships/{programme.ref}/challenges", data={"challenge": own.ref})
    assert "Only a published challenge" in refused.get_data(as_text=True)


def test_a_members_published_challenge_joins_only_with_its_owners_consent(world: World, db: Session, client_as) -> None:
    from catalogue.notifications.models import Notification, OutboxEmail

    programme = _programme_with_member(db, world)
    published = full_challenge(world.other_la, status="open", title="SEAMMEMBEROPEN")
    db.commit()
    lead = client_as(world.la_user)
    assert "SEAMMEMBEROPEN" in lead.get(f"/partnerships/{programme.ref}").get_data(as_text=True)
    asked = lead.post(f"/partnerships/{programme.ref}/challenges", data={"challenge": published.ref})
    assert asked.status_code == 303
    fresh(db)
    assert db.get(Challenge, published.id).programme_id is None, "not before the owner agrees"
    row = db.exec(select(ProgrammeChallengeRequest)).one()
    assert row.status == "requested"
    # The owner is told, in the app and by email.
    assert db.exec(select(Notification).where(Notification.user_id == world.other_user.id)).first() is not None
    assert db.exec(select(OutboxEmail).where(OutboxEmail.to_address == world.other_user.email)).first() is not None
    db.commit()
    # Asking twice is refused; nobody but the owner answers.
    again = lead.post(f"/partnerships/{programme.ref}/challenges", data={"challenge": published.ref})
    assert again.status_code == 200
    url = f"/challenges/{published.ref}/programme-requests/{row.id}"
    assert lead.post(url, data={"decision": "accept"}).status_code == 403
    owner = client_as(world.other_user)
    assert "Partnerships asking to run this challenge" in owner.get(f"/challenges/{published.ref}").get_data(
        as_text=True
    )
    assert owner.post(url, data={"decision": "accept"}).status_code == 303
    fresh(db)
    assert db.get(Challenge, published.id).programme_id == programme.id
    assert db.get(ProgrammeChallengeRequest, row.id).status == "accepted"
    assert db.exec(select(Notification).where(Notification.user_id == world.la_user.id)).first() is not None
    db.commit()


def test_a_declined_request_leaves_the_challenge_out(world: World, db: Session) -> None:
    programme = _programme_with_member(db, world)
    published = full_challenge(world.other_la, status="open")
    db.commit()
    lead = viewer(world.la_user, world.la)
    row = services.attach_challenge(db, lead, programme, published.ref)
    db.commit()
    owner = viewer(world.other_user, world.other_la)
    services.decide_programme_request(db, owner, published, row.id, accept=False)
    db.commit()
    assert published.programme_id is None
    with pytest.raises(Invalid):
        services.decide_programme_request(db, owner, published, row.id, accept=True)
