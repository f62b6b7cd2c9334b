"""Counts shown to a viewer are computed for that viewer (issue 13, hole 3): the supplier
dashboard's "Peer evidence" came from the owner's cached matches and counted authorities-only
deployments a supplier may not see."""

from __future__ import annotations

import pytest

from catalogue.access import viewer_for
from outcomes.matching import engine
from tests.factories import UserFactory
from tests.helpers.matching import matching_world


@pytest.fixture
def world(db) -> dict:
    return matching_world()


def test_supplier_dashboard_peer_evidence_counts_only_what_the_supplier_sees(db, world, client_as) -> None:
    # The owner's view counts the public and the authorities-only deployment of the tool.
    owners = engine.match_challenge(db, world["challenge"], limit=10)
    assert next(m for m in owners.offerings if m.ref == "off-scribe").peer["organisations"] == 2
    supplier_user = UserFactory(organisation_id=world["supplier"].id)
    page = client_as(supplier_user).get("/suppliers/dashboard").get_data(as_text=True)
    assert "Visit write-ups done in the evening" in page
    assert "2 other organisations use its tool" not in page
    # The same through the engine, for the offering page's helper.
    supplier = viewer_for(supplier_user, "supplier")
    found = dict((c.ref, m) for c, m in engine.challenges_for_offering(db, world["standalone"], viewer=supplier))
    seen = found["ch-evenings"]
    assert seen.peer["organisations"] == 1 and seen.peer["stages"] == {"implemented": 1}
    assert any(w.startswith("Peer evidence: 1 other organisation uses your tool") for w in seen.why)
    assert not any("pilot" in w for w in seen.why if w.startswith("Peer evidence"))
    # The owner's members, asking for themselves, still see their full count.
    staff = viewer_for(UserFactory(organisation_id=world["owner"].id), "local-authority")
    found = dict((c.ref, m) for c, m in engine.challenges_for_offering(db, world["standalone"], viewer=staff))
    assert found["ch-evenings"].peer["organisations"] == 2
