"""Validating a whole bundle before anything is written: format, version, every record against
its schema and the personal-data check, duplicate refs, refs that resolve."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError
from sqlmodel import Session, select

from catalogue import access
from catalogue.accounts.models import Organisation
from catalogue.bundle.sections import DEMO_FIELD, FORMAT, VERSION, BundleError, RefField, Section, _section, sections
from catalogue.personal_data import check_text_fields
from catalogue.records.schemas import (
    OrganisationSchema,
    Ref,
)

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
    if not isinstance(bundle, Mapping):
        raise BundleError(["bundle: The file must hold one JSON object"])
    problems = _check_header(bundle)
    all_sections: list[tuple[str, Callable[[], Schema]]] = [("organisations", OrganisationSchema)]
    all_sections += [(s.name, s.schema) for s in sections()]
    loaded: dict[str, list[dict[str, Any]]] = {}
    # Refs of records refused here, so records pointing at them are told why, not "no such ref".
    rejected: dict[str, set[str]] = defaultdict(set)
    for name, schema_factory in all_sections:
        loaded[name] = _load_list(bundle, name, schema_factory(), problems, rejected)
    org_kinds = _organisation_kinds(session, loaded, problems)
    problems.extend(_check_members(loaded["organisations"], org_kinds, rejected))
    for section in sections():
        problems.extend(_check_refs(session, section, loaded, org_kinds, rejected))
    if problems:
        raise BundleError(problems)
    organisations = loaded.pop("organisations")
    return _Plan(organisations=organisations, records=loaded)


def _check_header(bundle: Mapping[str, Any]) -> list[str]:
    problems = []
    if bundle.get("format") != FORMAT:
        problems.append(f"bundle format: The format must be '{FORMAT}'")
    if bundle.get("version") != VERSION:
        problems.append(f"bundle version: Only version {VERSION} bundles can be imported")
    return problems


def _load_list(
    bundle: Mapping[str, Any], name: str, schema: Schema, problems: list[str], rejected: dict[str, set[str]]
) -> list[dict[str, Any]]:
    """The records of one list that load through its schema, each ref once; problems noted."""
    items = bundle.get(name, [])
    if items is None:
        items = []
    if not isinstance(items, list):
        problems.append(f"bundle {name}: The {name} must be a list")
        return []
    seen: set[str] = set()
    good: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        label = _label(item, index)
        if isinstance(item, Mapping) and isinstance(item.get("ref"), str):
            rejected[name].add(item["ref"])  # until it loads
        data = _load_record(name, label, item, schema, problems)
        if data is None:
            continue
        rejected[name].discard(item["ref"])
        if data["ref"] in seen:
            problems.append(f"{name} {label} ref: The ref {data['ref']} is used by more than one record in {name}")
            continue
        seen.add(data["ref"])
        good.append(data)
    return good


def _load_record(name: str, label: str, item: Any, schema: Schema, problems: list[str]) -> dict[str, Any] | None:
    """One record through its schema and the personal-data check, or None with its problems noted."""
    if not isinstance(item, Mapping):
        problems.append(f"{name} {label} record: Each record must be a JSON object")
        return None
    unstorable = [key for key in schema.load_fields if key in item and _has_surrogate(item[key])]
    if unstorable:
        problems.extend(
            f"{name} {label} {key}: The text holds an unpaired surrogate (a broken \\u escape)" for key in unstorable
        )
        return None
    if item.get(DEMO_FIELD, False) not in (True, False):
        problems.append(f"{name} {label} {DEMO_FIELD}: Say true for a fictional record, or leave it out")
        return None
    try:
        data = schema.load(item)
    except ValidationError as exc:
        problems.extend(f"{name} {label} {path}: {message}" for path, message in _field_path(exc.messages))
        return None
    personal = personal_data_problems(schema, data)
    if personal:
        problems.extend(f"{name} {label} {key}: {message}" for key, message in personal.items())
        return None
    data[DEMO_FIELD] = item.get(DEMO_FIELD) is True
    return data


def _organisation_kinds(
    session: Session, loaded: dict[str, list[dict[str, Any]]], problems: list[str]
) -> dict[str, str]:
    """The kind of every organisation the bundle names, from the bundle or the database; ONS
    codes checked on the way (unique in the bundle, unambiguous against the database)."""
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
    org_kinds.update(_known_organisations(session, wanted_orgs))
    problems.extend(_check_ons_matches(session, loaded["organisations"], loaded, org_kinds))
    return org_kinds


def _check_members(
    organisations: list[dict[str, Any]], org_kinds: Mapping[str, str], rejected: Mapping[str, set[str]]
) -> list[str]:
    problems = []
    for org in organisations:
        for member in org.get("members", []):
            if member == org["ref"]:
                problems.append(f"organisations {org['ref']} members: A partnership cannot be a member of itself")
            elif member not in org_kinds:
                problems.append(f"organisations {org['ref']} members: {_missing('organisations', member, rejected)}")
    return problems


def _check_refs(
    session: Session,
    section: Section,
    loaded: dict[str, list[dict[str, Any]]],
    org_kinds: Mapping[str, str],
    rejected: Mapping[str, set[str]],
) -> list[str]:
    """Every ref field of one list resolves, in the bundle or the database, to the right kind."""
    present: dict[str, set[str]] = {name: {d["ref"] for d in items} for name, items in loaded.items()}
    wanted: dict[str, set[str]] = defaultdict(set)
    for data in loaded[section.name]:
        for key, ref_field in section.refs.items():
            value = data.get(key)
            if value and ref_field.target != "organisations" and value not in present[ref_field.target]:
                wanted[ref_field.target].add(value)
    for target, refs in wanted.items():
        present[target] |= _known_refs(session, _section(target).model, refs)
    problems = []
    for data in loaded[section.name]:
        for key, ref_field in section.refs.items():
            value = data.get(key)
            if value:
                problem = _ref_problem(ref_field, value, present, org_kinds, rejected)
                if problem:
                    problems.append(f"{section.name} {data['ref']} {key}: {problem}")
    return problems


def _ref_problem(
    ref_field: RefField,
    value: str,
    present: Mapping[str, set[str]],
    org_kinds: Mapping[str, str],
    rejected: Mapping[str, set[str]],
) -> str | None:
    if ref_field.target == "organisations":
        if value not in org_kinds:
            return _missing("organisations", value, rejected)
        if ref_field.kinds and org_kinds[value] not in ref_field.kinds:
            return f"The organisation {value} {ref_field.kinds_message}"
        return None
    if value not in present[ref_field.target]:
        return _missing(ref_field.target, value, rejected)
    return None


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
