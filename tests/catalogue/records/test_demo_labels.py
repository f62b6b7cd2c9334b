"""Demo data is labelled wherever it shows: offering and supplier pages, lists and search hits."""

from __future__ import annotations

from catalogue.access import ANONYMOUS
from catalogue.search import engine
from tests.factories import DeploymentFactory, OfferingFactory, OrganisationFactory, ToolFactory

TAG = "app-demo-tag"


def test_demo_offerings_suppliers_and_search_hits_carry_the_demo_tag(db, client) -> None:
    demo_supplier = OrganisationFactory(ref="sup-demo", name="Demo Supplier", kind="supplier", is_demo=True)
    real_supplier = OrganisationFactory(ref="sup-real", name="Real Supplier", kind="supplier")
    OfferingFactory(ref="off-demo", supplier_id=demo_supplier.id, name="Demo offering zorblefish", is_demo=True)
    OfferingFactory(ref="off-real", supplier_id=real_supplier.id, name="Real offering zorblefish")
    la = OrganisationFactory(ref="la-demo", name="Demo Council", is_demo=True)
    tool = ToolFactory(ref="tool-demo", name="Demo tool zorblefish", is_demo=True)
    DeploymentFactory(ref="dep-demo", organisation_id=la.id, tool_id=tool.id, visibility="public", is_demo=True)

    assert TAG in client.get("/offerings/off-demo").get_data(as_text=True)
    assert TAG not in client.get("/offerings/off-real").get_data(as_text=True)
    assert TAG in client.get("/suppliers/sup-demo").get_data(as_text=True)
    assert TAG not in client.get("/suppliers/sup-real").get_data(as_text=True)
    listing = client.get("/offerings").get_data(as_text=True)
    assert listing.count(TAG) == 1

    hits = {h.ref: h.is_demo for h in engine.search(ANONYMOUS, "zorblefish").hits}
    assert hits == {"off-demo": True, "off-real": False, "tool-demo": True, "dep-demo": True}
    page = client.get("/search?q=zorblefish").get_data(as_text=True)
    assert page.count(TAG) == 3
