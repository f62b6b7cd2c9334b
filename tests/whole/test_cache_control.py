"""Who may cache an answer: `private, no-store` whenever the body depends on who is asking (a
signed-in user, an API token, a session written during the request), `no-cache` for the pages
every anonymous visitor shares (`public, max-age=60` for the API's anonymous reads), Vary naming what tells requesters apart, and static assets keep
their own caching."""

from __future__ import annotations

import pytest
from flask import flash

from catalogue.accounts.services import issue_api_token
from tests.factories import ChallengeFactory, DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory

PRIVATE = "private, no-store"


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "SEARCH_SYNC_AFTER_REQUEST": False}


@pytest.fixture
def world(db):
    council = OrganisationFactory(kind="local-authority", name="Cache Council")
    user = UserFactory(organisation_id=council.id)
    tool = ToolFactory(ref="cachetool", name="Cachetool")
    DeploymentFactory(ref="cache-dep", organisation_id=council.id, tool_id=tool.id, visibility="authorities")
    ChallengeFactory(ref="cache-challenge", owner_id=council.id, status="draft")
    token = issue_api_token(db, user)
    db.commit()
    return {"council": council, "user": user, "token": token}


PAGES = ["/", "/tools", "/tools/cachetool", "/deployments/cache-dep", "/challenges", "/search?q=cache", "/no-such-page"]
API = ["/api/v1/tools", "/api/v1/tools/cachetool", "/api/v1/deployments", "/api/v1/organisations"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_for_a_signed_in_user_are_private(world, client_as, path: str) -> None:
    response = client_as(world["user"]).get(path)
    assert response.headers["Cache-Control"] == PRIVATE, path
    assert "Cookie" in response.headers["Vary"]


@pytest.mark.parametrize("path", ["/", "/tools", "/tools/cachetool", "/challenges", "/no-such-page"])
def test_anonymous_pages_are_revalidated_and_vary_on_the_cookie(world, client, path: str) -> None:
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-cache", path
    assert "Cookie" in response.headers["Vary"]


def test_records_only_signed_in_viewers_see_are_never_stored(world, client, client_as) -> None:
    # The authorities-only deployment and the draft challenge: found only for the owner's staff.
    staff = client_as(world["user"])
    for path in ("/deployments/cache-dep", "/challenges/cache-challenge"):
        response = staff.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == PRIVATE
        assert client.get(path).status_code == 404


def test_an_anonymous_answer_that_writes_the_session_is_private(app, client) -> None:
    # A flash message (or a CSRF token in a form) is this visitor's own.
    def _flashing() -> str:
        flash("Only for you")
        return "ok"

    app.add_url_rule("/_test/flash", view_func=_flashing)
    assert client.get("/_test/flash").headers["Cache-Control"] == PRIVATE
    assert client.get("/account/sign-in").headers["Cache-Control"] == PRIVATE


@pytest.mark.parametrize("path", API)
def test_api_answers_with_a_token_are_private(world, client, path: str) -> None:
    response = client.get(path, headers={"Authorization": f"Bearer {world['token']}"})
    assert response.status_code == 200, path
    assert response.headers["Cache-Control"] == PRIVATE
    assert "Authorization" in response.headers["Vary"]


@pytest.mark.parametrize("path", API)
def test_anonymous_api_reads_are_public_for_a_minute_and_vary_on_the_token(world, client, client_as, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Authorization" in response.headers["Vary"]
    # A session cookie does not authenticate the API, so it changes nothing.
    assert client_as(world["user"]).get(path).headers["Cache-Control"] == "public, max-age=60"
    # An anonymous refusal is not kept.
    missing = client.get("/api/v1/tools/no-such-tool")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-cache"


def test_a_refused_token_is_not_cached_either(world, client) -> None:
    response = client.get("/api/v1/tools", headers={"Authorization": "Bearer sp_not-a-token"})
    assert response.status_code == 401
    assert "Authorization" in response.headers["Vary"]
    assert "no-store" in response.headers["Cache-Control"] or response.headers["Cache-Control"] == "no-cache"


def test_exports_keep_their_own_no_store(world, client) -> None:
    response = client.get("/export/deployments.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PRIVATE


def test_static_assets_keep_their_caching(world, client, client_as) -> None:
    for requester in (client, client_as(world["user"])):
        response = requester.get("/static/css/app.css")
        assert response.status_code == 200
        # Flask's own: stored, revalidated by ETag.
        assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
        assert "private" not in response.headers["Cache-Control"]
        response.close()
