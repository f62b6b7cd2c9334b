"""The seam between market-engagement events and the personal-data guard: an event's place is a
venue's address (a hall, a library, a court building), which the guard must not take for a
family's home, so the owner saves it without ticking "this is not about a real person" and no
override is written to the audit trail. A home address in the same field is still refused."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from catalogue.changes import AuditEvent
from catalogue.errors import Invalid
from outcomes import services
from outcomes.models import ChallengeEvent
from outcomes.services.base import UK
from tests.helpers.challenges import World, full_challenge, viewer

SOON = services.today() + timedelta(days=12)
BEFORE = datetime.combine(services.today(), time(9, 0), tzinfo=UK)
VENUES = [
    "Kingsmead Hall, 4 Abbey Road, Bath BA1 1AA",
    "Hollins Library, 22 Park Road, Oldham OL8 1AA",
    "Marlow House, 8 Albert Street, Derby DE1 2AB",
]


def _data(place: str) -> dict:
    return {
        "kind": "supplier-day",
        "title": "Supplier day",
        "description": "What we want to buy for the front door, and why",
        "day": SOON,
        "starts": time(10, 0),
        "ends": time(15, 0),
        "place": place,
        "link": None,
        "capacity": 30,
        "slot_minutes": None,
    }


def _overrides(db: Session) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "override")).all())


@pytest.mark.parametrize("place", VENUES)
def test_a_venue_address_saves_through_the_service_without_an_override(world: World, db: Session, place: str) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    db.commit()
    event = services.create_event(db, viewer(world.la_user, world.la), challenge, _data(place), now=BEFORE)
    db.commit()
    assert event.place == place
    assert _overrides(db) == []


def test_a_venue_address_saves_through_the_page_without_ticking(world: World, db: Session, client_as) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    db.commit()
    form = {
        "kind": "supplier-day",
        "title": "Supplier day",
        "description": "Meet the team and hear the challenge",
        "day-day": str(SOON.day),
        "day-month": str(SOON.month),
        "day-year": str(SOON.year),
        "starts": "10:00",
        "ends": "15:00",
        "place": VENUES[0],
        "capacity": "30",
    }
    saved = client_as(world.la_user).post(f"/challenges/{challenge.ref}/events/new", data=form)
    assert saved.status_code == 303, saved.text
    (event,) = db.exec(select(ChallengeEvent)).all()
    assert event.place == VENUES[0]
    assert _overrides(db) == []


def test_a_home_address_in_the_place_is_still_refused(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    db.commit()
    home = "Her home address: 14 Linnet Close, Hull HU5 3AB"
    with pytest.raises(Invalid) as refused:
        services.create_event(db, viewer(world.la_user, world.la), challenge, _data(home), now=BEFORE)
    assert "home address" in refused.value.errors["place"]
