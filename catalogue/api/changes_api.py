"""/api/v1/changes: the change feed. Every change to a record the caller may see, in the order
the change log holds them, with an opaque cursor to continue from: what a data warehouse,
another installation or a search engine reads to stay in step.

Built on catalogue.changes.ChangeLog, which the flush hook writes for every change together with
who could see the record just after it (`visibility`, `owner`: access.index_visibility, as the
search index stores it). Visibility is decided by catalogue.access only:

- A caller is told of a change when it could see the record just after the change or just
  before it (the previous entry of the same record), by access.grants_allow over those stored
  standings. So it hears of a record exactly while it may see it, plus the one change that took
  the record from it: `hidden` (made private, withdrawn, its organisation unverified...) or
  `delete`. A record it never could see yields nothing, its creation and deletion included, and
  a record it lost sight of yields nothing more until it may see it again.
- Each entry says what the change did for this caller: `create`/`update` when it could see the
  record just after the change, `hidden` when it could see it before but not after, `delete`.
  `url` is the record's API address when the caller may see the record now
  (access.can_view_kind), else null (a later `hidden` or `delete` follows).
- Co-sponsors of a draft challenge are not told of it here (access.can_view_kind is asked
  without co-sponsorship, which lives in the outcomes package): the feed errs on saying less.
- Entries written before the feed existed carry no standing: they show only when the caller
  may see the record now, and their deletions are not shown.

The cursor is the last change-log id read plus the ids skipped below it that may still commit
(PostgreSQL assigns ids before commit, so a slower transaction can land behind a faster one);
such a gap is asked again on each page for ten minutes."""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import request
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate
from sqlmodel import select

from catalogue import access, features
from catalogue.access import Viewer
from catalogue.api import API_PREFIX, Blueprint, common
from catalogue.changes import ChangeLog
from catalogue.db import get_session

blp = Blueprint(
    "api_changes",
    __name__,
    url_prefix="/api/v1",
    description="The change feed: every change to records you may see, in order, with a cursor.",
)
common.install(blp)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
SCAN_BATCH = 200
MAX_SCAN = 5000  # change-log entries read per request, shown or not: a page never runs long
HOLE_TTL_SECONDS = 600  # as the search indexer: an older gap is a rolled-back transaction
MAX_HOLES = 200
MAX_GAP = 1000


# --- the cursor ---------------------------------------------------------------------------------


@dataclass
class Cursor:
    last: int = 0
    holes: dict[int, float] = field(default_factory=dict)  # id -> when first missed (epoch)

    def encode(self) -> str:
        raw = json.dumps({"v": 1, "l": self.last, "h": {str(k): int(v) for k, v in self.holes.items()}})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            last = int(data["l"])
            holes = {int(k): float(v) for k, v in dict(data.get("h", {})).items()}
        except (binascii.Error, ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            raise ValidationError("Give after as a cursor this feed returned in next") from exc
        if data.get("v") != 1 or last < 0 or len(holes) > MAX_HOLES or any(h < 0 or h >= last for h in holes):
            raise ValidationError("Give after as a cursor this feed returned in next")
        return cls(last, holes)


class CursorField(fields.String):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Cursor:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 8000:
            raise ValidationError("Give after as a cursor this feed returned in next")
        return Cursor.decode(text)


class ChangesArgs(Schema):
    after = CursorField(
        metadata={"description": "the `next` cursor of the previous page; omit it to start from the oldest change kept"}
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT, error=f"Give limit as a whole number from 1 to {MAX_LIMIT}"),
        error_messages={"invalid": f"Give limit as a whole number from 1 to {MAX_LIMIT}"},
    )


class ChangeOut(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["tool", "deployment", "single_view", "offering", "challenge"]),
        metadata={"example": "deployment"},
    )
    ref = fields.String(required=True, allow_none=True, metadata={"example": "dep-leeds-magicnotes"})
    op = fields.String(
        required=True,
        validate=validate.OneOf(["create", "update", "hidden", "delete"]),
        metadata={"description": "hidden: you may no longer see the record (drop your copy)"},
    )
    at = fields.DateTime(required=True, metadata={"description": "when the change was made"})
    url = fields.String(
        allow_none=True, metadata={"description": "the record's API address, while you may see it; else null"}
    )


class ChangesPageOut(Schema):
    items = fields.List(fields.Nested(ChangeOut), required=True)
    next = fields.String(
        required=True, metadata={"description": "send as `after` to continue (also when items is empty: poll with it)"}
    )
    links = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "next"})


# --- reading the log ------------------------------------------------------------------------------


def _visible_now(viewer: Viewer, rows: list[Any]) -> dict[tuple[str, int], str]:
    """{(kind, id): ref} of the records among rows the viewer may see now (access.can_view_kind)."""
    session = get_session()
    kinds = features.search_kinds()
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.kind in kinds:
            wanted.setdefault(row.kind, set()).add(row.record_id)
    seen: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        model = kinds[kind].model
        for record in session.exec(select(model).where(model.id.in_(sorted(ids)))):
            if access.can_view_kind(viewer, kind, record):
                seen[(kind, record.id)] = record.ref
    return seen


def _previous(rows: list[Any]) -> dict[int, Any]:
    """{row id: the entry of the same record just before it} (None-free: absent when first)."""
    table = ChangeLog.__table__
    first = min(r.id for r in rows)
    keys = {(r.kind, r.record_id) for r in rows}
    before: dict[tuple[str, int], Any] = {}
    for kind in {k for k, _ in keys}:
        ids = sorted(i for k, i in keys if k == kind)
        latest = (
            sa.select(sa.func.max(table.c.id))
            .where(table.c.kind == kind, table.c.record_id.in_(ids), table.c.id < first)
            .group_by(table.c.record_id)
        )
        for entry in get_session().connection().execute(sa.select(table).where(table.c.id.in_(latest))):
            before[(entry.kind, entry.record_id)] = entry
    found: dict[int, Any] = {}
    for row in sorted(rows, key=lambda r: r.id):
        key = (row.kind, row.record_id)
        if key in before:
            found[row.id] = before[key]
        before[key] = row
    return found


def _entries(viewer: Viewer, rows: list[Any]) -> dict[int, dict[str, Any]]:
    """{row id: the feed entry} for the rows this viewer is told of (see the module's rules)."""
    if not rows:
        return {}
    now = _visible_now(viewer, rows)
    previous = _previous(rows)
    kinds = features.search_kinds()
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        key = (row.kind, row.record_id)
        prior = previous.get(row.id)
        after = access.grants_allow(viewer, row.visibility, row.owner)
        before = prior is not None and access.grants_allow(viewer, prior.visibility, prior.owner)
        legacy = row.visibility is None and row.op != "delete"
        if not (after or before or (legacy and key in now)):
            continue
        url = None
        if row.op == "delete":
            op = "delete"
        elif after or legacy:
            op = "create" if row.action == "create" else "update"
            if key in now:
                url = request.host_url.rstrip("/") + API_PREFIX + kinds[row.kind].url.format(ref=now[key])
        else:
            op = "hidden"
        ref = row.ref or now.get(key) or (prior.ref if prior is not None else None)
        out[row.id] = {"kind": row.kind, "ref": ref, "op": op, "at": row.at, "url": url}
    return out


def _start(cursor: Cursor | None) -> Cursor:
    """Where to read from; 410 when the log no longer reaches back to the cursor (pruned)."""
    table = ChangeLog.__table__
    low = get_session().connection().execute(sa.select(sa.func.min(table.c.id))).scalar()
    if cursor is None:
        return Cursor(last=(low - 1) if low else 0)
    if low is not None and cursor.last > 0 and low > cursor.last + 1:
        oldest = get_session().connection().execute(sa.select(table.c.at).where(table.c.id == low)).scalar()
        abort(
            410,
            message="The change log no longer reaches back to this cursor (old entries are pruned after "
            f"some days; the oldest kept is from {oldest}): read the lists again, then start the feed without after",
        )
    return cursor


def read_changes(viewer: Viewer, cursor: Cursor | None, limit: int) -> tuple[list[dict[str, Any]], Cursor]:
    """Up to `limit` entries after the cursor for this viewer, and the cursor to continue from."""
    table = ChangeLog.__table__
    state = _start(cursor)
    clock = time.time()
    holes = {h: t for h, t in state.holes.items() if clock - t <= HOLE_TTL_SECONDS}
    last = state.last
    items: list[dict[str, Any]] = []
    scanned = 0
    while len(items) < limit and scanned < MAX_SCAN:
        condition = table.c.id > last
        if holes:
            condition = sa.or_(condition, table.c.id.in_(sorted(holes)))
        query = sa.select(table).where(condition).order_by(table.c.id).limit(SCAN_BATCH)
        rows = list(get_session().connection().execute(query))
        if not rows:
            break
        entries = _entries(viewer, rows)
        for row in rows:
            scanned += 1
            if row.id in holes:
                holes.pop(row.id)
            else:
                if row.id - last < MAX_GAP:
                    holes.update({missing: clock for missing in range(last + 1, row.id)})
                last = max(last, row.id)
            if row.id in entries:
                items.append(entries[row.id])
                if len(items) >= limit:
                    break
    if len(holes) > MAX_HOLES:  # keep the newest gaps: the oldest are the likeliest rolled back
        holes = dict(sorted(holes.items())[-MAX_HOLES:])
    return items, Cursor(last, holes)


@blp.route("/changes")
@blp.arguments(ChangesArgs, location="query")
@blp.response(200, ChangesPageOut)
@blp.doc(responses={"410": {"$ref": "#/components/responses/Gone"}})
def changes(args: dict[str, Any]) -> dict[str, Any]:
    """Every change to records you may see, oldest first: `create`, `update`, `hidden` (you may no
    longer see the record: it was made private, withdrawn, or its organisation is unverified) and
    `delete`, each with the record's kind, ref, when, and its API address while you may see it.
    A record you could never see appears as nothing, its creation and deletion included. Continue
    with `after=<next>`; an empty page's `next` is where to poll from. 410 when the cursor is older
    than the change log kept."""
    items, cursor = read_changes(common.viewer(), args.get("after"), args["limit"])
    token = cursor.encode()
    query = {"after": token, "limit": str(args["limit"])}
    return {"items": items, "next": token, "links": {"next": request.base_url + "?" + urlencode(query)}}
