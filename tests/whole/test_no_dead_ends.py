"""No dead ends: every link a page shows is one its viewer may follow, a 403 says what the viewer
can do instead, the navigation reaches every list (the single-view registry and the CSV exports
included), and a supplier waiting for verification can prepare its profile and offerings, which
stay private until a site admin verifies it."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from suppliers.models import Offering
from tests.factories import OrganisationFactory, SingleViewFactory, UserFactory

OFFERING_FORM = {
    "name": "Prepared offering zqxprepared",
    "summary": "Builds chronologies from case notes.",
    "categories": ["summarisation"],
    "outcomes": "Faster chronologies",
    "delivery": "standalone",
    "hosting": "UK-hosted",
    "status": "published",
}


@pytest.fixture
def people(db):
    la = OrganisationFactory(kind="local-authority", name="Kirkby Council", region="North East")
    other_la = OrganisationFactory(kind="local-authority", name="Wolds Council", region="London")
    supplier = OrganisationFactory(kind="supplier", name="Acme Notes Ltd")
    waiting = OrganisationFactory(kind="supplier", name="Newco Ltd", verification="pending")
    partnership = OrganisationFactory(kind="partnership", name="Northern Partnership")
    return {
        "la": la,
        "other_la": other_la,
        "waiting": waiting,
        "anonymous": None,
        "staff": UserFactory(organisation_id=la.id),
        "other_staff": UserFactory(organisation_id=other_la.id),
        "supplier": UserFactory(organisation_id=supplier.id),
        "lead": UserFactory(organisation_id=partnership.id),
        "pending_member": UserFactory(organisation_id=la.id, status="pending"),
        "founder": UserFactory(organisation_id=waiting.id, role="admin", status="pending"),
        "site_admin": UserFactory(organisation_id=None, is_site_admin=True),
        "joiner": UserFactory(organisation_id=supplier.id, role="admin", status="pending"),
    }


def _links(html: str) -> set[str]:
    main = html.split('id="main-content"', 1)[1]
    return set(re.findall(r'href="([^"#]+)', main))


# (role, links the home page must offer, links it must not)
HOME = [
    ("anonymous", {"/challenges/new", "/deployments/new", "/suppliers/dashboard"}, set()),
    ("staff", {"/challenges/new", "/deployments/new"}, {"/suppliers/dashboard"}),
    ("supplier", {"/suppliers/dashboard", "/challenges"}, {"/challenges/new", "/deployments/new"}),
    # Partnerships record their own deployments (a regional alliance piloting a tool).
    ("lead", {"/challenges/new", "/deployments/new"}, {"/suppliers/dashboard"}),
    (
        "pending_member",
        {"/challenges", "/deployments"},
        {"/challenges/new", "/deployments/new", "/suppliers/dashboard"},
    ),
    ("founder", {"/suppliers/dashboard"}, {"/challenges/new", "/deployments/new"}),
]


@pytest.mark.parametrize(("role", "offered", "withheld"), HOME, ids=[h[0] for h in HOME])
def test_home_page_offers_each_role_only_what_it_may_do(people, client_as, role, offered, withheld) -> None:
    client = client_as(people[role])
    links = _links(client.get("/").get_data(as_text=True))
    assert offered <= links, offered - links
    assert not (withheld & links), withheld & links
    # What is offered is followed: never a 403 (anonymous visitors are sent to sign in).
    for href in offered:
        assert client.get(href).status_code in (200, 302, 303), href


def test_a_403_says_what_the_viewer_can_do_instead(people, client_as) -> None:
    page = client_as(people["supplier"]).get("/challenges/new")
    text = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "Only approved members of authorities, providers and partnerships can post a challenge" in text
    assert 'href="/suppliers/dashboard"' in text and "ask an admin of your organisation" not in text
    page = client_as(people["staff"]).get("/suppliers/dashboard")
    text = page.get_data(as_text=True)
    assert page.status_code == 403
    assert 'href="/deployments/new"' in text and 'href="/challenges/new"' in text
    assert "have the permission" not in text  # werkzeug's generic words are not repeated
    text = client_as(people["pending_member"]).get("/deployments/new").get_data(as_text=True)
    assert "waiting for an admin of your organisation to approve it" in text


def test_navigation_reaches_every_list_and_the_downloads(people, client_as) -> None:
    for role in ("anonymous", "staff", "supplier"):
        client = client_as(people[role])
        html = client.get("/").get_data(as_text=True)
        nav = html.split('aria-label="Main menu"', 1)[1].split("</nav>", 1)[0]
        for href in ("/deployments", "/deployments/dropped", "/single-views", "/organisations", "/downloads"):
            assert f'href="{href}"' in nav, (role, href)
            assert client.get(href).status_code == 200, (role, href)
        # The label is on the <nav> landmark, not on the div around it.
        assert 'class="govuk-service-navigation" aria-label' not in html
    downloads = client_as(people["staff"]).get("/downloads").get_data(as_text=True)
    for href in ("/export/deployments.csv", "/export/tools.csv", "/insights/deployments-by-stage.csv"):
        assert href in downloads
    for href in re.findall(r'href="(/export/[^"]+|/insights/[^"]+\.csv)"', downloads):
        response = client_as(people["staff"]).get(href.replace("&amp;", "&"))
        assert response.status_code == 200 and response.mimetype == "text/csv", href


def test_single_view_registry_lists_what_the_viewer_may_see(people, client_as) -> None:
    public = SingleViewFactory(organisation_id=people["other_la"].id, visibility="public", status="live")
    shared = SingleViewFactory(organisation_id=people["other_la"].id, visibility="authorities", status="planned")
    private = SingleViewFactory(organisation_id=people["la"].id, visibility="private")
    hidden = SingleViewFactory(organisation_id=people["waiting"].id, visibility="public")
    everyone = {"public": public, "shared": shared, "private": private, "hidden": hidden}
    expected = {
        "anonymous": {"public"},
        "supplier": {"public"},
        "other_staff": {"public", "shared"},
        "staff": {"public", "shared", "private"},
        "site_admin": set(everyone),
    }
    for role, sees in expected.items():
        html = client_as(people[role]).get("/single-views").get_data(as_text=True)
        for name, view in everyone.items():
            assert (f'href="/single-views/{view.ref}"' in html) == (name in sees), (role, name)
    staff = client_as(people["staff"])
    html = staff.get("/single-views?region=London").get_data(as_text=True)
    assert f"/single-views/{public.ref}" in html and f"/single-views/{private.ref}" not in html
    html = staff.get("/single-views?status=planned").get_data(as_text=True)
    assert f"/single-views/{shared.ref}" in html and f"/single-views/{public.ref}" not in html
    assert staff.get("/single-views?status=%00nonsense&page=x").status_code == 200


def test_a_waiting_suppliers_founder_prepares_in_private(db, people, client_as, client) -> None:
    founder = client_as(people["founder"])
    waiting = people["waiting"]
    assert founder.get("/suppliers/dashboard").status_code == 200
    assert founder.get("/offerings/new").status_code == 200
    response = founder.post("/offerings/new", data=OFFERING_FORM)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    offering = db.exec(select(Offering).where(Offering.name == OFFERING_FORM["name"])).one()
    assert offering.supplier_id == waiting.id and offering.status == "published"
    assert founder.get(f"/offerings/{offering.ref}").status_code == 200
    assert founder.get(f"/suppliers/{waiting.ref}/edit").status_code == 200
    response = founder.post(
        f"/suppliers/{waiting.ref}/edit",
        data={"name": "Newco Ltd", "website": "https://newco.example", "description": "About zqxprofile"},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    # Kept private until verified: nobody else sees the offering or the profile.
    for role in ("anonymous", "staff", "supplier"):
        other = client_as(people[role])
        assert other.get(f"/offerings/{offering.ref}").status_code == 404, role
        assert "zqxprepared" not in other.get("/offerings").get_data(as_text=True), role
        assert other.get(f"/suppliers/{waiting.ref}").status_code == 404, role
    # Preparing is not being approved: challenges and authority-only records stay out of reach.
    assert founder.get("/challenges/new").status_code == 403
    # A pending member of a verified supplier (not its founder) still prepares nothing.
    assert client_as(people["joiner"]).get("/offerings/new").status_code == 403
    assert client_as(people["joiner"]).get("/suppliers/dashboard").status_code == 403


def test_a_site_admin_adds_an_offering_from_a_suppliers_profile(db, people, client_as) -> None:
    """The profile's "Add an offering" names the supplier: a site admin has no supplier of their own."""
    supplier = people["supplier"]
    org_ref = db.get(type(people["waiting"]), supplier.organisation_id).ref
    admin = client_as(people["site_admin"])
    profile = admin.get(f"/suppliers/{org_ref}").get_data(as_text=True)
    link = f"/offerings/new?supplier={org_ref}"
    assert link in profile
    assert admin.get(link).status_code == 200
    response = admin.post(link, data={**OFFERING_FORM, "name": "Added by an admin", "status": "draft"})
    assert response.status_code == 303
    db.rollback()  # a fresh read: the request wrote after this session's snapshot began
    offering = db.exec(select(Offering).where(Offering.name == "Added by an admin")).one()
    assert offering.supplier_id == supplier.organisation_id
    # Naming someone else's supplier gains nothing; a waiting one is not even admitted to.
    assert client_as(people["founder"]).get(link).status_code == 403
    assert client_as(people["supplier"]).get(f"/offerings/new?supplier={people['waiting'].ref}").status_code == 404
