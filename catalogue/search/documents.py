"""From database rows to search documents, and which documents a change touches.

Documents are built with Core selects (not ORM objects) so that a full rebuild of 50k
records stays quick, and so the same code can run inside a flush hook. Feature models are
imported inside functions: the core never imports feature packages at import time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalogue import vocabulary
from catalogue.access import VERIFIED, index_visibility
from catalogue.search.schema import KINDS

URL_PATTERNS: dict[str, str] = {
    "tool": "/tools/{ref}",
    "deployment": "/deployments/{ref}",
    "single_view": "/single-views/{ref}",
    "offering": "/offerings/{ref}",
    "challenge": "/challenges/{ref}",
}

KIND_LABELS: dict[str, str] = {
    "tool": "Tool",
    "deployment": "Deployment",
    "single_view": "Single view",
    "offering": "Offering",
    "challenge": "Challenge",
}

BATCH = 2000


def record_url(kind: str, ref: str) -> str:
    return URL_PATTERNS[kind].format(ref=ref)


def tables() -> dict[str, sa.Table]:
    """The table behind each kind (imported lazily: feature packages own some of them)."""
    from catalogue.records.models import Deployment, SingleView, Tool
    from outcomes.models import Challenge
    from suppliers.models import Offering

    return {
        "tool": Tool.__table__,
        "deployment": Deployment.__table__,
        "single_view": SingleView.__table__,
        "offering": Offering.__table__,
        "challenge": Challenge.__table__,
    }


def _org_table() -> sa.Table:
    from catalogue.accounts.models import Organisation

    return Organisation.__table__


def _join(*parts: Any) -> str:
    return "\n\n".join(str(p).strip() for p in parts if p)


def _labels(codes: Iterable[str] | None, vocab: dict[str, str]) -> str:
    return "; ".join(vocabulary.label(vocab, c) for c in codes or ())


def _codes(codes: Iterable[str] | None) -> str | None:
    values = [c for c in codes or () if c and " " not in c]
    return " ".join(values) or None


def _epoch(value: datetime | None) -> int:
    return int(value.timestamp() * 1000) if value else 0


class _Lookups:
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


def _tool_doc(row: Any, lk: _Lookups) -> dict:
    return {
        "title": row.name,
        "body": _join(row.summary, row.description),
        "related": _join(
            _labels(row.categories, vocabulary.CATEGORIES),
            lk.org_name(row.supplier_id),
            lk.org_name(row.developed_by_id),
            "; ".join(row.case_management_systems or ()),
        ),
        "category": _codes(row.categories),
        "delivery": row.delivery,
        "uses_ai": None if row.uses_ai is None else ("yes" if row.uses_ai else "no"),
    }


def _deployment_doc(row: Any, lk: _Lookups) -> dict:
    tool = lk.tools.get(row.tool_id)
    org = lk.org_name(row.organisation_id)
    tool_name = tool.name if tool else ""
    return {
        "title": f"{tool_name} at {org}" if tool_name and org else (tool_name or org),
        "body": _join(
            row.summary,
            row.impact,
            row.learnings,
            row.barriers,
            row.dropped_detail,
            row.risk_assessment,
            row.safeguards,
            row.evaluation_findings,
        ),
        "related": _join(
            tool.summary if tool else None,
            lk.org_region(row.organisation_id),
            row.evaluator,
            _labels(row.dropped_reasons, vocabulary.DROPPED_REASONS),
            _labels(tool.categories if tool else (), vocabulary.CATEGORIES),
            vocabulary.label(vocabulary.STAGES, row.stage),
        ),
        "category": _codes(tool.categories if tool else ()),
        "stage": row.stage,
        "region": lk.org_region(row.organisation_id),
        "dropped_reason": _codes(row.dropped_reasons),
        "evaluation": row.evaluation,
        "delivery": tool.delivery if tool else None,
        "uses_ai": None if tool is None or tool.uses_ai is None else ("yes" if tool.uses_ai else "no"),
    }


def _single_view_doc(row: Any, lk: _Lookups) -> dict:
    tool = lk.tools.get(row.tool_id) if row.tool_id else None
    org = lk.org_name(row.organisation_id)
    return {
        "title": f"Single view of the child at {org}" if org else "Single view of the child",
        "body": _join(row.documentation, row.other_sources),
        "related": _join(
            _labels(row.sources, vocabulary.SINGLE_VIEW_SOURCES),
            tool.name if tool else None,
            lk.org_region(row.organisation_id),
        ),
        "category": "single-view",
        "region": lk.org_region(row.organisation_id),
        "status": row.status,
    }


def _offering_doc(row: Any, lk: _Lookups) -> dict:
    tool = lk.tools.get(row.tool_id) if row.tool_id else None
    return {
        "title": row.name,
        "body": _join(row.summary, row.description, row.pricing, row.hosting),
        "related": _join(
            lk.org_name(row.supplier_id),
            tool.name if tool else None,
            "; ".join(row.outcomes or ()),
            _labels(row.categories, vocabulary.CATEGORIES),
            _labels(row.accreditations, vocabulary.ACCREDITATIONS),
            "; ".join(row.case_management_systems or ()),
        ),
        "category": _codes(row.categories),
        "delivery": row.delivery,
        "status": row.status,
    }


def _challenge_doc(row: Any, lk: _Lookups) -> dict:
    outcomes = [" ".join(str(v) for v in (o or {}).values() if v) for o in row.outcomes or ()]
    requirements = [str((r or {}).get("requirement", "")) for r in row.requirements or ()]
    return {
        "title": row.title,
        "body": _join(row.problem, row.users, *outcomes, row.constraints, row.tried_before),
        "related": _join(lk.org_name(row.owner_id), row.timetable, *requirements),
        "region": lk.org_region(row.owner_id),
        "route": row.route,
        "status": row.status,
    }


_BUILDERS = {
    "tool": _tool_doc,
    "deployment": _deployment_doc,
    "single_view": _single_view_doc,
    "offering": _offering_doc,
    "challenge": _challenge_doc,
}


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
            .where(table.c.tool_id.in_(restricted))
        )
        for tool_id, visibility, org_id, verification in conn.execute(query):
            found[tool_id][0].append((visibility if verification == VERIFIED else "private", org_id))
    offering = t["offering"]
    offered = (
        sa.select(offering.c.tool_id)
        .join(orgs, orgs.c.id == offering.c.supplier_id)
        .where(offering.c.tool_id.in_(restricted), offering.c.status == "published", orgs.c.verification == VERIFIED)
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
    doc = {k: v for k, v in doc.items() if v not in (None, "")}
    doc["chash"] = content_hash(doc)
    return doc


def _org_ids(kind: str, rows: list) -> set[int]:
    ids: set[int] = set()
    for row in rows:
        if kind == "tool":
            ids.update(i for i in (row.supplier_id, row.developed_by_id) if i)
        elif kind == "offering":
            ids.add(row.supplier_id)
        elif kind == "challenge":
            ids.add(row.owner_id)
        else:
            ids.add(row.organisation_id)
    return ids


def build_documents(
    conn: Connection, kind: str, ids: Iterable[int] | None = None, part: int = 0, parts: int = 1
) -> Iterator[dict]:
    """Documents for records of one kind: all of them (ids=None; or one of `parts` shares, for
    parallel builds) or just those ids (missing ids are simply absent from the output: the
    caller deletes them from the index)."""
    table = tables()[kind]
    builder = _BUILDERS[kind]
    if ids is None:
        lookups = _Lookups(conn, None, None)
        unverified = lookups.unverified()
        query = sa.select(table).order_by(table.c.id)
        if parts > 1:
            query = query.where(table.c.id % parts == part)
        standing = _tool_standing(conn, None) if kind == "tool" else None
        result = conn.execution_options(yield_per=BATCH).execute(query)
        for row in result:
            yield _finish(kind, row, builder(row, lookups), unverified, standing)
        return
    for chunk in _chunks(sorted(set(ids)), 500):
        rows = list(conn.execute(sa.select(table).where(table.c.id.in_(chunk))))
        tool_ids = {r.tool_id for r in rows if getattr(r, "tool_id", None)} if kind != "tool" else set()
        lookups = _Lookups(conn, _org_ids(kind, rows), tool_ids)
        unverified = lookups.unverified()
        standing = _tool_standing(conn, chunk) if kind == "tool" else None
        for row in rows:
            yield _finish(kind, row, builder(row, lookups), unverified, standing)


def all_documents(conn: Connection, part: int = 0, parts: int = 1) -> Iterator[dict]:
    for kind in KINDS:
        yield from build_documents(conn, kind, part=part, parts=parts)


def count_records(conn: Connection) -> int:
    return sum(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables().values())


# --- dependents: a tool or organisation's text appears in other documents ----------------------


def dependents(session: Any, obj: Any) -> list[tuple[str, list[int]]]:
    """Registered with catalogue.changes: records whose documents include obj's text, and the
    restricted tools whose standing a record's change moves (a deployment made public, moved
    to another tool, verified...). Runs in after_flush, so it reads through the session's
    connection with Core selects."""
    name = getattr(obj, "__tablename__", None)
    if name in ("deployment", "single_view", "offering"):
        return _tools_of_record(session, obj)
    if name not in ("organisation", "tool") or obj.id is None:
        return []
    t = tables()
    conn = session.connection()
    if name == "tool":
        links = [("deployment", t["deployment"].c.tool_id), ("single_view", t["single_view"].c.tool_id)]
        links.append(("offering", t["offering"].c.tool_id))
    else:
        links = [
            ("deployment", t["deployment"].c.organisation_id),
            ("single_view", t["single_view"].c.organisation_id),
            ("offering", t["offering"].c.supplier_id),
            ("challenge", t["challenge"].c.owner_id),
            ("tool", t["tool"].c.supplier_id),
            ("tool", t["tool"].c.developed_by_id),
        ]
    found = []
    for kind, column in links:
        ids = list(conn.execute(sa.select(column.table.c.id).where(column == obj.id)).scalars())
        if ids:
            found.append((kind, ids))
    if name == "organisation":
        # Its records' standing changes with its verification, and so does their tools'.
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
