"""Each published challenge as an OCDS 1.1 release, validated against the OCDS 1.1.5 release schema."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from jsonschema import Draft4Validator, FormatChecker
from sqlmodel import Session, select

from catalogue.db import utcnow
from outcomes import ocds, services
from outcomes.models import ChallengeResponse
from tests.conftest import SHARED
from tests.helpers.challenges import World, full_challenge, viewer

SCHEMA_PATH = SHARED / "reference" / "ocds-1.1.5" / "release-schema.json"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    # The schema's $refs are all local (#/definitions/...): the validator resolves them itself.
    schema = json.loads(SCHEMA_PATH.read_text())
    return Draft4Validator(schema, format_checker=FormatChecker())


def valid(validator: Draft4Validator, document: dict) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_market_engagement_is_a_planning_release(world: World, db: Session, validator, client) -> None:
    challenge = full_challenge(world.la, title="Less time writing up")
    services.change_status(db, viewer(world.la_user, world.la), challenge, "market-engagement")
    db.commit()
    response = client.get(f"/challenges/{challenge.ref}/ocds.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    valid(validator, document)
    assert document["ocid"] == f"{ocds.DEFAULT_PREFIX}-{challenge.ref}"
    assert document["tag"] == ["planning"]
    assert document["tender"]["status"] == "planning"
    assert document["planning"]["rationale"].startswith("Social workers spend evenings")
    assert document["planning"]["budget"]["amount"] == {"amount": 80000.0, "currency": "GBP"}
    roles = {tuple(p["roles"]) for p in document["parties"]}
    assert ("buyer", "procuringEntity") in roles
    assert document["buyer"]["name"] == "Northshire Council"
    # Stable: the same state gives the same document.
    assert client.get(f"/challenges/{challenge.ref}/ocds.json").get_json() == document


def test_open_is_a_tender_release(world: World, db: Session, validator, client) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    services.change_status(db, viewer(world.la_user, world.la), challenge, "open")
    db.commit()
    document = client.get(f"/challenges/{challenge.ref}/ocds.json").get_json()
    valid(validator, document)
    tender = document["tender"]
    assert document["tag"] == ["tender"]
    assert tender["status"] == "active"
    assert tender["title"] == challenge.title and tender["description"] == challenge.problem
    assert tender["value"] == {"amount": 80000.0, "currency": "GBP"}
    assert tender["minValue"] == {"amount": 20000.0, "currency": "GBP"}
    assert tender["tenderPeriod"]["endDate"].startswith(challenge.closes.isoformat())
    assert tender["awardCriteria"] == "ratedCriteria" and "Fit (60%)" in tender["awardCriteriaDetails"]
    assert tender["procurementMethodDetails"].startswith("Pre-commercial procurement")
    assert tender["enquiryPeriod"]["endDate"].startswith((challenge.closes - timedelta(days=7)).isoformat())


@pytest.mark.parametrize(
    ("status", "tender_status"),
    [("evaluating", "active"), ("closed", "unsuccessful"), ("withdrawn", "withdrawn")],
)
def test_later_states_validate(world: World, db: Session, validator, status: str, tender_status: str) -> None:
    challenge = full_challenge(
        world.la, status=status, closed_reason="cancelled" if status == "closed" else None, published_at=utcnow()
    )
    document = ocds.release(db, challenge)
    valid(validator, document)
    assert document["tender"]["status"] == tender_status


def test_awarded_release_names_the_supplier_not_the_proposal(world: World, db: Session, validator) -> None:
    challenge = full_challenge(world.la, status="awarded", route=None, budget_min=None, budget_max=None)
    db.add(
        ChallengeResponse(
            challenge_id=challenge.id,
            supplier_id=world.supplier.id,
            kind="proposal",
            approach="PROPOSALMARKER",
            price=45000,
            status="awarded",
        )
    )
    db.commit()
    document = ocds.release(db, challenge)
    valid(validator, document)
    assert document["tag"] == ["award"]
    assert document["awards"][0]["suppliers"][0]["name"] == "Acme Notes Ltd"
    assert document["awards"][0]["value"] == {"amount": 45000.0, "currency": "GBP"}
    assert "PROPOSALMARKER" not in json.dumps(document)
    assert document["tender"]["procurementMethodDetails"] == "Not yet decided"


def test_drafts_have_no_public_release(world: World, db: Session, client, client_as) -> None:
    challenge = full_challenge(world.la)
    assert client.get(f"/challenges/{challenge.ref}/ocds.json").status_code == 404
    assert client_as(world.la_user).get(f"/challenges/{challenge.ref}/ocds.json").status_code == 404
    with pytest.raises(ocds.NotPublished):
        ocds.release(db, challenge)


def test_cli_prints_the_same_release(world: World, db: Session, app, client, validator) -> None:
    challenge = full_challenge(world.la, status="open")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["challenge", "ocds", challenge.ref])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    valid(validator, printed)
    assert printed == client.get(f"/challenges/{challenge.ref}/ocds.json").get_json()
    draft = full_challenge(world.la)
    missing = runner.invoke(args=["challenge", "ocds", draft.ref])
    assert missing.exit_code != 0 and "No published challenge" in missing.output


def test_tender_period_starts_when_the_challenge_opened_not_when_first_published(
    world: World, db: Session, validator
) -> None:
    from datetime import UTC, datetime

    from outcomes.models import ChallengeStatusChange

    challenge = full_challenge(world.la, title="Less time writing up")
    owner = viewer(world.la_user, world.la)
    services.change_status(db, owner, challenge, "market-engagement")
    db.commit()
    planning = ocds.release(db, challenge)
    valid(validator, planning)
    assert "startDate" not in planning["tender"]["tenderPeriod"]  # not open yet
    # Market engagement ran for a month before the challenge opened.
    engaged = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    challenge.published_at = engaged
    db.add(challenge)
    for change in db.exec(select(ChallengeStatusChange)).all():
        change.at = engaged
        db.add(change)
    db.commit()
    change = services.change_status(db, owner, challenge, "open")
    db.commit()
    document = ocds.release(db, challenge)
    valid(validator, document)
    start = document["tender"]["tenderPeriod"]["startDate"]
    assert start == change.at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert not start.startswith("2026-01-05")


@pytest.mark.parametrize(
    ("closes", "end"),
    [
        (date(2031, 7, 15), "2031-07-15T22:59:59Z"),  # British Summer Time
        (date(2031, 1, 15), "2031-01-15T23:59:59Z"),  # Greenwich Mean Time
        (date(2031, 3, 30), "2031-03-30T22:59:59Z"),  # the day the clocks go forward
        (date(2031, 10, 26), "2031-10-26T23:59:59Z"),  # the day they go back
    ],
)
def test_closing_date_ends_at_midnight_in_england(world: World, db: Session, validator, closes: date, end: str) -> None:
    challenge = full_challenge(world.la, status="open", closes=closes, questions_close=closes, published_at=utcnow())
    document = ocds.release(db, challenge)
    valid(validator, document)
    assert document["tender"]["tenderPeriod"]["endDate"] == end
    assert document["tender"]["enquiryPeriod"]["endDate"] == end
