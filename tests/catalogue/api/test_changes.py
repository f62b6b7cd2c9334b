"""GET /api/v1/changes: the change feed. Each role hears of exactly the records it may see (their
creation, updates, the change that hid them, their deletion) and of nothing it never could;
the cursor pages without gaps or repeats; bad cursors are 422 and pruned ones 410."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from catalogue.changes import ChangeLog
from catalogue.records.models import Deployment
from outcomes.models import Challenge
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory
from tests.helpers.api import call, errors_by_field

# Who may see each record of the API tests' world (tests/catalogue/api/conftest.py).
PUBLIC = {"tool-shared", "tool-fresh", "dep-public", "sv-public", "off-live", "ch-open"}
AUTHORITIES = {"dep-authorities", "sv-authorities"}
PRIVATE = {"dep-private", "sv-private", "ch-draft"}
SEES = {
    "none": PUBLIC,
    "pending": PUBLIC,
    "supplier": PUBLIC | {"off-draft"},
    "other_la": PUBLIC | AUTHORITIES,
    "owner": PUBLIC | AUTHORITIES | PRIVATE,
    "admin": PUBLIC | AUTHORITIES | PRIVATE | {"off-draft"},
}
ALL_REFS = PUBLIC | AUTHORITIES | PRIVATE | {"off-draft"}


def feed(client, token: str | None, after: str | None = None, limit: int = 500) -> tuple[list[dict], str]:
    url = f"/api/v1/changes?limit={limit}" + (f"&after={after}" if after else "")
    response = call(client, "GET", url, token)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return body["items"], body["next"]


def refs(items: list[dict], op: str | None = None) -> set[str]:
    return {i["ref"] for i in items if op is None or i["op"] == op}


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_hears_of_exactly_what_it_may_see(world, client, role):
    tokens, _ = world
    items, _ = feed(client, tokens[role])
    assert refs(items) == SEES[role]
    assert refs(items) & (ALL_REFS - SEES[role]) == set()  # no creation of a record it may not see
    for item in items:
        assert item["op"] in ("create", "update")
        # The address given answers the same caller.
        assert call(client, "GET", item["url"], tokens[role]).status_code == 200


def test_bad_and_revoked_tokens_are_refused(world, client):
    tokens, _ = world
    for role in ("bad", "revoked"):
        response = call(client, "GET", "/api/v1/changes", tokens[role])
        assert response.status_code == 401
        assert "MARKER" not in response.get_data(as_text=True)


def _set_visibility(db, ref: str, visibility: str) -> None:
    record = db.exec(select(Deployment).where(Deployment.ref == ref)).one()
    record.visibility = visibility
    db.add(record)
    db.commit()


def test_a_record_made_private_is_hidden_from_those_who_saw_it_and_silent_after(world, client, db):
    tokens, _ = world
    _, anonymous_at = feed(client, None)
    _, owner_at = feed(client, tokens["owner"])
    _set_visibility(db, "dep-public", "private")
    _set_visibility(db, "dep-public", "authorities")  # edits while out of the public's sight

    items, _ = feed(client, None, anonymous_at)
    assert [(i["ref"], i["op"], i["url"]) for i in items] == [("dep-public", "hidden", None)]

    owner_items, _ = feed(client, tokens["owner"], owner_at)
    assert [(i["ref"], i["op"]) for i in owner_items] == [("dep-public", "update"), ("dep-public", "update")]
    assert owner_items[-1]["url"].endswith("/api/v1/deployments/dep-public")


def test_a_record_made_public_appears_and_its_private_past_stays_unheard(world, client, db):
    tokens, _ = world
    _, anonymous_at = feed(client, None)
    challenge = db.exec(select(Challenge).where(Challenge.ref == "ch-draft")).one()
    challenge.problem = "Still a draft, edited"
    db.add(challenge)
    db.commit()
    challenge.status = "market-engagement"
    db.add(challenge)
    db.commit()
    items, _ = feed(client, None, anonymous_at)
    assert [(i["ref"], i["op"]) for i in items] == [("ch-draft", "update")]
    assert items[0]["url"].endswith("/api/v1/challenges/ch-draft")


def test_deletions_reach_only_those_who_could_see_the_record(world, client, db):
    tokens, _ = world
    cursors = {role: feed(client, tokens[role])[1] for role in ("none", "other_la", "owner", "supplier")}
    for ref in ("dep-private", "dep-authorities", "dep-public"):
        db.delete(db.exec(select(Deployment).where(Deployment.ref == ref)).one())
    db.commit()
    heard = {role: feed(client, tokens[role], at)[0] for role, at in cursors.items()}
    assert refs(heard["none"], "delete") == {"dep-public"}
    assert refs(heard["supplier"], "delete") == {"dep-public"}
    assert refs(heard["other_la"], "delete") == {"dep-public", "dep-authorities"}
    assert refs(heard["owner"], "delete") == {"dep-public", "dep-authorities", "dep-private"}
    for items in heard.values():
        assert all(i["url"] is None for i in items if i["op"] == "delete")


def test_a_private_creation_never_reaches_the_public(world, client, db):
    tokens, users = world
    _, at = feed(client, None)
    owner_org = users["owner"].organisation_id
    tool = ToolFactory(ref="tool-secret", name="Secrettool", restricted=True)
    DeploymentFactory(ref="dep-secret", organisation_id=owner_org, tool_id=tool.id, visibility="private")
    db.delete(db.exec(select(Deployment).where(Deployment.ref == "dep-secret")).one())
    db.commit()
    items, _ = feed(client, None, at)
    assert "dep-secret" not in refs(items) and "tool-secret" not in refs(items)
    owner_items, _ = feed(client, tokens["owner"], at)
    assert {("dep-secret", "create"), ("dep-secret", "delete")} <= {(i["ref"], i["op"]) for i in owner_items}


def test_a_public_record_restricted_later_is_hidden_not_deleted(world, client, db):
    _, at = feed(client, None)
    tool = ToolFactory(ref="tool-once", name="Oncetool")
    tool.restricted = True
    db.add(tool)
    db.commit()
    items, _ = feed(client, None, at)
    # Created in public (no address now: it is out of sight), then hidden; never "delete".
    assert [(i["ref"], i["op"], i["url"]) for i in items] == [
        ("tool-once", "create", None),
        ("tool-once", "hidden", None),
    ]


def test_an_organisation_losing_verification_hides_its_records(world, client, db):
    tokens, users = world
    _, at = feed(client, None)
    org = OrganisationFactory(kind="local-authority", name="Later Council")
    DeploymentFactory(ref="dep-later", organisation_id=org.id, tool_id=ToolFactory().id, visibility="public")
    org.verification = "pending"
    db.add(org)
    db.commit()
    items, _ = feed(client, None, at)
    later = [(i["op"], i["url"]) for i in items if i["ref"] == "dep-later"]
    # Created while public (now out of sight: no address), then hidden.
    assert later[0] == ("create", None) and later[-1] == ("hidden", None)
    assert all(url is None for _, url in later)


def test_pages_follow_on_without_gaps_or_repeats(world, client):
    tokens, _ = world
    whole, end = feed(client, tokens["admin"])
    walked, after = [], None
    for _ in range(50):
        items, after = feed(client, tokens["admin"], after, limit=2)
        if not items:
            break
        assert len(items) <= 2
        walked.extend(items)
    assert walked == whole
    assert feed(client, tokens["admin"], end)[0] == []


def test_holes_left_by_slower_transactions_are_asked_again(world, client, db):
    """PostgreSQL gives ids before commit: an id below the cursor that commits later still arrives."""
    owner_org = world[1]["owner"].organisation_id
    tool_id = ToolFactory().id
    DeploymentFactory(ref="dep-late", organisation_id=owner_org, tool_id=tool_id, visibility="public")
    DeploymentFactory(ref="dep-after", organisation_id=owner_org, tool_id=tool_id, visibility="public")
    # dep-late's entries are not committed yet when the feed is read: take them out for now.
    late = db.exec(select(ChangeLog).where(ChangeLog.ref == "dep-late")).all()
    saved = [(r.id, r.kind, r.record_id, r.op, r.at, r.action, r.ref, r.visibility, r.owner) for r in late]
    db.exec(sa.delete(ChangeLog).where(ChangeLog.id.in_([r[0] for r in saved])))
    db.commit()
    items, at = feed(client, None)
    assert "dep-after" in refs(items) and "dep-late" not in refs(items)
    columns = ("id", "kind", "record_id", "op", "at", "action", "ref", "visibility", "owner")
    db.exec(sa.insert(ChangeLog).values([dict(zip(columns, row, strict=True)) for row in saved]))
    db.commit()
    items, _ = feed(client, None, at)
    assert refs(items) == {"dep-late"}


def test_bad_cursors_and_limits_are_field_errors(world, client):
    for query in ("after=not-a-cursor", "after=eyJ2IjoyfQ", "limit=0", "limit=501", "limit=x"):
        response = call(client, "GET", f"/api/v1/changes?{query}")
        assert response.status_code == 422, query
        assert set(errors_by_field(response.get_json())) <= {"after", "limit"}
    assert call(client, "GET", "/api/v1/changes?since=1").status_code == 400


def test_a_cursor_older_than_the_log_is_gone(world, client, db):
    _, at = feed(client, None, limit=1)
    db.exec(sa.delete(ChangeLog).where(ChangeLog.id <= 3))
    db.commit()
    response = call(client, "GET", f"/api/v1/changes?after={at}")
    assert response.status_code == 410
    assert response.mimetype == "application/problem+json"


def test_a_tool_with_many_owners_keeps_them_all(world, client, db):
    """A restricted tool's standing names every organisation with a record of it: more than a
    short column holds (PostgreSQL would refuse the whole write)."""
    tool = ToolFactory(ref="tool-many", name="Manytool", restricted=True)
    for n in range(150):
        org = OrganisationFactory(kind="local-authority", name=f"Council {n}")
        DeploymentFactory(ref=f"dep-many-{n}", organisation_id=org.id, tool_id=tool.id, visibility="private")
    last = db.exec(select(ChangeLog).where(ChangeLog.kind == "tool", ChangeLog.record_id == tool.id)).all()[-1]
    assert len(last.owner.split()) == 150 and len(last.owner) > 400
