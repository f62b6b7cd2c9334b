"""Journeys through the evidence catalogue, one test per journey (issue 9)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

TOOL_NAME = "Wrenfold Rota Planner"
DROPPED_DETAIL = "Practitioners kept a paper rota alongside it, so nothing was saved."
SUMMARY = "Piloted with two family support teams for eight months."


def _stage(page) -> None:
    page.get_by_label("Piloted, then not rolled out").check()
    page.get_by_label("When did it start?").fill("2024-05")
    page.get_by_label("When did it end? (optional)").fill("2025-01")


def _about(page) -> None:
    page.get_by_label("Summary").fill("Piloted with two teams.")
    page.get_by_label("What you learned (optional)").fill("Ask the teams what the rota problem is first.")


def _dropped(page) -> None:
    page.get_by_label("Low staff adoption or trust").check()
    page.get_by_label("Could not integrate with existing systems").check()
    page.get_by_label("What happened (optional)").fill(DROPPED_DETAIL)


def test_dropped_pilot_is_recorded_and_found_from_another_region(page_as) -> None:
    # A member of Northmoor (North East) records a tool it piloted and dropped, through the
    # guided form, adding the tool to the catalogue on the way.
    page = page_as("commissioner@northmoor.example")
    page.goto("/account")
    page.get_by_role("link", name="Record a tool you use").click()
    expect(page.get_by_role("heading", name="Which tool is it?")).to_be_visible()
    page.get_by_label("It is not listed: add it").check()
    page.get_by_label("Name of the tool").fill(TOOL_NAME)
    page.get_by_label("Summary").fill("Plans the weekly duty rota for a family support team.")
    page.get_by_label("Administrative and workflow automation (forms, letters, scheduling)").check()
    page.get_by_role("group", name="Does it use AI?").get_by_label("Yes").check()
    page.get_by_label("Standalone or bolt-on tool").check()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    # Each question page the form shows, answered as it comes (it decides the order and which
    # pages a dropped tool needs), until it asks us to check our answers.
    answers = {
        "What stage is it at?": _stage,
        "What it does and its impact": _about,
        "Why was it dropped?": _dropped,
        "Risks, ethics and safeguards": lambda p: None,
        "Has it been evaluated?": lambda p: p.get_by_label("Completed internal evaluation").check(),
        "Staff time and money": lambda p: None,
        "Who can see this record?": lambda p: p.get_by_label(
            "Signed-in local authority and provider staff only"
        ).check(),
    }
    seen: list[str] = []
    heading = page.locator("h1, legend h1, label h1").first
    while True:
        expect(
            page.get_by_role("button", name="Continue").or_(page.get_by_role("button", name="Save record"))
        ).to_be_visible()
        title = heading.inner_text().strip()
        if title == "Check your answers":
            break
        assert title in answers and title not in seen, f"unexpected question page {title!r} after {seen}"
        seen.append(title)
        answers[title](page)
        if title == "Why was it dropped?":
            assert_accessible(page)
        page.get_by_role("button", name="Continue").click()
    assert "Why was it dropped?" in seen

    # Check your answers: the reasons are there; change the summary; save.
    expect(page.get_by_text("Low staff adoption or trust, Could not integrate with existing systems")).to_be_visible()
    expect(page.get_by_text(DROPPED_DETAIL)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Change summary", exact=True).click()
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    page.get_by_role("button", name="Save record").click()

    expect(page.get_by_role("heading", name=f"{TOOL_NAME} at Northmoor County Council")).to_be_visible()
    expect(page.get_by_text("Deployment recorded")).to_be_visible()
    expect(page.get_by_role("heading", name="Why it was dropped")).to_be_visible()
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    assert_accessible(page)

    # A member of Saltmere (South West) finds it through search...
    other = page_as("worker@saltmere.example")
    other.goto("/search")
    other.get_by_label("Search tools, experience, single views, offerings and challenges").fill("Wrenfold rota")
    other.get_by_role("button", name="Search", exact=True).click()
    expect(other.locator("#result-count")).to_contain_text("for Wrenfold rota")
    assert_accessible(other)
    other.get_by_role("link", name=f"{TOOL_NAME} at Northmoor County Council").click()
    dropped = other.locator(".govuk-inset-text", has=other.get_by_role("heading", name="Why it was dropped"))
    expect(dropped).to_contain_text("Low staff adoption or trust, Could not integrate with existing systems")
    expect(dropped).to_contain_text(DROPPED_DETAIL)
    expect(other.get_by_text("North East", exact=True)).to_be_visible()

    # ...and through the tool's page, which says who dropped it and why.
    other.get_by_role("link", name=TOOL_NAME, exact=True).click()
    expect(other.get_by_role("heading", name=TOOL_NAME, exact=True)).to_be_visible()
    expect(other.get_by_role("heading", name="Who dropped it and why (1)")).to_be_visible()
    card = other.locator(".govuk-summary-card", has=other.get_by_role("link", name="Northmoor County Council"))
    expect(card).to_contain_text("Piloted, then not rolled out")
    expect(card).to_contain_text("Low staff adoption or trust, Could not integrate with existing systems")
    expect(card).to_contain_text(DROPPED_DETAIL)
    assert_accessible(other)

    # ...and in the dropped-pilots view across authorities, filtered by one of its reasons.
    other.goto("/deployments/dropped")
    other.get_by_label("Reason", exact=True).select_option(label="Low staff adoption or trust")
    other.get_by_label("Sort by", exact=True).select_option(label="Tool name")
    other.get_by_role("button", name="Apply filters").click()
    card = other.locator(".govuk-summary-card", has_text=TOOL_NAME).filter(has_text="Northmoor County Council")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(DROPPED_DETAIL)
    assert_accessible(other)
