"""From database rows to search documents, and which documents a change touches.

Documents are built with Core selects (not ORM objects) so that a full rebuild of 50k
records stays quick, and so the same code can run inside a flush hook. Each kind is a
`SearchKind` registered by the package that owns it (catalogue.features): the core's tools,
deployments and single views below, the feature packages' own in their `search` modules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalogue import access, features, vocabulary
from catalogue.access import VERIFIED, index_visibility


@dataclass(frozen=True)
class SearchKind:
    """A kind of record in the index, registered by the package that owns it
    (catalogue.features.add_search_kind): its table, its label on the search page, the pattern of
    its page's address, the builder of its document from a row and the organisations and tools it
    borrows text from, and `dependents`: for another record's table, the columns of this kind's
    table that point at it (a change to that record reindexes the rows that point at it)."""

    name: str
    model: Any
    label: str
    url: str  # e.g. "/tools/{ref}"
    build_document: Callable[[Any, Lookups], dict]
    dependents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class _KindLabels(Mapping[str, str]):
    """The label of each registered kind, read live from the registry."""

    def __getitem__(self, kind: str) -> str:
        return features.search_kinds()[kind].label

    def __iter__(self) -> Iterator[str]:
        return iter(features.search_kinds())

    def __len__(self) -> int:
        return len(features.search_kinds())


KIND_LABELS: Mapping[str, str] = _KindLabels()

BATCH = 2000


def kinds() -> tuple[str, ...]:
    """The registered kinds, in the order registered."""
    return tuple(features.search_kinds())


def record_url(kind: str, ref: str) -> str:
    return features.search_kinds()[kind].url.format(ref=ref)


def tables() -> dict[str, sa.Table]:
    """The table behind each registered kind."""
    return {name: kind.model.__table__ for name, kind in features.search_kinds().items()}


def _org_table() -> sa.Table:
    from catalogue.accounts.models import Organisation

    return Organisation.__table__


def join(*parts: Any) -> str:
    return "\n\n".join(str(p).strip() for p in parts if p)


def labels(codes: Iterable[str] | None, vocab: dict[str, str]) -> str:
    return "; ".join(vocabulary.label(vocab, c) for c in codes or ())


def codes(codes: Iterable[str] | None) -> str | None:
    values = [c for c in codes or () if c and " " not in c]
    return " ".join(values) or None


def _epoch(value: datetime | None) -> int:
    return int(value.timestamp() * 1000) if value else 0


class Lookups:
    """Organisations and tools that documents borrow text from, loaded once per batch."""

    def __init__(self, conn: Connection, org_ids: set[int] | None, tool_ids: set[int] | None) -> None:
        orgs, tools = _org_table(), tables()["tool"]
        org_query = sa.select(orgs.c.id, orgs.c.name, orgs.c.region, orgs.c.verification)
        tool_query = sa.select(
            tools.c.id, tools.c.name, tools.c.summary, tools.c.categories, tools.c.delivery, tools.c.uses_ai
        )
        self.orgs: dict[int, Any] = {}
        self.tools: dict[int, Any] = {}
        if org_ids is None:
            self.orgs = {r.id: r for r in conn.execute(org_query)}
        elif org_ids:
            for chunk in _chunks(sorted(org_ids), 500):
                self.orgs.update({r.id: r for r in conn.execute(org_query.where(orgs.c.id.in_(chunk)))})
        if tool_ids is None:
            self.tools = {r.id: r for r in conn.execute(tool_query)}
        elif tool_ids:
            for chunk in _chunks(sorted(tool_ids), 500):
                self.tools.update({r.id: r for r in conn.execute(tool_query.where(tools.c.id.in_(chunk)))})

    def unverified(self) -> set[int]:
        """Organisations a site admin has not verified: their records index as private to them."""
        return {i for i, r in self.orgs.items() if r.verification != VERIFIED}

    def org_name(self, org_id: int | None) -> str:
        org = self.orgs.get(org_id) if org_id is not None else None
        return org.name if org else ""

    def org_region(self, org_id: int | None) -> str | None:
        org = self.orgs.get(org_id) if org_id is not None else None
        return org.region if org else None


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- one builder per kind: row -> document ----------------------------------------------------


def _tool_doc(row: Any, lk: Lookups) -> dict:
    return {
        "title": row.name,
        "body": join(row.summary, row.description),
        "related": join(
            labels(row.categories, vocabulary.CATEGORIES),
            lk.org_name(row.supplier_id),
            lk.org_name(row.developed_by_id),
            "; ".join(row.case_management_systems or ()),
        ),
        "category": codes(row.categories),
        "delivery": row.delivery,
        "uses_ai": None if row.uses_ai is None else ("yes" if row.uses_ai else "no"),
    }


def _deployment_doc(row: Any, lk: Lookups) -> dict:
    tool = lk.tools.get(row.tool_id)
    org = lk.org_name(row.organisation_id)
    tool_name = tool.name if tool else ""
    return {
        "title": f"{tool_name} at {org}" if tool_name and org else (tool_name or org),
        "body": join(
            row.summary,
            row.impact,
            row.learnings,
            row.barriers,
            row.dropped_detail,
            row.risk_assessment,
            row.safeguards,
            row.evaluation_findings,
        ),
        "related": join(
            tool.summary if tool else None,
            lk.org_region(row.organisation_id),
            row.evaluator,
            labels(row.dropped_reasons, vocabulary.DROPPED_REASONS),
            labels(tool.categories if tool else (), vocabulary.CATEGORIES),
            vocabulary.label(vocabulary.STAGES, row.stage),
        ),
        "category": codes(tool.categories if tool else ()),
        "stage": row.stage,
        "region": lk.org_region(row.organisation_id),
        "dropped_reason": codes(row.dropped_reasons),
        "evaluation": row.evaluation,
        "delivery": tool.delivery if tool else None,
        "uses_ai": None if tool is None or tool.uses_ai is None else ("yes" if tool.uses_ai else "no"),
        "card": _card(org, lk.org_region(row.organisation_id), row.stage),
    }


def _card(org: str, region: str | None, stage: str | None = None) -> dict:
    """What a result card shows beside the title (stage codes, labelled by the page)."""
    return {k: v for k, v in {"org": org, "region": region, "stage": stage}.items() if v}


def _single_view_doc(row: Any, lk: Lookups) -> dict:
    tool = lk.tools.get(row.tool_id) if row.tool_id else None
    org = lk.org_name(row.organisation_id)
    return {
        "title": f"Single view of the child at {org}" if org else "Single view of the child",
        "body": join(row.documentation, row.other_sources),
        "related": join(
            labels(row.sources, vocabulary.SINGLE_VIEW_SOURCES),
            tool.name if tool else None,
            lk.org_region(row.organisation_id),
        ),
        "category": "single-view",
        "region": lk.org_region(row.organisation_id),
        "status": row.status,
        "card": _card(org, lk.org_region(row.organisation_id)),
    }


def core_kinds() -> list[SearchKind]:
    from catalogue.records.models import Deployment, SingleView, Tool

    return [
        SearchKind(
            "tool", Tool, "Tool", "/tools/{ref}", _tool_doc, {"organisation": ("supplier_id", "developed_by_id")}
        ),
        SearchKind(
            "deployment",
            Deployment,
            "Deployment",
            "/deployments/{ref}",
            _deployment_doc,
            {"tool": ("tool_id",), "organisation": ("organisation_id",)},
        ),
        SearchKind(
            "single_view",
            SingleView,
            "Single view",
            "/single-views/{ref}",
            _single_view_doc,
            {"tool": ("tool_id",), "organisation": ("organisation_id",)},
        ),
    ]


def content_hash(doc: dict) -> str:
    payload = json.dumps({k: v for k, v in doc.items() if k != "chash"}, sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


def _tool_standing(conn: Connection, tool_ids: list[int] | None) -> dict[int, tuple[list[tuple[str, int]], bool]]:
    """For restricted tools (all, or those among `tool_ids`): the (visibility, owner) of their
    deployments and single views, a record of an unverified owner counting as private to it,
    and whether a verified supplier publishes an offering of it (access.tool_index_visibility)."""
    t, orgs = tables(), _org_table()
    tool = t["tool"]
    restricted = sa.select(tool.c.id).where(tool.c.restricted)
    if tool_ids is not None:
        restricted = restricted.where(tool.c.id.in_(tool_ids))
    ids = set(conn.execute(restricted).scalars())
    if not ids:
        return {}
    found: dict[int, tuple[list[tuple[str, int]], bool]] = {i: ([], False) for i in ids}
    for kind in ("deployment", "single_view"):
        table = t[kind]
        query = (
            sa.select(table.c.tool_id, table.c.visibility, table.c.organisation_id, orgs.c.verification)
            .join(orgs, orgs.c.id == table.c.organisation_id)
            .where(table.c.tool_id.in_(restricted), _present(table))
        )
        for tool_id, visibility, org_id, verification in conn.execute(query):
            found[tool_id][0].append((visibility if verification == VERIFIED else "private", org_id))
    offering = t["offering"]
    offered = (
        sa.select(offering.c.tool_id)
        .join(orgs, orgs.c.id == offering.c.supplier_id)
        .where(
            offering.c.tool_id.in_(restricted),
            offering.c.status == "published",
            orgs.c.verification == VERIFIED,
            _present(offering),
        )
    )
    for tool_id in set(conn.execute(offered).scalars()):
        found[tool_id] = (found[tool_id][0], True)
    return found


def _finish(kind: str, row: Any, doc: dict, unverified: set[int], standing: dict | None = None) -> dict:
    records, offered = (standing or {}).get(row.id, ([], False))
    visibility, owner = index_visibility(kind, row, unverified, records, offered)
    if isinstance(owner, tuple):
        owner = " ".join(str(o) for o in owner) or None
    doc.update(
        uid=f"{kind}:{row.id}",
        kind=kind,
        rid=row.id,
        rid_col=row.id,
        ref=row.ref,
        visibility=visibility,
        owner=str(owner) if owner is not None else "none",
        updated=_epoch(row.updated_at),
        demo=True if getattr(row, "is_demo", False) else None,
    )
    if "last_confirmed_at" in row._fields:
        # Kept records (catalogue.upkeep): the freshness filter, and the card's stale tag.
        confirmed = _epoch(row.last_confirmed_at or row.updated_at)
        doc.update(confirmed=confirmed, card={**(doc.get("card") or {}), "confirmed": confirmed})
    doc = {k: v for k, v in doc.items() if v not in (None, "", {})}
    doc["chash"] = content_hash(doc)
    doc["spell"] = join(doc.get("title"), doc.get("body"), doc.get("related"))
    return doc


def _ids(kind: str, target: str, rows: list) -> set[int]:
    """The ids of `target` records (organisations, tools) that these rows point at."""
    columns = features.search_kinds()[kind].dependents.get(target, ())
    return {i for row in rows for i in (getattr(row, c) for c in columns) if i}


def build_documents(
    conn: Connection, kind: str, ids: Iterable[int] | None = None, part: int = 0, parts: int = 1
) -> Iterator[dict]:
    """Documents for records of one kind: all of them (ids=None; or one of `parts` shares, for
    parallel builds) or just those ids (missing ids are simply absent from the output: the
    caller deletes them from the index)."""
    table = tables()[kind]
    builder = features.search_kinds()[kind].build_document
    if ids is None:
        lookups = Lookups(conn, None, None)
        unverified = lookups.unverified()
        query = sa.select(table).where(_present(table)).order_by(table.c.id)
        if parts > 1:
            query = query.where(table.c.id % parts == part)
        standing = _tool_standing(conn, None) if kind == "tool" else None
        result = conn.execution_options(yield_per=BATCH).execute(query)
        for row in result:
            yield _finish(kind, row, builder(row, lookups), unverified, standing)
        return
    for chunk in _chunks(sorted(set(ids)), 500):
        rows = list(conn.execute(sa.select(table).where(table.c.id.in_(chunk), _present(table))))
        lookups = Lookups(conn, _ids(kind, "organisation", rows), _ids(kind, "tool", rows))
        unverified = lookups.unverified()
        standing = _tool_standing(conn, chunk) if kind == "tool" else None
        for row in rows:
            yield _finish(kind, row, builder(row, lookups), unverified, standing)


def all_documents(conn: Connection, part: int = 0, parts: int = 1) -> Iterator[dict]:
    for kind in kinds():
        yield from build_documents(conn, kind, part=part, parts=parts)


def count_records(conn: Connection) -> int:
    return sum(
        conn.execute(sa.select(sa.func.count()).select_from(t).where(_present(t))).scalar_one()
        for t in tables().values()
    )


def _present(table: sa.Table) -> sa.ColumnElement[bool]:
    """Not withdrawn (catalogue.access): a withdrawn record has no document, so the indexer
    deletes the one it had."""
    return access.not_withdrawn_clause(table.c)


# --- dependents: a tool or organisation's text appears in other documents ----------------------


def dependents(session: Any, obj: Any) -> list[tuple[str, list[int]]]:
    """Registered with the change log: records whose documents include obj's text (each kind's
    `dependents` names the columns that point at obj's table), and the restricted tools whose
    standing a record's change moves (a deployment made public, moved to another tool, its
    organisation verified...). Runs in after_flush, so it reads through the session's
    connection with Core selects."""
    name = getattr(obj, "__tablename__", None)
    found = _tools_of_record(session, obj) if name in ("deployment", "single_view", "offering") else []
    if name is None or obj.id is None:
        return found
    conn = session.connection()
    for kind in features.search_kinds().values():
        table = kind.model.__table__
        for column in kind.dependents.get(name, ()):
            ids = list(conn.execute(sa.select(table.c.id).where(table.c[column] == obj.id)).scalars())
            if ids:
                found.append((kind.name, ids))
    if name == "organisation":
        # Its records' standing changes with its verification, and so does their tools'.
        t = tables()
        tool = t["tool"]
        ids = set()
        for kind, owner in (
            ("deployment", "organisation_id"),
            ("single_view", "organisation_id"),
            ("offering", "supplier_id"),
        ):
            table = t[kind]
            ids.update(conn.execute(sa.select(table.c.tool_id).where(table.c[owner] == obj.id)).scalars())
        ids.discard(None)
        if ids:
            query = sa.select(tool.c.id).where(tool.c.id.in_(sorted(ids)), tool.c.restricted)
            restricted = list(conn.execute(query).scalars())
            if restricted:
                found.append(("tool", restricted))
    return found


def _tools_of_record(session: Any, obj: Any) -> list[tuple[str, list[int]]]:
    """The restricted tools a deployment, single view or offering names, before and after."""
    history = sa.inspect(obj).attrs.tool_id.history
    ids = {i for i in (obj.tool_id, *history.deleted) if i is not None}
    if not ids:
        return []
    tool = tables()["tool"]
    query = sa.select(tool.c.id).where(tool.c.id.in_(sorted(ids)), tool.c.restricted)
    restricted = list(session.connection().execute(query).scalars())
    return [("tool", restricted)] if restricted else []


def standing(conn: Connection, kind: str, ids: set[int]) -> dict[int, tuple[str, str | None, str]]:
    """{id: (visibility, owner ids space-separated or None, ref)} for these records, exactly as
    their search documents store it (access.index_visibility); records not there are absent."""
    table = tables()[kind]
    found: dict[int, tuple[str, str | None, str]] = {}
    for chunk in _chunks(sorted(ids), 500):
        rows = list(conn.execute(sa.select(table).where(table.c.id.in_(chunk))))
        if not rows:
            continue
        unverified = Lookups(conn, _ids(kind, "organisation", rows), set()).unverified()
        tools = _tool_standing(conn, chunk) if kind == "tool" else {}
        for row in rows:
            records, offered = tools.get(row.id, ([], False))
            visibility, owner = index_visibility(kind, row, unverified, records, offered)
            owners = " ".join(str(o) for o in owner) if isinstance(owner, tuple) else owner
            found[row.id] = (visibility, str(owners) if owners not in (None, "") else None, row.ref)
    return found
