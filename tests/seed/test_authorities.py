"""seed/authorities.csv against the DfE's public list of local authorities (../shared/reference/dfe_las.csv).

The reference file is read only here, in the tests; the seed file is written by hand.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import Counter

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from catalogue.accounts.models import Organisation
from seed.loader import load_reference_authorities, reference_authorities
from tests.conftest import SHARED

DFE_LAS_CSV = SHARED / "reference" / "dfe_las.csv"

# From data/regions.csv in the same DfE repository (see ../shared/reference/README.txt).
REGION_NAMES = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
LA_PREFIXES = ("E06", "E08", "E09", "E10")


def dfe_reference() -> dict[str, dict[str, str]]:
    """The 153 single, live English authorities in the DfE list, by ONS code."""
    if not DFE_LAS_CSV.exists():
        missing = f"reference file not available: {DFE_LAS_CSV}"
        # On CI a missing reference is a failure, never a quiet skip.
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with DFE_LAS_CSV.open(newline="", encoding="utf-8-sig") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["status"] == "live"
            and row["new_la_code"].startswith(LA_PREFIXES)
            and " / " not in row["new_la_code"]
        ]
    return {
        row["new_la_code"]: {
            "name": row["la_name"],
            "region": REGION_NAMES[row["parent_geography_code"]],
            "dfe_code": row["old_la_code"],
        }
        for row in rows
    }


def seed_by_code() -> dict[str, dict[str, str]]:
    return {row["ons_code"]: row for row in reference_authorities()}


def differences(field: str) -> list[str]:
    """'CODE: seed value != reference value' for each code in both files whose `field` differs."""
    seed, reference = seed_by_code(), dfe_reference()
    return [
        f"{code}: {seed[code][field]!r} != {reference[code][field]!r}"
        for code in sorted(seed.keys() & reference.keys())
        if seed[code][field] != reference[code][field]
    ]


def test_reference_filter_gives_153_authorities() -> None:
    assert len(dfe_reference()) == 153


def test_seed_has_153_rows_and_no_duplicates() -> None:
    rows = reference_authorities()
    assert list(rows[0]) == ["ons_code", "name", "region", "dfe_code"]
    assert len(rows) == 153
    for field in ("ons_code", "name", "dfe_code"):
        repeated = sorted(value for value, n in Counter(row[field] for row in rows).items() if n > 1)
        assert not repeated, f"repeated {field}: {repeated}"


def test_seed_has_the_same_ons_codes_as_the_reference() -> None:
    seed, reference = set(seed_by_code()), set(dfe_reference())
    assert sorted(seed - reference) == [], "in the seed, not in the reference"
    assert sorted(reference - seed) == [], "in the reference, not in the seed"


@pytest.mark.parametrize("field", ["name", "region", "dfe_code"])
def test_seed_matches_the_reference(field: str) -> None:
    assert differences(field) == [], f"{field} differs (seed != reference)"


def test_seed_region_counts() -> None:
    counts = Counter(row["region"] for row in reference_authorities())
    assert counts == {
        "London": 33,
        "North West": 24,
        "South East": 19,
        "Yorkshire and The Humber": 15,
        "South West": 15,
        "West Midlands": 14,
        "North East": 12,
        "East Midlands": 10,
        "East of England": 11,
    }


def count_local_authorities(db: Session) -> int:
    query = select(func.count()).select_from(Organisation).where(Organisation.kind == "local-authority")
    return db.exec(query).one()


def test_loader_creates_153_local_authorities_and_is_idempotent(db: Session) -> None:
    assert load_reference_authorities(db) == (153, 0)
    db.commit()
    assert count_local_authorities(db) == 153
    assert load_reference_authorities(db) == (0, 0)
    db.commit()
    assert count_local_authorities(db) == 153
    bradford = db.exec(select(Organisation).where(Organisation.ons_code == "E08000032")).one()
    assert (bradford.name, bradford.region, bradford.is_reference) == ("Bradford", "Yorkshire and The Humber", True)


def test_flask_seed_reference_command(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "reference"])
    assert first.exit_code == 0, first.output
    assert "153 created, 0 updated" in first.output
    second = runner.invoke(args=["seed", "reference"])
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated" in second.output
    assert count_local_authorities(db) == 153


def test_missing_reference_fails_on_ci(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(sys.modules[__name__], "DFE_LAS_CSV", tmp_path / "missing.csv")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        dfe_reference()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        dfe_reference()
