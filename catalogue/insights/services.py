"""The landscape at a glance: counts and sums over the records a viewer may see.

Every figure starts from `access.visible_clause(viewer, ...)`, so an `authorities` or `private`
record never adds one to a count shown to someone who could not open it. Filters narrow by the
owning organisation's region and by the tool's category.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate
from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.accounts.models import Organisation
from catalogue.records.listing import has_code
from catalogue.records.models import Deployment, SingleView, Tool

NOT_RECORDED = "Not recorded"


class InsightFiltersSchema(Schema):
    """The GET form above the charts: both optional."""

    class Meta:
        unknown = EXCLUDE

    region = fields.String(
        validate=validate.OneOf(vocabulary.REGIONS, error="Choose an English region from the list"),
        error_messages={"invalid": "Choose an English region from the list"},
    )
    category = fields.String(
        validate=validate.OneOf(list(vocabulary.CATEGORIES), error="Choose a category from the list"),
        error_messages={"invalid": "Choose a category from the list"},
    )

    @pre_load
    def _drop_blanks(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    category: str | None = None

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in (("region", self.region), ("category", self.category)) if v}

    def describe(self) -> str:
        parts = []
        if self.region:
            parts.append(f"in {self.region}")
        if self.category:
            parts.append(f"in the category ‘{vocabulary.CATEGORIES[self.category]}’")
        return " ".join(parts)


def parse_filters(args: Mapping[str, Any]) -> tuple[Filters, dict[str, str]]:
    """Filters from the query string, and {field: message} for any value we do not know
    (that filter is then left out, so the page still shows figures)."""
    from marshmallow import ValidationError

    raw = {k: args.get(k) for k in ("region", "category") if args.get(k) is not None}
    try:
        data = InsightFiltersSchema().load(raw)
        return Filters(**data), {}
    except ValidationError as exc:
        errors = {k: (v[0] if isinstance(v, list) else str(v)) for k, v in exc.messages.items()}
        good = {k: v.strip() for k, v in raw.items() if k not in errors and isinstance(v, str) and v.strip()}
        return Filters(**good), errors


@dataclass
class Chart:
    """One chart: rows of (label, values...) under `columns`; the first value column is drawn."""

    key: str
    title: str
    description: str
    label_heading: str
    columns: list[str]
    rows: list[tuple[str, list[float]]] = field(default_factory=list)
    unit: str = "count"  # count | fte | gbp
    note: str = ""

    @property
    def total(self) -> float:
        return sum(values[0] for _label, values in self.rows)

    @property
    def is_empty(self) -> bool:
        return not any(values[0] for _label, values in self.rows)

    def csv_header(self) -> list[str]:
        return [self.label_heading, *self.columns]

    def csv_rows(self) -> list[list[Any]]:
        return [[label, *values] for label, values in self.rows]


# --- what the viewer may see, filtered: every figure is an aggregate query -------------------------


def _deployment_where(viewer: access.Viewer, filters: Filters) -> list[Any]:
    where: list[Any] = [access.visible_clause(viewer, Deployment)]
    if filters.region:
        where.append(Organisation.region == filters.region)
    if filters.category:
        # Categories are a JSON list: matched on its text, the same way on every database.
        where.append(has_code(Tool.categories, filters.category))
    return where


def _deployments(*columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(Deployment)
        .join(Tool, Tool.id == Deployment.tool_id)
        .join(Organisation, Organisation.id == Deployment.organisation_id)
    )


@dataclass(frozen=True)
class _Group:
    """Visible deployments sharing a stage, an evaluation and an organisation (with its region)."""

    stage: str | None
    evaluation: str | None
    region: str | None
    organisation_id: int
    count: int
    reasons: dict[str, int]  # dropped reason -> deployments giving it
    resources: dict[str, tuple[float, int]]  # "develop_fte" -> (sum, deployments reporting)


RESOURCE_COLUMNS = [f"{phase}_{unit}" for unit in ("fte", "gbp") for phase in ("develop", "implement", "maintain")]
# The groups of one page's charts, computed once for all of them (all_charts sets it).
_cube_of_page: contextvars.ContextVar[tuple[Any, list[_Group]] | None] = contextvars.ContextVar(
    "insights_cube", default=None
)


def _cube(session: Session, viewer: access.Viewer, filters: Filters) -> list[_Group]:
    """One aggregate query over the visible deployments, grouped finely enough that every
    deployment chart is a sum over its groups (a few thousand rows at most, whatever the size)."""
    key = (session.get_bind().url, viewer, filters)
    memo = _cube_of_page.get()
    if memo is not None and memo[0] == key:
        return memo[1]
    codes = list(vocabulary.DROPPED_REASONS)
    keys = [Deployment.stage, Deployment.evaluation, Organisation.region, Deployment.organisation_id]
    columns = [*keys, sa.func.count()]
    columns += [sa.func.sum(sa.case((has_code(Deployment.dropped_reasons, c), 1), else_=0)) for c in codes]
    for name in RESOURCE_COLUMNS:
        column = getattr(Deployment, name)
        columns += [sa.func.sum(column), sa.func.count(column)]
    query = _deployments(*columns).where(*_deployment_where(viewer, filters)).group_by(*keys)
    groups = []
    for row in session.execute(query):
        reasons = {c: int(n or 0) for c, n in zip(codes, row[5 : 5 + len(codes)], strict=True) if n}
        rest = row[5 + len(codes) :]
        resources = {name: (float(rest[2 * i] or 0), int(rest[2 * i + 1])) for i, name in enumerate(RESOURCE_COLUMNS)}
        groups.append(_Group(row[0], row[1], row[2], row[3], int(row[4]), reasons, resources))
    return groups


def _code_counts(session: Session, query: Any, column: Any, codes: Iterable[str]) -> tuple[Counter, int]:
    """How many rows of `query` hold each code in the JSON list `column`, and how many rows."""
    codes = list(codes)
    sums = [sa.func.sum(sa.case((has_code(column, code), 1), else_=0)) for code in codes]
    row = session.execute(query.with_only_columns(sa.func.count(), *sums)).one()
    return Counter({code: int(n or 0) for code, n in zip(codes, row[1:], strict=True)}), int(row[0])


def _single_views(filters: Filters, viewer: access.Viewer, *columns: Any) -> Any:
    query = (
        select(*columns)
        .select_from(SingleView)
        .join(Organisation, Organisation.id == SingleView.organisation_id)
        .where(access.visible_clause(viewer, SingleView))
    )
    if filters.region:
        query = query.where(Organisation.region == filters.region)
    return query


def _coded_rows(
    counts: Counter, vocab: Mapping[str, str], *, keep_unknown: bool = True
) -> list[tuple[str, list[float]]]:
    rows: list[tuple[str, list[float]]] = [(text, [counts.get(code, 0)]) for code, text in vocab.items()]
    if keep_unknown and counts.get(None):
        rows.append((NOT_RECORDED, [counts[None]]))
    return rows


# --- the charts --------------------------------------------------------------------------------


def tools_by_category(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    """The tools the viewer may see (access.tool_visible_clause). With a region filter, the tools that region's
    organisations use, counting only the deployments the viewer may see."""
    if filters.region:
        used = _deployments(Deployment.tool_id).where(*_deployment_where(viewer, filters))
        tools = select(Tool.id).where(Tool.id.in_(used))
    else:
        tools = select(Tool.id).where(access.tool_visible_clause(viewer, Tool))
        if filters.category:
            tools = tools.where(has_code(Tool.categories, filters.category))
    counts, total = _code_counts(session, tools, Tool.categories, vocabulary.CATEGORIES)
    rows = [(text, [counts.get(code, 0)]) for code, text in vocabulary.CATEGORIES.items()]
    return Chart(
        key="tools-by-category",
        title="Tools by category",
        description="How many tools in the catalogue fall in each category. A tool may be in more than one.",
        label_heading="Category",
        columns=["Tools"],
        rows=rows,
        note=f"{total} tools in all." if total else "",
    )


def deployments_by_stage(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    counts: Counter = Counter()
    for group in _cube(session, viewer, filters):
        counts[group.stage] += group.count
    return Chart(
        key="deployments-by-stage",
        title="Deployments by stage",
        description="How far organisations have got with each tool: pilot, implemented, fully established, or dropped.",
        label_heading="Stage",
        columns=["Deployments"],
        rows=_coded_rows(counts, vocabulary.STAGES, keep_unknown=False),
    )


def dropped_reasons(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    counts: Counter = Counter()
    dropped = 0
    for group in _cube(session, viewer, filters):
        if group.stage == "dropped":
            counts.update(group.reasons)
            dropped += group.count
    rows = [(text, [counts.get(code, 0)]) for code, text in vocabulary.DROPPED_REASONS.items()]
    rows.sort(key=lambda r: -r[1][0])
    return Chart(
        key="dropped-reasons",
        title="Why pilots were dropped",
        description="The reasons organisations gave for not rolling out a tool they piloted. A pilot may give several.",
        label_heading="Reason",
        columns=["Dropped pilots"],
        rows=rows,
        note=f"{dropped} dropped pilots in all.",
    )


def evaluation_coverage(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    counts: Counter = Counter()
    for group in _cube(session, viewer, filters):
        counts[group.evaluation] += group.count
    return Chart(
        key="evaluation-coverage",
        title="Evaluation coverage",
        description="Whether each deployment has been evaluated: none, ongoing or completed, and by whom.",
        label_heading="Evaluation",
        columns=["Deployments"],
        rows=_coded_rows(counts, vocabulary.EVALUATION),
    )


def adoption_by_region(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    organisations: dict[str | None, set[int]] = defaultdict(set)
    deployments: Counter = Counter()
    for group in _cube(session, viewer, filters):
        if group.stage != "dropped":
            organisations[group.region].add(group.organisation_id)
            deployments[group.region] += group.count
    found = {region: (len(organisations[region]), n) for region, n in deployments.items()}
    rows: list[tuple[str, list[float]]] = [(region, list(found.get(region, (0, 0)))) for region in vocabulary.REGIONS]
    if found.get(None):
        rows.append((NOT_RECORDED, list(found[None])))
    return Chart(
        key="adoption-by-region",
        title="Adoption by region",
        description="How many organisations in each region use at least one tool (piloting or beyond), "
        "and how many tools they use between them.",
        label_heading="Region",
        columns=["Organisations", "Deployments"],
        rows=rows,
    )


def single_views_by_status(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    query = _single_views(filters, viewer, SingleView.status, sa.func.count()).group_by(SingleView.status)
    counts = Counter({status: n for status, n in session.exec(query)})
    return Chart(
        key="single-views-by-status",
        title="Single views of the child by status",
        description="Whether organisations have a single view of the child: live, in development, planned or not.",
        label_heading="Status",
        columns=["Organisations"],
        rows=_coded_rows(counts, vocabulary.SINGLE_VIEW_STATUS, keep_unknown=False),
        note="Not filtered by category." if filters.category else "",
    )


def single_views_by_source(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    query = _single_views(filters, viewer, SingleView.id)
    counts, _total = _code_counts(session, query, SingleView.sources, vocabulary.SINGLE_VIEW_SOURCES)
    rows = [(text, [counts.get(code, 0)]) for code, text in vocabulary.SINGLE_VIEW_SOURCES.items()]
    return Chart(
        key="single-views-by-source",
        title="Single views by data source",
        description="Which data sources single views of the child bring together.",
        label_heading="Data source",
        columns=["Single views"],
        rows=rows,
        note="Not filtered by category." if filters.category else "",
    )


PHASES = (("develop", "Develop"), ("implement", "Implement"), ("maintain", "Maintain (per year)"))


def _resources(session: Session, viewer: access.Viewer, filters: Filters, unit: str) -> list[tuple[str, list[float]]]:
    rows = []
    groups = _cube(session, viewer, filters)
    for phase, text in PHASES:
        given = [g.resources[f"{phase}_{unit}"] for g in groups]
        rows.append((text, [round(sum(total for total, _n in given), 2), sum(n for _total, n in given)]))
    return rows


def resources_fte(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    return Chart(
        key="resources-fte",
        title="Staff time by phase (FTE)",
        description="Full-time equivalent staff that organisations reported for developing, implementing "
        "and maintaining their tools, added up.",
        label_heading="Phase",
        columns=["FTE", "Deployments reporting"],
        rows=_resources(session, viewer, filters, "fte"),
        unit="fte",
    )


def resources_money(session: Session, viewer: access.Viewer, filters: Filters) -> Chart:
    return Chart(
        key="resources-money",
        title="Money by phase (£)",
        description="Pounds that organisations reported spending to develop, implement and maintain their tools, added up.",
        label_heading="Phase",
        columns=["£", "Deployments reporting"],
        rows=_resources(session, viewer, filters, "gbp"),
        unit="gbp",
    )


CHARTS: dict[str, Callable[[Session, access.Viewer, Filters], Chart]] = {
    "tools-by-category": tools_by_category,
    "deployments-by-stage": deployments_by_stage,
    "dropped-reasons": dropped_reasons,
    "evaluation-coverage": evaluation_coverage,
    "adoption-by-region": adoption_by_region,
    "single-views-by-status": single_views_by_status,
    "single-views-by-source": single_views_by_source,
    "resources-fte": resources_fte,
    "resources-money": resources_money,
}


@contextlib.contextmanager
def one_query(session: Session, viewer: access.Viewer, filters: Filters) -> Iterator[None]:
    """Within this block, every deployment figure for this viewer and these filters comes from
    one aggregate query (the page's charts and its headline count)."""
    token = _cube_of_page.set(((session.get_bind().url, viewer, filters), _cube(session, viewer, filters)))
    try:
        yield
    finally:
        _cube_of_page.reset(token)


def all_charts(session: Session, viewer: access.Viewer, filters: Filters) -> list[Chart]:
    with one_query(session, viewer, filters):
        return [build(session, viewer, filters) for build in CHARTS.values()]


def chart(session: Session, viewer: access.Viewer, key: str, filters: Filters) -> Chart | None:
    build = CHARTS.get(key)
    return build(session, viewer, filters) if build else None


def visible_deployment_count(session: Session, viewer: access.Viewer, filters: Filters) -> int:
    """For the page heading: how many deployments the figures draw on, under the same filters
    as the charts (so the headline and the tables below always agree)."""
    return sum(group.count for group in _cube(session, viewer, filters))
