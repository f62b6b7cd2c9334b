"""The reason typed when withdrawing a challenge is stored, shown on its page and in its history,
and checked for personal data like every published text (issue 15)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from catalogue.db import utcnow
from outcomes.models import Challenge, ChallengeStatusChange
from tests.helpers.challenges import World, fresh, full_challenge, make_world


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def test_the_withdrawal_reason_is_stored_and_shown(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=utcnow())
    ref = challenge.ref
    db.commit()
    c = client_as(world.la_user)
    response = c.post(
        f"/challenges/{ref}/status", data={"to": "withdrawn", "detail": "Funding moved to a regional scheme"}
    )
    assert response.status_code == 303, response.text
    fresh(db)
    change = db.exec(select(ChallengeStatusChange).where(ChallengeStatusChange.to_status == "withdrawn")).one()
    assert change.detail == "Funding moved to a regional scheme"
    page = client.get(f"/challenges/{ref}").text
    assert "This challenge has been withdrawn: Funding moved to a regional scheme" in page
    assert c.get(f"/challenges/{ref}/status").text.count("Funding moved to a regional scheme") == 1


def test_a_withdrawal_reason_about_a_child_is_refused_and_kept_in_the_form(
    world: World, client_as, db: Session
) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=utcnow())
    ref = challenge.ref
    db.commit()
    typed = "Withdrawn because Jamie Smith (DOB 03/04/2015) moved"
    response = client_as(world.la_user).post(f"/challenges/{ref}/status", data={"to": "withdrawn", "detail": typed})
    assert response.status_code == 200
    assert "There is a problem" in response.text and "Jamie Smith" in response.text
    fresh(db)
    assert db.exec(select(Challenge).where(Challenge.ref == ref)).one().status == "market-engagement"
