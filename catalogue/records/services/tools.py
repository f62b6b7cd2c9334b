"""Tools: browsing with filters, and a tool's page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.errors import NotFound
from catalogue.records.comparison import compare
from catalogue.records.models import Deployment, Tool
from catalogue.records.services.common import Page, offerings_for_tool

# --- tools -----------------------------------------------------------------------------------------


# The "Uses AI" filter: a tool nobody has said either way about is "not known", never "no".
AI_CHOICES = {"yes": "Uses AI", "no": "Does not use AI", "unknown": "Not known"}


def _ai_clause(choice: str) -> Any:
    if choice == "yes":
        return Tool.uses_ai.is_(True)
    if choice == "no":
        return Tool.uses_ai.is_(False)
    return Tool.uses_ai.is_(None)


@dataclass
class ToolFilters:
    q: str = ""
    category: str = ""
    delivery: str = ""
    ai: str = ""  # a key of AI_CHOICES, or ""
    sort: str = "name"  # name | most-used | newest | relevance
    page: int = 1


TOOL_SORTS = {"name": "Name", "most-used": "Most used", "newest": "Recently added", "relevance": "Best match"}


@dataclass
class ToolRow:
    tool: Tool
    deployments: int
    stages: Counter


def browse_tools(session: Session, viewer: Viewer, filters: ToolFilters) -> Page:
    from catalogue.records import listing  # filtered and paginated in the database

    return listing.browse_tools(session, viewer, filters)


@dataclass
class DeploymentRow:
    deployment: Deployment
    tool: Tool
    organisation: Organisation


@dataclass
class ToolPage:
    tool: Tool
    supplier: Organisation | None
    developed_by: Organisation | None
    deployments: list[DeploymentRow]
    dropped: list[DeploymentRow]
    offerings: list[Any]
    stages: Counter
    can_edit: bool
    spend: Any = None  # catalogue.records.comparison.Comparison of the visible deployments


def _visible_deployment_rows(session: Session, viewer: Viewer, *where: Any) -> list[DeploymentRow]:
    query = (
        select(Deployment, Tool, Organisation)
        .join(Tool, Tool.id == Deployment.tool_id)
        .join(Organisation, Organisation.id == Deployment.organisation_id)
        .where(access.visible_clause(viewer, Deployment), *where)
    )
    return [DeploymentRow(d, t, o) for d, t, o in session.exec(query).all()]


def tool_page(session: Session, viewer: Viewer, ref: str) -> ToolPage:
    tool = session.exec(select(Tool).where(Tool.ref == ref)).first()
    if tool is None or not access.can_view_tool(viewer, tool):
        raise NotFound(ref)
    rows = _visible_deployment_rows(session, viewer, Deployment.tool_id == tool.id)
    rows.sort(key=lambda r: (r.deployment.stage == "dropped", r.organisation.name.lower()))
    return ToolPage(
        tool=tool,
        supplier=session.get(Organisation, tool.supplier_id) if tool.supplier_id else None,
        developed_by=session.get(Organisation, tool.developed_by_id) if tool.developed_by_id else None,
        deployments=[r for r in rows if r.deployment.stage != "dropped"],
        dropped=[r for r in rows if r.deployment.stage == "dropped"],
        offerings=offerings_for_tool(session, viewer, tool.id),
        stages=Counter(r.deployment.stage for r in rows),
        can_edit=access.can_change_tool(viewer, tool),
        spend=compare(rows),
    )
