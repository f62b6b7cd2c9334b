"""Writing a validated bundle in the caller's transaction, updating records in place by ref."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from catalogue.accounts.models import Organisation, PartnershipMember
from catalogue.bundle.sections import (
    DEMO_FIELD,
    ORGANISATION_FIELDS,
    REFERENCE_OWNED,
    BundleError,
    Section,
    _section,
    sections,
)
from catalogue.bundle.validate import _known_refs, _Plan, validate_bundle
from catalogue.db import utcnow
from catalogue.records.models import Tool

# --- writing ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, name: str, is_new: bool, changed: bool) -> None:
        (self.created if is_new else self.updated if changed else self.unchanged)[name] += 1

    def lines(self) -> list[str]:
        names = ["organisations"] + [s.name for s in sections()]
        return [
            f"{n}: {self.created.get(n, 0)} created, {self.updated.get(n, 0)} updated, "
            f"{self.unchanged.get(n, 0)} unchanged"
            for n in names
        ]


def _assign(row: Any, values: Mapping[str, Any]) -> bool:
    """Set the values that differ; whether any did."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _write_organisations(
    session: Session, items: list[dict[str, Any]], demo: bool, result: ImportResult
) -> dict[str, int]:
    refs = {o["ref"] for o in items}
    codes = {o["ons_code"] for o in items if o.get("ons_code")}
    by_ref = {o.ref: o for o in session.exec(select(Organisation).where(Organisation.ref.in_(refs)))} if refs else {}
    by_ons = (
        {o.ons_code: o for o in session.exec(select(Organisation).where(Organisation.ons_code.in_(codes)))}
        if codes
        else {}
    )
    ids: dict[str, int] = {}
    rows: dict[str, Organisation] = {}
    for data in items:
        row = by_ons.get(data.get("ons_code")) or by_ref.get(data["ref"])
        other = by_ref.get(data["ref"])
        if other is not None and other is not row and not row.is_reference:
            raise BundleError(
                [
                    f"organisations {data['ref']} ons_code: The ONS code belongs to {row.ref}, but the ref to another organisation"
                ]
            )
        values = {name: data.get(name) for name in ORGANISATION_FIELDS if name != "ref"}
        if row is None:
            row = Organisation(ref=data["ref"], is_demo=demo or data[DEMO_FIELD], **values)
            session.add(row)
            result.count("organisations", True, True)
        else:
            if row.is_reference:
                # Merge into the reference authority: keep its ref, name and region.
                values = {k: v for k, v in values.items() if k not in REFERENCE_OWNED}
                values["ons_code"] = row.ons_code
            elif row.ref != data["ref"]:
                values["ref"] = data["ref"]
            if not row.is_reference:
                values["is_demo"] = demo or data[DEMO_FIELD]  # a real bundle's record is no longer demo data
            result.count("organisations", False, _assign(row, values))
        rows[data["ref"]] = row
    session.flush()
    ids = {ref: row.id for ref, row in rows.items()}
    return ids


def _write_members(session: Session, items: list[dict[str, Any]], org_ids: dict[str, int]) -> None:
    for data in items:
        if data.get("kind") != "partnership":
            continue
        partnership_id = org_ids[data["ref"]]
        wanted = {org_ids[m] for m in data.get("members", [])}
        existing = {
            m.member_id: m
            for m in session.exec(select(PartnershipMember).where(PartnershipMember.partnership_id == partnership_id))
        }
        for member_id, link in existing.items():
            if member_id not in wanted and link.status == "accepted":
                session.delete(link)
        for member_id in wanted:
            link = existing.get(member_id)
            if link is None:
                session.add(
                    PartnershipMember(
                        partnership_id=partnership_id, member_id=member_id, status="accepted", responded_at=utcnow()
                    )
                )
            elif link.status != "accepted":
                link.status, link.responded_at = "accepted", utcnow()


def _org_ids_for(session: Session, refs: set[str]) -> dict[str, int]:
    if not refs:
        return {}
    return dict(session.exec(select(Organisation.ref, Organisation.id).where(Organisation.ref.in_(refs))).all())


def _write_section(
    session: Session,
    section: Section,
    items: list[dict[str, Any]],
    ids: dict[str, dict[str, int]],
    demo: bool,
    result: ImportResult,
) -> dict[str, int]:
    model = section.model
    refs = {d["ref"] for d in items}
    existing = {r.ref: r for r in session.exec(select(model).where(model.ref.in_(refs)))} if refs else {}
    # Ids of records referenced but not in this bundle.
    for key, ref_field in section.refs.items():
        missing = {d[key] for d in items if d.get(key) and d[key] not in ids[ref_field.target]}
        if missing:
            target_model = Organisation if ref_field.target == "organisations" else _section(ref_field.target).model
            found = session.exec(select(target_model.ref, target_model.id).where(target_model.ref.in_(missing)))
            ids[ref_field.target].update(dict(found.all()))
    rows: dict[str, Any] = {}
    for data in items:
        values: dict[str, Any] = {}
        for name in section.fields:
            if name == "ref":
                continue
            value = data.get(name)
            values[name] = ([] if value is None else list(value)) if name in section.list_fields else value
        for key, ref_field in section.refs.items():
            values[ref_field.column] = ids[ref_field.target][data[key]] if data.get(key) else None
        if section.to_columns:
            values.update(section.to_columns(data))
        row = existing.get(data["ref"])
        is_new = row is None
        changed = True
        if is_new:
            row = model(ref=data["ref"], is_demo=demo or data[DEMO_FIELD], **values)
            session.add(row)
        else:
            values["is_demo"] = demo or data[DEMO_FIELD]  # a real bundle's record is no longer demo data
            changed = _assign(row, values)
        if section.on_write:
            section.on_write(row, data, is_new)
            changed = changed or bool(session.is_modified(row))
        result.count(section.name, is_new, changed)
        rows[data["ref"]] = row
    session.flush()
    return {ref: row.id for ref, row in rows.items()}


def import_bundle(session: Session, bundle: Any, demo: bool = False) -> ImportResult:
    """Validate, then write the whole bundle in the caller's transaction (the caller commits).
    Raises BundleError, having written nothing, when any record is wrong."""
    plan = validate_bundle(session, bundle)
    result = ImportResult()
    new_tools = _restricted_new_tools(session, plan)
    ids: dict[str, dict[str, int]] = defaultdict(dict)
    ids["organisations"] = _write_organisations(session, plan.organisations, demo, result)
    member_refs = {m for o in plan.organisations for m in o.get("members", [])} - set(ids["organisations"])
    ids["organisations"].update(_org_ids_for(session, member_refs))
    _write_members(session, plan.organisations, ids["organisations"])
    for section in sections():
        items = plan.records.get(section.name, [])
        if not items:
            continue
        ids[section.name].update(_write_section(session, section, items, ids, demo, result))
    if new_tools:
        for tool in session.exec(select(Tool).where(Tool.ref.in_(sorted(new_tools)))):
            tool.restricted = True
    session.flush()
    return result


def _restricted_new_tools(session: Session, plan: _Plan) -> set[str]:
    """Tools this bundle creates that only its private or authorities-only records name: like a
    tool entered in the deployment form, each stays with those records (access.can_view_tool)."""
    tool_refs = {d["ref"] for d in plan.records.get("tools", [])}
    new = tool_refs - _known_refs(session, Tool, tool_refs)
    named: dict[str, set[str]] = defaultdict(set)
    for name in ("deployments", "single_views"):
        for data in plan.records.get(name, []):
            if data.get("tool") in new:
                named[data["tool"]].add(data.get("visibility") or "authorities")
    return {ref for ref, levels in named.items() if "public" not in levels}
