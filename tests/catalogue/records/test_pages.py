"""Catalogue pages: who sees what, through every page (planted marker words), and filters."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlmodel import Session

from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory

AUTH_MARKER = "zebracorn"  # in a deployment for authorities only
PRIVATE_MARKER = "quokkaplume"  # in a deployment private to its organisation


@pytest.fixture
def world(db: Session) -> SimpleNamespace:
    owner_org = OrganisationFactory(ref="la-owner", name="Owner Borough Council", region="London")
    other_org = OrganisationFactory(ref="la-other", name="Other County Council", region="North East")
    supplier_org = OrganisationFactory(ref="sup-one", name="Supplier One Ltd", kind="supplier")
    tool = ToolFactory(ref="tool-scribe", name="Scribe Tool", supplier_id=supplier_org.id)
    public = DeploymentFactory(
        ref="dep-public", organisation_id=other_org.id, tool_id=tool.id, visibility="public", summary="Open pilot note"
    )
    authorities = DeploymentFactory(
        ref="dep-authorities",
        organisation_id=owner_org.id,
        tool_id=tool.id,
        visibility="authorities",
        stage="dropped",
        dropped_reasons=["ethics"],
        summary=f"{AUTH_MARKER} summary",
        dropped_detail=f"{AUTH_MARKER} story",
    )
    private = DeploymentFactory(
        ref="dep-private",
        organisation_id=owner_org.id,
        tool_id=tool.id,
        visibility="private",
        stage="dropped",
        dropped_reasons=["ethics", "procurement"],
        summary=f"{PRIVATE_MARKER} summary",
        dropped_detail=f"{PRIVATE_MARKER} story",
    )
    users = {
        "anonymous": None,
        "pending": UserFactory(organisation_id=owner_org.id, status="pending"),
        "supplier": UserFactory(organisation_id=supplier_org.id),
        "owner": UserFactory(organisation_id=owner_org.id),
        "other_la": UserFactory(organisation_id=other_org.id),
        "site_admin": UserFactory(is_site_admin=True),
    }
    return SimpleNamespace(
        owner_org=owner_org,
        other_org=other_org,
        supplier_org=supplier_org,
        tool=tool,
        users=users,
        public=public,
        authorities=authorities,
        private=private,
    )


# Who sees which marker: (authorities marker, private marker)
SEES = {
    "anonymous": (False, False),
    "pending": (False, False),
    "supplier": (False, False),
    "owner": (True, True),
    "other_la": (True, False),
    "site_admin": (True, True),
}
PAGES = [
    "/tools/tool-scribe",
    "/deployments",
    "/deployments?stage=dropped",
    "/deployments/dropped",
    "/deployments/dropped?reason=ethics",
    "/organisations/la-owner",
    "/deployments/dep-public",
    "/deployments?q=summary",
    "/deployments/dropped?q=story",
]


@pytest.mark.parametrize("who", list(SEES))
def test_markers_reach_only_those_allowed(world: SimpleNamespace, client_as, who: str) -> None:
    client = client_as(world.users[who])
    sees_auth, sees_private = SEES[who]
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        if url.startswith("/deployments/dep-"):
            continue  # the public deployment's page lists other deployments too: checked below
        assert (AUTH_MARKER in text) == sees_auth or url in ("/deployments/dep-public",), (who, url)
        assert (PRIVATE_MARKER in text) == sees_private or url in ("/deployments/dep-public",), (who, url)
    # The public deployment's page lists the tool's other deployments the viewer may see.
    text = client.get("/deployments/dep-public").get_data(as_text=True)
    assert ("Owner Borough Council" in text) == (sees_auth or sees_private)
    # A hidden record's own page is a 404, the same as one that does not exist.
    assert client.get("/deployments/dep-authorities").status_code == (200 if sees_auth else 404)
    assert client.get("/deployments/dep-private").status_code == (200 if sees_private else 404)
    # Search by the marker itself finds nothing hidden.
    # (the query is echoed in the search box, so look for the record's link instead)
    assert (
        "/deployments/dep-authorities" in client.get(f"/deployments?q={AUTH_MARKER}").get_data(as_text=True)
    ) == sees_auth
    assert (
        "/deployments/dep-private" in client.get(f"/deployments?q={PRIVATE_MARKER}").get_data(as_text=True)
    ) == sees_private


@pytest.mark.parametrize("who", ["anonymous", "supplier", "pending"])
def test_counts_do_not_leak(world: SimpleNamespace, client_as, who: str) -> None:
    client = client_as(world.users[who])
    # The only ethics/procurement drops are hidden: no count row for them.
    dropped = client.get("/deployments/dropped").get_data(as_text=True)
    assert "reason=ethics" not in dropped.split("<select", 1)[0]
    assert "0 dropped pilots" in dropped
    tools = client.get("/tools").get_data(as_text=True)
    row = tools.split("Scribe Tool", 1)[1].split("</tr>", 1)[0]
    # One public deployment in use; the two hidden drops are not counted.
    assert re.findall(r'numeric">(\d+)<', row) == ["1", "0"]


def test_dropped_view_counts_reasons_and_lists_each_pilot_once(world: SimpleNamespace, client_as) -> None:
    text = client_as(world.users["owner"]).get("/deployments/dropped").get_data(as_text=True)
    assert "2 dropped pilots" in text
    # The reasons table counts per reason (ethics 2, procurement 1) ...
    reasons = text.split("Dropped pilots by reason", 1)[1].split("</table>", 1)[0]
    assert re.findall(r'numeric">(\d+)<', reasons) == ["2", "1"]
    # ... but the pilot dropped for two reasons has one card, not one per reason.
    results = text.split('role="status"', 1)[1]
    assert results.count('href="/deployments/dep-private"') == 1
    assert results.count('href="/deployments/dep-authorities"') == 1
    text = client_as(world.users["owner"]).get("/deployments/dropped?reason=procurement").get_data(as_text=True)
    assert PRIVATE_MARKER in text and AUTH_MARKER not in text


def test_authority_contact_details_for_authority_staff_when_consented(
    db: Session, world: SimpleNamespace, client_as
) -> None:
    """An authority's contact, given with consent, is shown to approved authority staff, never to
    suppliers, pending users or anonymous visitors (access.can_see_contact; tests/catalogue/accounts/test_contact_privacy.py)."""
    org = world.other_org
    org.contact_name, org.contact_email, org.contact_consent = "Pat Contact", "pat@other.example", True
    db.add(org)
    db.commit()
    for role in ("pending", "supplier"):
        page = client_as(world.users[role]).get("/organisations/la-other").get_data(as_text=True)
        assert "pat@other.example" not in page, role
    assert "pat@other.example" in client_as(world.users["owner"]).get("/organisations/la-other").get_data(as_text=True)
    assert "pat@other.example" not in client_as(None).get("/organisations/la-other").get_data(as_text=True)
    assert "pat@other.example" in client_as(world.users["site_admin"]).get("/organisations/la-other").get_data(
        as_text=True
    )
    org.contact_consent = False
    db.add(org)
    db.commit()
    page = client_as(world.users["owner"]).get("/organisations/la-other").get_data(as_text=True)
    assert "pat@other.example" not in page  # without consent: its own members and site admins only


def test_filters_and_sorts(world: SimpleNamespace, client_as, db: Session) -> None:
    other_tool = ToolFactory(
        ref="tool-chat", name="Chat Tool", categories=["chatbot"], uses_ai=False, delivery="embedded"
    )
    DeploymentFactory(
        ref="dep-chat",
        organisation_id=world.other_org.id,
        tool_id=other_tool.id,
        visibility="public",
        stage="implemented",
        evaluation="external-completed",
        summary="Chat deployment",
    )
    client = client_as(world.users["site_admin"])

    def has(url: str, *needles: str) -> list[bool]:
        text = client.get(url).get_data(as_text=True)
        return [n in text for n in needles]

    assert has("/tools?category=chatbot", "Chat Tool", "Scribe Tool") == [True, False]
    assert has("/tools?ai=no", "Chat Tool", "Scribe Tool") == [True, False]
    assert has("/tools?delivery=standalone", "Chat Tool", "Scribe Tool") == [False, True]
    assert has("/deployments?category=chatbot", "Chat deployment", "Open pilot note") == [True, False]
    assert has("/deployments?stage=implemented", "Chat deployment", "Open pilot note") == [True, False]
    assert has("/deployments?region=London", AUTH_MARKER, "Open pilot note") == [True, False]
    assert has("/deployments?evaluation=external-completed", "Chat deployment", "Open pilot note") == [True, False]
    assert has("/deployments?delivery=embedded&ai=no", "Chat deployment", "Open pilot note") == [True, False]
    assert has("/deployments?reason=procurement", PRIVATE_MARKER, AUTH_MARKER) == [True, False]
    text = client.get("/deployments?sort=tool").get_data(as_text=True)
    assert text.index("Chat deployment") < text.index("Open pilot note")
    text = client.get("/tools?sort=most-used").get_data(as_text=True)
    assert text.index("Scribe Tool") < text.index("Chat Tool")
    # Nonsense filters are ignored, never an error.
    assert client.get("/deployments?stage=nope&sort=nope&page=abc").status_code == 200
    assert client.get("/tools?category=%3Cscript%3E&page=-4").status_code == 200


def test_tool_page_shows_published_offerings_only(world: SimpleNamespace, client_as) -> None:
    from tests.factories import OfferingFactory

    OfferingFactory(ref="off-live", name="Live Offering", supplier_id=world.supplier_org.id, tool_id=world.tool.id)
    OfferingFactory(
        ref="off-draft", name="Draft Offering", supplier_id=world.supplier_org.id, tool_id=world.tool.id, status="draft"
    )
    text = client_as(None).get("/tools/tool-scribe").get_data(as_text=True)
    assert "Live Offering" in text and "Draft Offering" not in text


def test_missing_records_are_404(client) -> None:
    for url in ("/tools/nope", "/deployments/nope", "/organisations/nope", "/single-views/nope"):
        assert client.get(url).status_code == 404


def test_demo_tag_and_markdown(db: Session, world: SimpleNamespace, client_as) -> None:
    world.public.is_demo = True
    world.public.impact = "**bold** <script>alert(1)</script>"
    db.add(world.public)
    db.commit()
    text = client_as(None).get("/deployments/dep-public").get_data(as_text=True)
    assert "app-demo-tag" in text
    assert "<strong>bold</strong>" in text and "<script>alert(1)" not in text


def test_page_titles(world: SimpleNamespace, client) -> None:
    assert "<title>Tools – " in client.get("/tools").get_data(as_text=True)
    assert "<title>Dropped pilots and why – " in client.get("/deployments/dropped").get_data(as_text=True)


def test_unknown_ai_is_its_own_choice_and_the_dropped_view_filters_and_sorts(
    world: SimpleNamespace,
    client_as,
) -> None:
    unknown = ToolFactory(ref="tool-unsure", name="Unsure Tool", uses_ai=None, delivery="embedded")
    no_ai = ToolFactory(ref="tool-plain", name="Plain Tool", uses_ai=False)
    DeploymentFactory(
        ref="dep-unsure",
        organisation_id=world.other_org.id,
        tool_id=unknown.id,
        visibility="public",
        stage="dropped",
        dropped_reasons=["cost"],
        ended="2024-01",
        evaluation="external-completed",
        summary="Unsure dropped note",
    )
    DeploymentFactory(
        ref="dep-plain",
        organisation_id=world.other_org.id,
        tool_id=no_ai.id,
        visibility="public",
        stage="dropped",
        dropped_reasons=["cost"],
        ended="2025-01",
        summary="Plain dropped note",
    )
    client = client_as(world.users["other_la"])

    def has(url: str, *needles: str) -> list[bool]:
        text = client.get(url).get_data(as_text=True)
        return [n in text for n in needles]

    assert has("/tools?ai=no", "Plain Tool", "Unsure Tool") == [True, False]
    assert has("/tools?ai=unknown", "Plain Tool", "Unsure Tool") == [False, True]
    assert has("/deployments?ai=no", "Plain dropped note", "Unsure dropped note") == [True, False]
    assert has("/deployments?ai=unknown", "Plain dropped note", "Unsure dropped note") == [False, True]
    assert has("/deployments/dropped?ai=unknown", "Plain dropped note", "Unsure dropped note") == [False, True]
    dropped = "/deployments/dropped"
    assert has(f"{dropped}?evaluation=external-completed", "Plain dropped note", "Unsure dropped note") == [False, True]
    assert has(f"{dropped}?delivery=embedded", "Plain dropped note", "Unsure dropped note") == [False, True]
    page = client.get(dropped).get_data(as_text=True)
    assert 'name="sort"' in page and 'name="evaluation"' in page and 'name="delivery"' in page
    assert page.index("Plain dropped note") < page.index("Unsure dropped note")  # most recently dropped first
    page = client.get(f"{dropped}?sort=tool").get_data(as_text=True)
    assert page.index("Plain dropped note") < page.index("Unsure dropped note")
    page = client.get(f"{dropped}?sort=organisation&reason=cost").get_data(as_text=True)
    assert "2 dropped pilots" in page
    assert client.get(f"{dropped}?sort=nonsense&ai=nonsense").status_code == 200
