"""Small things users notice: distinct titles for a tool and its offering, one date format, the
summary as a textarea with a character count, "Ethics checks" that read sensibly, forms that post
back without a #fragment, and every <button> with a type."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from catalogue.templating import format_date
from tests.factories import DeploymentFactory, OfferingFactory, OrganisationFactory, ToolFactory, UserFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def things(db):
    la = OrganisationFactory(kind="local-authority")
    supplier = OrganisationFactory(kind="supplier")
    tool = ToolFactory(name="Notewise", supplier_id=supplier.id)
    offering = OfferingFactory(name="Notewise", supplier_id=supplier.id, tool_id=tool.id)
    deployment = DeploymentFactory(
        organisation_id=la.id, tool_id=tool.id, visibility="public", ethics_checks=["none"], summary="Used widely"
    )
    return {
        "tool": tool,
        "offering": offering,
        "deployment": deployment,
        "staff": UserFactory(organisation_id=la.id),
        "supplier": UserFactory(organisation_id=supplier.id),
    }


def test_a_tool_and_its_offering_have_distinct_titles(things, client) -> None:
    tool = client.get(f"/tools/{things['tool'].ref}").get_data(as_text=True)
    offering = client.get(f"/offerings/{things['offering'].ref}").get_data(as_text=True)
    tool_title = re.search(r"<title>(.*?)</title>", tool).group(1)
    offering_title = re.search(r"<title>(.*?)</title>", offering).group(1)
    assert tool_title != offering_title
    assert tool_title.startswith("Notewise – Tools") and offering_title.startswith("Notewise – Offerings")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2027, 1, 15), "15 January 2027"),
        (datetime(2027, 1, 5, 9, 30), "5 January 2027"),
        ("2027-01-15", "15 January 2027"),
        ("2027-01", "January 2027"),
        ("next June", "next June"),
        (None, ""),
        ("", ""),
    ],
)
def test_one_date_format_for_dates_and_dates_stored_as_text(value, shown) -> None:
    assert format_date(value) == shown


def test_summaries_are_textareas_with_a_character_count(things, client_as) -> None:
    supplier = client_as(things["supplier"])
    pages = [
        supplier.get("/offerings/new").get_data(as_text=True),
        supplier.get(f"/tools/{things['tool'].ref}/edit").get_data(as_text=True),
    ]
    for html in pages:
        assert re.search(r'<textarea[^>]*name="summary"', html), html[:500]
        assert 'data-module="govuk-character-count"' in html and 'data-maxlength="500"' in html
    assert not re.search(r'<input[^>]*name="summary"', "".join(pages))


def test_ethics_checks_none_reads_sensibly(things, client) -> None:
    html = client.get(f"/deployments/{things['deployment'].ref}").get_data(as_text=True)
    row = html.split("Ethics checks", 1)[1].split("</div>", 1)[0]
    assert "None done" in row and ">No<" not in row


def test_forms_post_back_without_a_fragment(client) -> None:
    html = client.get("/account/sign-in?next=/tools").get_data(as_text=True)
    assert 'action="/account/sign-in?next=/tools"' in html
    for path in TEMPLATES.rglob("*.html"):
        for form in re.findall(r"<form\b[^>]*>", path.read_text()):
            assert "action=" in form, f"{path.name}: {form}"


def test_every_button_has_a_type() -> None:
    for path in TEMPLATES.rglob("*.html"):
        for button in re.findall(r"<button\b[^>]*>", path.read_text()):
            assert "type=" in button, f"{path.name}: {button}"


def test_search_shows_results_first_and_folds_its_filters(client) -> None:
    html = client.get("/search?q=notes").get_data(as_text=True)
    filters = html.index('<details class="govuk-details app-search-filters">')
    assert html.index('id="result-count"') < filters
    assert 'name="kind"' in html[filters:] or 'name="category"' in html[filters:] or 'id="sort"' in html[filters:]
    # Chosen filters keep the disclosure open and say how many there are.
    html = client.get("/search?q=notes&kind=tool&kind=offering").get_data(as_text=True)
    assert '<details class="govuk-details app-search-filters" open>' in html and "Filter (2 chosen)" in html
