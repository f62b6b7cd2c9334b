"""The audit trail as people read it: who (by name), what changed from what to what, and when.

The rows (catalogue.changes.AuditEvent) keep table names, column names and raw values; this turns
a page of them into sentences. Secrets never show: a model's `__audit_secret__` columns are stored
only as "(changed)", and any column whose name says it holds a hash, token, secret or password is
shown as "changed" here too, whatever an older row kept.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, select

from catalogue.calendar import UK

SECRET_NAME = re.compile(r"hash|token|secret|password", re.I)
NOT_SHOWN = "changed (not shown)"
EMPTY = "(none)"
LONGEST = 120

RECORD_TYPES = {
    "user_account": "Account",
    "organisation": "Organisation",
    "tool": "Tool",
    "deployment": "Deployment",
    "single_view": "Single view",
    "tool_claim": "Tool claim",
    "peer_question": "Question to a peer",
    "offering": "Offering",
    "offering_reference": "Reference",
    "challenge": "Challenge",
    "programme": "Partnership",
    "programme_challenge_request": "Partnership request",
}
ACTIONS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "override": "Published over a personal-data warning",
}
FIELD_NAMES = {"is_site_admin": "Site administrator", "uses_ai": "Uses AI", "is_sme": "SME"}
# Foreign keys into these tables read as the record's name; any other shows its id.
NAMED_TABLES = ("organisation", "user_account", "tool")


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class AuditRow:
    at: datetime
    when: str
    who: str
    action: str
    record: str
    changes: list[Change] = field(default_factory=list)


def _models() -> dict[str, Any]:
    return {
        m.class_.__tablename__: m.class_
        for m in SQLModel._sa_registry.mappers
        if getattr(m.class_, "__tablename__", None)
    }


def _label(row: Any) -> str | None:
    for name in ("display_name", "name", "title", "ref"):
        value = getattr(row, name, None)
        if value:
            return str(value)
    if getattr(row, "email", None):
        return str(row.email)
    return None


def _names(session: Session, models: dict[str, Any], wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """One query per table: the name of every record the page mentions."""
    found: dict[tuple[str, int], str] = {}
    for table, ids in wanted.items():
        model = models.get(table)
        if model is None or not ids or not hasattr(model, "id"):
            continue
        for row in session.exec(select(model).where(model.id.in_(ids))):
            label = _label(row)
            if label:
                found[(table, row.id)] = label
    return found


def _foreign_table(models: dict[str, Any], table: str, column: str) -> str | None:
    model = models.get(table)
    if model is None or column not in model.__table__.c:
        return None
    for fk in model.__table__.c[column].foreign_keys:
        return fk.column.table.name
    return None


def field_label(column: str) -> str:
    if column in FIELD_NAMES:
        return FIELD_NAMES[column]
    words = column.removesuffix("_id").replace("_", " ")
    return words[:1].upper() + words[1:]


def when(at: datetime) -> str:
    """'3 December 2026 at 14:05', in England's time."""
    local = at.astimezone(UK) if at.tzinfo else at
    return f"{local:%-d %B %Y} at {local:%H:%M}"


def value_text(value: Any) -> str:
    """A stored value as a reader sees it: empty, yes/no, a date, a list, or text cut short."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        text = ", ".join(value_text(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:\d{2}|Z)?)?$", value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return when(moment) if "T" in value else f"{date.fromisoformat(value[:10]):%-d %B %Y}"
    else:
        text = str(value)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def _findings(found: dict[str, Any]) -> str:
    """The guard's findings the writer overrode, field by field (already masked when stored)."""
    parts = []
    for column, items in found.items():
        reasons = [str(i.get("reason") or i.get("kind")) for i in items if isinstance(i, dict)]
        parts.append(f"{field_label(column)}: {'; '.join(reasons) or 'a finding'}")
    return value_text(" | ".join(parts))


def _secret(column: str, pair: Any) -> bool:
    return bool(SECRET_NAME.search(column)) or pair == [None, "(changed)"]


def audit_rows(session: Session, events: Iterable[Any]) -> list[AuditRow]:
    """A page of audit events, each with names instead of ids and every change in words."""
    events = list(events)
    models = _models()
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.actor_id:
            wanted["user_account"].add(e.actor_id)
        wanted[e.record_type].add(e.record_id)
        for column, pair in (e.changes or {}).items():
            target = _foreign_table(models, e.record_type, column)
            if target in NAMED_TABLES and isinstance(pair, list):
                wanted[target].update(v for v in pair if isinstance(v, int))
    names = _names(session, models, wanted)

    def shown(table: str | None, value: Any) -> str:
        if table in NAMED_TABLES and isinstance(value, int):
            return names.get((table, value), f"#{value}")
        return value_text(value)

    rows = []
    for e in events:
        kind = RECORD_TYPES.get(e.record_type) or field_label(e.record_type)
        name = names.get((e.record_type, e.record_id)) or e.record_ref or f"#{e.record_id}"
        changes = []
        for column, pair in (e.changes or {}).items():
            label = field_label(column)
            if e.action == "override" and isinstance(pair, dict):
                changes.append(Change("Said not about a real person", "", _findings(pair)))
                continue
            if _secret(column, pair):
                changes.append(Change(label, "", NOT_SHOWN))
                continue
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            target = _foreign_table(models, e.record_type, column)
            changes.append(Change(label, shown(target, before), shown(target, after)))
        rows.append(
            AuditRow(
                at=e.at,
                when=when(e.at),
                who=names.get(("user_account", e.actor_id), f"#{e.actor_id}") if e.actor_id else "The system",
                action=ACTIONS.get(e.action, e.action.capitalize()),
                record=f"{kind}: {name}",
                changes=changes,
            )
        )
    return rows
