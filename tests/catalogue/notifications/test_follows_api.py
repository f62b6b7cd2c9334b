"""Follows through the API, by the follow buttons' service: follow what you may see, list, unfollow."""

from __future__ import annotations

from catalogue.accounts.services import issue_api_token
from tests.factories import ChallengeFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.api import call, errors_by_field


def test_follow_list_and_unfollow(db, client):
    org = OrganisationFactory(kind="local-authority")
    other = OrganisationFactory(kind="local-authority")
    ToolFactory(ref="tool-f", name="Followtool")
    ChallengeFactory(ref="ch-f", owner_id=org.id, status="market-engagement")
    ChallengeFactory(ref="ch-secret", owner_id=other.id, status="draft")
    token = issue_api_token(db, UserFactory(organisation_id=org.id))
    db.commit()
    for kind, ref in (("tool", "tool-f"), ("challenge", "ch-f"), ("tool", "tool-f")):
        made = call(client, "POST", "/api/v1/follows", token, json={"kind": kind, "ref": ref})
        assert made.status_code == 201, made.get_json()
    listed = call(client, "GET", "/api/v1/follows", token).get_json()
    assert sorted((f["kind"], f["ref"]) for f in listed["items"]) == [("challenge", "ch-f"), ("tool", "tool-f")]
    assert listed["items"][0]["url"].startswith("/api/v1/")
    # A draft someone else owns is as unknown as a missing record.
    hidden = call(client, "POST", "/api/v1/follows", token, json={"kind": "challenge", "ref": "ch-secret"})
    assert hidden.status_code == 422 and "ref" in errors_by_field(hidden.get_json())
    bad = call(client, "POST", "/api/v1/follows", token, json={"kind": "offering"})
    assert bad.status_code == 422 and set(errors_by_field(bad.get_json())) == {"kind", "ref"}
    assert call(client, "DELETE", "/api/v1/follows/tool/tool-f", token).status_code == 204
    assert [f["ref"] for f in call(client, "GET", "/api/v1/follows", token).get_json()["items"]] == ["ch-f"]
    assert call(client, "DELETE", "/api/v1/follows/tool/tool-nope", token).status_code == 404
    assert call(client, "GET", "/api/v1/follows", None).status_code == 401
