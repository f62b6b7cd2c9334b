"""Export, import into a fresh database, export again: what the bundle carries comes back the same
(the Demo mark of fictional records, accreditations as the format writes them)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from sqlmodel import Session, select

from catalogue import create_app
from catalogue.accounts.models import Organisation
from catalogue.bundle import BundleError, export_bundle, import_bundle
from catalogue.records.models import Deployment, SingleView, Tool
from outcomes.models import Challenge
from suppliers.models import Offering
from tests.conftest import TEST_DATABASE_URL
from tests.helpers.bundle import SPEC, dev_bundle

DEMO_BUNDLE = Path(__file__).resolve().parents[3] / "seed" / "demo.json"
MODELS = (Organisation, Tool, Deployment, SingleView, Offering, Challenge)


@pytest.fixture
def fresh_database(app: Flask, migrated_template: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """fresh_database(fn) runs fn(session) against a second, empty database and returns its result."""
    if TEST_DATABASE_URL:
        pytest.skip("needs a second database")
    apps: list[Flask] = []

    def run(fn: Callable[[Session], Any]) -> Any:
        empty = tmp_path / f"fresh{len(apps)}.db"
        shutil.copyfile(migrated_template, empty)
        other = create_app(
            dict(app.config, DATABASE_URL=f"sqlite:///{empty}", SEARCH_INDEX_DIR=str(tmp_path / f"index{len(apps)}"))
        )
        apps.append(other)
        with other.app_context():
            session = Session(other.extensions["catalogue.engine"], expire_on_commit=False)
            try:
                return fn(session)
            finally:
                session.close()

    yield run
    for other in apps:
        other.extensions["catalogue.engine"].dispose()


def _demo_marks(session: Session) -> dict[str, dict[str, bool]]:
    session.expire_all()
    return {m.__name__: dict(session.exec(select(m.ref, m.is_demo)).all()) for m in MODELS}


def test_round_trip_keeps_the_demo_mark(db: Session, fresh_database: Callable[..., Any]) -> None:
    bundle = dev_bundle()
    import_bundle(db, bundle, demo=True)
    # One real record beside the fictional ones: it must stay real.
    real = {**bundle, "deployments": bundle["deployments"][:1]}
    import_bundle(db, real)
    db.commit()
    before = _demo_marks(db)
    assert before["Deployment"][bundle["deployments"][0]["ref"]] is False
    exported = export_bundle(db)
    jsonschema.Draft202012Validator(json.loads(SPEC.read_text())).validate(exported)

    def reimport(session: Session) -> tuple[dict, dict]:
        import_bundle(session, exported)
        session.commit()
        return _demo_marks(session), export_bundle(session)

    after, again = fresh_database(reimport)
    for model, marks in before.items():
        assert {ref: after[model][ref] for ref in marks if ref in after[model]} == {
            ref: mark for ref, mark in marks.items() if ref in after[model]
        }, model
    assert set(after["Deployment"].values()) == {True, False}
    assert again == exported


def test_a_record_says_it_is_demo_with_true_only(db: Session) -> None:
    bundle = dev_bundle()
    bundle["tools"][0]["demo"] = "yes"
    with pytest.raises(BundleError) as caught:
        import_bundle(db, bundle)
    assert any(p.startswith(f"tools {bundle['tools'][0]['ref']} demo:") for p in caught.value.problems)


@pytest.mark.parametrize("path", [DEMO_BUNDLE, None])
def test_accreditations_come_back_as_written(
    db: Session, fresh_database: Callable[..., Any], path: Path | None
) -> None:
    # The format's accreditations are strings ("ISO 27001"); the code (iso-27001) stays inside
    # for the filter, and the export writes what the bundle said.
    bundle = json.loads(path.read_text()) if path else dev_bundle()
    given = {o["ref"]: o.get("accreditations", []) for o in bundle["offerings"]}
    assert any(given.values())

    def round_trip(session: Session) -> tuple[dict, dict, dict]:
        import_bundle(session, bundle)
        session.commit()
        codes = dict(session.exec(select(Offering.ref, Offering.accreditations)).all())
        return codes, export_bundle(session), {}

    codes, exported, _ = fresh_database(round_trip)
    assert {o["ref"]: o.get("accreditations", []) for o in exported["offerings"]} == given
    assert any("iso-27001" in c for c in codes.values()), "the filter's codes are kept"


def test_accreditations_chosen_on_the_form_export_as_labels(db: Session) -> None:
    from tests.factories import OfferingFactory, OrganisationFactory

    supplier = OrganisationFactory(kind="supplier")
    OfferingFactory(ref="off-ticked", supplier_id=supplier.id, accreditations=["iso-27001", "cyber-essentials"])
    exported = {o["ref"]: o for o in export_bundle(db)["offerings"]}
    assert exported["off-ticked"]["accreditations"] == ["ISO/IEC 27001", "Cyber Essentials"]
