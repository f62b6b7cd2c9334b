"""The challenge form completed with the keyboard alone (issue 9): Tab, Shift+Tab, Enter, Space,
arrow keys and typing, never a click, from signing in to the check page."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, assert_accessible

FOCUSED = """() => {
    const e = document.activeElement;
    return {id: e.id, tag: e.tagName, text: (e.innerText || e.value || '').trim(), type: e.type || ''};
}"""


def _tab_to(page, *, id: str | None = None, text: str | None = None, back: bool = False) -> None:
    """Press Tab (Shift+Tab with back=True) until the element with this id, or the link or
    button with this text, has the focus."""
    key = "Shift+Tab" if back else "Tab"
    passed = []
    for _ in range(80):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if (id is not None and focused["id"] == id) or (text is not None and focused["text"] == text):
            return
        passed.append(focused["id"] or focused["text"][:30])
    raise AssertionError(f"{key} never reached {id or text!r} on {page.url}; focus went through {passed}")


def _type_into(page, field_id: str, text: str) -> None:
    _tab_to(page, id=field_id)
    page.keyboard.type(text)


def _follow(page, key: str = "Enter") -> None:
    """Press a key that follows a link or submits a form, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _press(page, text: str, key: str = "Enter") -> None:
    """Tab to the link or button with this text and press it."""
    _tab_to(page, text=text)
    _follow(page, key)


def test_challenge_form_with_the_keyboard_alone(page) -> None:
    closes = date.today() + timedelta(days=60)

    page.goto("/account/sign-in")
    _type_into(page, "email", "commissioner@northmoor.example")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    _follow(page)
    expect(page.get_by_text("Signed in as commissioner@northmoor.example")).to_be_visible()

    page.goto("/challenges")
    _press(page, "Post a challenge")
    expect(page.get_by_role("heading", name="Describe the problem")).to_be_visible()
    _type_into(page, "title", "Visit notes written up at home")
    page.keyboard.press("Tab")
    page.keyboard.type("Social workers write up visits in the evening, at home.")
    _tab_to(page, id="categories")  # the first category: transcription and note-taking
    page.keyboard.press("Space")
    expect(page.get_by_label("Transcription and note-taking (visits, meetings, supervision)")).to_be_checked()
    # Back to the problem to add to it.
    _tab_to(page, id="problem", back=True)
    page.keyboard.press("End")
    page.keyboard.type(" A visit takes 90 minutes to write up.")
    _press(page, "Save and continue")
    expect(page.get_by_role("heading", name="Write your challenge")).to_be_visible()

    _press(page, "Users and their needs")
    _type_into(page, "users", "Social workers in the assessment teams, who need to record visits accurately.")
    _press(page, "Save and return")
    expect(page.get_by_text("Users and their needs: saved")).to_be_visible()

    # Enter in a field saves the page (not the first "Remove" button).
    _press(page, "Outcomes")
    _type_into(page, "outcomes-0-outcome", "Social workers spend less time writing up visits")
    _type_into(page, "outcomes-0-measure", "Minutes per visit record, from time-use surveys")
    _type_into(page, "outcomes-0-baseline", "90 minutes")
    _type_into(page, "outcomes-0-target", "30 minutes")
    _follow(page)
    expect(page.get_by_text("Outcomes: saved")).to_be_visible()

    _press(page, "Budget and procurement route")
    _type_into(page, "budget_min", "25000")
    _type_into(page, "budget_max", "80000")
    _tab_to(page, id="route")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Innovation partnership")).to_be_checked()
    _press(page, "Save and return")
    expect(page.get_by_text("Budget and procurement route: saved")).to_be_visible()

    _press(page, "Timetable and closing date")
    _type_into(page, "timetable", "Supplier day in January; proposals by the closing date; pilot from the spring.")
    _type_into(page, "closes-day", str(closes.day))
    _type_into(page, "closes-month", str(closes.month))
    _type_into(page, "closes-year", str(closes.year))
    assert_accessible(page)
    _press(page, "Save and return")
    expect(page.get_by_text("Timetable and closing date: saved")).to_be_visible()

    # A second criterion row, added with the keyboard; Space on a button works like Enter.
    _press(page, "Evaluation criteria")
    _type_into(page, "evaluation_criteria-0-criterion", "Accuracy of the notes")
    _type_into(page, "evaluation_criteria-0-weight", "60")
    _press(page, "Add another criterion", key="Space")
    expect(page.get_by_role("group", name="Criterion 2")).to_be_visible()
    _type_into(page, "evaluation_criteria-1-criterion", "Cost")
    _type_into(page, "evaluation_criteria-1-weight", "40")
    assert_accessible(page)
    _follow(page)
    expect(page.get_by_text("Evaluation criteria: saved")).to_be_visible()

    _press(page, "Requirements")
    _type_into(page, "essential", "Works with our case management system")
    _press(page, "Save and return")
    expect(page.get_by_text("Requirements: saved")).to_be_visible()

    _press(page, "Check your challenge")
    expect(page.get_by_role("heading", name="Check your challenge")).to_be_visible()
    expect(
        page.get_by_text("The statement describes a problem, its users, measurable outcomes and a budget.")
    ).to_be_visible()
    answers = page.locator(".govuk-summary-list").first  # the lessons panel below has its own lists
    expect(answers).to_contain_text("A visit takes 90 minutes to write up.")
    expect(answers).to_contain_text("Innovation partnership")
    expect(answers).to_contain_text("Accuracy of the notes: 60%")
    expect(answers).to_contain_text("Cost: 40%")
    expect(answers).to_contain_text(f"{closes.day} {closes:%B %Y}")
    expect(answers).to_contain_text("Works with our case management system")
    expect(page.get_by_role("button", name="Publish for market engagement")).to_be_visible()
