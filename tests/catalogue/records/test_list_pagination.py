"""Every list is filtered, counted and paginated in the database: totals and page links, filters
kept across pages, counts of what each viewer may see, and page links that do not grow with the
catalogue (first, last and neighbours, gaps as an ellipsis)."""

from __future__ import annotations

import re

import pytest

from catalogue.records import listing
from outcomes.services import challenges as challenge_services
from tests.factories import ChallengeFactory, DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory

SIZE = 4


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", SIZE)
    monkeypatch.setattr(challenge_services, "PAGE_SIZE", SIZE)


@pytest.fixture
def dropped(db):
    west = OrganisationFactory(name="West Council", region="North West")
    east = OrganisationFactory(name="East Council", region="London")
    tool = ToolFactory(name="Scribe", categories=["transcription"])
    other = ToolFactory(name="Chatbot", categories=["chatbot"])
    made = []
    for i in range(10):
        made.append(
            DeploymentFactory(
                ref=f"dep-w{i}",
                organisation_id=west.id,
                tool_id=tool.id,
                stage="dropped",
                ended=f"2025-{i + 1:02d}",
                dropped_reasons=["cost", "accuracy"] if i % 2 else ["cost"],
                visibility="public",
            )
        )
    for i in range(3):
        made.append(
            DeploymentFactory(
                ref=f"dep-e{i}",
                organisation_id=east.id,
                tool_id=other.id,
                stage="dropped",
                dropped_reasons=["accuracy"],
                visibility="authorities" if i == 0 else "public",
            )
        )
    DeploymentFactory(ref="dep-live", organisation_id=east.id, tool_id=other.id, stage="live", visibility="public")
    return {"west": west, "east": east, "tool": tool, "other": other}


def _refs(body: str, prefix: str = "dep-") -> list[str]:
    return list(dict.fromkeys(re.findall(rf'href="/deployments/({prefix}[a-z0-9-]+)"', body)))


def test_dropped_pilots_are_paginated_with_totals_and_filters_kept(client, dropped) -> None:
    first = client.get("/deployments/dropped?region=North+West&reason=cost").get_data(as_text=True)
    assert "10 dropped pilots dropped for" in first
    assert _refs(first) == ["dep-w9", "dep-w8", "dep-w7", "dep-w6"]  # most recently dropped first
    # The page links keep the filters.
    links = set(re.findall(r'href="(/deployments/dropped\?[^"]+)"', first))
    assert any("page=2" in link and "region=North+West" in link and "reason=cost" in link for link in links)
    third = client.get("/deployments/dropped?region=North+West&reason=cost&page=3").get_data(as_text=True)
    assert _refs(third) == ["dep-w1", "dep-w0"]
    # Past the end: the last page.
    assert _refs(client.get("/deployments/dropped?region=North+West&reason=cost&page=99").get_data(as_text=True)) == [
        "dep-w1",
        "dep-w0",
    ]


def test_reason_counts_are_what_each_viewer_may_see(db, client, client_as, dropped) -> None:
    def counts(body: str) -> dict[str, int]:
        table = body.split("Dropped pilots by reason</caption>")[1].split("</table>")[0]
        cells = re.findall(r"reason=([a-z-]+)[^>]*>[^<]+</a></td>\s*<td[^>]*>(\d+)</td>", table)
        return {code: int(n) for code, n in cells}

    # Anonymous: the authorities-only pilot is neither listed nor counted.
    anonymous = client.get("/deployments/dropped").get_data(as_text=True)
    assert counts(anonymous) == {"cost": 10, "accuracy": 5 + 2}
    assert "12 dropped pilots" in anonymous
    staff = UserFactory(organisation_id=dropped["west"].id)
    signed_in = client_as(staff).get("/deployments/dropped").get_data(as_text=True)
    assert counts(signed_in) == {"cost": 10, "accuracy": 5 + 3}
    assert "13 dropped pilots" in signed_in


def test_deployments_filter_by_category_and_sort_in_the_database(client, dropped) -> None:
    body = client.get("/deployments?category=chatbot&sort=tool").get_data(as_text=True)
    assert ">3 records<" in body  # the authorities-only one is hidden, the live one is counted
    assert set(_refs(body)) == {"dep-e1", "dep-e2", "dep-live"}
    page2 = client.get("/deployments?stage=dropped&sort=organisation&page=2").get_data(as_text=True)
    assert ">12 records<" in page2
    assert all(ref.startswith("dep-w") for ref in _refs(page2))


def test_tools_most_used_counts_only_visible_deployments(client, client_as, db, dropped) -> None:
    tools = re.findall(r'href="/tools/([a-z0-9-]+)"', client.get("/tools?sort=most-used").get_data(as_text=True))
    # Scribe: 10 dropped pilots; Chatbot: 3 visible (the authorities-only one is not counted).
    assert tools.index(dropped["tool"].ref) < tools.index(dropped["other"].ref)
    category = re.findall(
        r'href="/tools/([a-z0-9-]+)"', client.get("/tools?category=transcription").get_data(as_text=True)
    )
    assert dropped["tool"].ref in category and dropped["other"].ref not in category


def test_page_links_do_not_grow_with_the_catalogue(client, dropped, monkeypatch) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    body = client.get("/deployments?page=6").get_data(as_text=True)  # 13 pages of one
    numbers = [int(n) for n in re.findall(r'aria-label="Page (\d+)"', body)]
    assert numbers == [1, 5, 6, 7, 13]
    assert body.count("govuk-pagination__item--ellipses") == 2


def test_organisations_are_paginated(client, db) -> None:
    for i in range(6):
        OrganisationFactory(name=f"Council {i:02d}", kind="local-authority", region="London")
    body = client.get("/organisations?region=London&page=2").get_data(as_text=True)
    assert "6 organisations" in body
    assert "Council 04" in body and "Council 05" in body and "Council 00" not in body
    assert 'href="/organisations?region=London&amp;page=1"' in body


def test_challenges_are_paginated_with_filters_kept(client, db) -> None:
    owner = OrganisationFactory(name="Owning Council", region="London")
    for i in range(6):
        ChallengeFactory(
            ref=f"ch-{i}", owner_id=owner.id, title=f"Challenge number {i}", status="open", categories=["transcription"]
        )
    ChallengeFactory(ref="ch-other", owner_id=owner.id, title="Elsewhere", status="open", categories=["chatbot"])
    body = client.get("/challenges?category=transcription").get_data(as_text=True)
    assert ">6 challenges<" in body and "Elsewhere" not in body
    assert re.search(r'href="/challenges\?category=transcription&amp;page=2"', body)
    second = client.get("/challenges?category=transcription&page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/challenges/ch-\d"', second)) == 2


def test_an_organisations_deployments_are_paginated(client, client_as, dropped, monkeypatch) -> None:
    from catalogue.records.services import organisations

    monkeypatch.setattr(organisations, "PAGE_SIZE", SIZE)
    east = dropped["east"]
    # East: three dropped Chatbot pilots (one authorities-only) and one live record; live first.
    anonymous = client.get(f"/organisations/{east.ref}").get_data(as_text=True)
    assert "piloted or dropped (3)" in anonymous
    assert _refs(anonymous) == ["dep-live", "dep-e1", "dep-e2"]
    staff = client_as(UserFactory(organisation_id=dropped["west"].id))
    first = staff.get(f"/organisations/{east.ref}").get_data(as_text=True)
    assert "piloted or dropped (4)" in first
    assert _refs(first) == ["dep-live", "dep-e0", "dep-e1", "dep-e2"]
    west = client.get(f"/organisations/{dropped['west'].ref}?page=3").get_data(as_text=True)
    assert "piloted or dropped (10)" in west
    assert len(_refs(west)) == 2
    assert f'href="/organisations/{dropped["west"].ref}?page=2"' in west
