"""Tools: browsing with filters, and a tool's page."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.errors import NotFound
from catalogue.records.comparison import compare
from catalogue.records.models import Deployment, Tool
from catalogue.records.services.common import Page, _paginate, _text_matches, offerings_for_tool

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


def _visible_deployment_stages(session: Session, viewer: Viewer) -> dict[int, Counter]:
    rows = session.exec(
        select(Deployment.tool_id, Deployment.stage).where(access.visible_clause(viewer, Deployment))
    ).all()
    stages: dict[int, Counter] = defaultdict(Counter)
    for tool_id, stage in rows:
        stages[tool_id][stage] += 1
    return stages


def browse_tools(session: Session, viewer: Viewer, filters: ToolFilters) -> Page:
    query = select(Tool).where(access.tool_visible_clause(viewer, Tool))
    if filters.delivery in vocabulary.DELIVERY:
        query = query.where(Tool.delivery == filters.delivery)
    if filters.ai in AI_CHOICES:
        query = query.where(_ai_clause(filters.ai))
    tools = list(session.exec(query))
    if filters.category in vocabulary.CATEGORIES:
        tools = [t for t in tools if filters.category in (t.categories or [])]
    order: dict[int, int] = {}
    if filters.q.strip():
        ids = _text_matches(session, viewer, filters.q, "tool", [Tool.name, Tool.summary, Tool.description], Tool)
        order = {tool_id: i for i, tool_id in enumerate(ids)}
        tools = [t for t in tools if t.id in order]
    stages = _visible_deployment_stages(session, viewer)
    rows = [ToolRow(t, sum(stages[t.id].values()), stages[t.id]) for t in tools]
    sort = filters.sort if filters.sort in TOOL_SORTS else "name"
    if sort == "relevance" and order:
        rows.sort(key=lambda r: order[r.tool.id])
    elif sort == "most-used":
        rows.sort(key=lambda r: (-r.deployments, r.tool.name.lower()))
    elif sort == "newest":
        rows.sort(key=lambda r: (r.tool.created_at, r.tool.id), reverse=True)
    else:
        rows.sort(key=lambda r: r.tool.name.lower())
    return _paginate(rows, filters.page)


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
