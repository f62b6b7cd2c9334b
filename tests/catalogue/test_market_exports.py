"""CSV exports of offerings and challenges (issue 17), beside tools and deployments: the rows
the list pages show the same viewer, through the same services (drafts only to their owners)."""

from __future__ import annotations

import csv
import io

from tests.factories import ChallengeFactory, OfferingFactory, OrganisationFactory, UserFactory


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_offerings_export_follows_the_list(db, client, client_as) -> None:
    supplier = OrganisationFactory(kind="supplier", name="Vendor Ltd")
    OfferingFactory(ref="exp-live", supplier_id=supplier.id, status="published", summary="=HYPERLINK(1)")
    OfferingFactory(ref="exp-draft", supplier_id=supplier.id, status="draft")
    member = UserFactory(organisation_id=supplier.id)
    db.commit()
    public = _rows(client.get("/export/offerings.csv"))
    assert [r["Reference"] for r in public] == ["exp-live"]
    assert public[0]["Supplier"] == "Vendor Ltd" and public[0]["Summary"] == "'=HYPERLINK(1)"
    assert public[0]["Link"].endswith("/offerings/exp-live")
    own = {r["Reference"] for r in _rows(client_as(member).get("/export/offerings.csv"))}
    assert own == {"exp-live", "exp-draft"}


def test_challenges_export_follows_the_list(db, client, client_as) -> None:
    council = OrganisationFactory(kind="local-authority", name="Owner Council")
    ChallengeFactory(ref="exp-open", owner_id=council.id, status="open", title="Open one", categories=["other"])
    ChallengeFactory(ref="exp-draft", owner_id=council.id, status="draft", title="Draft one")
    owner = UserFactory(organisation_id=council.id)
    db.commit()
    public = _rows(client.get("/export/challenges.csv"))
    assert [r["Reference"] for r in public] == ["exp-open"]
    assert public[0]["Owner"] == "Owner Council" and public[0]["Categories"] == "Other"
    own = {r["Reference"] for r in _rows(client_as(owner).get("/export/challenges.csv"))}
    assert own == {"exp-open", "exp-draft"}
    filtered = _rows(client_as(owner).get("/export/challenges.csv?status=draft"))
    assert [r["Reference"] for r in filtered] == ["exp-draft"]
