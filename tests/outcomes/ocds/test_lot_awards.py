"""A challenge run in phases awards each phase as a lot: each award names its lot, its own
supplier, value and dates; a lot awarded later publishes its own contract award notice and, after
its own standstill, its own contract details notice. Checked by libcoveocds."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from outcomes import clock, services
from outcomes.models import ChallengePhase, ChallengeResponse, OcdsRelease
from tests.helpers.challenges import World, full_challenge, viewer


def _releases(db: Session, challenge) -> list[OcdsRelease]:
    return db.exec(select(OcdsRelease).where(OcdsRelease.challenge_id == challenge.id).order_by(OcdsRelease.id)).all()


def test_each_phase_is_awarded_as_its_own_lot(world: World, db: Session, client, cove) -> None:
    world.supplier.company_number = "09121572"
    owner = viewer(world.la_user, world.la)
    challenge = full_challenge(world.la, closes=date(2026, 9, 30))
    feasibility = ChallengePhase(
        challenge_id=challenge.id, name="feasibility", budget=20000, starts=date(2026, 11, 1), ends=date(2027, 1, 31)
    )
    pilot = ChallengePhase(
        challenge_id=challenge.id, name="pilot", budget=80000, starts=date(2027, 2, 1), ends=date(2027, 7, 31)
    )
    db.add_all([feasibility, pilot])
    services.change_status(db, owner, challenge, "open", on=date(2026, 9, 1))
    acme = ChallengeResponse(
        challenge_id=challenge.id, supplier_id=world.supplier.id, kind="proposal", approach="a", price=19000.0
    )
    rival = ChallengeResponse(
        challenge_id=challenge.id, supplier_id=world.rival.id, kind="proposal", approach="b", price=75000.0
    )
    db.add_all([acme, rival])
    db.flush()
    clock.advance(db, on=date(2026, 10, 1))
    services.award(db, owner, challenge, acme, on=date(2026, 10, 5), contract={"phase": feasibility.id, "value": 18500})
    services.award(db, owner, challenge, rival, on=date(2026, 10, 6), contract={"phase": pilot.id})
    db.commit()

    notices = [r.notice_type for r in _releases(db, challenge)]
    assert notices == ["UK4", "UK6", "UK6"]
    first, second = (r.document for r in _releases(db, challenge)[1:])
    ocid = second["ocid"]
    assert [a["relatedLots"] for a in first["awards"]] == [[f"{ocid}-lot-{feasibility.id}"]]
    by_lot = {a["relatedLots"][0]: a for a in second["awards"]}
    assert by_lot[f"{ocid}-lot-{feasibility.id}"]["suppliers"] == [{"id": "GB-COH-09121572", "name": "Acme Notes Ltd"}]
    assert by_lot[f"{ocid}-lot-{feasibility.id}"]["value"] == {"amount": 18500, "currency": "GBP"}
    pilot_award = by_lot[f"{ocid}-lot-{pilot.id}"]
    assert pilot_award["suppliers"][0]["name"] == "Rival Systems Ltd"
    assert pilot_award["value"] == {"amount": 75000.0, "currency": "GBP"}  # the price proposed
    assert pilot_award["contractPeriod"]["startDate"].startswith("2027-02-01")
    suppliers = [p for p in second["parties"] if "supplier" in p["roles"]]
    assert sorted(p["name"] for p in suppliers) == ["Acme Notes Ltd", "Rival Systems Ltd"]
    assert len({p["id"] for p in second["parties"]}) == len(second["parties"])

    # After the standstill, one contract details notice enters both lots' contracts, once.
    awarded_on = challenge.awarded_at.date()
    clock.advance(db, on=awarded_on + timedelta(days=30))
    clock.advance(db, on=awarded_on + timedelta(days=31))
    db.commit()
    contracts = [r for r in _releases(db, challenge) if r.notice_type == "UK7"]
    assert len(contracts) == 1
    assert sorted(c["awardID"] for c in contracts[0].document["contracts"]) == sorted(by_lot[k]["id"] for k in by_lot)

    package = client.get(f"/challenges/{challenge.ref}/ocds/releases.json").get_json()
    cove(package)
    record = client.get(f"/challenges/{challenge.ref}/ocds/record.json").get_json()
    (entry,) = record["records"]
    cove({**package, "releases": [entry["compiledRelease"]]})
    assert len(entry["compiledRelease"]["awards"]) == 2 and len(entry["compiledRelease"]["contracts"]) == 2
