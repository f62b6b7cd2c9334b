"""Issue 18, the call-for-evidence importer: answers go to the tool they are about, records
already held are matched and updated (never duplicated), contacts are never replaced, dropped
pilots are read from free text, and a dry run reports exactly what the real run does."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from catalogue.accounts.models import Organisation
from catalogue.importers.cfe import find_mentions
from catalogue.importers.cfe.answers import REASON_RULES, dropped_reasons_for
from catalogue.importers.cfe.attribute import attribute
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.vocabulary import DROPPED_REASONS
from seed.loader import load_reference_authorities
from tests.factories import DeploymentFactory, SingleViewFactory, ToolFactory
from tests.helpers.cfe import EXAMPLE, make_csv, run_import

DRAFTRIGHT = (
    "An AI assistant for drafting court statements (DraftRight, from Lexicore) - too expensive for the "
    "benefit we saw and our legal team had concerns about accuracy"
)


def _leeds(db) -> Organisation:
    load_reference_authorities(db)
    db.commit()
    return db.exec(select(Organisation).where(Organisation.name == "Leeds")).one()


def test_dropped_pilot_with_tool_and_supplier_in_brackets(db) -> None:
    report = run_import(db, make_csv({"What is the name": "Leeds CC", "Q4": "Yes", "Q5": DRAFTRIGHT}))
    assert not report.problems, [str(p) for p in report.problems]
    dep = db.exec(select(Deployment)).one()
    tool = db.get(Tool, dep.tool_id)
    assert tool.name == "DraftRight"
    assert db.get(Organisation, tool.supplier_id).name == "Lexicore"
    assert dep.stage == "dropped" and set(dep.dropped_reasons) == {"cost", "accuracy"}
    assert dep.dropped_detail == DRAFTRIGHT


def test_tool_and_supplier_however_written() -> None:
    cases = {
        "A note-taking app (NoteCraft by Quillfield Ltd), dropped because staff did not trust it": (
            "NoteCraft",
            "Quillfield Ltd",
        ),
        "We trialled Lexicore's DraftRight for court statements but it cost too much": ("DraftRight", "Lexicore"),
        "A chatbot for families (FamBot) that nobody used": ("FamBot", None),
        "Copilot (Microsoft)": ("Copilot", "Microsoft"),
    }
    for text, expected in cases.items():
        assert [(m.name, m.supplier) for m in find_mentions(text, {})] == [expected], text


def test_dropped_reasons_follow_the_vocabulary() -> None:
    # Every reason the vocabulary defines (but 'other') has words that say it, and no more.
    assert {code for code, _ in REASON_RULES} == set(DROPPED_REASONS) - {"other"}
    assert set(dropped_reasons_for("It was unaffordable and the output was unreliable")) == {"cost", "accuracy"}
    assert dropped_reasons_for("We liked it") == []
    # The definitions' own words, in their other forms ("Cost or affordability", "Supplier issues
    # (viability, ...)", "Data security or hosting concerns"), but not look-alikes.
    assert dropped_reasons_for("It was not affordable and its viability was doubtful") == ["cost", "supplier"]
    assert dropped_reasons_for("The data would have been hosted abroad") == ["data-security"]
    assert dropped_reasons_for("Staff were hostile to the control it took") == []


def test_an_answer_is_shared_by_the_tools_it_names() -> None:
    tools = {"a": ["NoteCraft"], "b": ["LinguaLink video interpreting", "LinguaLink"]}
    shared = attribute(
        "Note Craft saves time, while Lingualink cuts waits. It is popular with families. Staff like both.",
        tools,
    )
    assert shared.by_ref == {"a": "Note Craft saves time.", "b": "Lingualink cuts waits. It is popular with families."}
    assert shared.general == "Staff like both."
    assert attribute("Staff like it.", tools, sole="a").by_ref == {"a": "Staff like it."}
    # About one tool in use, but a dropped pilot named: its words go to it, the rest to the one.
    shared = attribute(
        "Licences are expensive. CaseSense scores could not be explained. It was dropped.",
        {"copilot": ["Copilot"], "dropped": ["CaseSense"]},
        sole="copilot",
    )
    assert shared.by_ref == {
        "copilot": "Licences are expensive.",
        "dropped": "CaseSense scores could not be explained. It was dropped.",
    }


def test_interpreting_service_never_says_what_notecraft_saves(db) -> None:
    run_import(db, EXAMPLE.read_text(encoding="utf-8"))
    for dep in db.exec(select(Deployment)):
        if "notecraft" not in dep.ref:
            assert "NoteCraft" not in (dep.impact or ""), dep.ref
            assert "4 hours" not in (dep.impact or ""), dep.ref


def test_existing_deployment_and_single_view_are_updated_not_duplicated(db) -> None:
    leeds = _leeds(db)
    tool = ToolFactory(name="NoteCraft", ref="notecraft-held")
    held = DeploymentFactory(organisation_id=leeds.id, tool_id=tool.id, ref="leeds-notecraft", stage="pilot")
    view = SingleViewFactory(organisation_id=leeds.id, ref="leeds-view", status="in-development")
    db.commit()
    report = run_import(
        db,
        make_csv(
            {
                "What is the name": "Leeds City Council",
                "Q2": "Note Craft app (Quillfield Ltd)",
                "Q3": "Saves an hour a visit.",
                "Q7": "Implemented",
                "Q21": "Yes, developed & live",
                "Q22": "Education data",
            }
        ),
    )
    assert db.exec(select(sa.func.count()).select_from(Deployment)).one() == 1
    assert db.exec(select(sa.func.count()).select_from(SingleView)).one() == 1
    db.refresh(held)
    db.refresh(view)
    assert (held.stage, held.impact) == ("implemented", "Saves an hour a visit.")
    assert held.learnings == "Train staff before go-live."  # what the import does not say stays
    assert held.summary == "Piloted with two assessment teams."  # not the words naming the tool
    assert (view.status, view.sources) == ("live", ["education"])
    assert any("leeds-notecraft" in u and "already held" in u for u in report.updated), report.lines()
    assert any("leeds-view" in u for u in report.updated), report.lines()
    assert not [c for c in report.created if c.startswith(("deployment", "single view"))]


def test_an_organisations_contact_is_never_replaced(db) -> None:
    leeds = _leeds(db)
    leeds.contact_name, leeds.contact_email, leeds.contact_consent = "Pat Lead", "pat@leeds.example", True
    db.add(leeds)
    db.commit()
    report = run_import(
        db,
        make_csv(
            {
                "What is the name": "Leeds",
                "What is your name": "Sam Example",
                "What is your email": "sam@leeds.example",
                "Do you consent": "Yes",
                "Q2": "NoteCraft",
            }
        ),
    )
    db.refresh(leeds)
    assert (leeds.contact_name, leeds.contact_email, leeds.contact_consent) == ("Pat Lead", "pat@leeds.example", True)
    assert leeds.contact_pending is None
    assert any("contact of Leeds" in s and "never replaced" in s for s in report.skipped), report.lines()


def _summary(report) -> dict:
    return {
        "created": report.created,
        "updated": report.updated,
        "skipped": report.skipped,
        "problems": [str(p) for p in report.problems],
        "answers": (report.answers_created, report.answers_updated),
    }


def test_dry_run_reports_exactly_what_the_real_run_does(db) -> None:
    leeds = _leeds(db)
    tool = ToolFactory(name="NoteCraft", ref="notecraft-held")
    DeploymentFactory(organisation_id=leeds.id, tool_id=tool.id, ref="leeds-notecraft")
    leeds.contact_email = "pat@leeds.example"
    db.add(leeds)
    db.commit()
    text = (
        EXAMPLE.read_text(encoding="utf-8")
        + make_csv(
            {
                "What is the name": "Leeds",
                "What is your email": "sam@leeds.example",
                "Do you consent": "Yes",
                "Q2": "NoteCraft; Copilot",
                "Q5": DRAFTRIGHT,
                "Q8b": "lots",
                "Q21": "Perhaps",
                "Q16": "Champions.",
            },
            {"What is the name": "Leeds Borough Counsil", "Are you responding": "Local Authority", "Q2": "Beam"},
        ).split("\n", 1)[1]
    )
    dry = run_import(db, text, dry_run=True)
    real = run_import(db, text)
    assert _summary(dry) == _summary(real)
    assert dry.skipped and dry.updated and dry.created and dry.problems
    dry_lines, real_lines = dry.lines(), real.lines()
    assert len(dry_lines) == len(real_lines)
    assert [line.replace("would ", "").replace("Would keep", "Kept") for line in dry_lines[:-1]] == [
        line.replace("created", "create").replace("updated", "update").replace("skipped", "skip")
        if line.startswith(("created", "updated", "skipped"))
        else line
        for line in real_lines[:-1]
    ]


def test_organisations_take_the_reference_region_and_an_unmatched_name_is_reported(db) -> None:
    load_reference_authorities(db)
    db.commit()
    report = run_import(
        db,
        make_csv(
            {"What is the name": "Sheffield City Council", "Q2": "NoteCraft"},
            {"What is the name": "Sheffeld City Council", "Are you responding": "Local Authority", "Q2": "NoteCraft"},
        ),
    )
    owners = [db.get(Organisation, d.organisation_id) for d in db.exec(select(Deployment).order_by(Deployment.id))]
    sheffield = owners[0]
    assert (sheffield.name, sheffield.is_reference) == ("Sheffield", True)
    assert sheffield.region == "Yorkshire and The Humber" and sheffield.ons_code == "E08000039"
    unmatched = [str(p) for p in report.problems if p.row == 3 and p.question == "organisation"]
    assert unmatched and "closest: Sheffield" in unmatched[0], report.lines()


PERSONAL = "We tested it with Jayden Smith dob 14/02/2016, NHS 943 476 5919."


def test_personal_data_in_any_imported_text_names_the_record_and_writes_nothing(db) -> None:
    load_reference_authorities(db)
    db.commit()
    counts = {
        m.__tablename__: db.exec(select(sa.func.count()).select_from(m)).one()
        for m in (Organisation, Tool, Deployment, SingleView)
    }
    for answers, where in (
        ({"Q2": "NoteCraft", "Q3": PERSONAL}, "deployment NoteCraft at Leeds, field impact"),
        ({"Q2": "NoteCraft", "Q17": PERSONAL}, "field asks_of_government (Q17)"),
    ):
        text = make_csv({"What is the name": "Wigan", "Q2": "Beam"}, {"What is the name": "Leeds", **answers})
        report = run_import(db, text)
        assert report.refused
        assert any(where in p.question and p.row == 3 for p in report.problems), report.lines()
        assert report.lines()[-1].startswith("Nothing was written")
        assert {
            m.__tablename__: db.exec(select(sa.func.count()).select_from(m)).one()
            for m in (Organisation, Tool, Deployment, SingleView)
        } == counts


def test_a_dropped_pilot_is_not_recorded_over_a_tool_in_use(db) -> None:
    leeds = _leeds(db)
    tool = ToolFactory(name="DraftRight", ref="draftright-held")
    held = DeploymentFactory(organisation_id=leeds.id, tool_id=tool.id, ref="leeds-draftright", stage="implemented")
    db.commit()
    report = run_import(db, make_csv({"What is the name": "Leeds", "Q5": DRAFTRIGHT}))
    db.refresh(held)
    assert held.stage == "implemented" and not held.dropped_reasons
    assert db.exec(select(sa.func.count()).select_from(Deployment)).one() == 1
    assert any("leeds-draftright" in s and "not recorded over it" in s for s in report.skipped), report.lines()


def test_learnings_about_several_tools_go_to_the_tool_named_or_the_response(db) -> None:
    from catalogue.cfe_models import CfeResponse

    run_import(
        db,
        make_csv(
            {
                "What is the name": "Leeds",
                "Q2": "NoteCraft; LinguaLink",
                "Q10": "Train staff before go-live. LinguaLink needs a booking process agreed with families first.",
            }
        ),
    )
    by_tool = {db.get(Tool, d.tool_id).name: d for d in db.exec(select(Deployment))}
    assert by_tool["NoteCraft"].learnings is None
    assert by_tool["LinguaLink"].learnings == "LinguaLink needs a booking process agreed with families first."
    assert db.exec(select(CfeResponse)).one().general_learnings == "Train staff before go-live."


def test_the_command_refuses_personal_data_with_exit_code_1(app, db, tmp_path) -> None:
    path = tmp_path / "responses.csv"
    path.write_text(make_csv({"What is the name": "Leeds", "Q2": "NoteCraft", "Q3": PERSONAL}), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "call-for-evidence", str(path)])
    assert result.exit_code == 1, result.output
    assert "field impact" in result.output and "Nothing was written" in result.output
    db.rollback()
    assert db.exec(select(sa.func.count()).select_from(Deployment)).one() == 0
    assert db.exec(select(sa.func.count()).select_from(Organisation)).one() == 0  # not even the reference list
