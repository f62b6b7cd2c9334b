"""The catalogue's lists, filtered, counted, sorted and paginated in the database: a page costs
what its rows cost, not what the catalogue holds. Visibility comes only from catalogue.access's
SQL clauses; list-valued codes (categories, dropped reasons) are matched on the JSON text the
same way on SQLite and PostgreSQL (codes are vocabulary keys, checked before they are used)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.records.models import Deployment, Tool
from catalogue.records.services.common import PAGE_SIZE, Page, _text_matches
from catalogue.records.services.deployments import DROPPED_SORTS, DeploymentFilters, DroppedView
from catalogue.records.services.organisations import OrganisationRow
from catalogue.records.services.tools import AI_CHOICES, TOOL_SORTS, DeploymentRow, ToolFilters, ToolRow, _ai_clause
from catalogue.upkeep.services import freshness_clause


def has_code(column: Any, code: str) -> Any:
    """A JSON list column holds this code (a vocabulary key: no quote or wildcard in it)."""
    return sa.cast(column, sa.Text).like(f'%"{code}"%')


def _page_bounds(total: int, page: int) -> tuple[int, int]:
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 1), pages), pages


def _ranked_page(session: Session, ids_query: Any, order: dict[int, int], page: int) -> tuple[list[int], int, int, int]:
    """With words: the search engine's ranking over the ids the filters allow (ids only)."""
    allowed = {row for row in session.exec(ids_query).all() if row in order}
    ranked = sorted(allowed, key=order.__getitem__)
    page, pages = _page_bounds(len(ranked), page)
    return ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(ranked), page, pages


# --- deployments -----------------------------------------------------------------------------------


def _deployment_where(viewer: Viewer, filters: DeploymentFilters, with_reason: bool = True) -> list[Any]:
    where: list[Any] = [access.visible_clause(viewer, Deployment)]
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
    if filters.category in vocabulary.CATEGORIES:
        where.append(has_code(Tool.categories, filters.category))
    if with_reason and filters.reason in vocabulary.DROPPED_REASONS:
        where.append(has_code(Deployment.dropped_reasons, filters.reason))
    fresh = freshness_clause(Deployment, filters.freshness)
    if fresh is not None:
        where.append(fresh)
    return where


def _joined(query: Any) -> Any:
    return query.join(Tool, Tool.id == Deployment.tool_id).join(
        Organisation, Organisation.id == Deployment.organisation_id
    )


def _deployment_order(sort: str) -> list[Any]:
    if sort == "ended":
        return [sa.func.coalesce(Deployment.ended, Deployment.started, "").desc(), Deployment.id.desc()]
    if sort == "started":
        return [sa.func.coalesce(Deployment.started, "").desc(), Deployment.id.desc()]
    if sort == "tool":
        return [sa.func.lower(Tool.name), sa.func.lower(Organisation.name), Deployment.id]
    if sort == "organisation":
        return [sa.func.lower(Organisation.name), sa.func.lower(Tool.name), Deployment.id]
    return [Deployment.updated_at.desc(), Deployment.id.desc()]


def _deployment_rows(session: Session, ids: list[int]) -> list[DeploymentRow]:
    if not ids:
        return []
    found = {
        d.id: DeploymentRow(d, t, o)
        for d, t, o in session.exec(_joined(select(Deployment, Tool, Organisation)).where(Deployment.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def _deployment_page(session: Session, viewer: Viewer, filters: DeploymentFilters, text_columns: list[Any]) -> Page:
    where = _deployment_where(viewer, filters)
    if filters.q.strip():
        ids = _text_matches(session, viewer, filters.q, "deployment", text_columns, Deployment)
        order = {dep_id: i for i, dep_id in enumerate(ids)}
        if filters.sort == "relevance":
            page_ids, total, page, pages = _ranked_page(
                session, _joined(select(Deployment.id)).where(*where), order, filters.page
            )
            return Page(_deployment_rows(session, page_ids), total, page, pages)
        # Another order over the matching records: the database sorts the ids the words allow.
        sorted_ids = session.exec(
            _joined(select(Deployment.id)).where(*where).order_by(*_deployment_order(filters.sort))
        ).all()
        matching = [i for i in sorted_ids if i in order]
        page, pages = _page_bounds(len(matching), filters.page)
        return Page(
            _deployment_rows(session, matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]), len(matching), page, pages
        )
    total = session.exec(_joined(select(sa.func.count(Deployment.id))).where(*where)).one()
    page, pages = _page_bounds(total, filters.page)
    query = _joined(select(Deployment.id)).where(*where).order_by(*_deployment_order(filters.sort))
    ids = list(session.exec(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all())
    return Page(_deployment_rows(session, ids), total, page, pages)


DEPLOYMENT_TEXT = [Deployment.summary, Deployment.impact, Deployment.learnings, Deployment.dropped_detail]


def browse_deployments(session: Session, viewer: Viewer, filters: DeploymentFilters) -> Page:
    return _deployment_page(session, viewer, filters, DEPLOYMENT_TEXT)


def dropped_view(session: Session, viewer: Viewer, filters: DeploymentFilters) -> DroppedView:
    """What failed and why across authorities: every count is of deployments the viewer may see,
    counted by one aggregate query; the pilots themselves a page at a time."""
    filters.stage = "dropped"
    if filters.sort not in DROPPED_SORTS or (filters.sort == "relevance" and not filters.q.strip()):
        filters.sort = "ended"
    where = _deployment_where(viewer, filters, with_reason=False)
    columns = [Deployment.summary, Deployment.dropped_detail]
    if filters.q.strip():
        ids = _text_matches(session, viewer, filters.q, "deployment", columns, Deployment)
        where.append(Deployment.id.in_(ids) if len(ids) <= 5000 else sa.true())
        matching = set(ids)
    else:
        matching = None
    counts: Counter = Counter()
    codes = list(vocabulary.DROPPED_REASONS)
    if matching is None or len(matching) <= 5000:
        sums = [sa.func.sum(sa.case((has_code(Deployment.dropped_reasons, c), 1), else_=0)) for c in codes]
        row = session.exec(_joined(select(*sums)).where(*where)).one()
        counts = Counter({code: int(n or 0) for code, n in zip(codes, row, strict=True)})
    else:  # very many words' matches: count over the allowed ids (still only the reasons column)
        for dep_id, reasons in session.exec(_joined(select(Deployment.id, Deployment.dropped_reasons)).where(*where)):
            if dep_id in matching:
                counts.update(reasons or [])
    reason_counts = [(code, counts[code]) for code in codes if counts[code]]
    page = _deployment_page(session, viewer, filters, columns)
    # Each pilot is listed once (its card names every reason); the reasons table counts per reason.
    return DroppedView(rows=page.items, reason_counts=reason_counts, total=page.total, page=page)


# --- tools -------------------------------------------------------------------------------------------


def _stage_counts(session: Session, viewer: Viewer, tool_ids: list[int]) -> dict[int, Counter]:
    stages: dict[int, Counter] = defaultdict(Counter)
    if not tool_ids:
        return stages
    query = (
        select(Deployment.tool_id, Deployment.stage, sa.func.count())
        .where(access.visible_clause(viewer, Deployment), Deployment.tool_id.in_(tool_ids))
        .group_by(Deployment.tool_id, Deployment.stage)
    )
    for tool_id, stage, n in session.exec(query):
        stages[tool_id][stage] = n
    return stages


def browse_tools(session: Session, viewer: Viewer, filters: ToolFilters) -> Page:
    where: list[Any] = [access.tool_visible_clause(viewer, Tool)]
    if filters.delivery in vocabulary.DELIVERY:
        where.append(Tool.delivery == filters.delivery)
    if filters.ai in AI_CHOICES:
        where.append(_ai_clause(filters.ai))
    if filters.category in vocabulary.CATEGORIES:
        where.append(has_code(Tool.categories, filters.category))
    sort = filters.sort if filters.sort in TOOL_SORTS else "name"
    used = (
        select(Deployment.tool_id, sa.func.count().label("n"))
        .where(access.visible_clause(viewer, Deployment))
        .group_by(Deployment.tool_id)
        .subquery()
    )
    if sort == "most-used":
        order = [sa.func.coalesce(used.c.n, 0).desc(), sa.func.lower(Tool.name), Tool.id]
    elif sort == "newest":
        order = [Tool.created_at.desc(), Tool.id.desc()]
    else:
        order = [sa.func.lower(Tool.name), Tool.id]
    ids_query = select(Tool.id).where(*where).order_by(*order)
    if sort == "most-used":  # counting every visible deployment only when the order needs it
        ids_query = ids_query.outerjoin(used, used.c.tool_id == Tool.id)
    if filters.q.strip():
        ids = _text_matches(session, viewer, filters.q, "tool", [Tool.name, Tool.summary, Tool.description], Tool)
        rank = {tool_id: i for i, tool_id in enumerate(ids)}
        allowed = [i for i in session.exec(ids_query).all() if i in rank]
        if sort == "relevance":
            allowed.sort(key=rank.__getitem__)
        total = len(allowed)
        page, pages = _page_bounds(total, filters.page)
        page_ids = allowed[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    else:
        total = session.exec(select(sa.func.count(Tool.id)).where(*where)).one()
        page, pages = _page_bounds(total, filters.page)
        page_ids = list(session.exec(ids_query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all())
    tools = {t.id: t for t in session.exec(select(Tool).where(Tool.id.in_(page_ids)))} if page_ids else {}
    stages = _stage_counts(session, viewer, page_ids)
    rows = [ToolRow(tools[i], sum(stages[i].values()), stages[i]) for i in page_ids if i in tools]
    return Page(rows, total, page, pages)


# --- organisations -----------------------------------------------------------------------------------


def _organisation_query(viewer: Viewer, kind: str, region: str, q: str) -> tuple[Any, list[Any]]:
    where: list[Any] = [access.organisation_visible_clause(viewer, Organisation)]
    if kind in vocabulary.ORGANISATION_KINDS:
        where.append(Organisation.kind == kind)
    if region in vocabulary.REGIONS:
        where.append(Organisation.region == region)
    if q.strip():
        where.append(Organisation.name.ilike(f"%{q.strip()}%"))
    used = (
        select(Deployment.organisation_id, sa.func.count().label("n"))
        .where(access.visible_clause(viewer, Deployment))
        .group_by(Deployment.organisation_id)
        .subquery()
    )
    query = (
        select(Organisation, sa.func.coalesce(used.c.n, 0))
        .outerjoin(used, used.c.organisation_id == Organisation.id)
        .where(*where)
        .order_by(Organisation.name, Organisation.id)
    )
    return query, where


def list_organisations(session: Session, viewer: Viewer, kind: str = "", region: str = "", q: str = "") -> list:
    query, _where = _organisation_query(viewer, kind, region, q)
    return [OrganisationRow(o, n) for o, n in session.exec(query)]


def organisations_page(
    session: Session, viewer: Viewer, kind: str = "", region: str = "", q: str = "", page: int = 1
) -> Page:
    query, where = _organisation_query(viewer, kind, region, q)
    total = session.exec(select(sa.func.count(Organisation.id)).where(*where)).one()
    page, pages = _page_bounds(total, page)
    rows = session.exec(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return Page([OrganisationRow(o, n) for o, n in rows], total, page, pages)
