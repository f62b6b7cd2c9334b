"""Holes where challenges meet partnerships and matching (issue 13: 1 and 10): a draft reaches
nobody through a programme without its owner's consent, and every challenge page asks the one
visibility decision (outcomes.services.get_challenge)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from outcomes import services
from outcomes.models import Programme, ProgrammeMember
from tests.test_challenges import World, full_challenge, make_world, viewer


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def _programme_with_member(db: Session, world: World) -> Programme:
    """Led by world.la; world.other_la an accepted member."""
    lead = viewer(world.la_user, world.la)
    programme = services.create_programme(db, lead, {"name": "Northern partnership", "description": "D"})
    db.add(ProgrammeMember(programme_id=programme.id, member_id=world.other_la.id, status="accepted"))
    db.commit()
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
