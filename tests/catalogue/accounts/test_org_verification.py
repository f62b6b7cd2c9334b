"""Organisations registered at sign-up wait for a site admin: until verified, the organisation and
everything it owns are seen only by its own members and site admins (catalogue.access), on every
page, in search, the API and exports. Site admins verify or reject them; members hear by email."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from catalogue.access import owner_is_verified, viewer_for
from catalogue.accounts import services as account_services
from catalogue.accounts.models import Organisation, User
from catalogue.bundle import dumps, export_bundle
from catalogue.changes import AuditEvent
from catalogue.db import get_session
from catalogue.notifications.models import OutboxEmail
from catalogue.search import engine
from suppliers.models import Offering
from tests.factories import ChallengeFactory, OfferingFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.accounts import GOOD_PASSWORD, confirm_and_sign_in, sign_up, viewer_of

MARKER = "zqxunverifiedmarker"
NEEDLE = "capybarawhistle"  # a search word only the pending supplier's records hold
ROLES = ("anonymous", "other_supplier", "la_member", "own_member", "site_admin")
SEES = {"own_member", "site_admin"}


@pytest.fixture
def world(db):
    pending = OrganisationFactory(
        kind="supplier",
        name=f"Northmoor Council Ltd {MARKER}",
        description=f"Trust us {MARKER}",
        verification="pending",
    )
    rival = OrganisationFactory(kind="supplier", name="Honest Supplier Ltd")
    la = OrganisationFactory(kind="local-authority", name="Kirkby Council")
    tool = ToolFactory(name=f"Fakescribe {MARKER}", description=NEEDLE, supplier_id=pending.id)
    offering = OfferingFactory(
        supplier_id=pending.id,
        tool_id=tool.id,
        name=f"Visit notes {MARKER}",
        summary=f"Transcribes visits {NEEDLE}",
        status="published",
    )
    challenge = ChallengeFactory(
        owner_id=la.id, status="open", title="Visit notes", problem="Workers transcribe visits and write notes."
    )
    users = {
        "anonymous": None,
        "other_supplier": UserFactory(organisation_id=rival.id),
        "la_member": UserFactory(organisation_id=la.id),
        # Approved members of a pending organisation do not arise from sign-up (verifying approves
        # them), but the policy does not rely on that.
        "own_member": UserFactory(organisation_id=pending.id, role="admin"),
        "site_admin": UserFactory(organisation_id=None, is_site_admin=True),
    }
    return {"org": pending, "tool": tool, "offering": offering, "challenge": challenge, "users": users, "la": la}


def _fresh(db) -> None:
    """Forget what the test's session holds: the requests changed the rows behind its back."""
    db.rollback()
    db.expire_all()


def _register(client, db, name: str, kind: str = "supplier") -> User:
    """Sign up registering a new organisation; the new (pending) account."""
    sign_up(client, organisation_choice="new", new_organisation_name=name, new_organisation_kind=kind)
    return db.exec(select(User).where(User.email == "sam@example.org")).one()


@pytest.mark.parametrize("role", ROLES)
def test_a_pending_suppliers_records_leak_nowhere(db, client_as, world, role) -> None:
    org, offering, tool = world["org"], world["offering"], world["tool"]
    user = world["users"][role]
    client = client_as(user)
    headers = {}
    if user is not None:
        headers = {"Authorization": f"Bearer {account_services.issue_api_token(db, user)}"}
        db.commit()
    sees = role in SEES
    pages = [
        "/organisations",
        f"/organisations/{org.ref}",
        "/suppliers",
        f"/suppliers/{org.ref}",
        "/offerings",
        f"/offerings/{offering.ref}",
        "/tools",
        f"/tools/{tool.ref}",
        f"/search?q={NEEDLE}",
        f"/export/search.csv?q={NEEDLE}",
        "/export/tools.csv",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert (MARKER in response.get_data(as_text=True)) is sees, (role, path)
    for path in (
        "/api/v1/offerings",
        f"/api/v1/offerings/{offering.ref}",
        "/api/v1/organisations?per_page=100",
        f"/api/v1/organisations/{org.ref}",
        "/api/v1/tools",
        f"/api/v1/tools/{tool.ref}",
        f"/api/v1/search?q={NEEDLE}",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 404), path
        assert (MARKER in response.get_data(as_text=True)) is sees, (role, path)
    # Search: no hit, and no facet count gives it away.
    viewer = viewer_of(db, user)
    results = engine.search(viewer, NEEDLE)
    assert (results.total > 0) is sees
    if not sees:
        assert results.facets == engine.search(viewer, "nosuchwordanywhere").facets
    # The exchange bundle as this viewer sees it.
    assert (MARKER in dumps(export_bundle(db, viewer))) is sees
    # Matching for the authority's challenge never offers it to the authority.
    if role == "la_member":
        page = client.get(f"/challenges/{world['challenge'].ref}/matches").get_data(as_text=True)
        assert MARKER not in page
    if role == "anonymous":
        assert MARKER not in client.get("/account/sign-up").get_data(as_text=True)


def test_verifying_makes_it_public_and_reindexes(db, client_as, world) -> None:
    org = world["org"]
    assert engine.search(viewer_for(None), NEEDLE).total == 0
    admin = client_as(world["users"]["site_admin"])
    page = admin.get("/account/organisations/pending").get_data(as_text=True)
    assert MARKER in page and "Verify" in page
    assert admin.post(f"/account/organisations/{org.id}/verify").status_code == 303
    _fresh(db)
    assert db.get(Organisation, org.id).verification == "verified"
    # The change log re-indexes the organisation's records: anonymous search finds them now.
    assert engine.search(viewer_for(None), NEEDLE).total >= 2
    anonymous = client_as(None)
    assert MARKER in anonymous.get("/suppliers").get_data(as_text=True)
    assert MARKER in anonymous.get(f"/offerings/{world['offering'].ref}").get_data(as_text=True)
    # Audit trail, and the members hear.
    events = db.exec(
        select(AuditEvent).where(AuditEvent.record_type == "organisation", AuditEvent.record_id == org.id)
    ).all()
    assert any("verification" in (e.changes or {}) for e in events)
    owner = world["users"]["own_member"]
    assert db.exec(select(OutboxEmail).where(OutboxEmail.to_address == owner.email)).first() is not None
    # Verified once: deciding again is refused.
    assert admin.post(f"/account/organisations/{org.id}/reject").status_code == 404


@pytest.mark.parametrize("role", ("anonymous", "other_supplier", "la_member", "own_member"))
def test_only_site_admins_verify(db, client_as, world, role) -> None:
    client = client_as(world["users"][role])
    page = client.get("/account/organisations/pending")
    verify = client.post(f"/account/organisations/{world['org'].id}/verify")
    expected = 302 if role == "anonymous" else 403
    assert (page.status_code, verify.status_code) == (expected, expected)
    _fresh(db)
    assert db.get(Organisation, world["org"].id).verification == "pending"


def test_bad_input_is_refused(db, client_as, world) -> None:
    admin = client_as(world["users"]["site_admin"])
    assert admin.post("/account/organisations/999999/verify").status_code == 404
    assert admin.post(f"/account/organisations/{world['org'].id}/approve").status_code == 404
    assert admin.post("/account/organisations/not-a-number/verify").status_code == 404
    assert admin.get(f"/account/organisations/{world['org'].id}/verify").status_code == 405
    # A verified organisation is not waiting.
    assert admin.post(f"/account/organisations/{world['la'].id}/reject").status_code == 404
    _fresh(db)
    assert db.get(Organisation, world["la"].id).verification == "verified"


def test_sign_up_registers_a_pending_organisation_then_a_site_admin_verifies(db, client, client_as) -> None:
    site_admin = UserFactory(organisation_id=None, is_site_admin=True)
    user = _register(client, db, "Brightwave Ltd", "supplier")
    org = db.get(Organisation, user.organisation_id)
    assert (org.verification, user.status) == ("pending", "pending")
    anonymous = client_as(None)
    for path in ("/organisations", "/suppliers", "/account/sign-up", "/api/v1/organisations?per_page=100"):
        assert "Brightwave" not in anonymous.get(path).get_data(as_text=True), path
    assert anonymous.get(f"/suppliers/{org.ref}").status_code == 404
    # Nobody can join it from the sign-up list while it waits.
    other = client_as(None)
    response = sign_up(other, email="eve@example.org", organisation_ref=org.ref)
    assert response.status_code == 200 and "Choose your organisation from the list" in response.get_data(as_text=True)
    # Its first member signs in after confirming, and is told it waits.
    confirm_and_sign_in(client, db, "sam@example.org")
    home = client.get("/").get_data(as_text=True)
    assert "waiting for a site admin to verify it" in home
    assert "Brightwave" in client.get(f"/organisations/{org.ref}").get_data(as_text=True)
    # A squatter's pending name does not block the real organisation registering.
    response = sign_up(
        client_as(None),
        email="real@example.org",
        organisation_choice="new",
        new_organisation_name="brightwave ltd",
        new_organisation_kind="supplier",
    )
    assert response.status_code == 303
    # Verify: one step approves the first member too, and emails them.
    admin = client_as(site_admin)
    assert "sam@example.org" in admin.get("/account/organisations/pending").get_data(as_text=True)
    assert admin.post(f"/account/organisations/{org.id}/verify").status_code == 303
    _fresh(db)
    assert db.get(User, user.id).status == "approved" and db.get(User, user.id).role == "admin"
    assert "waiting for a site admin" not in client.get("/").get_data(as_text=True)
    assert "Brightwave" in anonymous.get("/suppliers").get_data(as_text=True)
    subjects = [e.subject for e in db.exec(select(OutboxEmail).where(OutboxEmail.to_address == "sam@example.org"))]
    assert any("is verified" in s for s in subjects)
    # The real one's name now clashes with a listed organisation.
    response = sign_up(
        client_as(None),
        email="late@example.org",
        organisation_choice="new",
        new_organisation_name="Brightwave Ltd",
        new_organisation_kind="supplier",
    )
    assert "already listed" in response.get_data(as_text=True)


def test_rejecting_rejects_the_first_member(db, client, client_as) -> None:
    site_admin = UserFactory(organisation_id=None, is_site_admin=True)
    user = _register(client, db, "Fake Fostering", "provider")
    confirm_and_sign_in(client, db, "sam@example.org")
    assert client_as(site_admin).post(f"/account/organisations/{user.organisation_id}/reject").status_code == 303
    _fresh(db)
    assert db.get(Organisation, user.organisation_id).verification == "rejected"
    assert db.get(User, user.id).status == "rejected"
    # Signed out everywhere, and cannot sign in again.
    assert client.get("/account").status_code == 302
    response = client.post("/account/sign-in", data={"email": "sam@example.org", "password": GOOD_PASSWORD})
    assert response.status_code != 303
    subjects = [e.subject for e in db.exec(select(OutboxEmail).where(OutboxEmail.to_address == "sam@example.org"))]
    assert any("was not verified" in s for s in subjects)
    assert "Fake Fostering" not in client_as(None).get("/organisations").get_data(as_text=True)


def test_approving_the_first_member_verifies_the_organisation(db, client, client_as) -> None:
    site_admin = UserFactory(organisation_id=None, is_site_admin=True)
    user = _register(client, db, "Nimbus Ltd")
    assert client_as(site_admin).post(f"/account/members/{user.id}/approve").status_code == 303
    _fresh(db)
    assert db.get(Organisation, user.organisation_id).verification == "verified"
    assert db.get(User, user.id).status == "approved"


def test_existing_and_operator_organisations_are_verified(db) -> None:
    org = account_services.create_organisation(db, "Operator Made", "provider")
    db.commit()
    assert org.verification == "verified"
    assert OrganisationFactory().verification == "verified"
    assert db.exec(select(Offering)).first() is None


def test_members_page_says_approving_a_first_member_verifies(db, client, client_as) -> None:
    site_admin = UserFactory(organisation_id=None, is_site_admin=True)
    _register(client, db, "Nimbus Ltd")
    page = client_as(site_admin).get("/account/members").get_data(as_text=True)
    assert "approving also verifies it" in page


def test_the_policy_reads_verification_once_and_sees_changes_at_once(app, db):
    # The policy asks about a record's owner for every record it checks (matching asks for
    # thousands): one query answers them all, and a change to an organisation is seen at once.
    pending = OrganisationFactory(kind="supplier", verification="pending")
    others = [OrganisationFactory(kind="supplier") for _ in range(5)]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = db.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(20):
            assert not owner_is_verified(pending.id)
            assert all(owner_is_verified(o.id) for o in others)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "organisation" in s]) <= 1, statements
    # A change in the policy's own session (the request's) is seen at its next flush.
    session = get_session()
    session.get(Organisation, pending.id).verification = "verified"
    session.flush()
    assert owner_is_verified(pending.id)
    session.rollback()
    assert not owner_is_verified(pending.id)
