"""A commissioner runs a supplier day during market engagement and a supplier takes a place (issue 15)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

REF = "ch-northmoor-supplier-day"
TITLE = "Fewer missed visits in rural teams"


def _seed_challenge(session) -> None:
    from sqlmodel import select

    from catalogue.accounts.models import Organisation
    from catalogue.db import utcnow
    from outcomes.models import Challenge

    northmoor = session.exec(select(Organisation).where(Organisation.ref == "la-northmoor")).one()
    session.add(
        Challenge(
            ref=REF,
            owner_id=northmoor.id,
            title=TITLE,
            problem="Rural social workers miss visits when roads close.",
            status="market-engagement",
            published_at=utcnow(),
        )
    )


def test_commissioner_runs_a_supplier_day_and_a_supplier_signs_up(page_as, seed) -> None:
    from outcomes.services import today

    with seed() as session:
        _seed_challenge(session)
    day = today() + timedelta(days=14)

    owner = page_as("commissioner@northmoor.example")
    owner.goto(f"/challenges/{REF}")
    owner.get_by_role("link", name="Add an event").click()
    # Every mistake at once, what was typed kept.
    owner.get_by_label("Supplier day").check()
    owner.get_by_label("Start time").fill("14:00")
    owner.get_by_label("End time").fill("13:00")
    owner.get_by_label("Online link (if online)").fill("javascript:alert(1)")
    owner.get_by_role("button", name="Save the event").click()
    summary = owner.locator(".govuk-error-summary")
    for message in ("Enter the name of the event", "The event must end after it starts", "Enter the online link"):
        expect(summary).to_contain_text(message)
    expect(owner.get_by_label("Start time")).to_have_value("14:00")
    assert_accessible(owner)
    owner.get_by_label("Name of the event").fill("Supplier day at County Hall")
    owner.get_by_label("Day", exact=True).fill(str(day.day))
    owner.get_by_label("Month").fill(str(day.month))
    owner.get_by_label("Year").fill(str(day.year))
    owner.get_by_label("Start time").fill("10:00")
    owner.get_by_label("End time").fill("15:00")
    owner.get_by_label("Online link (if online)").fill("")
    owner.get_by_label("Place (if in person)").fill("County Hall, Northmoor")
    owner.get_by_label("Number of places").fill("1")
    owner.get_by_role("button", name="Save the event").click()
    expect(owner.get_by_text("The event has been saved")).to_be_visible()
    expect(owner.locator("#events")).to_be_visible()

    supplier = page_as("supplier@quillstone.example")
    supplier.goto(f"/challenges/{REF}")
    supplier.get_by_role("link", name="Supplier day at County Hall").click()
    assert_accessible(supplier)
    supplier.get_by_role("button", name="Sign up").click()
    expect(supplier.get_by_text("You are signed up. You have a place")).to_be_visible()
    expect(supplier.locator("#places")).to_have_text("1 of 1 taken")

    owner.get_by_role("link", name="Supplier day at County Hall").click()
    expect(owner.locator("#attendees + table")).to_contain_text("Quillstone Ltd")
    assert_accessible(owner)
