"""An authority's contact (a respondent's name and email, kept only with consent) is seen by
approved staff of authorities, providers, partnerships and government, never by suppliers or
anonymous visitors; without consent only by its own members and site admins. A supplier's
published business contact is seen by approved users."""

from __future__ import annotations

import pytest

from tests.factories import OrganisationFactory, UserFactory

NAME, EMAIL = "Zqxrespondent Person", "zqx.respondent@council.example"


@pytest.fixture
def orgs(db):
    la = OrganisationFactory(
        kind="local-authority",
        contact_name=NAME,
        contact_email=EMAIL,
        contact_role="Head of service",
        contact_consent=True,
    )
    supplier = OrganisationFactory(
        kind="supplier", contact_name="Sales Desk", contact_email="sales@supplier.example", contact_consent=True
    )
    other_la = OrganisationFactory(kind="local-authority")
    return la, supplier, other_la


def test_authority_contact_seen_by_authority_staff_only_with_consent(db, orgs, client_as):
    la, supplier, other_la = orgs
    people = {
        "anonymous": None,
        "pending": UserFactory(organisation_id=other_la.id, status="pending"),
        "supplier": UserFactory(organisation_id=supplier.id),
        "own member": UserFactory(organisation_id=la.id),
        "other LA": UserFactory(organisation_id=other_la.id),
        "site admin": UserFactory(is_site_admin=True),
    }
    sees = {"own member", "other LA", "site admin"}
    for who, user in people.items():
        page = client_as(user).get(f"/organisations/{la.ref}").get_data(as_text=True)
        assert (NAME in page and EMAIL in page) is (who in sees), who
    la.contact_consent = False
    db.add(la)
    db.commit()
    for who, user in people.items():
        page = client_as(user).get(f"/organisations/{la.ref}").get_data(as_text=True)
        assert (EMAIL in page) is (who in {"own member", "site admin"}), who


def test_page_says_an_introduction_can_be_arranged(db, orgs, client_as):
    la, supplier, _ = orgs
    page = client_as(UserFactory(organisation_id=supplier.id)).get(f"/organisations/{la.ref}").get_data(as_text=True)
    assert "agreed to be contacted" in page and EMAIL not in page


def test_supplier_business_contact_seen_by_approved_users_only(db, orgs, client_as):
    _, supplier, other_la = orgs
    approved = client_as(UserFactory(organisation_id=other_la.id)).get(f"/suppliers/{supplier.ref}")
    assert "sales@supplier.example" in approved.get_data(as_text=True)
    anonymous = client_as(None).get(f"/suppliers/{supplier.ref}")
    assert "sales@supplier.example" not in anonymous.get_data(as_text=True)
