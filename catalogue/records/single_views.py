"""The single-view registry (/single-views): which authorities hold a single view of the child,
how far along it is and what it draws on, for whoever may see each record (`access` decides)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.accounts.models import Organisation
from catalogue.records.models import SingleView, Tool
from catalogue.records.services.common import PAGE_SIZE, Page
from catalogue.upkeep.services import freshness_clause


@dataclass
class SingleViewRow:
    view: SingleView
    organisation: Organisation
    tool: Tool | None


def browse_single_views(
    session: Session,
    viewer: access.Viewer,
    *,
    status: str = "",
    region: str = "",
    freshness: str = "",
    page: int = 1,
) -> Page:
    """Visible single views, by organisation name, narrowed by status and region (unknown
    values narrow to nothing rather than fail)."""
    query = (
        select(SingleView, Organisation, Tool)
        .join(Organisation, Organisation.id == SingleView.organisation_id)
        .outerjoin(Tool, Tool.id == SingleView.tool_id)
        .where(access.visible_clause(viewer, SingleView))
        .order_by(Organisation.name, SingleView.ref)
    )
    # Only vocabulary codes reach the database (a typed value may hold anything, even a NUL
    # that PostgreSQL refuses); an unknown one narrows to nothing.
    if status:
        query = query.where(SingleView.status == status if status in vocabulary.SINGLE_VIEW_STATUS else sa.false())
    if region:
        query = query.where(Organisation.region == region if region in vocabulary.REGIONS else sa.false())
    if freshness:
        fresh = freshness_clause(SingleView, freshness)
        query = query.where(fresh if fresh is not None else sa.false())
    # Counted and paged in the database: a page costs its rows, not the registry.
    total = session.exec(select(sa.func.count()).select_from(query.order_by(None).subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    found = session.exec(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return Page([SingleViewRow(view, org, tool) for view, org, tool in found], total, page, pages)
