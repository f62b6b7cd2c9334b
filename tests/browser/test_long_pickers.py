"""Long pickers are searchable where scripts run: the organisation select for references is
GOV.UK's accessible-autocomplete, and the "tried before" deployments narrow as you type, each
labelled with its tool. Without scripts they stay a plain select and checkboxes."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_reference_organisation_is_a_type_ahead(page) -> None:
    sign_in(page, "supplier@quillstone.example")
    assert page.goto("/offerings/off-quillstone-visits/references").status == 200
    field = page.locator("input#organisation.autocomplete__input")
    field.wait_for()
    assert_accessible(page)
    field.fill("Saltm")
    option = page.locator(".autocomplete__option", has_text="Saltmere Council")
    option.first.click()
    chosen = page.eval_on_selector("select#organisation-select", "s => s.options[s.selectedIndex].text")
    assert chosen == "Saltmere Council"
    assert (
        page.locator(".autocomplete__option").count() <= 1 or not page.locator(".autocomplete__menu--visible").count()
    )
    assert not page.problems.messages, page.problems.messages


def test_tried_before_list_filters_by_tool_name(page, seed) -> None:
    from sqlmodel import select

    from catalogue.accounts.models import Organisation
    from outcomes.models import Challenge

    with seed() as session:
        owner = session.exec(select(Organisation).where(Organisation.ref == "la-northmoor")).one()
        if session.exec(select(Challenge).where(Challenge.ref == "picker-draft")).first() is None:
            session.add(Challenge(ref="picker-draft", title="Picker draft", problem="Write-ups.", owner_id=owner.id))
    sign_in(page, "commissioner@northmoor.example")
    response = page.goto("/challenges/picker-draft/edit/tried-before")
    assert response.status == 200, response.status
    items = page.locator("#tried_deployments-list .govuk-checkboxes__item")
    total = items.count()
    assert total > 3
    assert_accessible(page)
    assert page.locator("#tried_deployments-list label", has_text="Quillstone Notes").count()
    page.get_by_label("Filter by tool, organisation or stage").fill("quillstone notes")
    visible = [t for t in items.all_inner_texts() if t]
    shown = page.locator("#tried_deployments-list .govuk-checkboxes__item:visible")
    assert 0 < shown.count() < total, visible
    assert all("Quillstone Notes" in shown.nth(i).inner_text() for i in range(shown.count()))
    assert page.get_by_role("status").filter(has_text=f"of {total} shown").count() == 1
    # A ticked item stays in view whatever is typed; Enter in the box does not submit.
    shown.first.locator("input").check()
    page.get_by_label("Filter by tool, organisation or stage").fill("zzzz nothing")
    page.keyboard.press("Enter")
    assert "/edit/tried-before" in page.url
    assert page.locator("#tried_deployments-list .govuk-checkboxes__item:visible").count() == 1
    assert not page.problems.messages, page.problems.messages
