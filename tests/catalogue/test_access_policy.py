"""The visibility policy as a full matrix: every role × every visibility × view / change,
asked through the Python policy and through the SQL filter built from it, which must agree."""

from __future__ import annotations

import pytest
from sqlmodel import select

from catalogue.access import can_change, can_view, visible_clause
from catalogue.records.models import Deployment
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.accounts import viewer_of

ROLES = ["anonymous", "pending", "supplier", "owner", "other_la", "partnership", "site_admin"]

# What each role may see / change, per visibility of a record owned by "the owning LA".
EXPECTED_VIEW = {
    "public": {"anonymous", "pending", "supplier", "owner", "other_la", "partnership", "site_admin"},
    "authorities": {"owner", "other_la", "partnership", "site_admin"},
    "private": {"owner", "site_admin"},
}
EXPECTED_CHANGE = {"owner", "site_admin"}


@pytest.fixture
def world(db):
    owner_la = OrganisationFactory(kind="local-authority", name="Owning Council")
    other_la = OrganisationFactory(kind="local-authority", name="Other Council", region="London")
    supplier = OrganisationFactory(kind="supplier", name="Acme Supplier")
    partnership = OrganisationFactory(kind="partnership", name="Regional Partnership")
    users = {
        "anonymous": None,
        "pending": UserFactory(organisation_id=owner_la.id, status="pending"),
        "supplier": UserFactory(organisation_id=supplier.id),
        "owner": UserFactory(organisation_id=owner_la.id),
        "other_la": UserFactory(organisation_id=other_la.id),
        "partnership": UserFactory(organisation_id=partnership.id),
        "site_admin": UserFactory(organisation_id=None, is_site_admin=True),
    }
    tool = ToolFactory()
    records = {
        vis: DeploymentFactory(organisation_id=owner_la.id, tool_id=tool.id, visibility=vis)
        for vis in ("public", "authorities", "private")
    }
    return users, records


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", ["public", "authorities", "private"])
def test_view_and_change_matrix(db, world, role, visibility):
    users, records = world
    viewer = viewer_of(db, users[role])
    record = records[visibility]
    assert can_view(viewer, record) is (role in EXPECTED_VIEW[visibility])
    assert can_change(viewer, record) is (role in EXPECTED_CHANGE)
    # The SQL filter gives the same answer as the Python policy.
    found = db.exec(select(Deployment.id).where(visible_clause(viewer, Deployment), Deployment.id == record.id)).first()
    assert (found is not None) is (role in EXPECTED_VIEW[visibility])


def test_pending_member_of_owner_is_not_a_member(db, world):
    users, records = world
    viewer = viewer_of(db, users["pending"])
    assert viewer.member_org_id is None
    assert not can_change(viewer, records["public"])


def test_rejected_user_cannot_sign_in_by_cookie(db, world, client_as):
    users, _ = world
    user = users["other_la"]
    user.status = "rejected"
    db.add(user)
    db.commit()
    response = client_as(user).get("/account")
    assert response.status_code == 302  # sent to sign in: the session no longer counts


# Who sees an organisation's contact details (access.can_see_contact), by the organisation's kind
# and whether it agreed to be contacted. Members of the organisation and site admins always do.
EXPECTED_CONTACT = {
    ("local-authority", True): {"owner", "other_la", "partnership", "site_admin"},
    ("local-authority", False): {"owner", "site_admin"},
    ("supplier", True): {"supplier", "owner", "other_la", "partnership", "site_admin"},
    ("supplier", False): {"supplier", "site_admin"},
}


@pytest.mark.parametrize(("kind", "consent"), list(EXPECTED_CONTACT))
def test_contact_matrix(db, world, kind, consent) -> None:
    from catalogue.access import can_see_contact
    from catalogue.accounts.models import Organisation, User

    users, records = world
    owner_org = db.get(Organisation, records["public"].organisation_id)
    supplier_org = db.get(Organisation, db.get(User, users["supplier"].id).organisation_id)
    org = owner_org if kind == "local-authority" else supplier_org
    org.contact_consent = consent
    db.add(org)
    db.commit()
    for role in ROLES:
        expected = role in EXPECTED_CONTACT[(kind, consent)]
        assert can_see_contact(viewer_of(db, users[role]), org) is expected, (kind, consent, role)


# --- an organisation registered at sign-up, not yet verified by a site admin ---------------------


@pytest.mark.parametrize("role", [*ROLES, "pending_org_member"])
@pytest.mark.parametrize("visibility", ["public", "authorities", "private"])
def test_unverified_organisation_matrix(db, world, role, visibility):
    """Every record of an unverified organisation, whatever its own visibility, is seen only by the
    organisation's approved members and site admins: Python check, SQL clause and the search
    index's grants agree; the organisation itself is seen by its members (even pending) too."""
    from catalogue import access
    from catalogue.accounts.models import Organisation
    from suppliers.models import Offering
    from tests.factories import OfferingFactory

    users, _ = world
    provider = OrganisationFactory(kind="provider", name="Unverified Provider", verification="pending")
    supplier = OrganisationFactory(kind="supplier", name="Unverified Supplier", verification="pending")
    member = {
        "provider": UserFactory(organisation_id=provider.id),
        "supplier": UserFactory(organisation_id=supplier.id),
    }
    user = member["provider"] if role == "pending_org_member" else users[role]
    viewer = viewer_of(db, user)
    sees = role in ("pending_org_member", "site_admin")
    tool = ToolFactory(developed_by_id=provider.id)
    deployment = DeploymentFactory(organisation_id=provider.id, tool_id=tool.id, visibility=visibility)
    assert can_view(viewer, deployment) is sees
    found = db.exec(select(Deployment.id).where(visible_clause(viewer, Deployment), Deployment.id == deployment.id))
    assert (found.first() is not None) is sees
    unverified = {provider.id, supplier.id}
    level, owner = access.index_visibility("deployment", deployment, unverified)
    assert (level, owner) == ("private", provider.id)
    assert any(lv == level and (o is None or o == owner) for lv, o in access.visibility_grants(viewer)) is sees
    # The tool it built, and the organisation itself.
    assert access.can_view_tool(viewer, tool) is sees
    assert access.index_visibility("tool", tool, unverified) == ("private", provider.id)
    assert access.can_view_organisation(viewer, provider) is sees
    orgs = db.exec(select(Organisation.id).where(access.organisation_visible_clause(viewer, Organisation))).all()
    assert (provider.id in orgs) is sees
    # A published offering of an unverified supplier: only its members and site admins.
    offering = OfferingFactory(supplier_id=supplier.id, status="published")
    supplier_viewer = viewer_of(db, member["supplier"])
    for who, expected in ((viewer, role == "site_admin"), (supplier_viewer, True)):
        assert access.can_view_offering(who, offering) is expected
        hit = db.exec(
            select(Offering.id).where(access.offering_visible_clause(who, Offering), Offering.id == offering.id)
        )
        assert (hit.first() is not None) is expected
    assert access.index_visibility("offering", offering, unverified) == ("private", supplier.id)
    # Once verified, the ordinary rules apply again.
    assert access.index_visibility("deployment", deployment, set()) == (visibility, provider.id)


def test_a_pending_member_of_an_unverified_organisation_sees_it_but_not_its_records(db):
    from catalogue import access

    org = OrganisationFactory(kind="supplier", verification="pending")
    first = viewer_of(db, UserFactory(organisation_id=org.id, status="pending", role="admin"))
    assert access.can_view_organisation(first, org)
    assert not access.can_view_organisation(viewer_of(db, None), org)
