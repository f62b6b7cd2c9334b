"""Journeys through the challenge exchange, one test per journey (issue 9): commissioners post
challenges, suppliers ask, respond and propose, owners evaluate and award."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import SEED_PASSWORD, assert_accessible, seed_user

FRONT_DOOR_TITLE = "Families wait too long to reach our children's front door"
ASKED = "Quillstone Notes already runs on staff phones: would a phone-based tool for the duty team be in scope?"
PUBLISHED_QUESTION = "Would a tool that runs on staff phones be in scope?"
ANSWER = "Yes. Duty staff carry council-managed phones, and a phone-based tool is in scope."


def _fix(page, advice: str) -> None:  # noqa: ANN001
    """From the check page, follow the change link beside one piece of advice."""
    page.locator("#statement-advice li", has_text=advice).get_by_role("link").click()


def _check(page) -> None:  # noqa: ANN001
    page.get_by_role("link", name="Check your challenge").click()
    expect(page.get_by_role("heading", name="Check your challenge")).to_be_visible()


def test_commissioner_checks_and_publishes_a_challenge_and_answers_a_question(page_as, seed) -> None:  # noqa: ANN001
    with seed() as session:
        seed_user(session, "bid-writer@parley.example", "sup-parley", "Pia Bidwriter (Parley)")

    # The commissioner describes the problem (naming a technology, and with a child's date of
    # birth pasted in by mistake).
    commissioner = page_as("commissioner@northmoor.example")
    commissioner.goto("/challenges")
    commissioner.get_by_role("link", name="Post a challenge").click()
    commissioner.get_by_label("Title").fill("An AI chatbot for our front door")
    commissioner.get_by_label("The problem").fill(
        "Families calling our front door wait on the phone for 25 minutes on average, and one in five gives up. "
        "One mother, whose son was born 12/03/2015, called six times in a week."
    )
    commissioner.get_by_label("Chatbot or digital front door for families and the public").check()
    assert_accessible(commissioner)
    commissioner.get_by_role("button", name="Save and continue").click()
    expect(commissioner.get_by_text("Your draft challenge has been saved")).to_be_visible()
    expect(commissioner.get_by_role("heading", name="Write your challenge")).to_be_visible()
    assert_accessible(commissioner)

    # The statement check stops the personal data and advises on the rest.
    _check(commissioner)
    blocked = commissioner.locator("#personal-data")
    expect(blocked).to_contain_text("Remove personal data before publishing")
    expect(commissioner.get_by_role("button", name="Publish for market engagement")).to_have_count(0)
    advice = commissioner.locator("#statement-advice")
    expect(advice).to_contain_text("asks for a product or technology")
    expect(advice).to_contain_text("Say who the users are and what they need")
    expect(advice).to_contain_text("Add at least one outcome")
    expect(advice).to_contain_text("Give a budget range")
    assert_accessible(commissioner)

    # Fix each thing it flags, from the check page.
    blocked.get_by_role("link").first.click()
    expect(commissioner.get_by_role("heading", name="The problem")).to_be_visible()
    commissioner.get_by_label("Title").fill(FRONT_DOOR_TITLE)
    commissioner.get_by_label("The problem").fill(
        "Families calling our front door wait on the phone for 25 minutes on average, and one in five gives up "
        "before speaking to anyone. Some call several times in a week about the same worry."
    )
    assert_accessible(commissioner)
    commissioner.get_by_role("button", name="Save and return").click()
    expect(commissioner.get_by_text("The problem: saved")).to_be_visible()

    _check(commissioner)
    expect(commissioner.locator("#personal-data")).to_have_count(0)
    expect(advice).not_to_contain_text("asks for a product or technology")
    _fix(commissioner, "Say who the users are")
    commissioner.get_by_label("Who are the users, and what do they need?").fill(
        "Parents and carers who need advice or help quickly, and the duty social workers who answer them."
    )
    commissioner.get_by_role("button", name="Save and return").click()

    _check(commissioner)
    _fix(commissioner, "Add at least one outcome")
    commissioner.get_by_label("The outcome").fill("Families reach someone who can help without waiting")
    commissioner.get_by_label("How it will be measured").fill("Average wait from the telephony reports")
    commissioner.get_by_label("Baseline").fill("25 minutes")
    commissioner.get_by_label("Target").fill("5 minutes")
    commissioner.get_by_role("button", name="Save and return").last.click()
    expect(commissioner.get_by_text("Outcomes: saved")).to_be_visible()

    _check(commissioner)
    _fix(commissioner, "Give a budget range")
    commissioner.get_by_label("Lowest budget (£)").fill("20000")
    commissioner.get_by_label("Highest budget (£)").fill("60000")
    commissioner.get_by_label("Call-off from an existing framework").check()
    commissioner.get_by_role("button", name="Save and return").click()

    _check(commissioner)
    expect(commissioner.locator("#statement-advice")).to_have_count(0)
    expect(
        commissioner.get_by_text("The statement describes a problem, its users, measurable outcomes and a budget.")
    ).to_be_visible()
    commissioner.get_by_role("button", name="Publish for market engagement").click()
    expect(commissioner.get_by_text("The challenge is now ‘Market engagement’")).to_be_visible()
    expect(commissioner.get_by_role("heading", name=FRONT_DOOR_TITLE)).to_be_visible()
    assert_accessible(commissioner)

    # A supplier finds it and asks a clarification question that gives away who is asking.
    supplier = page_as("supplier@quillstone.example")
    supplier.goto("/challenges")
    supplier.get_by_role("link", name=FRONT_DOOR_TITLE).click()
    supplier.get_by_role("link", name="Ask a clarification question").click()
    expect(supplier.get_by_text("Your name and organisation are never shown to other suppliers")).to_be_visible()
    supplier.get_by_label("Your question").fill(ASKED)
    assert_accessible(supplier)
    supplier.get_by_role("button", name="Send the question").click()
    expect(supplier.get_by_text("Your question has been sent")).to_be_visible()
    expect(supplier.get_by_role("heading", name="Your questions waiting for an answer")).to_be_visible()
    expect(supplier.get_by_text(ASKED)).to_be_visible()

    # The commissioner sees who asked, rewords the question so nobody else can tell, and answers.
    commissioner.reload()
    waiting = commissioner.locator("li", has_text=ASKED)
    expect(waiting).to_contain_text("(Quillstone Ltd)")
    waiting.get_by_role("link", name="Answer this question").click()
    expect(commissioner.get_by_label("The question, as it will be published")).to_have_value(ASKED)
    assert_accessible(commissioner)
    commissioner.get_by_label("The question, as it will be published").fill(PUBLISHED_QUESTION)
    commissioner.get_by_label("Your answer").fill(ANSWER)
    commissioner.get_by_role("button", name="Publish the question and answer").click()
    expect(commissioner.get_by_text("The question and answer have been published")).to_be_visible()
    expect(commissioner.get_by_text("Asked by Quillstone Ltd (only you and co-sponsors see this)")).to_be_visible()

    # The supplier that asked sees the answer.
    supplier.reload()
    published = supplier.locator("#questions + dl")
    expect(published).to_contain_text(PUBLISHED_QUESTION)
    expect(published).to_contain_text(ANSWER)
    expect(supplier.get_by_text("Your questions waiting for an answer")).to_have_count(0)

    # Another supplier sees the question and answer, and nothing that says who asked.
    rival = page_as("bid-writer@parley.example", SEED_PASSWORD)
    rival.goto("/challenges")
    rival.get_by_role("link", name=FRONT_DOOR_TITLE).click()
    expect(rival.locator("#questions + dl")).to_contain_text(ANSWER)
    body = rival.content()
    assert "Quillstone" not in body
    assert "Asked by" not in body
    assert ASKED not in body
