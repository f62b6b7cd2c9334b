"""Import and export of the exchange bundle (shared/spec/bundle-v1.schema.json).

`flask bundle import FILE` validates the WHOLE bundle first (format, version, every record
against its schema, duplicate refs, refs that resolve within the bundle or the database) and
writes nothing when anything is wrong; otherwise it writes every record in one transaction,
updating records in place by ref. `flask bundle export FILE` writes the same format with a
stable key order and lists sorted by ref, so export -> import -> export is byte-identical.
The format carries no offering status, so an export (even the operator's full one) holds only
published offerings, and an import creates new offerings published but leaves an existing
offering's status alone (a supplier's draft is never published by an import).

The core handles organisations, tools, deployments and single views. Feature packages add
their own lists with `catalogue.features.add_bundle_section`, so this module never imports
them.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from marshmallow import Schema, ValidationError
from sqlmodel import Session, select

from catalogue import access, features
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, PartnershipMember
from catalogue.db import get_session, utcnow, writing
from catalogue.personal_data import check_text_fields
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import (
    DEPLOYMENT_FIELDS,
    RESOURCE_FIELDS,
    DeploymentSchema,
    OrganisationSchema,
    Ref,
    SingleViewSchema,
    ToolSchema,
)

FORMAT = "csc-catalogue-bundle"
VERSION = 1
EVIDENCE_KINDS = ("local-authority", "provider")


PROBLEM_MAX = 500


def _printable(text: str, limit: int = PROBLEM_MAX) -> str:
    """One line of printable text: messages echo what the bundle held (an unknown code, a ref),
    which may be huge or hold line breaks, NUL, terminal escapes or unpaired surrogates."""
    out = "".join(
        c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in text
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


class BundleError(Exception):
    """The bundle cannot be imported; `problems` names each failing record and field, one
    printable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the bundle")
        self.problems = [_printable(p) for p in problems]


@dataclass(frozen=True)
class RefField:
    """A bundle field that points at a record of another list by ref."""

    target: str  # the list it points into: "organisations", "tools", ...
    column: str  # the model column holding the id
    kinds: tuple[str, ...] = ()  # allowed organisation kinds, when it points at an organisation
    kinds_message: str = ""


@dataclass
class Section:
    """One list of the bundle: how to validate, write and export its records."""

    name: str
    model: Any
    schema: Callable[[], Schema]
    order: int
    # Plain fields copied between the bundle and same-named columns, in the bundle's key order.
    fields: tuple[str, ...]
    refs: Mapping[str, RefField] = field(default_factory=dict)
    # Where ref fields go in the exported key order: field -> the plain field it comes after.
    ref_after: Mapping[str, str] = field(default_factory=dict)
    # Extra column values for a loaded record (e.g. nested resources -> flat columns).
    to_columns: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Extra bundle fields for an exported row (e.g. flat columns -> nested resources).
    from_row: Callable[[Any], dict[str, Any]] | None = None
    # Called for every written row: (row, data, is_new) -> None (e.g. offerings are published).
    on_write: Callable[[Any, dict[str, Any], bool], None] | None = None
    # SQL filter of the rows a viewer may export.
    visible: Callable[[Viewer, Any], Any] | None = None
    # SQL filter of the rows the bundle format can carry at all, whoever exports (e.g. the
    # format has no offering status, so only published offerings leave, even in a full export).
    exportable: Callable[[Any], Any] | None = None
    # Columns reset to None/[] when an optional field is missing from the bundle.
    list_fields: tuple[str, ...] = ()


def sections() -> list[Section]:
    """The bundle's lists in order: the core's below, and those features register
    (catalogue.features.add_bundle_section)."""
    return features.bundle_sections()


def _section(name: str) -> Section:
    return features.REGISTRY.bundle_sections[name]


# --- the core's lists ---------------------------------------------------------------------------


def _resources_to_columns(data: dict[str, Any]) -> dict[str, Any]:
    resources = data.get("resources") or {}
    return {name: resources.get(name) for name in RESOURCE_FIELDS}


def _resources_from_row(row: Deployment) -> dict[str, Any]:
    resources = {name: getattr(row, name) for name in RESOURCE_FIELDS if getattr(row, name) is not None}
    return {"resources": resources} if resources else {}


features.add_bundle_section(
    Section(
        name="tools",
        model=Tool,
        schema=ToolSchema,
        order=20,
        fields=(
            "ref",
            "name",
            "summary",
            "description",
            "uses_ai",
            "categories",
            "delivery",
            "case_management_systems",
        ),
        refs={
            "supplier": RefField("organisations", "supplier_id", ("supplier",), "must be a supplier"),
            "developed_by": RefField(
                "organisations", "developed_by_id", EVIDENCE_KINDS, "must be a local authority or provider"
            ),
        },
        ref_after={"supplier": "categories", "developed_by": "categories"},
        visible=access.tool_visible_clause,
        list_fields=("categories", "case_management_systems"),
    )
)
features.add_bundle_section(
    Section(
        name="deployments",
        model=Deployment,
        schema=DeploymentSchema,
        order=30,
        fields=("ref", *DEPLOYMENT_FIELDS),
        refs={
            "organisation": RefField(
                "organisations",
                "organisation_id",
                access.EVIDENCE_AUTHOR_KINDS,
                "must be a local authority, provider or partnership",
            ),
            "tool": RefField("tools", "tool_id"),
        },
        ref_after={"organisation": "ref", "tool": "ref"},
        to_columns=_resources_to_columns,
        from_row=_resources_from_row,
        visible=access.visible_clause,
        list_fields=("dropped_reasons", "ethics_checks"),
    )
)
features.add_bundle_section(
    Section(
        name="single_views",
        model=SingleView,
        schema=SingleViewSchema,
        order=40,
        fields=("ref", "status", "sources", "other_sources", "documentation", "visibility"),
        refs={
            "organisation": RefField(
                "organisations",
                "organisation_id",
                access.EVIDENCE_AUTHOR_KINDS,
                "must be a local authority, provider or partnership",
            ),
            "tool": RefField("tools", "tool_id"),
        },
        ref_after={"organisation": "ref", "tool": "other_sources"},
        visible=access.visible_clause,
        list_fields=("sources",),
    )
)

ORGANISATION_FIELDS = ("ref", "name", "kind", "region", "ons_code", "website", "case_management_system")
# Fictional (demo) records carry `"demo": true`, an extra field the format allows, so an export
# imported elsewhere still says which records are not real. Real records leave it out.
DEMO_FIELD = "demo"
# A reference authority's name and region come from the reference list, not from a bundle.
REFERENCE_OWNED = frozenset({"name", "kind", "region"})


# --- validation ---------------------------------------------------------------------------------


def _field_path(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """marshmallow's nested messages -> (dotted field, first message) pairs."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            yield from _field_path(value, name)
    elif isinstance(messages, list | tuple):
        if messages and all(isinstance(m, str) for m in messages):
            yield prefix or "record", messages[0]
        else:
            for item in messages:
                yield from _field_path(item, prefix)
    else:
        yield prefix or "record", str(messages)


def _label(item: Any, index: int) -> str:
    """How a problem names a record: its ref when that is a short printable string (even an
    invalid one, so people can find it), else its position in the list."""
    ref = item.get("ref") if isinstance(item, Mapping) else None
    if isinstance(ref, str) and 0 < len(ref) <= 80 and ref.isprintable() and ref.strip() == ref:
        return ref
    return f"#{index + 1}"


def _has_surrogate(value: Any) -> bool:
    """Whether a string in the value holds an unpaired surrogate: JSON may write "\\ud800", but
    no database can store one, so the write would fail long after validation."""
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, Mapping):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


@dataclass
class _Plan:
    """A validated bundle, ready to write."""

    organisations: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]]


def _known_organisations(session: Session, refs: set[str]) -> dict[str, str]:
    if not refs:
        return {}
    # Only organisations anyone may name: an unverified one is as unknown as a missing one.
    rows = session.exec(
        select(Organisation.ref, Organisation.kind).where(
            Organisation.ref.in_(refs), access.verified_clause(Organisation)
        )
    )
    return dict(rows.all())


def _known_refs(session: Session, model: Any, refs: set[str]) -> set[str]:
    if not refs:
        return set()
    return set(session.exec(select(model.ref).where(model.ref.in_(refs))).all())


def personal_data_problems(schema: Schema, data: Mapping[str, Any]) -> dict[str, str]:
    """The personal-data check every form and API call runs, for a record an importer loaded:
    {field: message}. References, web addresses and an organisation's own contact details are
    not prose; an importer cannot confirm "not a real person", so any finding refuses the record."""
    skip = {
        key for key, f in schema.fields.items() if isinstance(f, Ref) or key == "website" or key.startswith("contact_")
    }
    return check_text_fields(data, skip=skip, can_confirm=False)


def validate_bundle(session: Session, bundle: Any) -> _Plan:
    """Check everything; raise BundleError listing every problem as 'list ref field: message'."""
    problems: list[str] = []
    if not isinstance(bundle, Mapping):
        raise BundleError(["bundle: The file must hold one JSON object"])
    if bundle.get("format") != FORMAT:
        problems.append(f"bundle format: The format must be '{FORMAT}'")
    if bundle.get("version") != VERSION:
        problems.append(f"bundle version: Only version {VERSION} bundles can be imported")

    all_sections: list[tuple[str, Callable[[], Schema]]] = [("organisations", OrganisationSchema)]
    all_sections += [(s.name, s.schema) for s in sections()]
    loaded: dict[str, list[dict[str, Any]]] = {}
    # Refs of records refused above, so records pointing at them are told why, not "no such ref".
    rejected: dict[str, set[str]] = defaultdict(set)
    for name, schema_factory in all_sections:
        items = bundle.get(name, [])
        if items is None:
            items = []
        if not isinstance(items, list):
            problems.append(f"bundle {name}: The {name} must be a list")
            loaded[name] = []
            continue
        schema = schema_factory()
        seen: set[str] = set()
        good: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            label = _label(item, index)
            if not isinstance(item, Mapping):
                problems.append(f"{name} {label} record: Each record must be a JSON object")
                continue
            if isinstance(item.get("ref"), str):
                rejected[name].add(item["ref"])  # until it loads
            unstorable = [key for key in schema.load_fields if key in item and _has_surrogate(item[key])]
            if unstorable:
                problems.extend(
                    f"{name} {label} {key}: The text holds an unpaired surrogate (a broken \\u escape)"
                    for key in unstorable
                )
                continue
            if item.get(DEMO_FIELD, False) not in (True, False):
                problems.append(f"{name} {label} {DEMO_FIELD}: Say true for a fictional record, or leave it out")
                continue
            try:
                data = schema.load(item)
            except ValidationError as exc:
                problems.extend(f"{name} {label} {path}: {message}" for path, message in _field_path(exc.messages))
                continue
            personal = personal_data_problems(schema, data)
            if personal:
                problems.extend(f"{name} {label} {key}: {message}" for key, message in personal.items())
                continue
            data[DEMO_FIELD] = item.get(DEMO_FIELD) is True
            rejected[name].discard(item["ref"])
            if data["ref"] in seen:
                problems.append(f"{name} {label} ref: The ref {data['ref']} is used by more than one record in {name}")
                continue
            seen.add(data["ref"])
            good.append(data)
        loaded[name] = good

    # Organisations: ons codes unique, members resolvable.
    org_kinds = {o["ref"]: o["kind"] for o in loaded["organisations"]}
    ons_seen: dict[str, str] = {}
    for org in loaded["organisations"]:
        code = org.get("ons_code")
        if code:
            if code in ons_seen:
                problems.append(
                    f"organisations {org['ref']} ons_code: The ONS code {code} is also given to {ons_seen[code]}"
                )
            ons_seen[code] = org["ref"]

    wanted_orgs: set[str] = set()
    for org in loaded["organisations"]:
        wanted_orgs.update(m for m in org.get("members", []) if m not in org_kinds)
    for section in sections():
        for data in loaded[section.name]:
            for key, ref_field in section.refs.items():
                if ref_field.target == "organisations" and data.get(key) and data[key] not in org_kinds:
                    wanted_orgs.add(data[key])
    org_kinds.update({ref: kind for ref, kind in _known_organisations(session, wanted_orgs).items()})
    problems.extend(_check_ons_matches(session, loaded["organisations"], loaded, org_kinds))

    for org in loaded["organisations"]:
        for member in org.get("members", []):
            if member == org["ref"]:
                problems.append(f"organisations {org['ref']} members: A partnership cannot be a member of itself")
            elif member not in org_kinds:
                problems.append(f"organisations {org['ref']} members: {_missing('organisations', member, rejected)}")

    # Refs into other lists.
    present: dict[str, set[str]] = {name: {d["ref"] for d in items} for name, items in loaded.items()}
    for section in sections():
        wanted: dict[str, set[str]] = defaultdict(set)
        for data in loaded[section.name]:
            for key, ref_field in section.refs.items():
                value = data.get(key)
                if value and ref_field.target != "organisations" and value not in present[ref_field.target]:
                    wanted[ref_field.target].add(value)
        for target, refs in wanted.items():
            present[target] |= _known_refs(session, _section(target).model, refs)
        for data in loaded[section.name]:
            for key, ref_field in section.refs.items():
                value = data.get(key)
                if not value:
                    continue
                prefix = f"{section.name} {data['ref']} {key}"
                if ref_field.target == "organisations":
                    if value not in org_kinds:
                        problems.append(f"{prefix}: {_missing('organisations', value, rejected)}")
                    elif ref_field.kinds and org_kinds[value] not in ref_field.kinds:
                        problems.append(f"{prefix}: The organisation {value} {ref_field.kinds_message}")
                elif value not in present[ref_field.target]:
                    problems.append(f"{prefix}: {_missing(ref_field.target, value, rejected)}")

    if problems:
        raise BundleError(problems)
    organisations = loaded.pop("organisations")
    return _Plan(organisations=organisations, records=loaded)


def _missing(target: str, ref: str, rejected: Mapping[str, set[str]]) -> str:
    """Why a ref does not resolve: the record it names was refused above, or there is none."""
    singular = target.rstrip("s").replace("_", " ")
    if ref in rejected.get(target, ()):
        return f"The {singular} {ref} is in the bundle but has errors (see above)"
    return f"No {singular} with ref {ref} in the bundle or the database"


def _check_ons_matches(
    session: Session,
    organisations: list[dict[str, Any]],
    loaded: dict[str, list[dict[str, Any]]],
    org_kinds: dict[str, str],
) -> list[str]:
    """An organisation whose ONS code the database already gives to another ref is written onto
    that row (see _write_organisations). Refuse, before anything is written, the cases that would
    then be ambiguous, and check refs against the kind a reference authority really has."""
    codes = {o["ons_code"]: o for o in organisations if o.get("ons_code")}
    if not codes:
        return []
    matched = session.exec(
        select(Organisation.ref, Organisation.ons_code, Organisation.kind, Organisation.is_reference).where(
            Organisation.ons_code.in_(codes)
        )
    ).all()
    renamed = {row.ref: row for row in matched if row.ref != codes[row.ons_code]["ref"] and not row.is_reference}
    taken = _known_refs(session, Organisation, {codes[row.ons_code]["ref"] for row in renamed.values()})
    # Every organisation ref the bundle names: its own organisations, members and record fields.
    named = {o["ref"] for o in organisations} | {m for o in organisations for m in o.get("members", [])}
    for section in sections():
        for data in loaded.get(section.name, []):
            named.update(data[k] for k, f in section.refs.items() if f.target == "organisations" and data.get(k))
    problems = []
    for row in matched:
        data = codes[row.ons_code]
        if row.ref == data["ref"]:
            continue
        prefix = f"organisations {data['ref']} ons_code"
        if row.is_reference:
            org_kinds[data["ref"]] = row.kind  # merged into the reference authority, which keeps its kind
        elif data["ref"] in taken:
            problems.append(f"{prefix}: The ONS code belongs to {row.ref}, but the ref to another organisation")
        elif row.ref in named:
            problems.append(
                f"{prefix}: The ONS code belongs to {row.ref}, which the bundle also names: "
                "give the organisation one ref"
            )
    return problems


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


# --- commands -----------------------------------------------------------------------------------

bundle_cli = AppGroup("bundle", help="Import and export the exchange bundle (bundle-v1).")


def read_bundle_file(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError([f"bundle: Cannot read {path}: {exc}"]) from exc
    except RecursionError as exc:
        raise BundleError([f"bundle: {path} nests lists or objects too deeply"]) from exc
    except json.JSONDecodeError as exc:
        raise BundleError(
            [f"bundle: {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from exc


@bundle_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_command(path: str) -> None:
    """Import the bundle at PATH: all of it, or (on any error) none of it."""
    with writing():
        session = get_session()
        try:
            result = import_bundle(session, read_bundle_file(path))
        except BundleError as exc:
            session.rollback()
            for problem in exc.problems:
                click.echo(problem, err=True)
            click.echo(f"Nothing was imported: {len(exc.problems)} problem(s).", err=True)
            sys.exit(1)
        session.commit()
    for line in result.lines():
        click.echo(line)


@bundle_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--public-only", is_flag=True, help="Only what an anonymous visitor may see.")
def export_command(path: str, public_only: bool) -> None:
    """Write the catalogue to PATH ('-' for standard output)."""
    session = get_session()
    text = dumps(export_bundle(session, access.ANONYMOUS if public_only else None))
    if path == "-":
        click.echo(text, nl=False)
    else:
        Path(path).write_text(text, encoding="utf-8")
        click.echo(f"exported to {path}")


def init_app(app: Flask) -> None:
    features.add_cli(app, bundle_cli)
