"""Deployments: browsing, the dropped tools and why, and a deployment's page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.errors import NotFound
from catalogue.records.models import Deployment, Tool
from catalogue.records.services.common import Page, _paginate, _text_matches
from catalogue.records.services.tools import AI_CHOICES, DeploymentRow, _ai_clause, _visible_deployment_rows

# --- deployments -------------------------------------------------------------------------------------


@dataclass
class DeploymentFilters:
    q: str = ""
    category: str = ""
    stage: str = ""
    region: str = ""
    reason: str = ""
    evaluation: str = ""
    delivery: str = ""
    ai: str = ""
    sort: str = "recent"
    page: int = 1


DEPLOYMENT_SORTS = {
    "recent": "Recently updated",
    "started": "Most recently started",
    "tool": "Tool name",
    "organisation": "Organisation name",
    "relevance": "Best match",
}


def _filtered_deployments(session: Session, viewer: Viewer, filters: DeploymentFilters) -> list[DeploymentRow]:
    where: list[Any] = []
    if filters.stage in vocabulary.STAGES:
        where.append(Deployment.stage == filters.stage)
    if filters.region in vocabulary.REGIONS:
        where.append(Organisation.region == filters.region)
    if filters.evaluation in vocabulary.EVALUATION:
        where.append(Deployment.evaluation == filters.evaluation)
    if filters.delivery in vocabulary.DELIVERY:
        where.append(Tool.delivery == filters.delivery)
    if filters.ai in AI_CHOICES:
        where.append(_ai_clause(filters.ai))
    rows = _visible_deployment_rows(session, viewer, *where)
    # List-valued codes are filtered here, the same way on SQLite and PostgreSQL.
    if filters.category in vocabulary.CATEGORIES:
        rows = [r for r in rows if filters.category in (r.tool.categories or [])]
    if filters.reason in vocabulary.DROPPED_REASONS:
        rows = [r for r in rows if filters.reason in (r.deployment.dropped_reasons or [])]
    return rows


DROPPED_SORTS = {
    "ended": "Most recently dropped",
    "tool": "Tool name",
    "organisation": "Organisation name",
    "relevance": "Best match",
}


def _sort_deployments(rows: list[DeploymentRow], sort: str, order: Mapping[int, int]) -> None:
    if sort == "relevance" and order:
        rows.sort(key=lambda r: order.get(r.deployment.id, len(order)))
    elif sort == "ended":
        rows.sort(key=lambda r: (r.deployment.ended or r.deployment.started or "", r.deployment.id), reverse=True)
    elif sort == "started":
        rows.sort(key=lambda r: (r.deployment.started or "", r.deployment.id), reverse=True)
    elif sort == "tool":
        rows.sort(key=lambda r: (r.tool.name.lower(), r.organisation.name.lower()))
    elif sort == "organisation":
        rows.sort(key=lambda r: (r.organisation.name.lower(), r.tool.name.lower()))
    else:
        rows.sort(key=lambda r: (r.deployment.updated_at, r.deployment.id), reverse=True)


def browse_deployments(session: Session, viewer: Viewer, filters: DeploymentFilters) -> Page:
    rows = _filtered_deployments(session, viewer, filters)
    order: dict[int, int] = {}
    if filters.q.strip():
        columns = [Deployment.summary, Deployment.impact, Deployment.learnings, Deployment.dropped_detail]
        ids = _text_matches(session, viewer, filters.q, "deployment", columns, Deployment)
        order = {dep_id: i for i, dep_id in enumerate(ids)}
        rows = [r for r in rows if r.deployment.id in order]
    _sort_deployments(rows, filters.sort, order)
    return _paginate(rows, filters.page)


@dataclass
class DroppedView:
    rows: list[DeploymentRow]
    reason_counts: list[tuple[str, int]]  # (reason code, number of visible dropped deployments)
    total: int


def dropped_view(session: Session, viewer: Viewer, filters: DeploymentFilters) -> DroppedView:
    """What failed and why across authorities: every count is of deployments the viewer may see."""
    filters.stage = "dropped"
    chosen = filters.reason
    filters.reason = ""
    everything = _filtered_deployments(session, viewer, filters)
    order: dict[int, int] = {}
    if filters.q.strip():
        ids = _text_matches(
            session, viewer, filters.q, "deployment", [Deployment.summary, Deployment.dropped_detail], Deployment
        )
        order = {dep_id: i for i, dep_id in enumerate(ids)}
        everything = [r for r in everything if r.deployment.id in order]
    counts = Counter(reason for r in everything for reason in r.deployment.dropped_reasons or [])
    reason_counts = [(code, counts[code]) for code in vocabulary.DROPPED_REASONS if counts[code]]
    rows = [r for r in everything if not chosen or chosen in (r.deployment.dropped_reasons or [])]
    if filters.sort not in DROPPED_SORTS or (filters.sort == "relevance" and not order):
        filters.sort = "ended"
    _sort_deployments(rows, filters.sort, order)
    filters.reason = chosen
    # Each pilot is listed once (its card names every reason); the reasons table counts per reason.
    return DroppedView(rows=rows, reason_counts=reason_counts, total=len(rows))


@dataclass
class DeploymentPage:
    deployment: Deployment
    tool: Tool
    organisation: Organisation
    can_edit: bool
    others: list[DeploymentRow] = field(default_factory=list)


def get_visible_deployment(session: Session, viewer: Viewer, ref: str) -> Deployment:
    deployment = session.exec(select(Deployment).where(Deployment.ref == ref)).first()
    if deployment is None or not access.can_view(viewer, deployment):
        raise NotFound(ref)
    return deployment


def deployment_page(session: Session, viewer: Viewer, ref: str) -> DeploymentPage:
    deployment = get_visible_deployment(session, viewer, ref)
    others = _visible_deployment_rows(
        session, viewer, Deployment.tool_id == deployment.tool_id, Deployment.id != deployment.id
    )
    others.sort(key=lambda r: r.organisation.name.lower())
    return DeploymentPage(
        deployment=deployment,
        tool=session.get(Tool, deployment.tool_id),
        organisation=session.get(Organisation, deployment.organisation_id),
        can_edit=access.can_change(viewer, deployment),
        others=others,
    )
