"""A regional lead builds an innovation partnership across several authorities (issue 9)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import SEED_PASSWORD, assert_accessible, seed_user

NAME = "Fells Recording Partnership"
DRAFT_TITLE = "One duty rota across the fells"


def _seed_members_and_a_draft(session) -> None:
    """Members of two more authorities, and a Northmoor challenge in market engagement."""
    from sqlmodel import select

    from catalogue.accounts.models import Organisation
    from catalogue.db import utcnow
    from outcomes.models import Challenge

    # Administrators: only an organisation's administrator answers a partnership's invitation.
    seed_user(
        session, "lead-practitioner@brackenfold.example", "la-brackenfold", "Bea Practitioner (Brackenfold)", "admin"
    )
    seed_user(session, "innovation@kestrelmere.example", "la-kestrelmere", "Kit Innovation (Kestrelmere)", "admin")
    northmoor = session.exec(select(Organisation).where(Organisation.ref == "la-northmoor")).one()
    session.add(
        Challenge(
            ref="ch-northmoor-fells-rota",
            owner_id=northmoor.id,
            title=DRAFT_TITLE,
            problem="Three authorities each run an out-of-hours rota for the same rural area.",
            status="market-engagement",
            published_at=utcnow(),
        )
    )


def _open_partnership(page) -> None:
    page.goto("/partnerships")
    page.get_by_role("link", name=NAME).click()


def test_regional_lead_builds_a_partnership_across_authorities(page_as, seed) -> None:
    with seed() as session:
        _seed_members_and_a_draft(session)

    # The lead starts the partnership, with its phases and milestones.
    lead = page_as("lead@northern-fells.example")
    lead.goto("/partnerships")
    lead.get_by_role("link", name="Start a partnership").click()
    lead.get_by_label("Name of the partnership or programme").fill(NAME)
    lead.get_by_label("Description").fill("Northern authorities testing recording tools together.")
    lead.get_by_label("Phases (optional)").fill("Discovery (winter), prototypes (spring), pilots in two authorities.")
    lead.get_by_label("Milestones (optional)").fill("2027-01-15 Discovery report\nPrototype demo day in March")
    lead.get_by_role("button", name="Save").click()
    expect(lead.locator(".govuk-error-summary")).to_contain_text("Start each milestone with its date")
    assert_accessible(lead)
    lead.get_by_label("Milestones (optional)").fill("2027-01-15 Discovery report\n2027-03-31 Prototype demo day")
    lead.get_by_role("button", name="Save").click()
    expect(lead.get_by_text("Partnership saved")).to_be_visible()
    expect(lead.get_by_role("heading", name=NAME)).to_be_visible()
    expect(lead.get_by_role("heading", name="Phases")).to_be_visible()
    milestones = lead.locator("h2:has-text('Milestones') + dl")
    expect(milestones).to_contain_text("15 January 2027")
    expect(milestones).to_contain_text("Prototype demo day")

    # It invites three authorities, and a supplier to the cohort (which joins once it accepts).
    for authority in (
        "Northmoor County Council",
        "Brackenfold Metropolitan Borough Council",
        "Kestrelmere City Council",
    ):
        lead.get_by_label("Invite a local authority").select_option(label=authority)
        lead.get_by_role("button", name="Send the invitation").click()
        expect(lead.get_by_text("Invitation sent")).to_be_visible()
    lead.get_by_label("Invite a supplier to the cohort").select_option(label="Quillstone Ltd")
    lead.get_by_role("button", name="Invite the supplier").click()
    expect(lead.get_by_text("the supplier joins the cohort once it accepts")).to_be_visible()
    members = lead.locator("h2:has-text('Members') + ul")
    expect(members.get_by_role("listitem").filter(has_text="Northmoor County Council")).to_contain_text("invited")
    expect(lead.locator("h2:has-text('Supplier cohort') + ul")).to_contain_text("Quillstone Ltd")
    assert_accessible(lead)

    # Two authorities accept; one declines.
    pages = {}
    for email, password, decision in (
        ("admin@northmoor.example", None, "Accept"),
        ("lead-practitioner@brackenfold.example", SEED_PASSWORD, "Accept"),
        ("innovation@kestrelmere.example", SEED_PASSWORD, "Decline"),
    ):
        member = pages[email] = page_as(email) if password is None else page_as(email, password)
        _open_partnership(member)
        expect(member.get_by_text("Your organisation has been invited to join this partnership.")).to_be_visible()
        if email.startswith("admin@northmoor"):
            assert_accessible(member)
        member.get_by_role("button", name=decision, exact=True).click()
        expect(member.get_by_text("Your answer has been saved")).to_be_visible()
        expect(member.get_by_text("Your organisation has been invited")).to_have_count(0)

    # The lead sees who joined, and asks to run a member's published challenge under the partnership.
    lead.reload()
    # Accepted: no status tag, only the lead's link to remove them.
    for name in ("Northmoor County Council", "Brackenfold Metropolitan Borough Council"):
        expect(members.get_by_role("listitem").filter(has_text=name)).to_have_text(f"{name} Remove {name}")
    expect(members.get_by_role("listitem").filter(has_text="Kestrelmere City Council")).to_contain_text("declined")
    lead.get_by_label("Add a challenge").select_option(label=DRAFT_TITLE)
    lead.get_by_role("button", name="Add the challenge").click()
    expect(lead.get_by_text("a member's joins when its owner accepts")).to_be_visible()
    # Northmoor, which owns it, is asked on the challenge's page and accepts.
    owner = page_as("commissioner@northmoor.example")
    owner.goto("/challenges/ch-northmoor-fells-rota")
    expect(owner.get_by_text("Partnerships asking to run this challenge")).to_be_visible()
    owner.get_by_role("button", name=f"Accept {NAME}").click()
    expect(owner.get_by_text("Your answer to the partnership has been saved")).to_be_visible()

    # A milestone is added later.
    lead.get_by_role("link", name="Edit the partnership").click()
    expect(lead.get_by_label("Milestones (optional)")).to_have_value(
        "2027-01-15 Discovery report\n2027-03-31 Prototype demo day"
    )
    lead.get_by_label("Milestones (optional)").press("End")
    lead.get_by_label("Milestones (optional)").press_sequentially("\n2027-06-30 Pilot evaluation published")
    lead.get_by_role("button", name="Save").click()
    expect(milestones).to_contain_text("Pilot evaluation published")

    # Members of the partnership see its challenges; the authority that declined does not list
    # them, and sees only the members that accepted.
    brackenfold = pages["lead-practitioner@brackenfold.example"]
    brackenfold.reload()
    expect(brackenfold.get_by_role("link", name=DRAFT_TITLE)).to_be_visible()
    brackenfold.get_by_role("link", name=DRAFT_TITLE).click()
    expect(brackenfold.get_by_role("heading", name=DRAFT_TITLE)).to_be_visible()
    expect(brackenfold.get_by_text(f"Part of {NAME}.")).to_be_visible()

    kestrelmere = pages["innovation@kestrelmere.example"]
    kestrelmere.reload()
    # A published challenge is no secret: the partnership page lists it for anyone.
    expect(kestrelmere.get_by_role("link", name=DRAFT_TITLE)).to_be_visible()
    others = kestrelmere.locator("h2:has-text('Members') + ul").get_by_role("listitem")
    expect(others.filter(has_text="Kestrelmere City Council")).to_contain_text("declined")

    # The lead removes Brackenfold, after confirming: it is told, and stops seeing the partnership's
    # challenges through the partnership at once.
    lead.goto("/partnerships")
    lead.get_by_role("link", name=NAME).click()
    lead.get_by_role("link", name="Remove Brackenfold Metropolitan Borough Council").click()
    lead.get_by_label("Why (optional, sent to them)").fill("Brackenfold leaves the pilot phase")
    assert_accessible(lead)
    lead.get_by_role("button", name="Remove").click()
    expect(lead.get_by_text("Removed: Brackenfold Metropolitan Borough Council")).to_be_visible()
    expect(members.get_by_role("listitem").filter(has_text="Brackenfold")).to_have_count(0)
