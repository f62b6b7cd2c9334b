"""Property tests for the exchange-bundle importer (catalogue/bundle.py and the sections that
suppliers/ and outcomes/ register).

1. Whatever arrives (wrong types, unknown and duplicate refs, huge strings, control characters,
   NUL, lone surrogates, emoji, huge numbers), the importer either imports or raises BundleError,
   having written nothing, with every problem a single printable line naming the list, the record
   and the field.
2. A valid bundle imports, and export -> import -> export changes nothing: no new rows, the same
   bundle.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from catalogue import vocabulary
from catalogue.accounts.models import Organisation, PartnershipMember
from catalogue.bundle import FORMAT, VERSION, BundleError, export_bundle, import_bundle, read_bundle_file, sections
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.text import without_control_characters
from outcomes.models import Challenge
from seed.loader import load_reference_authorities
from suppliers.models import Offering

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MODELS = (Organisation, Tool, Deployment, SingleView, Offering, Challenge, PartnershipMember)
LISTS = ("organisations", "tools", "deployments", "single_views", "offerings", "challenges")


def counts(db: Session) -> dict[str, int]:
    return {m.__name__: db.exec(select(func.count()).select_from(m)).one() for m in MODELS}


# --- what a hostile or careless bundle holds ----------------------------------------------------

# Every code point, surrogates and C0/C1 controls included (json.loads turns "\ud800" into one).
any_char = st.characters(exclude_categories=())
nasty_strings = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x1b[31mred\x1b[0m",
        "line one\nline two",
        "\ud800",
        "tool-\udfff",
        "😀",
        "👩🏽‍💻 ref",
        "x" * 20_001,
        "é" * 100_000,
        "Robert'); DROP TABLE tool;--",
        "NaN",
        "2025-13",
        "0000-00-00",
    ]
)
wild_text = st.text(any_char, max_size=30) | nasty_strings
numbers = (
    st.integers()
    | st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 0, -1])
    | st.floats(allow_nan=True, allow_infinity=True)
)
scalars = st.none() | st.booleans() | numbers | wild_text
json_ish = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(wild_text, inner, max_size=4),
    max_leaves=12,
)

# Refs from a small pool, so records collide (duplicates), point at each other, at the seeded
# records, at reference authorities (`leeds`) or at nothing.
REF_POOL = [
    "la-one",
    "sup-one",
    "pship-one",
    "tool-one",
    "dep-one",
    "sv-one",
    "off-one",
    "ch-one",
    "leeds",
    "a",
    "b",
    "Bad Ref",
]
pool_ref = st.sampled_from(REF_POOL)
ons_codes = st.sampled_from(["E08000035", "E09000001", "E99999999", "W06000001", "bad"])


def codes(vocab: Any) -> st.SearchStrategy:
    return st.lists(st.sampled_from(list(vocab)), max_size=3)


PLAUSIBLE: dict[str, st.SearchStrategy] = {
    "ref": pool_ref,
    "organisation": pool_ref,
    "tool": pool_ref,
    "supplier": pool_ref,
    "developed_by": pool_ref,
    "owner": pool_ref,
    "members": st.lists(pool_ref, max_size=3),
    "kind": st.sampled_from(list(vocabulary.ORGANISATION_KINDS)),
    "region": st.sampled_from(vocabulary.REGIONS),
    "ons_code": ons_codes,
    "categories": codes(vocabulary.CATEGORIES),
    "stage": st.sampled_from(list(vocabulary.STAGES)),
    "dropped_reasons": codes(vocabulary.DROPPED_REASONS),
    "ethics_checks": codes(vocabulary.ETHICS_CHECKS),
    "evaluation": st.sampled_from(list(vocabulary.EVALUATION)),
    "status": st.sampled_from([*vocabulary.SINGLE_VIEW_STATUS, *vocabulary.CHALLENGE_STATUSES]),
    "sources": codes(vocabulary.SINGLE_VIEW_SOURCES),
    "delivery": st.sampled_from(list(vocabulary.DELIVERY)),
    "visibility": st.sampled_from(list(vocabulary.VISIBILITY)),
    "route": st.sampled_from(list(vocabulary.ROUTES)),
    "started": st.sampled_from(["2024-01", "2025-03", "1899-12"]),
    "ended": st.sampled_from(["2024-06", "2025-01"]),
    "closes": st.sampled_from(["2026-05-29", "2026-02-30"]),
    "budget_min": numbers,
    "budget_max": numbers,
    "resources": st.dictionaries(
        st.sampled_from(["develop_fte", "develop_gbp", "maintain_gbp", "other"]), numbers | wild_text, max_size=3
    ),
    "outcomes": st.lists(st.fixed_dictionaries({"outcome": wild_text}, optional={"measure": json_ish}), max_size=2),
    "uses_ai": st.booleans(),
}
FIELD_NAMES = sorted({*PLAUSIBLE, "name", "title", "problem", "summary", "description", "website", "pricing"})


def field_value(name: str) -> st.SearchStrategy:
    plausible = PLAUSIBLE.get(name, st.text(st.characters(codec="utf-8"), min_size=1, max_size=20))
    return plausible | plausible | json_ish


@st.composite
def record(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(json_ish)  # not even an object
    names = draw(st.lists(st.sampled_from(FIELD_NAMES) | wild_text, unique=True, max_size=10))
    return {name: draw(field_value(name)) for name in names}


@st.composite
def hostile_bundle(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(json_ish)
    bundle: dict[str, Any] = {
        "format": draw(st.just(FORMAT) | st.just(FORMAT) | json_ish),
        "version": draw(st.just(VERSION) | st.just(VERSION) | json_ish),
    }
    for name in draw(st.lists(st.sampled_from(LISTS), unique=True, max_size=4)):
        bundle[name] = draw(st.lists(record(), max_size=4) | st.lists(record(), max_size=4) | json_ish)
    return bundle


# --- a valid starting catalogue the hostile bundles can point into ------------------------------

SEED = {
    "format": FORMAT,
    "version": VERSION,
    "organisations": [
        {"ref": "la-one", "name": "LA One", "kind": "local-authority", "region": "London"},
        {"ref": "sup-one", "name": "Supplier One", "kind": "supplier"},
        {"ref": "pship-one", "name": "Partnership One", "kind": "partnership", "members": ["la-one"]},
    ],
    "tools": [{"ref": "tool-one", "name": "Tool One", "categories": ["transcription"], "supplier": "sup-one"}],
    "deployments": [{"ref": "dep-one", "organisation": "la-one", "tool": "tool-one", "stage": "pilot"}],
    "single_views": [{"ref": "sv-one", "organisation": "la-one", "status": "live", "tool": "tool-one"}],
    "offerings": [{"ref": "off-one", "supplier": "sup-one", "name": "Offer One", "categories": ["transcription"]}],
    "challenges": [{"ref": "ch-one", "owner": "la-one", "title": "Challenge One", "problem": "A problem"}],
}


def seed(db: Session) -> None:
    if db.exec(select(func.count()).select_from(Organisation)).one():
        return
    load_reference_authorities(db)
    import_bundle(db, SEED)
    db.commit()


PROBLEM = re.compile(
    r"^(?:bundle(?: (?P<bundle_field>[a-z_]+))?"
    r"|(?P<list>" + "|".join(LISTS) + r") (?P<label>.{1,80}?) (?P<field>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)"
    r"): \S"
)


def labels_in(bundle: Any, name: str) -> set[str]:
    items = bundle.get(name) if isinstance(bundle, dict) else None
    if not isinstance(items, list):
        return set()
    refs = {item["ref"] for item in items if isinstance(item, dict) and isinstance(item.get("ref"), str)}
    return refs | {f"#{n}" for n in range(1, len(items) + 1)}


def assert_clear(problems: list[str], bundle: Any) -> None:
    assert problems
    for problem in problems:
        assert problem.isprintable(), repr(problem[:300])  # one line, no control characters
        assert len(problem) <= 1000, problem[:300]
        match = PROBLEM.match(problem)
        assert match, problem
        if match["list"]:
            assert match["label"] in labels_in(bundle, match["list"]), problem


def assert_nothing_written(db: Session, before: dict[str, int]) -> None:
    assert not db.new and not db.dirty and not db.deleted
    assert counts(db) == before


def imported_or_refused_cleanly(db: Session, bundle: Any) -> None:
    """The property: import, or BundleError having written nothing; either way, undone after."""
    seed(db)
    before = counts(db)
    try:
        import_bundle(db, bundle)
    except BundleError as exc:
        assert_clear(exc.problems, bundle)
        assert_nothing_written(db, before)
    finally:
        db.rollback()
    assert counts(db) == before


@FUZZ
@given(bundle=hostile_bundle())
def test_hostile_bundles_are_imported_or_refused_cleanly(db: Session, bundle: Any) -> None:
    imported_or_refused_cleanly(db, bundle)


@FUZZ
@given(data=st.binary(max_size=200) | json_ish.map(lambda v: json.dumps(v).encode()))
def test_any_file_is_read_or_refused_cleanly(db: Session, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(data)
    try:
        bundle = read_bundle_file(path)
    except BundleError as exc:
        assert_clear(exc.problems, None)
        return
    imported_or_refused_cleanly(db, bundle)


def test_deeply_nested_file_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BundleError) as info:
        read_bundle_file(path)
    assert_clear(info.value.problems, None)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bundle=hostile_bundle())
def test_import_command_refuses_hostile_bundles_with_exit_code_1(
    app: Flask, db: Session, tmp_path: Path, bundle: Any
) -> None:
    seed(db)
    path = tmp_path / "hostile.json"
    # ensure_ascii keeps lone surrogates writable (as \ud800 escapes, as another program might).
    path.write_text(json.dumps(bundle), encoding="utf-8")
    db.expire_all()
    before = counts(db)
    db.rollback()
    result = app.test_cli_runner().invoke(args=["bundle", "import", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 1:
        assert "Nothing was imported" in result.output
        assert counts(db) == before
    db.rollback()


# --- valid bundles -----------------------------------------------------------------------------

_namespace = itertools.count()
# Text that survives validation: starts with a letter; anything after it, controls and emoji included.
text = st.builds(lambda tail: "T" + tail, st.text(st.characters(codec="utf-8"), max_size=60))
# An http or https address (the one web-address field refuses anything else).
web_address = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}.example.org/{path}",
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._~-]{0,20}", fullmatch=True),
)
# Within the schemas' bounds for both staff time and money (catalogue.schemas.MAX_FTE, MAX_GBP).
amount = st.floats(min_value=0, max_value=500, allow_nan=False, allow_infinity=False) | st.integers(0, 500)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


def drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


@st.composite
def valid_bundle(draw: st.DrawFn) -> dict[str, Any]:
    ns = next(_namespace)
    prefix = f"f{ns}-"

    def refs(kind: str, low: int, high: int) -> list[str]:
        return [f"{prefix}{kind}{i}" for i in range(draw(st.integers(low, high)))]

    authorities = refs("la", 1, 3)
    suppliers = refs("sup", 1, 2)
    partnerships = refs("ps", 0, 1)
    organisations = []
    for i, ref in enumerate(authorities):
        organisations.append(
            drop_none(
                {
                    "ref": ref,
                    "name": draw(text),
                    "kind": draw(st.sampled_from(["local-authority", "provider"])),
                    "region": draw(optional(st.sampled_from(vocabulary.REGIONS))),
                    "ons_code": draw(optional(st.just(f"N{ns % 10**6:06d}{i:02d}"))),
                    "website": draw(optional(web_address)),
                    "case_management_system": draw(optional(text)),
                }
            )
        )
    for ref in suppliers:
        organisations.append({"ref": ref, "name": draw(text), "kind": "supplier"})
    for ref in partnerships:
        members = draw(st.lists(st.sampled_from(authorities), unique=True, max_size=3))
        organisations.append(drop_none({"ref": ref, "name": draw(text), "kind": "partnership", "members": members}))
    evidence = authorities

    tools = []
    for ref in refs("tool", 1, 3):
        tools.append(
            drop_none(
                {
                    "ref": ref,
                    "name": draw(text),
                    "summary": draw(optional(text)),
                    "description": draw(optional(text)),
                    "uses_ai": draw(optional(st.booleans())),
                    "categories": draw(st.lists(st.sampled_from(list(vocabulary.CATEGORIES)), min_size=1, unique=True)),
                    "supplier": draw(optional(st.sampled_from(suppliers))),
                    "developed_by": draw(optional(st.sampled_from(evidence))),
                    "delivery": draw(optional(st.sampled_from(list(vocabulary.DELIVERY)))),
                    "case_management_systems": draw(optional(st.lists(text, max_size=2))),
                }
            )
        )
    tool_refs = [t["ref"] for t in tools]

    deployments = []
    for ref in refs("dep", 0, 3):
        stage = draw(st.sampled_from(list(vocabulary.STAGES)))
        year = draw(st.integers(1900, 2025))  # a start or end in the future is refused
        checks = draw(st.sampled_from([None, ["none"], ["ethical-impact-assessment", "staff-consultation"]]))
        deployments.append(
            drop_none(
                {
                    "ref": ref,
                    "organisation": draw(st.sampled_from(evidence)),
                    "tool": draw(st.sampled_from(tool_refs)),
                    "stage": stage,
                    "started": draw(optional(st.just(f"{year}-01"))),
                    # A tool still in use has no end month.
                    "ended": draw(optional(st.just(f"{year}-12"))) if stage in ("pilot", "dropped") else None,
                    "summary": draw(optional(text)),
                    "impact": draw(optional(text)),
                    "dropped_reasons": (
                        draw(st.lists(st.sampled_from(list(vocabulary.DROPPED_REASONS)), min_size=1, unique=True))
                        if stage == "dropped"
                        else None
                    ),
                    "ethics_checks": checks,
                    "evaluation": draw(optional(st.sampled_from(list(vocabulary.EVALUATION)))),
                    "visibility": draw(optional(st.sampled_from(list(vocabulary.VISIBILITY)))),
                    "resources": draw(
                        optional(st.fixed_dictionaries({}, optional={"develop_fte": amount, "maintain_gbp": amount}))
                    ),
                }
            )
        )

    single_views = []
    for ref in refs("sv", 0, 2):
        single_views.append(
            drop_none(
                {
                    "ref": ref,
                    "organisation": draw(st.sampled_from(evidence)),
                    "status": draw(st.sampled_from(list(vocabulary.SINGLE_VIEW_STATUS))),
                    "sources": draw(
                        optional(st.lists(st.sampled_from(list(vocabulary.SINGLE_VIEW_SOURCES)), unique=True))
                    ),
                    "tool": draw(optional(st.sampled_from(tool_refs))),
                    "documentation": draw(optional(text)),
                    "visibility": draw(optional(st.sampled_from(list(vocabulary.VISIBILITY)))),
                }
            )
        )

    offerings = []
    for ref in refs("off", 0, 2):
        offerings.append(
            drop_none(
                {
                    "ref": ref,
                    "supplier": draw(st.sampled_from(suppliers)),
                    "tool": draw(optional(st.sampled_from(tool_refs))),
                    "name": draw(text),
                    "categories": draw(st.lists(st.sampled_from(list(vocabulary.CATEGORIES)), min_size=1, unique=True)),
                    "outcomes": draw(optional(st.lists(text, max_size=2))),
                    "accreditations": draw(optional(st.lists(text, max_size=2))),
                    "pricing": draw(optional(text)),
                }
            )
        )

    challenges = []
    for ref in refs("ch", 0, 2):
        low = draw(optional(amount))
        high = None if low is None else draw(optional(st.just(low * 2)))
        challenges.append(
            drop_none(
                {
                    "ref": ref,
                    "owner": draw(st.sampled_from(authorities + partnerships)),
                    "title": draw(text),
                    "problem": draw(text),
                    "outcomes": draw(
                        optional(
                            st.lists(
                                st.fixed_dictionaries({"outcome": text}, optional={"measure": text, "target": text}),
                                max_size=2,
                            )
                        )
                    ),
                    "budget_min": low,
                    "budget_max": high,
                    "route": draw(optional(st.sampled_from(list(vocabulary.ROUTES)))),
                    "status": draw(optional(st.sampled_from(list(vocabulary.CHALLENGE_STATUSES)))),
                    "closes": draw(optional(st.dates().map(lambda d: d.isoformat()))),
                }
            )
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "organisations": organisations,
        "tools": tools,
        "deployments": deployments,
        "single_views": single_views,
        "offerings": offerings,
        "challenges": challenges,
    }


@st.composite
def mutated_bundle(draw: st.DrawFn) -> dict[str, Any]:
    """A valid bundle with a few things broken: any field of any record replaced by anything,
    records duplicated, dropped fields, refs pointed elsewhere (so hostile text reaches the writer)."""
    bundle = draw(valid_bundle())
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(LISTS))
        items = bundle[name]
        if not items:
            continue
        index = draw(st.integers(0, len(items) - 1))
        item = items[index]
        action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "duplicate", "repoint"]))
        if action == "duplicate":
            items.append(dict(item))
        elif action == "drop":
            item.pop(draw(st.sampled_from(sorted(item))))
        elif action == "repoint":
            item[draw(st.sampled_from(["organisation", "tool", "supplier", "owner", "ref"]))] = draw(pool_ref)
        else:
            key = draw(st.sampled_from(sorted(item)) | st.sampled_from(FIELD_NAMES))
            item[key] = draw(wild_text | json_ish | field_value(key))
    return bundle


@FUZZ
@given(bundle=mutated_bundle())
def test_broken_valid_bundles_are_imported_or_refused_cleanly(db: Session, bundle: Any) -> None:
    imported_or_refused_cleanly(db, bundle)


def cleaned(value: str) -> str:
    return without_control_characters(value).strip()


@settings(FUZZ, max_examples=40)
@given(bundle=valid_bundle())
def test_valid_bundles_import_and_round_trip(db: Session, bundle: dict[str, Any]) -> None:
    import_bundle(db, bundle)
    db.commit()
    first = export_bundle(db)
    by_ref = {name: {r["ref"]: r for r in first[name]} for name in LISTS}
    for name in LISTS:
        for item in bundle[name]:
            exported = by_ref[name].get(item["ref"])
            assert exported is not None, (name, item["ref"])
            for key in ("name", "title", "problem"):
                if key in item:
                    assert exported[key] == cleaned(item[key])
    assert {s.name for s in sections()} <= set(first)

    before = counts(db)
    result = import_bundle(db, json.loads(json.dumps(first)))
    db.commit()
    assert not any(result.created.values()), dict(result.created)
    assert counts(db) == before
    db.expire_all()
    assert export_bundle(db) == first


@settings(FUZZ, max_examples=20)
@given(first=valid_bundle(), second=valid_bundle())
def test_reimport_with_new_contents_replaces_the_records(
    db: Session, first: dict[str, Any], second: dict[str, Any]
) -> None:
    """A second bundle over the same refs updates the records in place: the bundle is the record."""
    import_bundle(db, first)
    db.commit()
    # Give the second bundle the first one's refs wherever it has as many records.
    renamed = json.loads(json.dumps(second).replace(second_prefix(second), first_prefix(first)))
    assume(all(o.get("ons_code") is None for o in renamed["organisations"]))
    import_bundle(db, renamed)
    db.commit()
    db.expire_all()
    exported = export_bundle(db)
    for name in LISTS:
        rows = {r["ref"]: r for r in exported[name]}
        for item in renamed[name]:
            assert rows[item["ref"]].get("name") == (cleaned(item["name"]) if "name" in item else None)


def first_prefix(bundle: dict[str, Any]) -> str:
    return bundle["organisations"][0]["ref"].split("-")[0] + "-"


second_prefix = first_prefix


# --- what the properties found -----------------------------------------------------------------


def tool_bundle(**tool: Any) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "tools": [{"ref": "t1", "name": "Tool", "categories": ["other"], **tool}],
    }


@pytest.mark.parametrize("field", ["name", "summary", "case_management_systems"])
def test_unpaired_surrogate_is_refused_not_a_database_error(db: Session, field: str) -> None:
    value = ["ok", "bad \ud800"] if field == "case_management_systems" else "bad \ud800 text"
    with pytest.raises(BundleError) as info:
        import_bundle(db, tool_bundle(**{field: value}))
    assert info.value.problems == [f"tools t1 {field}: The text holds an unpaired surrogate (a broken \\u escape)"]
    assert_nothing_written(db, dict.fromkeys((m.__name__ for m in MODELS), 0))


def test_problems_are_single_printable_lines_naming_the_record(db: Session) -> None:
    bundle = tool_bundle(categories=["\x1b[2Jevil\nline", "x" * 50_000])
    bundle["tools"].append({"ref": "two\nlines", "name": "\x00"})
    with pytest.raises(BundleError) as info:
        import_bundle(db, bundle)
    problems = info.value.problems
    assert problems[0].startswith("tools t1 categories: ‘[2Jevil\\u000aline’ is not a code we know")
    assert problems[1].startswith("tools #2 ref: ")
    assert_clear(problems, bundle)


def existing(db: Session) -> None:
    import_bundle(
        db,
        {
            "format": FORMAT,
            "version": VERSION,
            "organisations": [
                {"ref": "la-x", "name": "X", "kind": "local-authority", "ons_code": "E99000001"},
                {"ref": "la-y", "name": "Y", "kind": "local-authority"},
            ],
            "tools": [{"ref": "t1", "name": "Tool", "categories": ["other"]}],
        },
    )
    db.commit()


def test_ons_code_of_one_organisation_and_ref_of_another_is_refused_before_writing(db: Session) -> None:
    existing(db)
    before = counts(db)
    bundle = {
        "format": FORMAT,
        "version": VERSION,
        "organisations": [
            {"ref": "la-new", "name": "New", "kind": "local-authority"},
            {"ref": "la-y", "name": "Y", "kind": "local-authority", "ons_code": "E99000001"},
        ],
    }
    with pytest.raises(BundleError) as info:
        import_bundle(db, bundle)
    assert info.value.problems == [
        "organisations la-y ons_code: The ONS code belongs to la-x, but the ref to another organisation"
    ]
    assert_nothing_written(db, before)  # la-new was added to the session before the check


def test_ons_code_renaming_an_organisation_the_bundle_still_names_is_refused(db: Session) -> None:
    existing(db)
    before = counts(db)
    bundle = {
        "format": FORMAT,
        "version": VERSION,
        "organisations": [{"ref": "la-renamed", "name": "X", "kind": "local-authority", "ons_code": "E99000001"}],
        "deployments": [{"ref": "d1", "organisation": "la-x", "tool": "t1", "stage": "pilot"}],
    }
    with pytest.raises(BundleError) as info:  # was a KeyError: la-x renamed before d1 looked it up
        import_bundle(db, bundle)
    assert info.value.problems == [
        "organisations la-renamed ons_code: The ONS code belongs to la-x, which the bundle also names: "
        "give the organisation one ref"
    ]
    assert_nothing_written(db, before)
    # Without the old ref anywhere else, the ONS code still renames the organisation.
    del bundle["deployments"]
    import_bundle(db, bundle)
    db.commit()
    assert db.exec(select(Organisation.ref).where(Organisation.ons_code == "E99000001")).one() == "la-renamed"


def test_merging_into_a_reference_authority_checks_refs_against_its_real_kind(db: Session) -> None:
    load_reference_authorities(db)
    db.commit()
    authority = db.exec(select(Organisation).where(Organisation.is_reference.is_(True))).first()
    bundle = {
        "format": FORMAT,
        "version": VERSION,
        "organisations": [{"ref": "acme", "name": "Acme", "kind": "supplier", "ons_code": authority.ons_code}],
        "tools": [{"ref": "t1", "name": "Tool", "categories": ["other"], "supplier": "acme"}],
    }
    with pytest.raises(BundleError) as info:
        import_bundle(db, bundle)
    assert info.value.problems == ["tools t1 supplier: The organisation acme must be a supplier"]
