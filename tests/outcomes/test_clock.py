"""The challenge clock: after the closing date nothing says "open for proposals", the move to
evaluating is shown at once and stored by `flask challenges advance`, with its reason."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from outcomes import clock, ocds, services
from outcomes.matching import engine
from outcomes.models import Challenge, ChallengeStatusChange
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, viewer


def test_effective_status_follows_the_dates() -> None:
    closes = date(2026, 9, 30)
    open_one = Challenge(ref="x", owner_id=1, title="x", status="open", closes=closes)
    assert clock.effective_status(open_one, on=date(2026, 9, 30)) == "open"  # until the end of the day
    assert clock.effective_status(open_one, on=date(2026, 10, 1)) == "evaluating"
    assert clock.effective_status(open_one, on=date(2026, 12, 3)) == "evaluating"
    assert "30 September 2026" in clock.status_reason(open_one, on=date(2026, 12, 3))
    assert clock.status_reason(open_one, on=date(2026, 9, 1)) is None
    engagement = Challenge(ref="y", owner_id=1, title="y", status="market-engagement", closes=closes)
    assert clock.effective_status(engagement, on=date(2026, 12, 3)) == "market-engagement"


def test_lists_and_counts_use_the_clock_in_the_database(world: World, db: Session) -> None:
    anyone = viewer(world.other_user, world.other_la)
    late = full_challenge(world.la, status="open", closes=date(2026, 9, 30), title="Late")
    live = full_challenge(world.la, status="open", closes=date(2026, 12, 20), title="Live")
    december = date(2026, 12, 3)
    listed_open = [c.ref for c, _ in services.list_challenges(db, anyone, status="open", on=december)]
    listed_evaluating = [c.ref for c, _ in services.list_challenges(db, anyone, status="evaluating", on=december)]
    assert listed_open == [live.ref]
    assert listed_evaluating == [late.ref]
    count = db.exec(select(Challenge.id).where(clock.status_is("open", december))).all()
    assert len(count) == len(listed_open)
    # In September both were open.
    september = [c.ref for c, _ in services.list_challenges(db, anyone, status="open", on=date(2026, 9, 30))]
    assert sorted(september) == sorted([late.ref, live.ref])


def test_pages_api_and_ocds_never_say_open_after_the_closing_date(world: World, client, client_as, db) -> None:
    late = full_challenge(world.la, status="open", closes=services.today() - timedelta(days=1))
    db.commit()
    page = client.get(f"/challenges/{late.ref}")
    assert "Open for proposals" not in page.text and "Evaluating proposals" in page.text
    assert "closing date" in page.text and "has passed" in page.text
    listing = client.get("/challenges")
    item = listing.text.split(late.title)[1][:600]
    assert "Evaluating proposals" in item and "Open for proposals" not in item and "closes" not in item
    assert late.ref not in client.get("/challenges?status=open").text
    assert late.ref in client.get("/challenges?status=evaluating").text
    assert client.get("/api/v1/challenges?status=open").get_json()["items"] == []
    assert client.get(f"/api/v1/challenges/{late.ref}").get_json()["status"] == "evaluating"
    document = client.get(f"/challenges/{late.ref}/ocds.json").get_json()
    assert document["tag"] == ["tenderUpdate"]
    assert "open" not in document["id"].removeprefix(document["ocid"])


def test_supplier_dashboard_no_longer_offers_a_closed_challenge(world: World, db: Session) -> None:
    offering = f.OfferingFactory(
        ref="off-notes",
        supplier_id=world.supplier.id,
        name="Visit write-ups",
        summary="Social workers write up visits in minutes, not in the evening.",
        status="published",
    )
    live = full_challenge(world.la, status="open", ref="ch-live", title="Visit write-ups in the evening")
    late = full_challenge(
        world.other_la,
        status="open",
        ref="ch-late",
        title="Visit write-ups in the evening",
        closes=services.today() - timedelta(days=1),
    )
    refs = [c.ref for c, _ in engine.challenges_for_offering(db, offering)]
    assert live.ref in refs and late.ref not in refs


def test_advance_stores_the_move_with_its_reason(world: World, app, db: Session, client_as) -> None:
    late = full_challenge(world.la, status="open", closes=date(2026, 9, 30))
    live = full_challenge(world.la, status="open", closes=date(2026, 12, 20))
    db.commit()
    result = app.test_cli_runner().invoke(args=["challenges", "advance", "--on", "2026-12-03"])
    assert result.exit_code == 0, result.output
    assert f"{late.ref}: open -> evaluating" in result.output and "1 challenge(s)" in result.output
    fresh(db)
    assert db.get(Challenge, late.id).status == "evaluating"
    assert db.get(Challenge, live.id).status == "open"
    change = db.exec(select(ChallengeStatusChange).where(ChallengeStatusChange.challenge_id == late.id)).one()
    assert (change.from_status, change.to_status, change.reason) == ("open", "evaluating", clock.CLOSING_DATE_PASSED)
    assert "(closing date passed)" in client_as(world.la_user).get(f"/challenges/{late.ref}").text
    assert "(closing date passed)" in client_as(world.la_user).get(f"/challenges/{late.ref}/status").text
    # Run again: nothing left to move.
    again = app.test_cli_runner().invoke(args=["challenges", "advance", "--on", "2026-12-03"])
    assert "0 challenge(s)" in again.output


def test_award_catches_up_with_the_clock(world: World, db: Session) -> None:
    late = full_challenge(world.la, status="open", closes=date(2026, 9, 30))
    proposal = f.ChallengeResponseFactory(challenge=late, supplier=world.supplier, kind="proposal", approach="x")
    services.award(db, viewer(world.la_user, world.la), late, proposal, on=date(2026, 12, 3))
    history = [(c.to_status, c.reason) for c in services.status_history(db, late)]
    assert history == [("evaluating", clock.CLOSING_DATE_PASSED), ("awarded", None)]


def test_questions_close_at_the_clarification_deadline(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="open", closes=date(2026, 9, 30), questions_close=date(2026, 9, 20))
    assert services.questions_open(challenge, on=date(2026, 9, 20)) is None
    assert "20 September 2026" in services.questions_open(challenge, on=date(2026, 9, 21))
    assert services.response_window(challenge, "proposal", on=date(2026, 9, 30)) is None
    assert services.response_window(challenge, "proposal", on=date(2026, 10, 1)) is not None


def test_release_of_a_challenge_the_clock_moved_validates(world: World, db: Session) -> None:
    late = full_challenge(world.la, status="open", closes=services.today() - timedelta(days=1))
    document = ocds.release(db, late)
    assert document["tender"]["status"] == "active" and document["tag"] == ["tenderUpdate"]
