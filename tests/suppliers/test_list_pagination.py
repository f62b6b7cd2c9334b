"""/offerings, /suppliers and /single-views are filtered, counted and paginated in the database:
a page loads only its own rows (counted with the ORM's load event), totals and filters still
count only what the viewer may see."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from catalogue.accounts.models import Organisation
from catalogue.records import single_views
from catalogue.records.models import SingleView
from suppliers import services
from suppliers.models import Offering
from tests.factories import OfferingFactory, OrganisationFactory, SingleViewFactory, UserFactory

SIZE = 2


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", SIZE)
    monkeypatch.setattr(single_views, "PAGE_SIZE", SIZE)


@pytest.fixture
def loaded() -> Iterator[Counter]:
    """How many rows of each model the ORM turned into objects during the test's requests."""
    counts: Counter = Counter()

    def on_load(target, _context) -> None:
        counts[type(target).__name__] += 1

    models = (Offering, Organisation, SingleView)
    for model in models:
        sa.event.listen(model, "load", on_load)
    yield counts
    for model in models:
        sa.event.remove(model, "load", on_load)


@pytest.fixture
def market(db):
    uk = OrganisationFactory(kind="supplier", name="Alpha Ltd", is_sme=True, data_hosting="Hosted in London")
    duke = OrganisationFactory(kind="supplier", name="Beta Ltd", is_sme=False, data_hosting="Duke Street servers")
    pending = OrganisationFactory(kind="supplier", name="Gamma Ltd", verification="pending")
    for i in range(5):
        OfferingFactory(
            supplier_id=uk.id,
            name=f"Alpha offer {i}",
            case_management_systems=["Liquidlogic", "Mosaic é"] if i % 2 else ["Mosaic"],
            accreditations=["iso-27001"] if i == 0 else [],
        )
    OfferingFactory(supplier_id=duke.id, name="Beta offer", hosting="Duke Street", case_management_systems=["Eclipse"])
    OfferingFactory(supplier_id=uk.id, name="Alpha secret draft", status="draft")
    return {"uk": uk, "duke": duke, "pending": pending}


def _offerings(body: str) -> list[str]:
    return re.findall(r'href="/offerings/(off-[0-9]+)"[^>]*>([^<]+)<', body)


def test_offerings_page_loads_only_its_rows(client, market, loaded) -> None:
    body = client.get("/offerings?page=2").get_data(as_text=True)
    names = [name for _ref, name in _offerings(body)]
    assert names == ["Alpha offer 2", "Alpha offer 3"]  # by name: Alpha 0-4, then Beta
    assert "6 offerings" in body
    assert loaded["Offering"] <= SIZE
    assert "secret draft" not in body
    last = client.get("/offerings?page=99").get_data(as_text=True)
    assert [name for _ref, name in _offerings(last)] == ["Alpha offer 4", "Beta offer"]


def test_offering_filters_run_in_the_database(client, market) -> None:
    def names(query: str) -> set[str]:
        found = set()
        page = 1
        while True:
            body = client.get(f"/offerings?{query}&page={page}").get_data(as_text=True)
            found |= {name for _ref, name in _offerings(body)}
            if f"page={page + 1}" not in body:
                return found
            page += 1

    assert names("cms=Mosaic+%C3%A9") == {"Alpha offer 1", "Alpha offer 3"}
    assert names("cms=Mosaic") == {"Alpha offer 0", "Alpha offer 2", "Alpha offer 4"}
    assert names("cms=50%25_off") == set()
    assert names("accreditation=iso-27001") == {"Alpha offer 0"}
    assert names("sme=no") == {"Beta offer"}
    # "Duke" holds "uk" but not the word UK: the exact pattern decides after the database's pre-filter.
    assert names("hosting=uk") == {f"Alpha offer {i}" for i in range(5)}
    assert names("category=transcription%00") == set()


def test_supplier_directory_pages_in_the_database(client, market, loaded) -> None:
    for name in ("Delta Ltd", "Epsilon Ltd"):
        OrganisationFactory(kind="supplier", name=name)
    loaded.clear()
    body = client.get("/suppliers").get_data(as_text=True)
    assert "Alpha Ltd" in body and "Beta Ltd" in body and "Delta Ltd" not in body
    assert "4 suppliers" in body
    assert "Gamma Ltd" not in body  # not verified: listed nowhere
    assert "secret draft" not in body
    # Organisations loaded: the page's suppliers only (at most SIZE; the viewer's own is none).
    assert loaded["Organisation"] <= SIZE
    assert loaded["Offering"] == 6  # the page's suppliers' visible offerings, not the draft
    hosted = client.get("/suppliers?hosting=uk").get_data(as_text=True)
    assert "Alpha Ltd" in hosted and "Beta Ltd" not in hosted
    cms = client.get("/suppliers?cms=Eclipse").get_data(as_text=True)
    assert "Beta Ltd" in cms and "Alpha Ltd" not in cms


def test_single_views_page_in_the_database(client, client_as, db, loaded) -> None:
    councils = [OrganisationFactory(name=f"Council {i}", region="London") for i in range(5)]
    for org in councils:
        SingleViewFactory(organisation_id=org.id, visibility="authorities")
    SingleViewFactory(organisation_id=councils[0].id, visibility="public", status="planned")
    anonymous = client.get("/single-views").get_data(as_text=True)
    assert "1 single view" in anonymous
    staff = client_as(UserFactory(organisation_id=councils[4].id))
    loaded.clear()
    second = staff.get("/single-views?page=2").get_data(as_text=True)
    assert "6 single views" in second
    assert loaded["SingleView"] <= SIZE
    assert "Council 1" in second and "Council 2" in second and "Council 3" not in second
    assert "1 single view" in staff.get("/single-views?status=planned").get_data(as_text=True)
