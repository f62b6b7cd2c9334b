"""The stateful leak test's count checks (tests.whole.crawl) bite: a count a page shows that
differs from the records its viewer may see is reported, and a right one is not."""

from __future__ import annotations

from tests.whole import crawl
from tests.whole.model import Deployment, Model, Offering, Tool


def _model() -> Model:
    model = Model()
    tool = Tool(ref="tool-a", name="Notewise", creator="A")
    model.tools.append(tool)
    model.deployments += [
        Deployment(ref="dep-1", org="A", tool=tool, visibility="public", stage="pilot"),
        Deployment(ref="dep-2", org="A", tool=tool, visibility="authorities", stage="dropped"),
        Deployment(ref="dep-3", org="A", tool=tool, visibility="private", stage="implemented"),
    ]
    model.offerings.append(Offering(ref="off-1", name="Notewise Pro", supplier="S", tool=tool, published=True))
    return model


def _problems(check, *args) -> list[str]:
    findings = crawl.Findings()
    check(_model(), findings, *args)
    return findings.counts


def test_list_counts_follow_what_each_viewer_may_see() -> None:
    assert _problems(crawl.check_list_counts, "anonymous", "/insights", "They draw on 1 deployment") == []
    assert _problems(crawl.check_list_counts, "anonymous", "/insights", "They draw on 3 deployments")
    assert _problems(crawl.check_list_counts, "other_la", "/deployments", '<p role="status">2 records</p>') == []
    assert (
        _problems(crawl.check_list_counts, "other_la", "/deployments/dropped", 'role="status">1 dropped pilot<') == []
    )
    assert _problems(crawl.check_list_counts, "anonymous", "/deployments/dropped", 'role="status">1 dropped pilot<')
    assert _problems(crawl.check_list_counts, "owner", "/deployments", '<p role="status">2 records</p>')
    assert _problems(crawl.check_list_counts, "anonymous", "/offerings", 'role="status">1 offering<') == []
    assert _problems(crawl.check_list_counts, "owner", "/deployments", "no count at all")


def test_a_tool_page_and_an_offering_page_count_only_visible_deployments() -> None:
    tool_page = "<h2>Who uses it ({})</h2> cards <h2>Who dropped it and why ({})</h2>"
    assert _problems(crawl.check_record_counts, "other_la", "/tools/tool-a", tool_page.format(1, 1)) == []
    assert _problems(crawl.check_record_counts, "anonymous", "/tools/tool-a", tool_page.format(1, 1))
    assert _problems(crawl.check_record_counts, "owner", "/tools/tool-a", tool_page.format(2, 1)) == []
    experience = '<h2>Experience of Notewise in the catalogue</h2><ul>{}</ul><a href="/deployments/dropped">'
    one = '<li><a href="/deployments/dep-1">A</a></li>'
    assert _problems(crawl.check_record_counts, "anonymous", "/offerings/off-1", experience.format(one)) == []
    assert _problems(crawl.check_record_counts, "anonymous", "/offerings/off-1", experience.format(one * 2))
    used_by = experience.format(one) + "Used by 2 authorities"
    assert _problems(crawl.check_record_counts, "anonymous", "/offerings/off-1", used_by)


def test_the_insights_stage_chart_and_an_organisation_page_count_only_visible_deployments() -> None:
    row = '<th scope="row" class="govuk-table__header">{}</th><td class="x">{}</td>'
    chart = '<section id="deployments-by-stage"><table><tbody>{}</tbody></table>'
    pilot_only = "1 tools in all. " + chart.format(row.format("In pilot phase", 1) + row.format("Implemented", 0))
    assert _problems(crawl.check_insights_stages, "anonymous", pilot_only) == []
    assert _problems(crawl.check_insights_stages, "other_la", pilot_only), "the dropped pilot is missing"
    leaky = "1 tools in all. " + chart.format(row.format("In pilot phase", 1) + row.format("Implemented", 1))
    assert _problems(crawl.check_insights_stages, "anonymous", leaky)
    page = "<h2>Tools it uses, piloted or dropped ({})</h2>"
    orgs = {"ashcombe": "A"}
    assert _problems(crawl.check_record_counts, "other_la", "/organisations/ashcombe", page.format(2), orgs) == []
    assert _problems(crawl.check_record_counts, "anonymous", "/organisations/ashcombe", page.format(2), orgs)
    assert _problems(crawl.check_insights_stages, "anonymous", pilot_only.replace("1 tools", "2 tools"))


def test_the_search_page_kind_filter_counts_only_what_the_viewer_may_see() -> None:
    box = '<input class="c" id="facet-kind-1" name="kind" type="checkbox" value="{}"><label class="l" for="x">{} ({})</label>'
    right = box.format("tool", "Tools", 1) + box.format("deployment", "Deployments", 1) + box.format("offering", "O", 1)
    assert _problems(crawl.check_search_page_facets, "anonymous", right) == []
    assert _problems(crawl.check_search_page_facets, "owner", right)
