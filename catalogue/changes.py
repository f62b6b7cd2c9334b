"""The change log (what the search indexer replays) and the audit trail, both written in the
same transaction as the change itself by one flush hook, so no write can forget either."""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from catalogue import features
from catalogue.db import UTCDateTime, utcnow

# Who is acting: set by the request (signed-in user) or by a command.
current_actor_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("current_actor_id", default=None)


class ChangeLog(SQLModel, table=True):
    __tablename__ = "change_log"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    record_id: int
    op: str = Field(max_length=10)  # upsert | delete
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # For the change feed (catalogue/api/changes_api.py): what happened (create | update |
    # delete), the record's ref, and who could see it just after the change, as the search
    # index stores it (access.index_visibility: a level and its owner ids, space-separated).
    # None on rows written before these columns, and `visibility` None once a record is gone.
    action: str | None = Field(default=None, max_length=10)
    ref: str | None = Field(default=None, max_length=80)
    visibility: str | None = Field(default=None, max_length=20)
    owner: str | None = Field(default=None, sa_type=sa.Text)  # a restricted tool may have many


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, index=True)
    organisation_id: int | None = Field(default=None, index=True)
    record_type: str = Field(max_length=40)
    record_id: int
    record_ref: str | None = Field(default=None, max_length=80)
    action: str = Field(max_length=10)  # create | update | delete
    changes: dict = Field(default_factory=dict, sa_type=sa.JSON)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _owner_id(obj: Any) -> int | None:
    return getattr(obj, "organisation_id", None)


# A model may name the only columns worth auditing (`__audit_fields__`) and the ones whose values
# must never reach the audit row (`__audit_secret__`: only that they changed is recorded).
SECRET_CHANGED = [None, "(changed)"]


def _diff(obj: Any) -> dict:
    state = inspect(obj)
    changes = {}
    only = getattr(obj, "__audit_fields__", None)
    secret = getattr(obj, "__audit_secret__", frozenset())
    for attr in state.mapper.column_attrs:
        if attr.key in ("updated_at", "created_at") or (only is not None and attr.key not in only):
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                changes[attr.key] = list(SECRET_CHANGED) if attr.key in secret else [_jsonable(old), _jsonable(new)]
    return changes


def _remove_nul(obj: Any) -> None:
    # The schemas already clean text; this catches any path that writes without one (a CLI, a
    # factory). SQLite would keep a NUL but PostgreSQL refuses the whole transaction.
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        value = state.dict.get(attr.key)
        if isinstance(value, str) and "\x00" in value:
            setattr(obj, attr.key, value.replace("\x00", ""))


@event.listens_for(OrmSession, "before_flush")
def _collect(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        _remove_nul(obj)
    pending = session.info.setdefault("_changes_pending", [])
    for obj in list(session.dirty):
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            diff = _diff(obj)
            if diff:
                if hasattr(obj, "updated_at") and "updated_at" not in diff:
                    obj.updated_at = utcnow()
                pending.append(("update", obj, diff))
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            pending.append(("create", obj, None))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            pending.append(("delete", obj, None))


@event.listens_for(OrmSession, "after_flush")
def _write(session: OrmSession, _ctx: Any) -> None:
    pending = session.info.pop("_changes_pending", [])
    if not pending:
        return
    now = utcnow()
    actor = current_actor_id.get()
    audits, logs = [], []
    for action, obj, diff in pending:
        record_type = obj.__tablename__
        audits.append(
            {
                "at": now,
                "actor_id": actor,
                "organisation_id": _owner_id(obj),
                "record_type": record_type,
                "record_id": obj.id,
                "record_ref": getattr(obj, "ref", None),
                "action": action,
                "changes": diff or {},
            }
        )
        kind = getattr(obj, "__search_kind__", None)
        if kind:
            # A withdrawn record is gone for every reader: the log (search, matching, the API's
            # change feed) says so, on the withdrawal and on any later write to it.
            gone = action == "delete" or getattr(obj, "withdrawn_at", None) is not None
            logs.append(
                {
                    "kind": kind,
                    "record_id": obj.id,
                    "op": "delete" if gone else "upsert",
                    "at": now,
                    "action": action,
                    "ref": getattr(obj, "ref", None),
                }
            )
        # A change to an organisation or tool changes what its deployments and offerings say in search.
        for dependent_kind, dependent_ids in _dependents(session, obj):
            logs.extend(
                {"kind": dependent_kind, "record_id": i, "op": "upsert", "at": now, "action": "update", "ref": None}
                for i in dependent_ids
            )
    connection = session.connection()
    connection.execute(sa.insert(AuditEvent.__table__), audits)
    if logs:
        _add_standing(connection, logs)
        connection.execute(sa.insert(ChangeLog.__table__), logs)


def _add_standing(connection: Any, logs: list[dict]) -> None:
    """Who could see each changed record just after this change (the change feed's memory of
    past visibility), from the hook the search registers (catalogue.features.add_standing)."""
    wanted: dict[str, set[int]] = {}
    for row in logs:
        if row["op"] != "delete":
            wanted.setdefault(row["kind"], set()).add(row["record_id"])
    found: dict[tuple[str, int], tuple[str, str | None, str]] = {}
    for hook in features.standing_hooks():
        for kind, ids in wanted.items():
            found.update({(kind, i): value for i, value in hook(connection, kind, ids).items()})
    for row in logs:
        visibility, owner, ref = found.get((row["kind"], row["record_id"]), (None, None, row["ref"]))
        row.update(visibility=visibility, owner=owner, ref=row["ref"] or ref)


def _dependents(session: OrmSession, obj: Any) -> list[tuple[str, list[int]]]:
    # Registered by the search (catalogue.features.add_dependents): the change log never imports it.
    found = []
    for hook in features.dependents_hooks():
        found.extend(hook(session, obj) or [])
    return found
