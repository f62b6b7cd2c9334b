"""CSV exports: the same rows the pages show the viewer (planted markers stay hidden), every
browse and search filter honoured, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from catalogue.csv_export import csv_text, safe_cell
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory


def _get(client, url: str, **kwargs):
    with client.application.app_context():
        return client.get(url, **kwargs)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("plain", "plain"),
        (-3.5, "-3.5"),
        (45000.0, "45000"),
        (None, ""),
        (True, "Yes"),
        (["a", "=b"], "a; =b"),
    ],
)
def test_formula_cells_are_defused(value, cell):
    assert safe_cell(value) == cell


def test_header_and_rows_are_guarded():
    rows = list(csv.reader(io.StringIO(csv_text(["=head"], [["=cmd|' /C calc'!A0"]]))))
    assert rows == [["'=head"], ["'=cmd|' /C calc'!A0"]]


@pytest.fixture
def world(db):
    la = OrganisationFactory(
        kind="local-authority",
        name="Export Council",
        region="London",
        contact_email="hidden.person@example.org",
        contact_name="Hidden Person",
        contact_consent=True,
    )
    supplier = OrganisationFactory(kind="supplier")
    tool = ToolFactory(name="Exporttool", categories=["transcription"])
    for vis in ("public", "authorities", "private"):
        DeploymentFactory(
            ref=f"dep-{vis}",
            organisation_id=la.id,
            tool_id=tool.id,
            visibility=vis,
            impact=f"CSVMARKER{vis.upper()}",
            stage="dropped" if vis == "authorities" else "pilot",
            dropped_reasons=["cost"] if vis == "authorities" else [],
        )
    DeploymentFactory(
        ref="dep-formula",
        organisation_id=la.id,
        tool_id=tool.id,
        visibility="public",
        summary='=HYPERLINK("http://evil.example","click")',
        impact="@SUM(1)",
    )
    return {
        "anonymous": None,
        "supplier": UserFactory(organisation_id=supplier.id),
        "other_la": UserFactory(organisation_id=OrganisationFactory(kind="local-authority").id),
        "owner": UserFactory(organisation_id=la.id),
    }


SEES = {
    "anonymous": {"PUBLIC"},
    "supplier": {"PUBLIC"},
    "other_la": {"PUBLIC", "AUTHORITIES"},
    "owner": {"PUBLIC", "AUTHORITIES", "PRIVATE"},
}


@pytest.mark.parametrize("role", list(SEES))
def test_deployments_export_holds_only_what_the_viewer_may_see(world, client_as, role):
    client = client_as(world[role])
    text = _get(client, "/export/deployments.csv").get_data(as_text=True)
    for word in ("PUBLIC", "AUTHORITIES", "PRIVATE"):
        assert (f"CSVMARKER{word}" in text) == (word in SEES[role])
    assert "hidden.person@example.org" not in text and "Hidden Person" not in text
    search = _get(client, "/export/search.csv", query_string={"q": "CSVMARKERAUTHORITIES"})
    rows = _rows(search)
    assert rows[0] == ["Kind", "Reference", "Title", "Extract", "Link"]
    assert any("dep-authorities" in r for r in rows[1:]) == ("AUTHORITIES" in SEES[role])
    private = _get(client, "/export/search.csv", query_string={"q": "CSVMARKERPRIVATE"}).get_data(as_text=True)
    assert ("dep-private" in private) == ("PRIVATE" in SEES[role])


def test_filters_are_the_browse_filters(world, client_as):
    client = client_as(world["owner"])
    rows = _rows(_get(client, "/export/deployments.csv", query_string={"stage": "dropped"}))
    assert [r[0] for r in rows[1:]] == ["dep-authorities"]
    assert rows[1][11] == "Cost or affordability"
    assert len(_rows(_get(client, "/export/deployments.csv", query_string={"region": "North East"}))) == 1


def test_formula_injection_in_user_text_is_defused(world, client):
    rows = _rows(_get(client, "/export/deployments.csv"))
    formula = next(r for r in rows if r[0] == "dep-formula")
    assert formula[7].startswith("'=HYPERLINK") and formula[8] == "'@SUM(1)"
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_tools_export(world, client):
    rows = _rows(_get(client, "/export/tools.csv", query_string={"category": "transcription"}))
    assert rows[1][1] == "Exporttool"
    assert rows[1][6] == "2"  # the public deployments only (dep-public, dep-formula)
