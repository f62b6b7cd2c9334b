"""The insights figures, computed by aggregate queries, equal a straightforward count over the
records each viewer may open (access.can_view on every row), with and without filters."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlmodel import select

from catalogue import vocabulary
from catalogue.access import ANONYMOUS, viewer_for
from catalogue.accounts.models import Organisation
from catalogue.insights import services
from catalogue.records.models import Deployment, SingleView, Tool
from tests.factories import DeploymentFactory, OrganisationFactory, SingleViewFactory, ToolFactory, UserFactory

CATEGORIES = list(vocabulary.CATEGORIES)[:4]
REASONS = list(vocabulary.DROPPED_REASONS)[:4]


@pytest.fixture
def landscape(db):
    rng = random.Random(20)
    orgs = [
        OrganisationFactory(kind="local-authority", name=f"Council {i}", region=vocabulary.REGIONS[i % 3])
        for i in range(4)
    ]
    tools = [ToolFactory(name=f"Tool {i}", categories=rng.sample(CATEGORIES, rng.randint(0, 2))) for i in range(5)]
    for i in range(40):
        stage = rng.choice(list(vocabulary.STAGES))
        DeploymentFactory(
            ref=f"dep-{i}",
            organisation_id=rng.choice(orgs).id,
            tool_id=rng.choice(tools).id,
            stage=stage,
            visibility=rng.choice(["public", "authorities", "private"]),
            dropped_reasons=rng.sample(REASONS, rng.randint(1, 2)) if stage == "dropped" else [],
            evaluation=rng.choice([None, *list(vocabulary.EVALUATION)]),
            develop_fte=rng.choice([None, 0.5, 1.0]),
            maintain_gbp=rng.choice([None, 100.0, 2500.0]),
        )
    for org in orgs:
        SingleViewFactory(
            organisation_id=org.id,
            status=rng.choice(list(vocabulary.SINGLE_VIEW_STATUS)),
            visibility=rng.choice(["public", "authorities"]),
            sources=rng.sample(list(vocabulary.SINGLE_VIEW_SOURCES), 2),
        )
    member = UserFactory(organisation_id=orgs[0].id)
    return {"orgs": orgs, "viewers": [ANONYMOUS, viewer_for(member, "local-authority")]}


def _expected(db, viewer, filters: services.Filters) -> dict[str, list]:
    from catalogue import access

    rows = []
    for d in db.exec(select(Deployment)).all():
        tool, org = db.get(Tool, d.tool_id), db.get(Organisation, d.organisation_id)
        if not access.can_view(viewer, d):
            continue
        if filters.region and org.region != filters.region:
            continue
        if filters.category and filters.category not in (tool.categories or []):
            continue
        rows.append((d, tool, org))
    stages = Counter(d.stage for d, _t, _o in rows)
    dropped = [d for d, _t, _o in rows if d.stage == "dropped"]
    reasons = Counter(r for d in dropped for r in set(d.dropped_reasons or []))
    evaluation = Counter(d.evaluation for d, _t, _o in rows)
    in_use = [(d, o) for d, _t, o in rows if d.stage != "dropped"]
    regions = {
        region: [len({o.id for d, o in in_use if o.region == region}), sum(1 for d, o in in_use if o.region == region)]
        for region in vocabulary.REGIONS
    }
    fte = [
        [round(sum(v for d, _t, _o in rows if (v := getattr(d, f"{p}_fte")) is not None), 2)]
        + [sum(1 for d, _t, _o in rows if getattr(d, f"{p}_fte") is not None)]
        for p, _text in services.PHASES
    ]
    views = [
        sv
        for sv in db.exec(select(SingleView)).all()
        if access.can_view(viewer, sv)
        and (not filters.region or db.get(Organisation, sv.organisation_id).region == filters.region)
    ]
    return {
        "count": len(rows),
        "stages": [stages.get(code, 0) for code in vocabulary.STAGES],
        "reasons": {vocabulary.DROPPED_REASONS[c]: reasons.get(c, 0) for c in vocabulary.DROPPED_REASONS},
        "dropped": len(dropped),
        "evaluation": [evaluation.get(code, 0) for code in vocabulary.EVALUATION],
        "not_evaluated": evaluation.get(None, 0),
        "regions": regions,
        "fte": fte,
        "sv_status": [Counter(sv.status for sv in views).get(c, 0) for c in vocabulary.SINGLE_VIEW_STATUS],
    }


@pytest.mark.parametrize(
    "filters",
    [
        services.Filters(),
        services.Filters(region=vocabulary.REGIONS[0]),
        services.Filters(category=CATEGORIES[0]),
        services.Filters(region=vocabulary.REGIONS[1], category=CATEGORIES[1]),
    ],
)
def test_every_figure_equals_a_plain_count_per_viewer(db, landscape, filters) -> None:
    for viewer in landscape["viewers"]:
        want = _expected(db, viewer, filters)
        charts = {c.key: c for c in services.all_charts(db, viewer, filters)}
        assert services.visible_deployment_count(db, viewer, filters) == want["count"]
        assert [v[0] for _l, v in charts["deployments-by-stage"].rows] == want["stages"]
        assert {label: v[0] for label, v in charts["dropped-reasons"].rows} == want["reasons"]
        assert charts["dropped-reasons"].note == f"{want['dropped']} dropped pilots in all."
        evaluation = charts["evaluation-coverage"].rows
        assert [v[0] for _l, v in evaluation[: len(vocabulary.EVALUATION)]] == want["evaluation"]
        assert (evaluation[-1][1][0] if len(evaluation) > len(vocabulary.EVALUATION) else 0) == want["not_evaluated"]
        assert {label: v for label, v in charts["adoption-by-region"].rows if label in want["regions"]} == want[
            "regions"
        ]
        assert [v for _l, v in charts["resources-fte"].rows] == want["fte"]
        assert [v[0] for _l, v in charts["single-views-by-status"].rows] == want["sv_status"]
