"""Insights: every figure counts only what the viewer may see; charts are accessible SVG with
their numbers in a table and as CSV; filters narrow by region and category."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import (
    DeploymentFactory,
    OrganisationFactory,
    SingleViewFactory,
    ToolFactory,
    UserFactory,
)


@pytest.fixture
def world(db):
    north = OrganisationFactory(kind="local-authority", name="Northtown Council", region="North East")
    london = OrganisationFactory(kind="local-authority", name="Southwark-ish Council", region="London")
    supplier = OrganisationFactory(kind="supplier", name="Vendor Ltd")
    notes = ToolFactory(name="Notes tool", categories=["transcription"])
    risk = ToolFactory(name="Risk tool", categories=["risk-analytics"])
    # Public: one implemented transcription tool in the North East.
    DeploymentFactory(
        organisation_id=north.id,
        tool_id=notes.id,
        stage="implemented",
        visibility="public",
        evaluation="internal-completed",
        develop_gbp=1000,
        develop_fte=0.5,
    )
    # Authorities only: a dropped risk tool in London, reason "ethics", big spend.
    DeploymentFactory(
        organisation_id=london.id,
        tool_id=risk.id,
        stage="dropped",
        visibility="authorities",
        dropped_reasons=["ethics"],
        evaluation="external-completed",
        develop_gbp=90000,
        develop_fte=3,
    )
    # Private: a pilot in London.
    DeploymentFactory(
        organisation_id=london.id,
        tool_id=notes.id,
        stage="pilot",
        visibility="private",
        dropped_reasons=[],
        implement_gbp=555,
    )
    SingleViewFactory(organisation_id=north.id, status="live", visibility="public", sources=["education"])
    SingleViewFactory(organisation_id=london.id, status="planned", visibility="authorities", sources=["police"])
    users = {
        "anonymous": None,
        "supplier": UserFactory(organisation_id=supplier.id),
        "pending_la": UserFactory(organisation_id=north.id, status="pending"),
        "other_la": UserFactory(organisation_id=north.id),
        "owner": UserFactory(organisation_id=london.id),
        "admin": UserFactory(is_site_admin=True),
    }
    return users


def _get(client, url: str, **kwargs):
    """A request in its own app context: the `db` fixture's context would otherwise share `g`
    (and the cached viewer) between requests made by different users in one test."""
    with client.application.app_context():
        return client.get(url, **kwargs)


def _csv(client, chart: str, **params) -> dict[str, list[str]]:
    response = _get(client, f"/insights/{chart}.csv", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {row[0]: row[1:] for row in rows[1:]}


# Expected (stage counts, dropped ethics, London orgs, £ develop, police sources, planned) per role.
EXPECTED = {
    "anonymous": ({"implemented": 1, "dropped": 0, "pilot": 0}, 0, 0, "1000", 0, 0),
    "supplier": ({"implemented": 1, "dropped": 0, "pilot": 0}, 0, 0, "1000", 0, 0),
    "pending_la": ({"implemented": 1, "dropped": 0, "pilot": 0}, 0, 0, "1000", 0, 0),
    "other_la": ({"implemented": 1, "dropped": 1, "pilot": 0}, 1, 0, "91000", 1, 1),
    "owner": ({"implemented": 1, "dropped": 1, "pilot": 1}, 1, 1, "91000", 1, 1),
    "admin": ({"implemented": 1, "dropped": 1, "pilot": 1}, 1, 1, "91000", 1, 1),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_counts_only_what_the_viewer_may_see(world, client_as, role):
    client = client_as(world[role])
    stages, ethics, london_orgs, develop_gbp, police, planned = EXPECTED[role]
    by_stage = _csv(client, "deployments-by-stage")
    assert by_stage["Implemented"] == [str(stages["implemented"])]
    assert by_stage["Piloted, then not rolled out"] == [str(stages["dropped"])]
    assert by_stage["In pilot phase"] == [str(stages["pilot"])]
    assert _csv(client, "dropped-reasons")["Ethical or bias concerns"] == [str(ethics)]
    assert _csv(client, "adoption-by-region")["London"][0] == str(london_orgs)
    assert _csv(client, "resources-money")["Develop"][0] == develop_gbp
    assert _csv(client, "single-views-by-source")["Police"] == [str(police)]
    assert _csv(client, "single-views-by-status")["Intend to start development in the next 12 months"] == [str(planned)]
    evaluation = _csv(client, "evaluation-coverage")
    assert evaluation["Completed external evaluation"] == [str(ethics)]


def test_page_hides_planted_numbers_from_suppliers(world, client_as):
    page = _get(client_as(world["supplier"]), "/insights").get_data(as_text=True)
    assert "£91,000" not in page and "£1,000" in page
    staff_page = _get(client_as(world["other_la"]), "/insights").get_data(as_text=True)
    assert "£91,000" in staff_page


def test_page_shows_accessible_charts_with_tables(world, client):
    response = client.get("/insights")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Insights – Signpost</title>" in page
    for key in (
        "tools-by-category",
        "deployments-by-stage",
        "dropped-reasons",
        "evaluation-coverage",
        "adoption-by-region",
        "single-views-by-status",
        "single-views-by-source",
        "resources-fte",
        "resources-money",
    ):
        assert f'id="{key}"' in page
        assert f"/insights/{key}.csv" in page
    assert page.count('role="img"') >= 5
    assert 'id="chart-deployments-by-stage-title">Deployments by stage</p>' in page
    assert 'id="chart-deployments-by-stage-desc">' in page and "Implemented: 1" in page
    # Labels are whole HTML text (never clipped with an ellipsis inside a scaled-down SVG).
    assert '<span class="app-chart__label">Piloted, then not rolled out</span>' in page
    assert "…</text>" not in page and "<text" not in page
    assert page.count('<table class="govuk-table">') == 9
    assert "style=" not in page


def test_headline_count_follows_the_filters(world, client_as):
    staff = client_as(world["admin"])
    stages = _csv(staff, "deployments-by-stage", region="London")
    london = sum(int(v[0]) for v in stages.values())
    everything = sum(int(v[0]) for v in _csv(staff, "deployments-by-stage").values())
    assert london != everything
    page = _get(staff, "/insights", query_string={"region": "London"}).get_data(as_text=True)
    plural = "" if london == 1 else "s"
    assert f"They draw on {london} deployment{plural}, narrowed to those in London" in page
    page = _get(staff, "/insights").get_data(as_text=True)
    assert f"They draw on {everything} deployments." in page


def test_filters_narrow_by_region_and_category(world, client_as):
    staff = client_as(world["admin"])
    london = _csv(staff, "deployments-by-stage", region="London")
    assert london["Implemented"] == ["0"] and london["Piloted, then not rolled out"] == ["1"]
    risk = _csv(staff, "deployments-by-stage", category="risk-analytics")
    assert risk == {
        "In pilot phase": ["0"],
        "Implemented": ["0"],
        "Fully established": ["0"],
        "Piloted, then not rolled out": ["1"],
    }
    tools = _csv(staff, "tools-by-category", region="North East")
    assert tools["Transcription and note-taking (visits, meetings, supervision)"] == ["1"]
    assert tools["Risk identification, early help targeting and predictive analytics"] == ["0"]
    page = _get(staff, "/insights", query_string={"region": "London", "category": "transcription"})
    assert page.status_code == 200 and 'value="London" selected' in page.get_data(as_text=True)


def test_tools_by_category_with_region_ignores_hidden_deployments(world, client):
    tools = _csv(client, "tools-by-category", region="London")
    assert all(values == ["0"] for values in tools.values())


def test_unknown_filter_is_a_clear_message_not_an_error(world, client):
    page = client.get("/insights", query_string={"region": "Atlantis"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Choose an English region from the list" in text and "Error: Insights" in text
    assert client.get("/insights/deployments-by-stage.csv", query_string={"region": "Atlantis"}).status_code == 400
    assert client.get("/insights/no-such-chart.csv").status_code == 404


def test_empty_catalogue_renders(client):
    page = client.get("/insights").get_data(as_text=True)
    assert "No records to count" in page
