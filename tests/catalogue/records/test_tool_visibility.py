"""Issue 13, hole 2: a tool first known through a private or authorities-only record is seen
only by those who may see that record, in every channel (its page, the organisation page,
/tools, search, CSV, the API, bundle export, pickers, follows, insights), until a public record
or its supplier's published offering makes it public. Checked as anonymous, supplier, another
authority, the owner and a site admin."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from catalogue import access
from catalogue.accounts.models import Organisation
from catalogue.accounts.services import issue_api_token
from catalogue.bundle import export_bundle
from catalogue.insights import services as insights
from catalogue.notifications.services import FollowError, follow
from catalogue.records.models import Tool
from catalogue.search import engine
from tests.factories import DeploymentFactory, OfferingFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.api import call
from tests.helpers.records_forms import ANSWERS, step, walk_to_check

NAME = "Zorblaxtool"
MARKER = "quuxplanted"
ROLES = ("anonymous", "supplier", "other_la", "owner", "admin")
# Who may see a tool entered in a record of each visibility.
SEES = {
    "private": {"owner", "admin"},
    "authorities": {"owner", "other_la", "admin"},
}


def _viewer(db: Session, user: object | None) -> access.Viewer:
    if user is None:
        return access.ANONYMOUS
    kind = db.get(Organisation, user.organisation_id).kind if user.organisation_id else None
    return access.viewer_for(user, organisation_kind=kind)


@pytest.fixture
def world(db: Session, request: pytest.FixtureRequest) -> SimpleNamespace:
    visibility = getattr(request, "param", "private")
    home = OrganisationFactory(ref="la-home", name="Home Council")
    away = OrganisationFactory(ref="la-away", name="Away Council")
    supplier = OrganisationFactory(ref="sup-x", name="Supplier X", kind="supplier")
    # A tool of a category no other tool has, so its count is its own.
    tool = ToolFactory(
        ref="tool-zorblax",
        name=NAME,
        summary=f"Drafts letters {MARKER}",
        categories=["translation"],
        developed_by_id=home.id,
        restricted=True,
    )
    ToolFactory(ref="tool-public", name="Public Tool")
    deployment = DeploymentFactory(organisation_id=home.id, tool_id=tool.id, visibility=visibility)
    users = {
        "anonymous": None,
        "supplier": UserFactory(organisation_id=supplier.id),
        "other_la": UserFactory(organisation_id=away.id),
        "owner": UserFactory(organisation_id=home.id),
        "admin": UserFactory(is_site_admin=True),
    }
    tokens = {role: issue_api_token(db, user, label="t") if user else None for role, user in users.items()}
    db.commit()
    return SimpleNamespace(
        home=home,
        away=away,
        supplier=supplier,
        tool=tool,
        deployment=deployment,
        users=users,
        tokens=tokens,
        sees=SEES[visibility],
    )


@pytest.mark.parametrize("world", ["private", "authorities"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_channel_shows_the_tool_only_to_those_who_see_its_record(
    db: Session,
    world: SimpleNamespace,
    role: str,
    client_as,
) -> None:
    sees = role in world.sees
    user = world.users[role]
    viewer = _viewer(db, user)
    client = client_as(user)
    token = world.tokens[role]

    # The policy, in Python and in SQL.
    assert access.can_see_tool(viewer, world.tool) is sees
    listed = db.exec(select(Tool.id).where(access.tool_visible_clause(viewer, Tool))).all()
    assert (world.tool.id in listed) is sees

    # Its page (404, never "forbidden": that would confirm it exists).
    assert client.get(f"/tools/{world.tool.ref}").status_code == (200 if sees else 404)
    # The organisation page ("Built by") and /tools with its counts.
    assert (NAME in client.get(f"/organisations/{world.home.ref}").get_data(as_text=True)) is sees
    assert (NAME in client.get("/tools").get_data(as_text=True)) is sees
    assert (NAME in client.get("/tools", query_string={"q": MARKER}).get_data(as_text=True)) is sees
    # Search: hits, snippets, totals and facet counts, and the search page.
    results = engine.search(viewer, MARKER, kinds=["tool"])
    assert ([h.id for h in results.hits] == [world.tool.id]) is sees
    assert results.total == (1 if sees else 0)
    assert dict(results.facets.get("category", [])).get("translation", 0) == (1 if sees else 0)
    page = client.get("/search", query_string={"q": MARKER}).get_data(as_text=True)
    assert (NAME in page) is sees and (f"/tools/{world.tool.ref}" in page) is sees
    # CSV.
    assert (NAME in client.get("/export/tools.csv").get_data(as_text=True)) is sees
    # The API: list, item, search, and PATCH (404 for those who may not see it).
    listing = call(client, "GET", "/api/v1/tools", token).get_json()
    assert (world.tool.ref in {t["ref"] for t in listing["items"]}) is sees
    assert call(client, "GET", f"/api/v1/tools/{world.tool.ref}", token).status_code == (200 if sees else 404)
    hits = call(client, "GET", "/api/v1/search", token, query_string={"q": MARKER}).get_data(as_text=True)
    assert (NAME in hits) is sees and (world.tool.ref in hits) is sees
    if token is not None:
        patched = call(client, "PATCH", f"/api/v1/tools/{world.tool.ref}", token, json={"summary": "Changed"})
        assert (patched.status_code == 404) is not sees
    # Bundle export for this viewer.
    assert (world.tool.ref in {t["ref"] for t in export_bundle(db, viewer)["tools"]}) is sees
    # Insights: tools by category counts only what the viewer may see.
    chart = insights.tools_by_category(db, viewer, insights.Filters())
    counts = {label: values[0] for label, values in chart.rows}
    assert counts["Translation and interpretation for families"] == (1 if sees else 0)
    # Follows.
    if user is not None:
        if sees:
            follow(db, viewer, "tool", world.tool.id)
        else:
            with pytest.raises(FollowError):
                follow(db, viewer, "tool", world.tool.id)
        db.rollback()


@pytest.mark.parametrize("world", ["private", "authorities"], indirect=True)
def test_pickers_and_typed_refs_offer_only_visible_tools(db: Session, world: SimpleNamespace, client_as) -> None:
    # The supplier's offering form neither lists the tool nor accepts its ref.
    supplier = client_as(world.users["supplier"])
    assert NAME not in supplier.get("/offerings/new").get_data(as_text=True)
    answer = supplier.post(
        "/offerings/new",
        data={"name": "Our offer", "summary": "Sells it", "categories": "translation", "tool": world.tool.ref},
    )
    assert answer.status_code == 200 and "Choose a tool from the list" in answer.get_data(as_text=True)
    # The deployment form lists it for the owner only (and the other authority when shared).
    for role in ("other_la", "owner"):
        client = client_as(world.users[role])
        page = client.get("/deployments/new").get_data(as_text=True)
        assert (NAME in page) is (role in world.sees)
    other = client_as(world.users["other_la"])
    answers = {**ANSWERS, "tool": {"tool_choice": "existing", "tool": world.tool.ref}}
    response = step(other, "/deployments/new/tool", "{}", **answers["tool"])
    assert ("Choose a tool from the list" in response.get_data(as_text=True)) is ("other_la" not in world.sees)
    # Typing its name as a new tool does not reveal that it exists.
    new = {"tool_choice": "new", "new_tool-name": NAME, "new_tool-categories": ["other"], "new_tool-built_here": "yes"}
    text = step(other, "/deployments/new/tool", "{}", **new).get_data(as_text=True)
    assert ("already listed" in text) is ("other_la" in world.sees)


def test_a_public_record_or_a_published_offering_makes_it_public(
    db: Session, world: SimpleNamespace, client_as
) -> None:
    anonymous = client_as(None)
    assert anonymous.get(f"/tools/{world.tool.ref}").status_code == 404
    assert engine.search(access.ANONYMOUS, MARKER, kinds=["tool"]).total == 0
    # The owner shares the record publicly: the tool is public, in search too (re-indexed).
    world.deployment.visibility = "public"
    db.add(world.deployment)
    db.commit()
    assert anonymous.get(f"/tools/{world.tool.ref}").status_code == 200
    assert engine.search(access.ANONYMOUS, MARKER, kinds=["tool"]).total == 1
    # And back: it follows its records again.
    world.deployment.visibility = "private"
    db.add(world.deployment)
    db.commit()
    assert anonymous.get(f"/tools/{world.tool.ref}").status_code == 404
    assert engine.search(access.ANONYMOUS, MARKER, kinds=["tool"]).total == 0
    # A verified supplier's published offering of it makes it public; a draft does not.
    offering = OfferingFactory(supplier_id=world.supplier.id, tool_id=world.tool.id, status="draft")
    assert anonymous.get(f"/tools/{world.tool.ref}").status_code == 404
    offering.status = "published"
    db.add(offering)
    db.commit()
    assert anonymous.get(f"/tools/{world.tool.ref}").status_code == 200
    assert engine.search(access.ANONYMOUS, MARKER, kinds=["tool"]).total == 1


def test_the_supplier_named_for_it_sees_it(db: Session, world: SimpleNamespace, client_as) -> None:
    world.tool.developed_by_id = None
    world.tool.supplier_id = world.supplier.id
    db.add(world.tool)
    db.commit()
    supplier = client_as(world.users["supplier"])
    assert supplier.get(f"/tools/{world.tool.ref}").status_code == 200
    assert NAME in supplier.get("/offerings/new").get_data(as_text=True)
    viewer = _viewer(db, world.users["supplier"])
    assert engine.search(viewer, MARKER, kinds=["tool"]).total == 1
    assert client_as(None).get(f"/tools/{world.tool.ref}").status_code == 404


@pytest.mark.parametrize(("visibility", "restricted"), [("private", True), ("authorities", True), ("public", False)])
def test_the_deployment_form_marks_a_new_tool_by_its_records_visibility(
    db: Session,
    client_as,
    visibility: str,
    restricted: bool,
) -> None:
    home = OrganisationFactory(ref="la-home", name="Home Council")
    ToolFactory(ref="tool-notes", name="Notes Tool")
    owner = UserFactory(organisation_id=home.id)
    client = client_as(owner)
    hint = "stays visible only to those who can see that record"
    assert hint in client.get("/deployments/new").get_data(as_text=True)
    answers = {
        **ANSWERS,
        "tool": {
            "tool_choice": "new",
            "new_tool-name": NAME,
            "new_tool-summary": "Built by our data team",
            "new_tool-categories": ["translation"],
            "new_tool-built_here": "yes",
        },
        "visibility": {"visibility": visibility},
    }
    draft = walk_to_check(client, "/deployments/new/", answers)
    assert step(client, "/deployments/new/check", draft, action="save").status_code == 303
    db.rollback()
    db.expire_all()
    tool = db.exec(select(Tool).where(Tool.name == NAME)).one()
    assert tool.restricted is restricted
    assert (client_as(None).get(f"/tools/{tool.ref}").status_code == 200) is (not restricted)
    assert (NAME in client_as(None).get("/tools").get_data(as_text=True)) is (not restricted)


def test_a_bundle_tool_named_only_by_restricted_records_is_restricted(db: Session) -> None:
    from catalogue.bundle import FORMAT, VERSION, import_bundle

    home = OrganisationFactory(ref="la-home", name="Home Council")
    bundle = {
        "format": FORMAT,
        "version": VERSION,
        "tools": [
            {"ref": "tool-hidden", "name": "Hidden One", "categories": ["other"], "developed_by": home.ref},
            {"ref": "tool-shown", "name": "Shown One", "categories": ["other"]},
            {"ref": "tool-alone", "name": "Alone One", "categories": ["other"]},
        ],
        "deployments": [
            {
                "ref": "dep-h",
                "organisation": home.ref,
                "tool": "tool-hidden",
                "stage": "pilot",
                "visibility": "private",
            },
            {"ref": "dep-s", "organisation": home.ref, "tool": "tool-shown", "stage": "pilot", "visibility": "public"},
        ],
    }
    import_bundle(db, bundle)
    db.commit()
    restricted = {t.ref: t.restricted for t in db.exec(select(Tool))}
    assert restricted == {"tool-hidden": True, "tool-shown": False, "tool-alone": False}
    assert not access.can_view_tool(access.ANONYMOUS, db.exec(select(Tool).where(Tool.ref == "tool-hidden")).one())


def test_the_index_follows_verification_and_moves_and_matches_a_rebuild(app, db: Session) -> None:
    from catalogue.search.cli import find_drift

    pending = OrganisationFactory(ref="la-new", name="New Council", verification="pending")
    away = OrganisationFactory(ref="la-away", name="Away Council")
    tool = ToolFactory(ref="tool-zorblax", name=NAME, summary=f"Drafts {MARKER}", restricted=True)
    other = ToolFactory(ref="tool-other", name="Other One", restricted=True)
    deployment = DeploymentFactory(organisation_id=pending.id, tool_id=tool.id, visibility="authorities")
    viewer = _viewer(db, UserFactory(organisation_id=away.id))
    assert engine.search(viewer, MARKER, kinds=["tool"]).total == 0
    # Verified: its authorities-only record, and so its tool, is seen by other authorities.
    pending.verification = access.VERIFIED
    db.add(pending)
    db.commit()
    assert engine.search(viewer, MARKER, kinds=["tool"]).total == 1
    # The record moved to another tool: the first has no record left, the second gains one.
    deployment.tool_id = other.id
    db.add(deployment)
    db.commit()
    assert engine.search(viewer, MARKER, kinds=["tool"]).total == 0
    assert other.id in engine.matching_ids(viewer, "other", "tool")
    assert engine.search(access.ANONYMOUS, "other", kinds=["tool"]).total == 0
    # What the change log applied is what a full rebuild would write.
    engine.sync()
    drift = find_drift(app.extensions["catalogue.engine"], app.config["SEARCH_INDEX_DIR"])
    assert not any(drift.values()), drift


def test_the_migration_marks_tools_that_only_restricted_records_name(db: Session) -> None:
    import importlib.util

    import sqlalchemy as sa

    from catalogue.config import PROJECT_ROOT

    path = PROJECT_ROOT / "migrations" / "versions" / "20261203_9d4f2b7a1c36_tool_restricted.py"
    spec = importlib.util.spec_from_file_location("tool_restricted_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    home = OrganisationFactory(ref="la-home", name="Home Council")
    supplier = OrganisationFactory(ref="sup-x", name="Supplier X", kind="supplier")
    hidden = ToolFactory(ref="tool-hidden")
    shown = ToolFactory(ref="tool-shown")
    sold = ToolFactory(ref="tool-sold", supplier_id=supplier.id)
    ToolFactory(ref="tool-alone")  # named by no record: a catalogue entry, public
    DeploymentFactory(organisation_id=home.id, tool_id=hidden.id, visibility="private")
    DeploymentFactory(organisation_id=home.id, tool_id=shown.id, visibility="authorities")
    DeploymentFactory(organisation_id=home.id, tool_id=shown.id, visibility="public")
    DeploymentFactory(organisation_id=home.id, tool_id=sold.id, visibility="authorities")
    db.exec(sa.text(migration.MARK_RESTRICTED))
    db.commit()
    db.expire_all()
    marked = {t.ref for t in db.exec(select(Tool).where(Tool.restricted))}
    assert marked == {"tool-hidden"}
