"""Exporting the catalogue as a bundle, in a stable key order with lists sorted by ref."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, PartnershipMember
from catalogue.bundle.sections import DEMO_FIELD, FORMAT, ORGANISATION_FIELDS, VERSION, Section, sections

# --- export -------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Whole floats as integers, dates as ISO strings: what a person would have written."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _export_record(section: Section, row: Any, org_refs: dict[int, str], refs_by_id: dict[str, dict[int, str]]) -> dict:
    out: dict[str, Any] = {}
    pending = dict(section.ref_after)
    ref_values: dict[str, Any] = {}
    for key, ref_field in section.refs.items():
        ident = getattr(row, ref_field.column)
        if ident is None:
            continue
        table = org_refs if ref_field.target == "organisations" else refs_by_id[ref_field.target]
        ref_values[key] = table.get(ident)

    def put_refs_after(name: str) -> None:
        for key, after in list(pending.items()):
            if after == name:
                pending.pop(key)
                if not _is_empty(ref_values.get(key)):
                    out[key] = ref_values[key]

    for name in section.fields:
        value = getattr(row, name)
        if not _is_empty(value):
            out[name] = _plain(value)
        put_refs_after(name)
    for key in pending:  # refs with no declared place go last
        if not _is_empty(ref_values.get(key)):
            out[key] = ref_values[key]
    if section.from_row:
        out.update({k: _plain(v) for k, v in section.from_row(row).items() if not _is_empty(v)})
    if row.is_demo:
        out[DEMO_FIELD] = True
    return out


def export_bundle(session: Session, viewer: Viewer | None = None) -> dict[str, Any]:
    """The catalogue as a bundle. With a viewer, only what that viewer may see (the policy decides);
    without one (an operator's full backup), everything."""
    everyone = viewer or Viewer(site_admin=True)
    refs_by_id: dict[str, dict[int, str]] = {}
    exported: dict[str, list[Any]] = {}
    for section in sections():
        query = select(section.model)
        if section.visible is not None:
            query = query.where(section.visible(everyone, section.model))
        if section.exportable is not None:
            query = query.where(section.exportable(section.model))
        rows = list(session.exec(query.order_by(section.model.ref)))
        exported[section.name] = rows
        refs_by_id[section.name] = {r.id: r.ref for r in rows}
    # Organisations: every one that is not a reference authority, plus reference authorities
    # that exported records point at (with their ONS code, so the other side merges them).
    referenced: set[int] = set()
    for section in sections():
        for ref_field in section.refs.values():
            if ref_field.target == "organisations":
                referenced.update(getattr(r, ref_field.column) for r in exported[section.name])
    referenced.discard(None)
    members = session.exec(select(PartnershipMember).where(PartnershipMember.status == "accepted")).all()
    referenced.update(m.member_id for m in members)
    orgs = session.exec(
        select(Organisation)
        .where(sa.or_(Organisation.is_reference.is_(False), Organisation.id.in_(referenced or {-1})))
        .where(access.organisation_visible_clause(everyone, Organisation))
        .order_by(Organisation.ref)
    ).all()
    org_refs = {o.id: o.ref for o in orgs}
    members_of: dict[int, list[str]] = defaultdict(list)
    for m in members:
        if m.partnership_id in org_refs and m.member_id in org_refs:
            members_of[m.partnership_id].append(org_refs[m.member_id])

    bundle: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    org_list = []
    for org in orgs:
        out = {name: getattr(org, name) for name in ORGANISATION_FIELDS if not _is_empty(getattr(org, name))}
        if org.kind == "partnership" and members_of.get(org.id):
            out["members"] = sorted(members_of[org.id])
        if org.is_demo:
            out[DEMO_FIELD] = True
        org_list.append(out)
    bundle["organisations"] = org_list
    for section in sections():
        bundle[section.name] = [_export_record(section, r, org_refs, refs_by_id) for r in exported[section.name]]
    return bundle


def dumps(bundle: Mapping[str, Any]) -> str:
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
