"""Journeys through the challenge exchange, one test per journey (issue 9): commissioners post
challenges, suppliers ask, respond and propose, owners evaluate and award."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import SEED_PASSWORD, assert_accessible, seed_user

FRONT_DOOR_TITLE = "Families wait too long to reach our children's front door"
ASKED = "Quillstone Notes already runs on staff phones: would a phone-based tool for the duty team be in scope?"
PUBLISHED_QUESTION = "Would a tool that runs on staff phones be in scope?"
ANSWER = "Yes. Duty staff carry council-managed phones, and a phone-based tool is in scope."


def _fix(page, advice: str) -> None:
    """From the check page, follow the change link beside one piece of advice."""
    page.locator("#statement-advice li", has_text=advice).get_by_role("link").click()


def _check(page) -> None:
    page.get_by_role("link", name="Check your challenge").click()
    expect(page.get_by_role("heading", name="Check your challenge")).to_be_visible()


def test_commissioner_checks_and_publishes_a_challenge_and_answers_a_question(page_as, seed) -> None:
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


# --- a supplier: offering, reference, alert, interest, proposal ---------------------------------

MINUTES_TITLE = "Conference minutes reach families weeks late"
OFFERING = "Fernhollow Minutes for conferences"
ESSENTIAL = "Works with the Hearthwise case record"


def _organisation(session, ref: str) -> object:
    from sqlmodel import select

    from catalogue.accounts.models import Organisation

    return session.exec(select(Organisation).where(Organisation.ref == ref)).one()


def _supplier(session, ref: str, name: str, email: str) -> object:
    """A supplier organisation with one approved member (SEED_PASSWORD)."""
    from catalogue.accounts.models import Organisation

    supplier = Organisation(ref=ref, name=name, kind="supplier", region="North West")
    session.add(supplier)
    session.flush()
    seed_user(session, email, ref, f"Sales ({name})")
    return supplier


def _challenge(session, ref: str, title: str, closes_in_days: int, **fields: object) -> object:
    """A complete Northmoor challenge (a draft unless `status` says otherwise): two weighted
    criteria and one essential requirement."""
    from datetime import timedelta

    from catalogue.db import utcnow
    from outcomes.models import Challenge

    challenge = Challenge(
        ref=ref,
        owner_id=_organisation(session, "la-northmoor").id,
        title=title,
        users="Conference chairs and minute-takers, and the families who attend.",
        outcomes=[{"outcome": "Families get the minutes sooner", "measure": "Days", "baseline": "21", "target": "5"}],
        budget_min=10000,
        budget_max=40000,
        route="framework",
        closes=(utcnow() + timedelta(days=closes_in_days)).date(),
        evaluation_criteria=[{"criterion": "Accuracy", "weight": 60}, {"criterion": "Cost", "weight": 40}],
        requirements=[{"requirement": ESSENTIAL, "essential": True}],
        **fields,
    )
    session.add(challenge)
    session.flush()
    return challenge


def _seed_supplier_and_draft_challenge(session) -> str:
    """A supplier with a tool that Saltmere uses, and a Northmoor challenge written but not yet
    published; returns the challenge's ref."""
    from catalogue.records.models import Deployment, Tool

    supplier = _supplier(session, "sup-fernhollow", "Fernhollow Digital Ltd", "sales@fernhollow.example")
    tool = Tool(
        ref="tool-fernhollow-minutes",
        name="Fernhollow Minutes",
        summary="Drafts the minutes of a meeting from its recording.",
        categories=["transcription"],
        uses_ai=True,
        delivery="standalone",
        supplier_id=supplier.id,
    )
    session.add(tool)
    session.flush()
    session.add(
        Deployment(
            ref="dep-saltmere-fernhollow-minutes",
            organisation_id=_organisation(session, "la-saltmere").id,
            tool_id=tool.id,
            stage="implemented",
            started="2025-02",
            summary="Minutes for every child protection conference since February 2025.",
            visibility="public",
        )
    )
    challenge = _challenge(
        session,
        "ch-northmoor-conference-minutes",
        MINUTES_TITLE,
        30,
        categories=["transcription"],
        problem="Minutes of child protection conferences take three weeks to reach families, "
        "who need them to know what was agreed.",
    )
    return challenge.ref


def test_supplier_lists_an_offering_gets_a_reference_and_an_alert_then_proposes(page_as, seed) -> None:
    with seed() as session:
        challenge_ref = _seed_supplier_and_draft_challenge(session)

    # The supplier lists an offering as a draft, then publishes it.
    supplier = page_as("sales@fernhollow.example", SEED_PASSWORD)
    supplier.goto("/account")
    supplier.get_by_role("link", name="Supplier dashboard").click()
    supplier.get_by_role("link", name="Add an offering").click()
    supplier.get_by_label("Name").fill(OFFERING)
    supplier.get_by_label("Summary").fill("Minutes of child protection conferences drafted the same day.")
    supplier.get_by_label("Transcription and note-taking (visits, meetings, supervision)").check()
    supplier.get_by_label("The catalogue tool this offering sells").select_option(label="Fernhollow Minutes")
    supplier.get_by_label("Standalone or bolt-on tool").check()
    assert_accessible(supplier)
    supplier.get_by_role("button", name="Save as draft").click()
    expect(supplier.get_by_text("The draft is saved")).to_be_visible()
    expect(supplier.get_by_role("heading", name=OFFERING)).to_contain_text("Draft")
    assert_accessible(supplier)
    supplier.get_by_role("link", name=f"Edit {OFFERING}").click()
    supplier.get_by_role("button", name="Publish").click()
    expect(supplier.get_by_text("The offering is published")).to_be_visible()
    expect(supplier.get_by_role("heading", name=OFFERING)).not_to_contain_text("Draft")
    expect(supplier.get_by_text("No authority has confirmed using this offering yet.")).to_be_visible()

    # It cites Saltmere, which uses the tool, as a reference.
    supplier.get_by_role("link", name="References").click()
    # The long list of organisations is a type-ahead: type part of the name, pick the match.
    picker = supplier.get_by_label("Which authority or provider uses it?").and_(supplier.locator("input"))
    picker.fill("Saltm")
    supplier.get_by_role("option", name="Saltmere Council").click()
    supplier.get_by_label("A note for them (optional)").fill("Your conference minutes team, since February 2025.")
    assert_accessible(supplier)
    supplier.get_by_role("button", name="Ask them to confirm").click()
    expect(supplier.get_by_text("We have asked Saltmere Council to confirm")).to_be_visible()
    expect(supplier.get_by_role("row", name="Saltmere Council")).to_contain_text("Pending")

    # Saltmere hears about it and confirms, naming its record of the tool.
    authority = page_as("worker@saltmere.example")
    authority.goto("/account")
    authority.get_by_role("link", name="Notifications and what you follow").click()
    authority.get_by_role("link", name=f"Fernhollow Digital Ltd asks you to confirm you use {OFFERING}").click()
    expect(authority.get_by_role("heading", name=f"Do you use {OFFERING}?")).to_be_visible()
    expect(authority.get_by_text("Their note: Your conference minutes team")).to_be_visible()
    expect(authority.get_by_label("Implemented from", exact=False)).to_be_checked()
    authority.get_by_label("Confirm: we use it").check()
    assert_accessible(authority)
    authority.get_by_role("button", name="Send answer").click()
    expect(authority.get_by_text("You confirmed the reference")).to_be_visible()
    expect(authority.get_by_role("row", name=f"Fernhollow Digital Ltd {OFFERING}")).to_contain_text("Confirmed")
    assert_accessible(authority)

    supplier.get_by_role("link", name=OFFERING).click()
    expect(supplier.get_by_text("Used by 1 authority.")).to_be_visible()
    expect(supplier.locator(".app-evidence + ul").get_by_role("link", name="Saltmere Council")).to_be_visible()

    # The supplier sets up an alert for new challenges.
    supplier.goto("/suppliers/dashboard")
    supplier.get_by_role("link", name="Alerts about new challenges").click()
    supplier.get_by_label("Transcription and note-taking (visits, meetings, supervision)").check()
    supplier.get_by_label("Keywords").fill("conference minutes")
    assert_accessible(supplier)
    supplier.get_by_role("button", name="Save alerts").click()
    expect(supplier.get_by_text("Your alerts are saved")).to_be_visible()

    # Northmoor publishes a challenge that fits it.
    commissioner = page_as("commissioner@northmoor.example")
    commissioner.goto(f"/challenges/{challenge_ref}")
    commissioner.get_by_role("link", name="Check and publish").click()
    commissioner.get_by_role("button", name="Publish for market engagement").click()
    expect(commissioner.get_by_text("The challenge is now ‘Market engagement’")).to_be_visible()

    # The supplier is told in the app, follows the notification and expresses interest.
    supplier.goto("/suppliers/dashboard")
    # (new: the alert, and Saltmere's confirmation of the reference)
    supplier.get_by_role("link", name="Notifications (2 new)").click()
    expect(
        supplier.get_by_role("link", name=f"Saltmere Council confirmed your reference for {OFFERING}")
    ).to_be_visible()
    alert = supplier.locator(".app-notifications li", has_text=f"New challenge: {MINUTES_TITLE}")
    expect(alert).to_contain_text("It matches your alert:")
    expect(alert).to_contain_text("‘conference minutes’")
    assert_accessible(supplier)
    alert.get_by_role("link", name=f"New challenge: {MINUTES_TITLE}").click()
    expect(supplier.get_by_role("heading", name=MINUTES_TITLE)).to_be_visible()
    supplier.get_by_role("link", name="Express interest").click()
    supplier.get_by_label("Your approach").fill(
        "Record the conference with consent and send draft minutes the same day."
    )
    supplier.get_by_label("The offering you would use (optional)").select_option(label=OFFERING)
    assert_accessible(supplier)
    supplier.get_by_role("button", name="Send your expression of interest").click()
    # It lands on what it sent, with a receipt reference; the challenge then shows it.
    expect(supplier.get_by_text("Your expression of interest has been received. Receipt reference")).to_be_visible()
    expect(supplier.get_by_role("heading", name="Expression of interest from Fernhollow Digital Ltd")).to_be_visible()
    expect(supplier.locator("#receipt")).to_contain_text("Received: receipt reference")
    supplier.get_by_role("link", name="Back").click()
    expect(supplier.get_by_text("You expressed interest.")).to_be_visible()

    # Northmoor opens the challenge for proposals.
    commissioner.get_by_role("link", name="Change the status").click()
    commissioner.get_by_label("Open for proposals").check()
    assert_accessible(commissioner)
    commissioner.get_by_role("button", name="Change the status").click()
    expect(commissioner.get_by_text("The challenge is now ‘Open for proposals’")).to_be_visible()

    # The supplier sends a proposal, answering the essential requirement.
    supplier.reload()
    supplier.get_by_role("link", name="Send a proposal").click()
    supplier.get_by_label("Your approach").fill("Same-day draft minutes, checked by the minute-taker before sending.")
    supplier.get_by_label("The offering you would use (optional)").select_option(label=OFFERING)
    supplier.get_by_role("button", name="Send your proposal").click()
    summary = supplier.locator(".govuk-error-summary")
    expect(summary).to_contain_text(f"Say how your proposal meets the essential requirement ‘{ESSENTIAL}’")
    summary.get_by_role("link", name=f"Say how your proposal meets the essential requirement ‘{ESSENTIAL}’").click()
    expect(supplier.get_by_label(f"How you meet: {ESSENTIAL}")).to_be_focused()
    supplier.get_by_label(f"How you meet: {ESSENTIAL}").fill("Minutes are filed to the case record through its API.")
    # Each weighted criterion asks for its own answer, which is what gets scored.
    supplier.get_by_label("Accuracy (60%)").fill("Minute-takers correct under 2% of words in Saltmere's conferences.")
    supplier.get_by_label("Cost (40%)").fill("A fixed yearly licence for every conference chair.")
    supplier.get_by_label("Price (£)").fill("24000")
    supplier.get_by_label("Evidence").fill("Saltmere Council has used it for every conference since February 2025.")
    assert_accessible(supplier)
    supplier.get_by_role("button", name="Send your proposal").click()
    expect(supplier.get_by_text("Your proposal has been received. Receipt reference")).to_be_visible()
    expect(supplier.get_by_role("heading", name="Proposal from Fernhollow Digital Ltd")).to_be_visible()
    expect(supplier.locator("#receipt")).to_contain_text("Received: receipt reference")
    expect(supplier.get_by_text("Criterion: Accuracy")).to_be_visible()
    supplier.get_by_role("link", name="Back").click()
    expect(supplier.get_by_text("You sent a proposal.")).to_be_visible()
    # Its expression of interest can be read; the proposal can still be changed until closing.
    supplier.get_by_role("link", name="View it").click()
    expect(supplier.get_by_role("heading", name="Expression of interest from Fernhollow Digital Ltd")).to_be_visible()
    assert_accessible(supplier)
    supplier.go_back()
    supplier.get_by_role("link", name="Change your proposal").click()
    expect(supplier.get_by_label("Price (£)")).to_have_value("24000")
    expect(supplier.get_by_label(f"How you meet: {ESSENTIAL}")).to_have_value(
        "Minutes are filed to the case record through its API."
    )

    # Northmoor sees that a proposal arrived, sealed until the closing date; not what it says.
    commissioner.reload()
    expect(commissioner.get_by_role("link", name="2 responses")).to_be_visible()
    expect(commissioner.get_by_text("(1 sealed proposal, read after the closing date)")).to_be_visible()
    commissioner.get_by_role("link", name="2 responses").click()
    expect(commissioner.locator("#sealed")).to_contain_text("1 proposal received. Proposals are sealed")
    assert "Same-day draft minutes" not in commissioner.content()


# --- the owner evaluates: scores, shortlist, award, feedback ------------------------------------

SCRIBE_TITLE = "Review meetings are minuted by hand"
WINNER_FEEDBACK = "The strongest on accuracy, and the case record integration is proven."
LOSER_FEEDBACK = "Good value, but the accuracy evidence came from a small trial."


def _seed_closed_challenge_with_proposals(session) -> str:
    """A Northmoor challenge whose closing date has passed, with proposals from Quillstone and
    from another supplier; returns its ref."""
    from catalogue.db import utcnow
    from outcomes.models import ChallengeResponse

    challenge = _challenge(
        session,
        "ch-northmoor-review-minutes",
        SCRIBE_TITLE,
        -1,
        status="open",
        published_at=utcnow(),
        problem="Looked-after children's review meetings are minuted by hand and typed up weeks later.",
    )
    ashgrove = _supplier(session, "sup-ashgrove", "Ashgrove Analytics Ltd", "bids@ashgrove.example")
    for supplier_id, approach, price in (
        (_organisation(session, "sup-quillstone").id, "Quillstone Notes drafts the minutes.", 30000),
        (ashgrove.id, "A review template that fills itself from the recording.", 18000),
    ):
        session.add(
            ChallengeResponse(
                challenge_id=challenge.id,
                supplier_id=supplier_id,
                kind="proposal",
                approach=approach,
                requirements_met=[{"requirement": ESSENTIAL, "how": "Through the case record's API."}],
                price=price,
            )
        )
    return challenge.ref


def _score(page, accuracy: str, cost: str, feedback: str) -> None:
    """As an evaluator, then as the owner moderating: both forms ask a score per criterion."""
    mine = page.locator("form", has=page.get_by_role("button", name="Save your scores"))
    mine.get_by_label("Accuracy (60%): score from 0 to 10").fill(accuracy)
    mine.get_by_label("Cost (40%): score from 0 to 10").fill(cost)
    mine.get_by_label("Your note").fill("Scored against the evidence in the proposal.")
    mine.get_by_role("button", name="Save your scores").click()
    expect(page.get_by_text("Saved", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Evaluators' scores")).to_contain_text("Scored against the evidence")

    moderated = page.locator("form", has=page.get_by_role("button", name="Save the moderated score and feedback"))
    moderated.get_by_label("Accuracy (60%): score from 0 to 10").fill(accuracy)
    moderated.get_by_label("Cost (40%): score from 0 to 10").fill(cost)
    moderated.get_by_label("Why this score").first.fill("The evaluators agreed.")
    moderated.get_by_label("Why this score").last.fill("The evaluators agreed.")
    moderated.get_by_label("Feedback for the supplier").fill(feedback)
    moderated.get_by_role("button", name="Save the moderated score and feedback").click()
    expect(page.get_by_text("Saved", exact=True)).to_be_visible()


def test_owner_scores_shortlists_awards_and_suppliers_see_the_outcome(page_as, seed) -> None:
    with seed() as session:
        ref = _seed_closed_challenge_with_proposals(session)

    # The closing date has passed: the owner starts evaluating.
    owner = page_as("commissioner@northmoor.example")
    owner.goto(f"/challenges/{ref}")
    owner.get_by_role("link", name="Change the status").click()
    owner.get_by_label("Evaluating proposals").check()
    owner.get_by_role("button", name="Change the status").click()
    expect(owner.get_by_text("The challenge is now ‘Evaluating proposals’")).to_be_visible()

    # Score each proposal against the weighted criteria, with feedback; shortlist one.
    owner.get_by_role("link", name="2 responses").click()
    expect(owner.get_by_role("heading", name="Responses")).to_be_visible()
    assert_accessible(owner)
    owner.get_by_role("link", name="Quillstone Ltd").click()
    expect(owner.get_by_role("heading", name="Proposal from Quillstone Ltd")).to_be_visible()
    _score(owner, "8", "6", WINNER_FEEDBACK)
    expect(owner.get_by_text("Weighted total: 72.0 out of 100.")).to_be_visible()
    owner.get_by_role("button", name="Shortlist", exact=True).click()
    expect(owner.get_by_text("Shortlisted", exact=True)).to_be_visible()
    assert_accessible(owner)

    owner.get_by_role("link", name="Back").click()
    owner.get_by_role("link", name="Ashgrove Analytics Ltd").click()
    _score(owner, "5", "9", LOSER_FEEDBACK)
    expect(owner.get_by_text("Weighted total: 66.0 out of 100.")).to_be_visible()

    # The responses, best score first; award the challenge to the shortlisted proposal.
    owner.get_by_role("link", name="Back").click()
    rows = owner.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Quillstone Ltd")
    expect(rows.nth(0)).to_contain_text("Shortlisted")
    expect(rows.nth(0)).to_contain_text("72.0")
    expect(rows.nth(1)).to_contain_text("Ashgrove Analytics Ltd")
    expect(rows.nth(1)).to_contain_text("66.0")
    owner.get_by_role("link", name="Quillstone Ltd").click()
    owner.get_by_role("link", name="Award to Quillstone Ltd").click()

    # The award is confirmed on its own page, with the contract's value and dates.
    expect(owner.get_by_role("heading", name="Confirm the award to Quillstone Ltd")).to_be_visible()
    expect(owner.get_by_text("Every other proposal is unsuccessful: Ashgrove Analytics Ltd.")).to_be_visible()
    assert_accessible(owner)
    owner.get_by_label("Contract value (£)").fill("30000")
    for legend, (day, month, year) in (("Contract starts", ("1", "2", "2031")), ("Contract ends", ("31", "1", "2032"))):
        dates = owner.get_by_role("group", name=legend)
        dates.get_by_label("Day").fill(day)
        dates.get_by_label("Month").fill(month)
        dates.get_by_label("Year").fill(year)
    owner.get_by_role("button", name="Confirm the award").click()
    expect(
        owner.get_by_text("Awarded. Each supplier that proposed has been sent its assessment summary.")
    ).to_be_visible()
    owner.get_by_role("link", name="2 responses").click()
    expect(rows.nth(0)).to_contain_text("Awarded")
    expect(rows.nth(1)).to_contain_text("Unsuccessful")

    # The winner sees the award and its feedback.
    winner = page_as("supplier@quillstone.example")
    winner.goto("/challenges")
    winner.get_by_role("link", name=SCRIBE_TITLE).click()
    expect(winner.get_by_text("Awarded to Quillstone Ltd")).to_be_visible()
    winner.get_by_role("link", name="View it and the feedback").click()
    expect(winner.get_by_text("Awarded", exact=True)).to_be_visible()
    expect(winner.get_by_role("heading", name="Feedback")).to_be_visible()
    expect(winner.get_by_text(WINNER_FEEDBACK)).to_be_visible()
    assert_accessible(winner)

    # The other supplier sees it was unsuccessful, and why; never the winner's scores or feedback.
    other = page_as("bids@ashgrove.example", SEED_PASSWORD)
    other.goto("/challenges")
    other.get_by_role("link", name=SCRIBE_TITLE).click()
    other.get_by_role("link", name="View it and the feedback").click()
    expect(other.get_by_text("Unsuccessful", exact=True)).to_be_visible()
    expect(other.get_by_text(LOSER_FEEDBACK)).to_be_visible()
    body = other.content()
    assert WINNER_FEEDBACK not in body
    assert "Weighted total" not in body
    assert "66.0" not in body
