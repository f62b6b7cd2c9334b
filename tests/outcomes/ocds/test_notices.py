"""Each lifecycle step publishes its Procurement Act notice as an OCDS release, kept as history and
served as release packages, records and a paged feed; each path passes the Open Contracting
Partnership's own checks (libcoveocds), offline: schemas from ../shared/reference/ocds-1.1.5."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from outcomes import clock, services
from outcomes.models import ChallengePhase, ChallengeResponse, OcdsRelease
from outcomes.ocds import store
from tests.helpers.challenges import World, full_challenge, viewer


def _notices(db: Session, challenge) -> list[str | None]:
    rows = db.exec(select(OcdsRelease).where(OcdsRelease.challenge_id == challenge.id).order_by(OcdsRelease.id)).all()
    return [row.notice_type for row in rows]


def _check_served(client, cove, challenge) -> dict:
    package = client.get(f"/challenges/{challenge.ref}/ocds/releases.json").get_json()
    assert package["version"] == "1.1" and package["publisher"]["name"] and package["extensions"]
    assert package["uri"].endswith(f"/challenges/{challenge.ref}/ocds/releases.json") and package["publishedDate"]
    cove(package)
    record = client.get(f"/challenges/{challenge.ref}/ocds/record.json").get_json()
    (entry,) = record["records"]
    assert [r["id"] for r in entry["releases"]] == [r["id"] for r in package["releases"]]
    compiled = {**package, "releases": [entry["compiledRelease"]]}
    cove(compiled)
    return package


def test_engagement_open_evaluating_awarded_contract(world: World, db: Session, client, cove, app) -> None:
    world.supplier.company_number = "09121572"
    world.la.contact_email, world.la.contact_consent, world.la.website = (
        "buy@north.example",
        True,
        "https://north.example",
    )
    owner = viewer(world.la_user, world.la)
    challenge = full_challenge(world.la, closes=date(2026, 9, 30), categories=["transcription", "voice-of-child"])
    db.add(
        ChallengePhase(
            challenge_id=challenge.id, name="pilot", budget=50000, starts=date(2026, 11, 1), ends=date(2027, 3, 31)
        )
    )
    services.change_status(db, owner, challenge, "market-engagement", on=date(2026, 8, 1))
    services.change_status(db, owner, challenge, "open", on=date(2026, 9, 1))
    proposal = ChallengeResponse(
        challenge_id=challenge.id, supplier_id=world.supplier.id, kind="proposal", approach="x", price=45000.0
    )
    db.add(proposal)
    db.flush()
    services.award(db, owner, challenge, proposal, on=date(2026, 12, 3))
    db.commit()
    assert _notices(db, challenge) == ["UK2", "UK4", "UK6"]
    # After the standstill (eight working days) the contract details notice follows, once.
    clock.advance(db, on=challenge.awarded_at.date() + timedelta(days=20))
    clock.advance(db, on=challenge.awarded_at.date() + timedelta(days=21))
    db.commit()
    assert _notices(db, challenge) == ["UK2", "UK4", "UK6", "UK7"]

    package = _check_served(client, cove, challenge)
    engagement, tender, award, contract = package["releases"]
    assert engagement["tag"] == ["planning"] and engagement["planning"]["documents"][0]["noticeType"] == "UK2"
    assert tender["tag"] == ["tender"] and tender["tender"]["documents"][0]["noticeType"] == "UK4"
    assert tender["tender"]["documents"][0]["url"].endswith(f"/challenges/{challenge.ref}")
    cpv = tender["tender"]["items"][0]
    assert cpv["classification"]["scheme"] == "CPV" and cpv["classification"]["id"] == "48311000"
    assert cpv["additionalClassifications"][0]["id"] == "85310000"
    assert tender["tender"]["lots"][0]["value"] == {"amount": 50000.0, "currency": "GBP"}
    buyer = tender["parties"][0]
    # A public notice never carries an authority's contact person (catalogue.access.can_see_contact).
    assert buyer["contactPoint"] == {"url": "https://north.example"}
    assert buyer["address"]["countryName"] == "United Kingdom"
    (awarded,) = award["awards"]
    assert award["tag"] == ["award"] and awarded["documents"][0]["noticeType"] == "UK6"
    assert awarded["value"] == {"amount": 45000.0, "currency": "GBP"} and awarded["date"]
    assert awarded["suppliers"] == [{"id": "GB-COH-09121572", "name": "Acme Notes Ltd"}]
    supplier = next(p for p in award["parties"] if "supplier" in p["roles"])
    assert supplier["identifier"] == {"scheme": "GB-COH", "id": "09121572", "legalName": "Acme Notes Ltd"}
    assert awarded["contractPeriod"]["startDate"].startswith("2026-11-01")
    (entered,) = contract["contracts"]
    assert contract["tag"] == ["contract"] and entered["documents"][0]["noticeType"] == "UK7"
    assert entered["awardID"] == awarded["id"] and entered["value"] == awarded["value"]


def test_open_then_withdrawn_publishes_a_termination_notice(world: World, db: Session, client, cove) -> None:
    owner = viewer(world.la_user, world.la)
    challenge = full_challenge(world.la)
    services.change_status(db, owner, challenge, "open")
    services.change_status(db, owner, challenge, "withdrawn")
    db.commit()
    assert _notices(db, challenge) == ["UK4", "UK12"]
    package = _check_served(client, cove, challenge)
    assert package["releases"][-1]["tender"]["status"] == "withdrawn"
    assert package["releases"][-1]["tag"] == ["tenderCancellation"]


def test_closed_without_award(world: World, db: Session, client, cove) -> None:
    owner = viewer(world.la_user, world.la)
    challenge = full_challenge(world.la)
    services.change_status(db, owner, challenge, "market-engagement")
    services.change_status(db, owner, challenge, "closed", reason="no-suitable-proposals")
    db.commit()
    assert _notices(db, challenge) == ["UK2", "UK12"]
    package = _check_served(client, cove, challenge)
    assert package["releases"][-1]["tender"]["status"] == "unsuccessful"


def test_feed_pages_public_releases_only(world: World, db: Session, client, cove, monkeypatch) -> None:
    owner = viewer(world.la_user, world.la)
    draft_withdrawn = full_challenge(world.la, title="Never published")
    services.change_status(db, owner, draft_withdrawn, "withdrawn", detail="Started by mistake")
    for title in ("One", "Two", "Three"):
        services.change_status(db, owner, full_challenge(world.la, title=title), "open")
    db.commit()
    assert _notices(db, draft_withdrawn) == []
    assert client.get(f"/challenges/{draft_withdrawn.ref}/ocds/releases.json").status_code == 404
    monkeypatch.setattr(store, "PAGE_SIZE", 2)
    first = client.get("/ocds/releases.json").get_json()
    assert len(first["releases"]) == 2 and first["links"]["next"].endswith("page=2")
    cove(first)
    second = client.get(first["links"]["next"]).get_json()
    assert len(second["releases"]) == 1 and "next" not in second["links"]
    titles = [r["tender"]["title"] for r in first["releases"] + second["releases"]]
    assert titles == ["One", "Two", "Three"]
    assert client.get("/ocds/releases.json?page=0").status_code == 422
    assert client.get("/ocds/releases.json?page=x").status_code == 422
