"""The core finds the features and answers their refusals once: catalogue.features and catalogue.errors."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import SQLModel

from catalogue import errors, features
from catalogue.config import FEATURES


def test_every_feature_registers_its_parts(app: Flask) -> None:
    commands = set(app.cli.list_commands(None))
    assert {"bundle", "challenge", "db", "import", "mail", "match", "search", "seed", "users"} <= commands
    assert list(features.search_kinds()) == ["tool", "deployment", "single_view", "offering", "challenge"]
    assert [s.name for s in features.bundle_sections()][-2:] == ["offerings", "challenges"]
    assert set(features.followable()) == {"tool", "challenge"}
    assert list(features.dashboard_panels())[:2] == ["your-responses", "fitting-challenges"]
    assert features.tool_listers(), "suppliers lists the offerings that sell a tool"
    assert {"records", "search", "suppliers", "challenges", "partnerships", "matching"} <= set(app.blueprints)
    assert {"api_records", "api_search", "api_offerings", "api_challenges"} <= set(app.blueprints)


def test_models_are_found_through_the_feature_list() -> None:
    features.import_models()
    tables = set(SQLModel.metadata.tables)
    assert {"organisation", "tool", "deployment", "offering", "challenge", "follow", "change_log"} <= tables
    with pytest.raises(ModuleNotFoundError):
        features.import_models((*FEATURES, "no_such_feature"))


def test_offerings_and_challenges_share_one_heading_in_the_api_reference(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert [t["name"] for t in spec["tags"]].count("api_market") == 1
    assert not {"api_offerings", "api_challenges"} & {t["name"] for t in spec["tags"]}
    assert spec["paths"]["/api/v1/offerings"]["get"]["tags"] == ["api_market"]
    assert spec["paths"]["/api/v1/challenges/{ref}/proposal"]["post"]["tags"] == ["api_market"]


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (errors.NotFound("X-1"), 404),
        (errors.NotAllowed("Only the owner may do that"), 403),
        (errors.Invalid("Enter a title", "title"), 422),
    ],
)
def test_a_refusal_no_view_caught_is_answered_once(app: Flask, exc: errors.Refused, status: int) -> None:
    def refuse() -> str:
        raise exc

    app.add_url_rule("/refuse-for-test", "refuse_page", refuse)
    app.add_url_rule("/api/v1/refuse-for-test", "refuse_api", refuse)
    client = app.test_client()
    page = client.get("/refuse-for-test")
    assert page.status_code == status
    assert "text/html" in page.content_type
    api = client.get("/api/v1/refuse-for-test")
    assert api.status_code == status
    body = api.get_json()
    assert api.mimetype == "application/problem+json" and body["status"] == status
    if status == 422:
        assert body["errors"] == [{"pointer": "/title", "detail": "Enter a title"}]
    if status == 404:
        assert "X-1" not in api.get_data(as_text=True), "the ref asked for is not echoed"
