"""`flask import atrs`: the public ATRS register as a source. Authorities matched however their
name is written, sector bodies as organisations, everything else skipped with a reason; provenance
on the page and in the API; re-running changes nothing; a dry run reports what a real run does; a
personal-data refusal writes nothing."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlmodel import select

from catalogue.accounts.models import Organisation
from catalogue.importers.atrs import SOURCE_NAME, import_atrs, infer_stage, read_records
from catalogue.records.models import Deployment, Tool
from seed.loader import load_reference_authorities
from tests.conftest import SHARED
from tests.factories import DeploymentFactory, ToolFactory

SAMPLE = SHARED / "reference" / "atrs-sample.json"


def _record(
    body: str,
    tool: str,
    description: str = "Drafts case notes for children's social workers.",
    slug: str | None = None,
    **extra: str,
) -> dict:
    slug = slug or f"{body}-{tool}".lower().replace(" ", "-")
    return {
        "publishing_body": body,
        "tool_name": tool,
        "title": f"{body}: {tool}",
        "url": f"https://www.gov.uk/algorithmic-transparency-records/{slug}",
        "published": extra.get("published", "2025-03-04T10:00:00Z"),
        "description": description,
    }


def _counts(db) -> dict[str, int]:
    return {
        m.__tablename__: db.exec(select(sa.func.count()).select_from(m)).one() for m in (Organisation, Tool, Deployment)
    }


def _run(db, records: list, dry_run: bool = False):
    report = import_atrs(db, records, dry_run=dry_run)
    if dry_run or report.failed:
        db.rollback()
    else:
        db.commit()
    return report


def test_sample_file_imports_authorities_and_skips_the_rest(db) -> None:
    load_reference_authorities(db)
    db.commit()
    records = read_records(SAMPLE.read_text(encoding="utf-8"))
    report = _run(db, records)
    assert not report.failed, report.lines()
    by_title = {o.title: o for o in report.outcomes}
    # Four English authorities, however they write their names: every record an authority
    # publishes becomes its deployment; one about another service is named for review.
    for title, authority, review in (
        ("Newcastle City Council: Magic Notes", "Newcastle upon Tyne", "adult social care"),
        ("London Borough of Sutton: Access Assure, Technology Enabled Care", "Sutton", "not about children's"),
        ("Camden Council: RentSense", "Camden", "housing"),
        ("Ealing Council: Adult Social Care Annual Financial Expenditure Forecast", "Ealing", "adult social care"),
    ):
        assert by_title[title].action == "create", by_title[title]
        assert authority in by_title[title].detail
        assert "review: the record is" in by_title[title].detail and review in by_title[title].detail
    magic = db.exec(
        select(Deployment).where(
            Deployment.source_url
            == "https://www.gov.uk/algorithmic-transparency-records/newcastle-city-council-magic-notes"
        )
    ).one()
    assert db.get(Organisation, magic.organisation_id).name == "Newcastle upon Tyne"
    assert db.get(Tool, magic.tool_id).name == "Magic Notes"
    assert (magic.source_name, magic.source_published, magic.visibility) == (SOURCE_NAME, "2025-12-16", "public")
    assert magic.stage == "implemented" and magic.source_retrieved is not None
    # Cafcass is a children's social care body, not an authority: a government organisation.
    assert by_title["Cafcass: Genesys ChatBot"].action == "create"
    cafcass = db.exec(select(Organisation).where(Organisation.name == "Cafcass")).one()
    assert cafcass.kind == "government"
    # Welsh, national government outside the sector, and no body at all: skipped with a reason.
    assert by_title["Social Care Wales: Qualification Chatbot"].action == "skip"
    assert "not an English body" in by_title["Social Care Wales: Qualification Chatbot"].detail
    assert by_title["HMRC: Ask HMRC online"].action == "skip"
    assert "neither" in by_title["HMRC: Ask HMRC online"].detail
    skipped = [o for o in report.outcomes if o.action == "skip"]
    assert len(skipped) == 13
    assert all(o.detail for o in skipped)


def test_rerun_changes_nothing_and_dry_run_equals_real_run(db) -> None:
    load_reference_authorities(db)
    db.commit()
    records = read_records(SAMPLE.read_text(encoding="utf-8"))
    before = _counts(db)
    dry = _run(db, records, dry_run=True)
    assert _counts(db) == before  # wrote nothing
    real = _run(db, records)
    assert [(o.index, o.action, o.detail) for o in dry.outcomes] == [
        (o.index, o.action, o.detail) for o in real.outcomes
    ]
    assert "would create" in "\n".join(dry.lines()) and "Dry run: nothing was written" in dry.lines()[-1]
    after = _counts(db)
    stamps = {d.ref: (d.updated_at, d.source_retrieved) for d in db.exec(select(Deployment))}
    again = _run(db, records)
    assert _counts(db) == after
    assert {d.ref: (d.updated_at, d.source_retrieved) for d in db.exec(select(Deployment))} == stamps
    assert again.count("create") == again.count("update") == 0
    assert again.count("unchanged") == real.count("create")


def test_republished_record_updates_in_place(db) -> None:
    load_reference_authorities(db)
    db.commit()
    first = _record(
        "Barnet Council", "CaseNoteAI", "Being piloted with two children's social work teams.", slug="barnet-casenote"
    )
    _run(db, [first])
    dep = db.exec(select(Deployment).where(Deployment.source_url == first["url"])).one()
    assert dep.stage == "pilot"
    later = dict(first, published="2026-01-10T09:00:00Z", description="Now live across children's services.")
    report = _run(db, [later])
    assert report.outcomes[0].action == "update", report.lines()
    db.refresh(dep)
    assert (dep.stage, dep.source_published) == ("implemented", "2026-01-10")
    assert db.exec(select(sa.func.count()).select_from(Deployment)).one() == 1


def test_names_matched_however_written_and_unmatched_reported(db) -> None:
    load_reference_authorities(db)
    tool = ToolFactory(name="Magic Notes", ref="tool-magic-notes")
    db.commit()
    report = _run(
        db,
        [
            _record("Barnet Council", "Magic notes"),
            _record("Royal Borough of Kensington and Chelsea", "Magic Notes"),
            _record("Sheffeld City Council", "Magic Notes"),
            _record("Acme Widgets plc", "Magic Notes"),
        ],
    )
    actions = [o.action for o in report.outcomes]
    assert actions == ["create", "create", "skip", "skip"], report.lines()
    # The existing tool is used, not a second one.
    assert db.exec(select(sa.func.count()).select_from(Tool)).one() == 1
    assert {d.tool_id for d in db.exec(select(Deployment))} == {tool.id}
    assert "closest: Sheffield" in report.outcomes[2].detail
    assert "neither" in report.outcomes[3].detail


def test_providers_become_organisations_with_their_deployment(db) -> None:
    load_reference_authorities(db)
    db.commit()
    report = _run(db, [_record("Doncaster Children's Services Trust", "TrustBot", "A trial of a chatbot.")])
    assert report.outcomes[0].action == "create", report.lines()
    org = db.exec(select(Organisation).where(Organisation.name == "Doncaster Children's Services Trust")).one()
    assert org.kind == "provider"
    dep = db.exec(select(Deployment).where(Deployment.organisation_id == org.id)).one()
    assert dep.stage == "pilot"


def test_existing_record_of_the_same_tool_is_not_duplicated(db) -> None:
    load_reference_authorities(db)
    sutton = db.exec(select(Organisation).where(Organisation.name == "Sutton")).one()
    tool = ToolFactory(name="Access Assure")
    DeploymentFactory(organisation_id=sutton.id, tool_id=tool.id, ref="dep-sutton-aa")
    report = _run(db, [_record("London Borough of Sutton", "Access Assure")])
    assert report.outcomes[0].action == "skip"
    assert "dep-sutton-aa" in report.outcomes[0].detail


def test_personal_data_refusal_writes_nothing(db) -> None:
    load_reference_authorities(db)
    db.commit()
    before = _counts(db)
    report = _run(
        db,
        [
            _record("Barnet Council", "GoodTool"),
            _record(
                "Camden Council",
                "BadTool",
                "For social workers. Tested on Jayden Smith dob 14/02/2016, NHS 943 476 5919.",
            ),
        ],
    )
    assert report.failed
    assert [o.action for o in report.outcomes] == ["create", "fail"]
    assert "Nothing was written" in report.lines()[-1]
    assert _counts(db) == before


def test_stage_inference() -> None:
    assert infer_stage("We are piloting this with one team")[0] == "pilot"
    assert infer_stage("The tool went live in 2024")[0] == "implemented"
    assert infer_stage("This system was decommissioned in 2023")[0] == "dropped"
    assert infer_stage("It is business as usual across the service")[0] == "fully-established"
    assert infer_stage("A chatbot that answers questions") == (
        "implemented",
        "no stage words in the description: default",
    )
    assert infer_stage("Supports independent living")[0] == "implemented"  # 'living' is not 'live'


def test_command_and_provenance_on_page_and_api(app, db, tmp_path, client) -> None:
    load_reference_authorities(db)
    db.commit()
    path = tmp_path / "atrs.json"
    path.write_text(json.dumps({"records": [_record("Barnet Council", "NoteBot", slug="barnet-notebot")]}))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "atrs", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create" in dry.output and db.exec(select(Deployment)).first() is None
    result = runner.invoke(args=["import", "atrs", str(path)])
    assert result.exit_code == 0, result.output
    db.rollback()  # see what the command committed
    dep = db.exec(select(Deployment)).one()
    page = client.get(f"/deployments/{dep.ref}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert SOURCE_NAME in text and "https://www.gov.uk/algorithmic-transparency-records/barnet-notebot" in text
    api = client.get(f"/api/v1/deployments/{dep.ref}")
    assert api.status_code == 200, api.get_data(as_text=True)
    source = api.get_json()["source"]
    assert source["name"] == SOURCE_NAME and source["published"] == "2025-03-04"
    assert source["url"].endswith("barnet-notebot") and source["retrieved"]
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    failed = runner.invoke(args=["import", "atrs", str(bad)])
    assert failed.exit_code == 1


COUNCIL_BUSINESS = [
    ("ParkSmart", "Predicts where parking enforcement officers are needed from past penalty charge notices."),
    ("BinRoute", "Plans waste and bin collection rounds."),
    ("TaxCheck", "Flags council tax single person discount claims for review."),
]


def test_an_authoritys_records_about_other_services_are_imported_for_review(db) -> None:
    load_reference_authorities(db)
    db.commit()
    records = [_record("Barnet Council", tool, text) for tool, text in COUNCIL_BUSINESS]
    records.append(_record("Barnet Council", "FamilyNotes", "Drafts visit notes for social workers with families."))
    before = _counts(db)
    dry = _run(db, records, dry_run=True)
    assert _counts(db) == before
    real = _run(db, records)
    assert [(o.action, o.detail) for o in dry.outcomes] == [(o.action, o.detail) for o in real.outcomes]
    assert [o.action for o in real.outcomes] == ["create"] * 4, real.lines()
    for outcome, word in zip(real.outcomes, ("parking", "waste", "council tax"), strict=False):
        assert f"review: the record is about council corporate services (‘{word}’" in outcome.detail
    assert "review" not in real.outcomes[3].detail  # about children and families: nothing to review
    # Idempotent: the same file again changes nothing.
    again = _run(db, records)
    assert [o.action for o in again.outcomes] == ["unchanged"] * 4
    assert _counts(db) == {**before, "tool": before["tool"] + 4, "deployment": 4}
