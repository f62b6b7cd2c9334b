"""Amendments of an open challenge (issue 15): a later closing date, a corrected statement and a
document link, each with its date and reason on the page, in the API and in the OCDS release
history as a tender amendment (valid under libcoveocds), and emailed to interested suppliers.
New challenges get a neutral, stable address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from catalogue.accounts.services import issue_api_token
from catalogue.errors import Invalid
from catalogue.notifications.models import OutboxEmail
from outcomes import services
from outcomes.models import Challenge, ChallengeAmendment
from tests import factories as f
from tests.helpers.api import call
from tests.helpers.challenges import World, fresh, full_challenge, make_world, viewer


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def _open(db: Session, world: World) -> Challenge:
    challenge = full_challenge(world.la)
    services.change_status(db, viewer(world.la_user, world.la), challenge, "open")
    db.commit()
    f.ChallengeResponseFactory(challenge=challenge, supplier=world.supplier, kind="proposal", approach="x")
    return challenge


def test_amending_through_the_page(world: World, db: Session, client_as, client, cove) -> None:
    challenge = _open(db, world)
    ref, old = challenge.ref, challenge.closes
    new = old + timedelta(days=14)
    response = client_as(world.la_user).post(
        f"/challenges/{ref}/amend",
        data={
            "reason": "Suppliers asked for more time",
            "closes-day": str(new.day),
            "closes-month": str(new.month),
            "closes-year": str(new.year),
            "problem": challenge.problem,
            "document_title": "Data flow diagram",
            "document_url": "https://example.org/flow.pdf",
        },
    )
    assert response.status_code == 303, response.text
    fresh(db)
    challenge = db.exec(select(Challenge).where(Challenge.ref == ref)).one()
    assert challenge.closes == new and challenge.documents[0]["url"] == "https://example.org/flow.pdf"
    (row,) = db.exec(select(ChallengeAmendment)).all()
    assert row.reason == "Suppliers asked for more time" and {c["field"] for c in row.changes} == {"closes", "document"}
    page = client.get(f"/challenges/{ref}").text
    assert "Suppliers asked for more time" in page and f"to {new:%-d %B %Y}" in page and "Data flow diagram" in page
    # The interested supplier is told, with the title, what happened, the next step and a link.
    (email,) = db.exec(select(OutboxEmail).where(OutboxEmail.user_id == world.supplier_user.id)).all()
    assert challenge.title in email.subject and "amended" in email.body
    assert f"Proposals close at the end of {new:%-d %B %Y}" in email.body and f"/challenges/{ref}" in email.body
    assert not db.exec(select(OutboxEmail).where(OutboxEmail.user_id == world.rival_user.id)).all()
    # OCDS: a tenderAmendment release with tender.amendments, the whole history valid.
    package = client.get(f"/challenges/{ref}/ocds/releases.json").get_json()
    last = package["releases"][-1]
    assert last["tag"] == ["tenderAmendment"]
    (amendment,) = last["tender"]["amendments"]
    assert amendment["rationale"] == "Suppliers asked for more time"
    assert amendment["releaseID"] == last["id"] and amendment["amendsReleaseID"] == package["releases"][-2]["id"]
    assert last["tender"]["tenderPeriod"]["endDate"].startswith(new.isoformat())
    cove(package)


def test_the_closing_date_is_never_brought_forward_and_every_error_shows(world: World, db: Session, client_as) -> None:
    challenge = _open(db, world)
    earlier = challenge.closes - timedelta(days=3)
    response = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/amend",
        data={
            "reason": "",
            "closes-day": str(earlier.day),
            "closes-month": str(earlier.month),
            "closes-year": str(earlier.year),
            "document_url": "javascript:alert(1)",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert "can only be extended" in text and "Enter the reason" in text
    assert "starting with https://" in text
    fresh(db)
    assert not db.exec(select(ChallengeAmendment)).all()


def test_amending_through_the_api(world: World, db: Session, client) -> None:
    challenge = _open(db, world)
    token = issue_api_token(db, world.la_user, label="t")
    db.commit()
    url = f"/api/v1/challenges/{challenge.ref}/amendments"
    bad = call(
        client, "POST", url, token, json={"reason": "", "closes": (challenge.closes - timedelta(days=1)).isoformat()}
    )
    assert bad.status_code == 422
    later = challenge.closes + timedelta(days=7)
    good = call(client, "POST", url, token, json={"reason": "More time", "closes": later.isoformat()})
    assert good.status_code == 201, good.get_json()
    body = call(client, "GET", f"/api/v1/challenges/{challenge.ref}").get_json()
    (amendment,) = body["amendments"]
    assert amendment["reason"] == "More time" and "closing date moved" in amendment["changes"][0]
    assert body["closes"] == later.isoformat()
    supplier_token = issue_api_token(db, world.supplier_user, label="s")
    db.commit()
    assert (
        call(client, "POST", url, supplier_token, json={"reason": "x", "closes": later.isoformat()}).status_code == 403
    )


def test_a_challenge_not_open_cannot_be_amended(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    with pytest.raises(Invalid, match="Only a challenge open for proposals"):
        services.amend(db, viewer(world.la_user, world.la), challenge, {"reason": "x", "problem": "New text"})


def test_new_challenges_have_a_neutral_address_that_stays_when_the_title_changes(
    world: World, db: Session, client_as
) -> None:
    c = client_as(world.la_user)
    response = c.post("/challenges/new", data={"title": "We want to buy Copilot", "problem": "Notes take too long"})
    ref = response.headers["Location"].rstrip("/").split("/")[-2]
    assert ref.startswith("ch-") and "copilot" not in ref
    fresh(db)
    challenge = db.exec(select(Challenge).where(Challenge.ref == ref)).one()
    db.commit()
    services.save_section(
        db, viewer(world.la_user, world.la), challenge, "problem", {"title": "Less time on notes", "problem": "x y z"}
    )
    db.commit()
    assert c.get(f"/challenges/{ref}").status_code == 200
    fresh(db)
    assert db.get(Challenge, challenge.id).ref == ref
