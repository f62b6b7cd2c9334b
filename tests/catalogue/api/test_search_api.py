"""GET /api/v1/search says when it corrected the spelling (`corrected_from`), as the search page
does, offers `suggestion`, and searches the words as typed with `exact=true`."""

from __future__ import annotations

from catalogue.search import engine
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory
from tests.helpers.api import call


def _catalogue(db) -> None:
    la = OrganisationFactory(name="Wrenfield Council", region="London")
    for n in range(4):
        tool = ToolFactory(name=f"Heronscribe {n}", description="Drafts a chronology of events.")
        DeploymentFactory(organisation_id=la.id, tool_id=tool.id, visibility="public")
    engine.sync(blocking=True)


def test_a_corrected_search_says_what_was_typed(db, client):
    _catalogue(db)
    body = call(client, "GET", "/api/v1/search?q=chronolgy").get_json()
    assert body["corrected_from"] == "chronolgy" and body["query"] == "chronology" and body["total"] > 0
    exact = call(client, "GET", "/api/v1/search?q=chronolgy&exact=true").get_json()
    assert exact["corrected_from"] is None and exact["total"] == 0


def test_a_search_as_spelt_has_no_correction(db, client):
    _catalogue(db)
    body = call(client, "GET", "/api/v1/search?q=chronology").get_json()
    assert body["corrected_from"] is None and body["suggestion"] is None and body["total"] > 0
