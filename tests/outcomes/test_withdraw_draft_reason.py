"""Withdrawing a draft challenge is undoing a mistake: it needs a reason, which is stored in the
status history and the audit trail; the form re-shows what was typed with the error."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from outcomes.models import Challenge, ChallengeStatusChange
from tests.helpers.challenges import World, fresh, full_challenge, make_world


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def test_a_draft_is_withdrawn_only_with_a_reason(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="draft")
    ref = challenge.ref
    db.commit()
    owner = client_as(world.la_user)
    refused = owner.post(f"/challenges/{ref}/status", data={"to": "withdrawn", "detail": "  "})
    assert refused.status_code == 200 and "Enter why you are withdrawing the draft" in refused.text
    fresh(db)
    assert db.exec(select(Challenge).where(Challenge.ref == ref)).one().status == "draft"
    done = owner.post(f"/challenges/{ref}/status", data={"to": "withdrawn", "detail": "Raised twice by mistake"})
    assert done.status_code == 303
    fresh(db)
    change = db.exec(select(ChallengeStatusChange).where(ChallengeStatusChange.to_status == "withdrawn")).one()
    assert change.detail == "Raised twice by mistake"
    # Still private: never published, so nobody else finds it.
    assert client.get(f"/challenges/{ref}").status_code == 404
