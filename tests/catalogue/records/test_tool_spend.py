"""The tool page compares what each organisation spent and how long it took with the median, for
the deployments the viewer may see only."""

from __future__ import annotations

from types import SimpleNamespace

from catalogue.records.comparison import compare, months_between
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory


def test_months_between() -> None:
    assert months_between("2025-01", "2025-03") == 3
    assert months_between("2024-11", "2025-02") == 4
    assert months_between("2025-01", None) is None


def test_medians_of_the_given_figures() -> None:
    def row(name: str, **kw: object) -> SimpleNamespace:
        d = {f"{p}_{u}": None for p in ("develop", "implement", "maintain") for u in ("gbp", "fte")}
        d.update(ref=f"dep-{name}", stage="dropped", started="2025-01", ended="2025-06")
        d.update(kw)
        return SimpleNamespace(deployment=SimpleNamespace(**d), organisation=SimpleNamespace(name=name, ref=name))

    result = compare(
        [row("a", develop_gbp=10.0), row("b", develop_gbp=30.0), row("c", develop_gbp=50.0, ended="2025-01")]
    )
    assert result.median_gbp["develop"] == 30.0
    assert result.median_gbp["maintain"] is None
    assert result.median_months == 6.0
    assert [r.organisation for r in result.rows] == ["a", "b", "c"]


def test_tool_page_shows_only_visible_figures(client_as, db) -> None:
    tool = ToolFactory(name="SpendTool")
    a = OrganisationFactory(kind="local-authority", name="Alpha Council")
    b = OrganisationFactory(kind="local-authority", name="Beta Council")
    c = OrganisationFactory(kind="local-authority", name="Gamma Council")
    DeploymentFactory(
        organisation_id=a.id,
        tool_id=tool.id,
        visibility="public",
        develop_gbp=10000.0,
        started="2025-01",
        ended=None,
        stage="implemented",
    )
    DeploymentFactory(
        organisation_id=b.id, tool_id=tool.id, visibility="public", develop_gbp=30000.0, maintain_gbp=5000.0
    )
    DeploymentFactory(organisation_id=c.id, tool_id=tool.id, visibility="private", develop_gbp=987654.0)
    page = client_as(None).get(f"/tools/{tool.ref}").get_data(as_text=True)
    assert "What it cost and how long it took" in page
    assert "£10,000" in page and "£30,000" in page and "£20,000" in page  # the median of the two
    assert "987,654" not in page and "Gamma Council" not in page
    assert "so far" in page
    member = UserFactory(organisation_id=c.id)
    own = client_as(member).get(f"/tools/{tool.ref}").get_data(as_text=True)
    assert "£987,654" in own and "£30,000" in own
