"""Deployments: browsing, the dropped tools and why, and a deployment's page."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.errors import NotFound
from catalogue.records.models import Deployment, Tool
from catalogue.records.services.common import Page
from catalogue.records.services.tools import DeploymentRow, _visible_deployment_rows

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
    freshness: str = ""  # current | stale (catalogue.upkeep.services.FRESHNESS)
    sort: str = "recent"
    page: int = 1


DEPLOYMENT_SORTS = {
    "recent": "Recently updated",
    "started": "Most recently started",
    "tool": "Tool name",
    "organisation": "Organisation name",
    "relevance": "Best match",
}


DROPPED_SORTS = {
    "ended": "Most recently dropped",
    "tool": "Tool name",
    "organisation": "Organisation name",
    "relevance": "Best match",
}


def browse_deployments(session: Session, viewer: Viewer, filters: DeploymentFilters) -> Page:
    from catalogue.records import listing  # filtered and paginated in the database

    return listing.browse_deployments(session, viewer, filters)


@dataclass
class DroppedView:
    rows: list[DeploymentRow]
    reason_counts: list[tuple[str, int]]  # (reason code, number of visible dropped deployments)
    total: int
    page: Page | None = None  # the pilots on this page (rows), with the page numbers


def dropped_view(session: Session, viewer: Viewer, filters: DeploymentFilters) -> DroppedView:
    from catalogue.records import listing  # counted by aggregate queries, paginated in the database

    return listing.dropped_view(session, viewer, filters)


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
