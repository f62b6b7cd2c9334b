"""The exchange bundle: import (all or nothing, idempotent by ref), export (stable, round-trips)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from sqlmodel import Session, func, select

from catalogue import create_app
from catalogue.access import ANONYMOUS
from catalogue.accounts.models import Organisation, PartnershipMember
from catalogue.bundle import BundleError, dumps, export_bundle, import_bundle
from catalogue.changes import AuditEvent
from catalogue.records.models import Deployment, SingleView, Tool
from outcomes.models import Challenge
from seed.loader import load_reference_authorities
from suppliers.models import Offering
from tests.conftest import SHARED, TEST_DATABASE_URL
from tests.helpers.bundle import DEV_BUNDLE, SPEC, dev_bundle


def counts(db: Session) -> dict[str, int]:
    db.expire_all()
    return {
        m.__name__: db.exec(select(func.count()).select_from(m)).one()
        for m in (Organisation, Tool, Deployment, SingleView, Offering, Challenge, PartnershipMember)
    }


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_import_dev_bundle_then_reimport_updates_in_place(app: Flask, db: Session) -> None:
    result = run(app, "bundle", "import", str(DEV_BUNDLE))
    assert result.exit_code == 0, result.output
    first = counts(db)
    assert first["Organisation"] == 57 and first["Tool"] == 44 and first["Deployment"] == 95
    assert first["SingleView"] == 5 and first["Offering"] == 66 and first["Challenge"] == 25
    assert first["PartnershipMember"] == 9
    audits = db.exec(select(func.count()).select_from(AuditEvent)).one()

    result = run(app, "bundle", "import", str(DEV_BUNDLE))
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 95 unchanged" in result.output
    assert counts(db) == first
    # Nothing changed, so nothing new in the audit trail.
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == audits


def test_reimport_changes_a_record_and_the_audit_trail_says_so(app: Flask, db: Session) -> None:
    bundle = dev_bundle()
    import_bundle(db, bundle)
    db.commit()
    changed = copy.deepcopy(bundle)
    target = changed["deployments"][0]
    target["summary"] = "A changed summary"
    target.pop("impact", None)
    import_bundle(db, changed)
    db.commit()
    row = db.exec(select(Deployment).where(Deployment.ref == target["ref"])).one()
    assert row.summary == "A changed summary"
    assert row.impact is None  # a field missing from the bundle is cleared: the bundle is the record
    event = db.exec(
        select(AuditEvent).where(AuditEvent.record_ref == target["ref"], AuditEvent.action == "update")
    ).one()
    assert event.changes["summary"][1] == "A changed summary"


def test_round_trip_is_byte_identical(app: Flask, db: Session, migrated_template: str, tmp_path: Path) -> None:
    import_bundle(db, dev_bundle())
    db.commit()
    draft = db.exec(select(Offering).order_by(Offering.ref)).first()
    draft.status = "draft"  # a supplier's draft stays home: the format has no offering status
    db.add(draft)
    db.commit()
    first = dumps(export_bundle(db))
    assert draft.ref not in first
    jsonschema.Draft202012Validator(json.loads(SPEC.read_text())).validate(json.loads(first))

    # Import the export into an empty database (a second app) and export again.
    if TEST_DATABASE_URL:
        pytest.skip("needs a second database")
    empty = tmp_path / "empty.db"
    shutil.copyfile(migrated_template, empty)
    config = dict(app.config, DATABASE_URL=f"sqlite:///{empty}", SEARCH_INDEX_DIR=str(tmp_path / "index2"))
    other = create_app(config)
    with other.app_context():
        session = Session(other.extensions["catalogue.engine"], expire_on_commit=False)
        assert counts(session)["Organisation"] == 0
        import_bundle(session, json.loads(first))
        session.commit()
        second = dumps(export_bundle(session))
        session.close()
    other.extensions["catalogue.engine"].dispose()
    assert first == second
    # Export is sorted by ref and carries no empty fields.
    data = json.loads(first)
    refs = [d["ref"] for d in data["deployments"]]
    assert refs == sorted(refs)
    assert all(v not in (None, "", [], {}) for d in data["deployments"] for v in d.values())


def test_broken_bundle_names_every_failing_record_and_writes_nothing(app: Flask, db: Session, tmp_path: Path) -> None:
    bundle = dev_bundle()
    bundle["deployments"][0]["started"] = "March 2025"
    bundle["deployments"][1]["stage"] = "dropped"
    bundle["deployments"][1].pop("dropped_reasons", None)
    bundle["deployments"][2]["tool"] = "tool-does-not-exist"
    bundle["tools"][0]["categories"] = ["not-a-category"]
    bundle["offerings"][0]["supplier"] = bundle["organisations"][0]["ref"]  # a local authority
    bundle["challenges"][0]["budget_min"] = -5
    bundle["organisations"].append(dict(bundle["organisations"][1]))  # duplicate ref
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(bundle))

    before = counts(db)
    result = run(app, "bundle", "import", str(path))
    assert result.exit_code != 0
    out = result.output
    d = bundle["deployments"]
    assert f"deployments {d[0]['ref']} started: Enter the month the pilot started, like 2025-03" in out
    assert f"deployments {d[1]['ref']} dropped_reasons: Choose at least one reason" in out
    assert f"deployments {d[2]['ref']} tool: No tool with ref tool-does-not-exist" in out
    assert f"tools {bundle['tools'][0]['ref']} categories: " in out
    assert f"offerings {bundle['offerings'][0]['ref']} supplier: The organisation" in out
    assert f"challenges {bundle['challenges'][0]['ref']} budget_min: " in out
    assert f"organisations {bundle['organisations'][1]['ref']} ref: " in out
    assert "Nothing was imported" in out
    assert counts(db) == before


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        ({"format": "something-else", "version": 1}, "bundle format:"),
        ({"format": "csc-catalogue-bundle", "version": 2}, "bundle version:"),
        ({"format": "csc-catalogue-bundle", "version": 1, "tools": {"a": 1}}, "bundle tools:"),
        ({"format": "csc-catalogue-bundle", "version": 1, "tools": ["x"]}, "tools #1 record:"),
        (
            {
                "format": "csc-catalogue-bundle",
                "version": 1,
                "tools": [{"ref": "Bad Ref", "name": "x", "categories": ["other"]}],
            },
            "tools Bad Ref ref:",
        ),
        (
            {
                "format": "csc-catalogue-bundle",
                "version": 1,
                "deployments": [
                    {
                        "ref": "d1",
                        "organisation": "nowhere",
                        "tool": "t",
                        "stage": "pilot",
                        "resources": {"develop_gbp": -1},
                    }
                ],
            },
            "deployments d1 resources.develop_gbp:",
        ),
    ],
)
def test_bad_bundles_are_refused(db: Session, bundle: dict, message: str) -> None:
    with pytest.raises(BundleError) as info:
        import_bundle(db, bundle)
    assert any(p.startswith(message) for p in info.value.problems), info.value.problems


def test_not_json_is_refused_cleanly(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    result = run(app, "bundle", "import", str(path))
    assert result.exit_code == 1
    assert "not valid JSON" in result.output


def test_refs_may_point_at_records_already_in_the_database(db: Session) -> None:
    import_bundle(db, dev_bundle())
    db.commit()
    small = {
        "format": "csc-catalogue-bundle",
        "version": 1,
        "deployments": [
            {"ref": "dep-extra", "organisation": "la-harbourside", "tool": "tool-scribewell", "stage": "pilot"}
        ],
    }
    import_bundle(db, small)
    db.commit()
    row = db.exec(select(Deployment).where(Deployment.ref == "dep-extra")).one()
    assert row.visibility == "authorities"  # the spec's default


def test_organisation_with_ons_code_merges_into_reference_authority(db: Session) -> None:
    load_reference_authorities(db)
    db.commit()
    reference = db.exec(select(Organisation).where(Organisation.is_reference.is_(True))).first()
    before = counts(db)["Organisation"]
    bundle = {
        "format": "csc-catalogue-bundle",
        "version": 1,
        "organisations": [
            {
                "ref": "some-other-ref",
                "name": "A different spelling",
                "kind": "local-authority",
                "ons_code": reference.ons_code,
                "case_management_system": "Keystone",
            }
        ],
        "tools": [{"ref": "t1", "name": "T1", "categories": ["other"]}],
        "deployments": [{"ref": "d1", "organisation": "some-other-ref", "tool": "t1", "stage": "pilot"}],
    }
    import_bundle(db, bundle)
    db.commit()
    db.expire_all()
    assert counts(db)["Organisation"] == before
    merged = db.get(Organisation, reference.id)
    assert merged.case_management_system == "Keystone"
    assert merged.name == reference.name and merged.is_reference
    assert db.exec(select(Deployment).where(Deployment.ref == "d1")).one().organisation_id == reference.id
    # The export carries the referenced authority with its ONS code, but not the other 152.
    exported = export_bundle(db)
    assert [o["ons_code"] for o in exported["organisations"]] == [reference.ons_code]


def test_partnership_members_are_accepted(db: Session) -> None:
    import_bundle(db, dev_bundle())
    db.commit()
    partnership = db.exec(select(Organisation).where(Organisation.ref == "pship-chalk-coast")).one()
    links = db.exec(select(PartnershipMember).where(PartnershipMember.partnership_id == partnership.id)).all()
    assert len(links) == 4 and {link.status for link in links} == {"accepted"}


def test_imported_offerings_are_published_and_challenge_statuses_kept(db: Session) -> None:
    bundle = dev_bundle()
    import_bundle(db, bundle)
    db.commit()
    assert set(db.exec(select(Offering.status)).all()) == {"published"}
    statuses = {c["ref"]: c["status"] for c in bundle["challenges"]}
    for challenge in db.exec(select(Challenge)):
        assert challenge.status == statuses[challenge.ref]
        assert (challenge.published_at is None) == (challenge.status == "draft")


def test_reimport_keeps_a_draft_offering_a_draft_and_no_export_carries_drafts(db: Session) -> None:
    bundle = dev_bundle()
    import_bundle(db, bundle)
    db.commit()
    draft_ref = bundle["offerings"][0]["ref"]
    draft = db.exec(select(Offering).where(Offering.ref == draft_ref)).one()
    draft.status, draft.name = "draft", "okapiquill draft offering"
    db.add(draft)
    db.commit()
    # The bundle format has no offering status: the full export (operator) leaves drafts out.
    full = export_bundle(db)
    assert draft_ref not in {o["ref"] for o in full["offerings"]}
    assert "okapiquill" not in dumps(full)
    assert "okapiquill" not in dumps(export_bundle(db, ANONYMOUS))
    # Importing the same offering again updates it in place but does not publish it.
    import_bundle(db, bundle)
    db.commit()
    db.expire_all()
    again = db.exec(select(Offering).where(Offering.ref == draft_ref)).one()
    assert again.status == "draft"
    assert again.name == bundle["offerings"][0]["name"]


def test_public_export_leaks_nothing(db: Session) -> None:
    bundle = dev_bundle()
    bundle["deployments"][0].update(visibility="authorities", summary="zebracorn authorities marker")
    bundle["deployments"][1].update(visibility="private", summary="quokkaplume private marker")
    bundle["single_views"][0].update(visibility="private", documentation="quokkaplume private view")
    bundle["challenges"][0].update(status="draft", title="narwhalgate draft marker")
    import_bundle(db, bundle)
    db.commit()
    text = dumps(export_bundle(db, ANONYMOUS))
    for marker in ("zebracorn", "quokkaplume", "narwhalgate"):
        assert marker not in text
    full = dumps(export_bundle(db))
    for marker in ("zebracorn", "quokkaplume", "narwhalgate"):
        assert marker in full


def test_export_command_writes_a_file(app: Flask, db: Session, tmp_path: Path) -> None:
    import_bundle(db, dev_bundle())
    db.commit()
    target = tmp_path / "out.json"
    result = run(app, "bundle", "export", str(target))
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["format"] == "csc-catalogue-bundle"


def test_demo_flag_marks_records(db: Session) -> None:
    import_bundle(db, dev_bundle(), demo=True)
    db.commit()
    assert set(db.exec(select(Deployment.is_demo)).all()) == {True}
    assert set(db.exec(select(Offering.is_demo)).all()) == {True}


def test_records_pointing_at_a_refused_record_say_so(app: Flask, db: Session, tmp_path: Path) -> None:
    bundle = dev_bundle()
    tool_ref = bundle["deployments"][0]["tool"]
    tool = next(t for t in bundle["tools"] if t["ref"] == tool_ref)
    tool["categories"] = ["not-a-category"]
    org_ref = bundle["deployments"][0]["organisation"]
    org = next(o for o in bundle["organisations"] if o["ref"] == org_ref)
    org["kind"] = "not-a-kind"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle))
    result = run(app, "bundle", "import", str(path))
    assert result.exit_code == 1
    out = result.output
    assert f"tools {tool_ref} categories:" in out
    assert f"The tool {tool_ref} is in the bundle but has errors (see above)" in out
    assert f"No tool with ref {tool_ref}" not in out
    assert f"The organisation {org_ref} is in the bundle but has errors (see above)" in out
    assert f"No organisation with ref {org_ref}" not in out
    # A ref that really is nowhere keeps the plain message.
    bundle = dev_bundle()
    bundle["deployments"][0]["tool"] = "tool-nowhere"
    with pytest.raises(BundleError) as caught:
        import_bundle(db, bundle)
    assert any("No tool with ref tool-nowhere in the bundle or the database" in p for p in caught.value.problems)


def test_summary_counts_unchanged_records_apart_from_updated_ones(db: Session) -> None:
    bundle = dev_bundle()
    first = import_bundle(db, bundle)
    db.commit()
    assert first.created["deployments"] == 95 and not first.updated["deployments"]
    bundle["deployments"][0]["summary"] = "A changed summary"
    again = import_bundle(db, bundle)
    db.commit()
    assert (again.created["deployments"], again.updated["deployments"], again.unchanged["deployments"]) == (0, 1, 94)
    assert again.updated["tools"] == 0 and again.unchanged["tools"] == 44
    assert "deployments: 0 created, 1 updated, 94 unchanged" in again.lines()


def test_a_real_bundle_clears_the_demo_mark_of_the_records_it_carries(db: Session) -> None:
    bundle = dev_bundle()
    import_bundle(db, bundle, demo=True)
    db.commit()
    real = {k: v for k, v in bundle.items() if k not in ("deployments",)}
    real["deployments"] = bundle["deployments"][:1]
    real["organisations"] = bundle["organisations"]
    import_bundle(db, real)
    db.commit()
    db.expire_all()
    demo = dict(db.exec(select(Deployment.ref, Deployment.is_demo)).all())
    assert demo.pop(bundle["deployments"][0]["ref"]) is False
    assert set(demo.values()) == {True}  # records the real bundle did not carry stay demo
    assert set(db.exec(select(Tool.is_demo)).all()) == {False}
    assert set(db.exec(select(Organisation.is_demo).where(Organisation.is_reference.is_(False))).all()) == {False}


def test_a_partnership_records_its_own_deployments_under_the_same_visibility_rules(db: Session) -> None:
    """Issue 17: a regional alliance piloting a tool for its members records the deployment
    itself; the bundle is imported whole and a private one is seen by its own members only."""
    from catalogue.access import can_view, viewer_as_member_of

    bundle = dev_bundle()
    pship = next(o for o in bundle["organisations"] if o["kind"] == "partnership")
    member_ref = pship["members"][0]
    tool_ref = bundle["tools"][0]["ref"]
    for ref, visibility in (("d-pship-private", "private"), ("d-pship-authorities", "authorities")):
        bundle["deployments"].append(
            {
                "ref": ref,
                "organisation": pship["ref"],
                "tool": tool_ref,
                "stage": "pilot",
                "summary": "A regional alliance pilots the tool for its member councils.",
                "visibility": visibility,
            }
        )
    import_bundle(db, bundle)
    db.commit()
    own = db.exec(select(Deployment).where(Deployment.ref == "d-pship-private")).one()
    shared = db.exec(select(Deployment).where(Deployment.ref == "d-pship-authorities")).one()
    partnership = db.exec(select(Organisation).where(Organisation.ref == pship["ref"])).one()
    member = db.exec(select(Organisation).where(Organisation.ref == member_ref)).one()
    assert own.organisation_id == partnership.id
    as_partnership = viewer_as_member_of(partnership.id, "partnership")
    as_member = viewer_as_member_of(member.id, member.kind)
    assert can_view(as_partnership, own) and can_view(as_partnership, shared)
    # Like an authority's: private to the partnership's own staff, 'authorities' for every authority.
    assert not can_view(as_member, own) and can_view(as_member, shared)
    assert not can_view(ANONYMOUS, shared)
    exported = {d["ref"]: d for d in export_bundle(db)["deployments"]}
    assert exported["d-pship-private"]["organisation"] == pship["ref"]


def test_a_partnership_deployment_in_the_second_judged_set_imports(db: Session) -> None:
    bundle = json.loads((SHARED / "eval" / "dev2-bundle.json").read_text())
    import_bundle(db, bundle)
    db.commit()
    assert counts(db)["Deployment"] == len(bundle["deployments"])
