"""`flask import call-for-evidence`: the example file, organisation names however written, tools
in prose, dropped pilots and why, resources, contacts only with consent, re-import, dry run, and
answers it cannot understand reported by row and question. Arbitrary cells never crash it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from catalogue.accounts.models import Organisation
from catalogue.bundle import dumps, export_bundle
from catalogue.importers.cfe import (
    CfeError,
    find_mentions,
    import_call_for_evidence,
    organisation_key,
    parse_evaluation,
    parse_fte,
    parse_money,
    tool_key,
)
from catalogue.records.models import Deployment, SingleView, Tool
from seed.loader import load_reference_authorities
from tests.helpers.cfe import EXAMPLE, make_csv, run_import


def _counts(db) -> dict[str, int]:
    return {
        model.__tablename__: db.exec(select(sa.func.count()).select_from(model)).one()
        for model in (Organisation, Tool, Deployment, SingleView)
    }


@pytest.fixture
def imported(db):
    return run_import(db, EXAMPLE.read_text(encoding="utf-8"))


def _deployment(db, ref_part: str) -> Deployment:
    rows = [d for d in db.exec(select(Deployment)) if ref_part in d.ref]
    assert len(rows) == 1, [d.ref for d in db.exec(select(Deployment))]
    return rows[0]


def test_example_file_loads_reference_authorities_and_creates_organisations(db, imported):
    assert imported.reference_loaded == 153
    orgs = {o.name: o for o in db.exec(select(Organisation).where(Organisation.is_reference.is_(False)))}
    assert orgs["Northdale Borough Council (fictional)"].kind == "local-authority"
    assert orgs["Brightwater Children's Homes (fictional)"].kind == "provider"
    assert orgs["Eastfold County Council (fictional)"].kind == "local-authority"
    # The fictional authorities match none of the 153: each reported, with the nearest names.
    assert [(p.row, p.question) for p in imported.problems] == [(2, "organisation"), (4, "organisation")]
    assert all("matched none of the reference authorities (closest:" in p.message for p in imported.problems)


def test_example_tools_deployments_and_dropped_pilot(db, imported):
    tools = {t.name: t for t in db.exec(select(Tool))}
    assert {"NoteCraft", "LinguaLink", "CaseSense", "Microsoft Copilot"} <= set(tools)
    supplier = db.get(Organisation, tools["NoteCraft"].supplier_id)
    assert supplier.name == "Quillfield Ltd" and supplier.kind == "supplier"
    assert "transcription" in tools["NoteCraft"].categories
    # Two tools named in one answer: two deployments, with the answers about them.
    notecraft = _deployment(db, "notecraft")
    lingualink = _deployment(db, "lingualink")
    for dep in (notecraft, lingualink):
        assert dep.stage == "implemented" and dep.visibility == "authorities"
        assert dep.ethics_checks == ["ethical-impact-assessment", "staff-consultation"]
        assert dep.evaluation == "internal-completed"
    # Each answer to the tool it names: NoteCraft's impact is not LinguaLink's.
    assert notecraft.impact.startswith("NoteCraft saves practitioners roughly 4 hours")
    assert "80% of cases" in notecraft.impact and "LinguaLink" not in notecraft.impact
    assert lingualink.impact == "LinguaLink has cut waits for interpreters from days to minutes."
    # Q12, Q14, Q15 and Q20 name no tool: they are about the response as a whole, on no tool.
    for dep in (notecraft, lingualink):
        assert (dep.risk_assessment, dep.safeguards, dep.barriers, dep.evaluation_findings) == (None,) * 4
    from catalogue.cfe_models import CfeResponse

    northdale = db.exec(select(CfeResponse).where(CfeResponse.key.contains("northdale"))).one()
    assert northdale.general_safeguards.startswith("Practitioners approve every AI-drafted note")
    assert northdale.general_risk_assessment.startswith("A data protection impact assessment")
    assert northdale.general_barriers.startswith("Getting the DPIA agreed took four months")
    assert northdale.general_evaluation_findings.startswith("Time saved averaged 3.8 hours")
    assert northdale.general_impact is None
    # A response about one tool: every answer is about it.
    copilot = _deployment(db, "copilot")
    assert copilot.impact == "Letters and minutes are drafted faster."
    assert copilot.safeguards == "Copilot only within our Microsoft 365 tenant."
    assert copilot.barriers == "Licences are expensive." and copilot.risk_assessment == "Standard IT security review."
    # The pilot not rolled out: dropped, reasons from the words, the story kept.
    casesense = _deployment(db, "casesense")
    assert casesense.stage == "dropped"
    assert set(casesense.dropped_reasons) == {"ethics", "staff-adoption"}
    assert "could not be explained" in casesense.dropped_detail
    assert db.get(Organisation, db.get(Tool, casesense.tool_id).supplier_id).name == "Orbitline Analytics"


def test_example_own_tool_with_resources_and_single_views(db, imported):
    brightwater = db.exec(select(Organisation).where(Organisation.name.startswith("Brightwater"))).one()
    own = db.exec(select(Deployment).where(Deployment.organisation_id == brightwater.id)).one()
    tool = db.get(Tool, own.tool_id)
    assert tool.developed_by_id == brightwater.id
    assert own.stage == "pilot"
    assert (own.develop_fte, own.develop_gbp) == (0.5, 12000)
    assert (own.implement_fte, own.implement_gbp) == (0.2, 3000)
    assert (own.maintain_fte, own.maintain_gbp) == (0.1, 1000)
    assert own.impact.startswith("Young people") and own.learnings.startswith("Co-design")
    eastfold = db.exec(select(Organisation).where(Organisation.name.startswith("Eastfold"))).one()
    view = db.exec(select(SingleView).where(SingleView.organisation_id == eastfold.id)).one()
    assert view.status == "live" and view.visibility == "authorities"
    assert view.sources == ["childrens-social-care", "education", "send", "other"]
    assert view.other_sources == "early help data from our family hubs"


def test_contacts_only_with_consent(db, imported):
    orgs = {o.name: o for o in db.exec(select(Organisation).where(Organisation.is_reference.is_(False)))}
    northdale = orgs["Northdale Borough Council (fictional)"]
    # Consent to be contacted by DfE is not consent to be contacted by peers: the respondent is
    # proposed, awaiting the organisation's confirmation, and not consenting meanwhile.
    assert (northdale.contact_name, northdale.contact_email, northdale.contact_consent) == (
        "Sam Example",
        "sam.example@example.org",
        False,
    )
    assert northdale.contact_pending == "call for evidence (row 2)"
    brightwater = orgs["Brightwater Children's Homes (fictional)"]
    assert brightwater.contact_name is None and brightwater.contact_email is None
    assert not brightwater.contact_consent
    everything = repr([o.model_dump() for o in orgs.values()])
    assert "Alex Sample" not in everything and "alex.sample@example.org" not in everything


def test_contacts_never_reach_pages_or_exports(db, imported, client_as):
    from tests.factories import UserFactory

    northdale = db.exec(select(Organisation).where(Organisation.name.startswith("Northdale"))).one()
    admin = UserFactory(is_site_admin=True)
    staff = UserFactory(organisation_id=northdale.id)
    dep = _deployment(db, "notecraft")
    bundle_text = dumps(export_bundle(db))
    for user in (admin, staff):
        client = client_as(user)
        with client.application.app_context():
            pages = [
                client.get(url)
                for url in ("/insights", f"/deployments/{dep.ref}/atrs", f"/deployments/{dep.ref}/atrs.json")
            ]
        for page in pages:
            assert page.status_code == 200
            text = page.get_data(as_text=True)
            assert "Sam Example" not in text and "sam.example@example.org" not in text
    assert "sam.example@example.org" not in bundle_text and "Sam Example" not in bundle_text


def test_reimport_updates_never_duplicates(db, imported):
    before = _counts(db)
    dep = _deployment(db, "casesense")
    dep.visibility = "public"  # the owner widened it; a re-import keeps that
    dep.learnings = "Added by the authority after the import."
    db.add(dep)
    db.commit()
    again = run_import(db, EXAMPLE.read_text(encoding="utf-8"))
    assert _counts(db) == before
    assert not again.created and len(again.updated) == 8
    db.refresh(dep)
    assert dep.visibility == "public" and dep.learnings == "Added by the authority after the import."


def test_dry_run_writes_nothing_and_reports(db):
    before = _counts(db)
    report = run_import(db, EXAMPLE.read_text(encoding="utf-8"), dry_run=True)
    assert _counts(db) == before
    lines = "\n".join(report.lines())
    assert "would create tool NoteCraft" in lines and "Dry run: nothing was written" in lines


def test_cli_dry_run_and_import(app, db, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "responses.csv"
    path.write_text(
        make_csv(
            {
                "What is the name": "Leeds CC",
                "Are you responding": "Local Authority",
                "Q2": "Magic Notes (Beam)",
                "Q19": "Perhaps later",
            }
        ),
        encoding="utf-8",
    )
    with app.app_context():
        result = runner.invoke(args=["import", "call-for-evidence", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would create deployment" in result.output
    assert "Row 2, Q19: ‘Perhaps later’ is not an evaluation we know" in result.output
    assert db.exec(select(sa.func.count()).select_from(Deployment)).one() == 0
    with app.app_context():
        result = runner.invoke(args=["import", "call-for-evidence", str(path)])
    assert result.exit_code == 0, result.output
    db.rollback()  # end the read transaction begun above, to see the command's commit
    dep = db.exec(select(Deployment)).one()
    assert db.get(Organisation, dep.organisation_id).name == "Leeds"
    assert db.get(Tool, dep.tool_id).name == "Magic Notes"


def test_cli_refuses_a_file_that_is_not_a_response_export(app, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import", "call-for-evidence", str(path)])
    assert result.exit_code == 1 and "What is the name of your organisation" in result.output
    path.write_bytes(b"\xff\xfe\x00bad")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import", "call-for-evidence", str(path)])
    assert result.exit_code == 1 and "not UTF-8" in result.output


@pytest.mark.parametrize(
    ("written", "reference"),
    [
        ("Leeds CC", "Leeds"),
        ("Leeds City Council", "Leeds"),
        ("Bristol City Council", "Bristol, City of"),
        ("Durham County Council", "County Durham"),
        ("St Helens Borough Council", "St. Helens"),
        ("Hull City Council", "Kingston upon Hull, City of"),
        ("London Borough of Hackney", "Hackney"),
        ("Royal Borough of Windsor & Maidenhead", "Windsor and Maidenhead"),
        ("Herefordshire Council", "Herefordshire, County of"),
        ("Wigan MBC", "Wigan"),
        ("Brighton & Hove City Council", "Brighton and Hove"),
        ("Stockton-on-Tees Borough Council", "Stockton-on-Tees"),
        ("City of London Corporation", "City of London"),
    ],
)
def test_organisation_names_match_the_reference_list(written, reference):
    assert organisation_key(written) == organisation_key(reference)


def test_organisations_matched_in_an_import(db):
    names = ["Leeds CC", "Bristol City Council", "Durham County Council", "St Helens Borough Council"]
    text = make_csv(*({"What is the name": n, "Q2": "NoteCraft"} for n in names))
    report = run_import(db, text)
    assert not [c for c in report.created if c.startswith("organisation")]
    owners = {db.get(Organisation, d.organisation_id).name for d in db.exec(select(Deployment))}
    assert owners == {"Leeds", "Bristol, City of", "County Durham", "St. Helens"}
    assert all(o.is_reference for o in db.exec(select(Organisation).where(Organisation.name.in_(owners))))


def test_different_spellings_become_one_tool(db):
    text = make_csv(
        {"What is the name": "Leeds", "Q2": "Magic-style notes app from Acme Ltd; Copilot (Microsoft)"},
        {"What is the name": "Wigan Council", "Q2": "We use Microsoft Copilot and MAGIC-STYLE for notes"},
        {"What is the name": "Sefton", "Q2": "Magic Style"},
    )
    run_import(db, text)
    tools = sorted(t.name for t in db.exec(select(Tool)))
    assert tools == ["Copilot", "Magic-style"]
    assert db.exec(select(sa.func.count()).select_from(Deployment)).one() == 5


def test_mentions_in_prose():
    mentions = find_mentions(
        "We use NoteCraft (from Quillfield Ltd), an AI note app, and LinguaLink video interpreting "
        "(LinguaLink Services) for families. We also use Beam by Acme Care Ltd.",
        {},
    )
    assert [(m.name, m.supplier) for m in mentions] == [
        ("NoteCraft", "Quillfield Ltd"),
        ("LinguaLink", "LinguaLink Services"),
        ("Beam", "Acme Care Ltd"),
    ]
    assert tool_key("Microsoft Copilot") == tool_key("Copilot") == tool_key("copilot app")


@pytest.mark.parametrize(
    ("text", "pounds"),
    [
        ("£45,000", 45000),
        ("45000", 45000),
        ("45k", 45000),
        ("c. £45k", 45000),
        ("£1.2m", 1_200_000),
        ("about £3,000 per year", 3000),
        ("nil", 0),
    ],
)
def test_money(text, pounds):
    assert parse_money(text) == pounds


@pytest.mark.parametrize(
    ("text", "fte"),
    [("1.5", 1.5), ("0.5 FTE", 0.5), ("half a post", 0.5), ("2 posts", 2), ("one post", 1), ("2 days a week", 0.4)],
)
def test_fte(text, fte):
    assert parse_fte(text) == fte


@pytest.mark.parametrize("text", ["lots", "£10k-£20k", "", "depends"])
def test_unreadable_amounts_raise(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_evaluation_choices():
    assert parse_evaluation("Yes, completed external evaluation") == "external-completed"
    assert parse_evaluation("Yes, currently undergoing provider evaluation") == "provider-ongoing"
    assert parse_evaluation("No") == "none"
    assert parse_evaluation("Maybe") is None


def test_answers_not_understood_are_reported_and_the_rest_imported(db):
    text = make_csv(
        {
            "What is the name": "Leeds",
            "Q6": "We built a chatbot called FrontDoor Helper for families.",
            "Q7": "Sort of",
            "Q8a": "lots",
            "Q8b": "£20k",
            "Q19": "Maybe",
            "Q21": "Yes, developed & live",
            "Q22": "Education data; Tea leaves",
            "Q13": "Yes – we asked the cat",
        },
        {"What is the name": "", "Q2": "NoteCraft"},
    )
    report = run_import(db, text)
    problems = {(p.row, p.question) for p in report.problems}
    assert {(2, "Q7"), (2, "Q8a"), (2, "Q19"), (2, "Q22"), (2, "Q13"), (3, "organisation")} <= problems
    dep = db.exec(select(Deployment)).one()
    assert db.get(Tool, dep.tool_id).name == "FrontDoor Helper"
    assert dep.develop_gbp == 20000 and dep.develop_fte is None and dep.stage == "implemented"
    view = db.exec(select(SingleView)).one()
    assert view.sources == ["education", "other"] and view.other_sources == "Tea leaves"


def test_a_record_that_fails_its_schema_is_named_and_skipped(db):
    text = make_csv(
        {"What is the name": "Leeds", "Q2": "NoteCraft", "Q3": "x" * 20001},
        {"What is the name": "Wigan", "Q2": "NoteCraft", "Q3": "Fine."},
    )
    report = run_import(db, text)
    failed = [p for p in report.problems if "deployment NoteCraft at Leeds" in p.question]
    assert failed and failed[0].row == 2 and "impact" in failed[0].question
    assert [db.get(Organisation, d.organisation_id).name for d in db.exec(select(Deployment))] == ["Wigan"]


def test_unreadable_file_raises_a_clear_error(db):
    with pytest.raises(CfeError, match="organisation"):
        import_call_for_evidence(db, "just,some,columns\n1,2,3\n")
    with pytest.raises(CfeError, match="empty"):
        import_call_for_evidence(db, "")


QUESTIONS = ["What is the name", "Are you responding", "Do you consent", "What is your email"] + [
    f"Q{n}" for n in ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8d", "8e", "12", "13", "19", "21", "22", "23")
]
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120) | st.sampled_from(
    ["Yes", "No", "£45k", "half a post", "In pilot phase", "Leeds CC", "NoteCraft (Acme)", "Others (please specify):"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({}, optional={q: cells for q in QUESTIONS}), min_size=1, max_size=3))
def test_arbitrary_cells_never_crash_the_importer(db, responses):
    if not db.exec(select(sa.func.count()).select_from(Organisation)).one():
        load_reference_authorities(db)
        db.commit()
    report = import_call_for_evidence(db, make_csv(*responses), dry_run=True)
    db.rollback()
    assert report.responses <= len(responses)
    assert all(str(p) for p in report.problems)


# --- answers kept with the response: Q11a–c and Q16–18 ------------------------------------------


def _answers(db) -> list:
    from catalogue.cfe_models import CfeResponse

    return list(db.exec(select(CfeResponse).order_by(CfeResponse.id)))


def test_answers_to_q11_and_q16_to_q18_are_kept_with_the_response(db, imported):
    kept = {db.get(Organisation, r.organisation_id).name: r for r in _answers(db)}
    # Eastfold answered none of them: nothing kept for it.
    assert set(kept) == {"Northdale Borough Council (fictional)", "Brightwater Children's Homes (fictional)"}
    northdale = kept["Northdale Borough Council (fictional)"]
    assert northdale.respondent_kind == "local-authority"
    assert northdale.what_helped == "Champions in every team and protected time to learn."
    assert northdale.asks_of_government.startswith("Clear national guidance")
    assert northdale.help_develop is None and northdale.anything_else is None
    assert [q for q, _, _ in northdale.answers()] == ["Q12", "Q14", "Q15", "Q16", "Q17", "Q20"]
    brightwater = kept["Brightwater Children's Homes (fictional)"]
    assert brightwater.respondent_kind == "other-organisation"
    assert brightwater.help_develop == "Small grants for providers"
    assert brightwater.imported_at is not None
    # Never the respondent's name or email.
    everything = repr([r.model_dump() for r in kept.values()])
    assert "Sam Example" not in everything and "example.org" not in everything and "Alex" not in everything
    assert (
        "Kept the answers about no one tool (Q11a–c, Q16–18, the rest of Q3, Q10, Q12, Q14, Q15, Q20) of 2 response(s): 2 new, 0 updated."
        in imported.lines()
    )


def test_answers_update_on_reimport_never_duplicate(db, imported):
    first = {r.key: r.id for r in _answers(db)}
    again = run_import(db, EXAMPLE.read_text(encoding="utf-8"))
    assert (again.answers_created, again.answers_updated) == (0, 2)
    assert {r.key: r.id for r in _answers(db)} == first
    # A corrected export: the same response, its answers changed, updated in place.
    corrected = make_csv(
        {
            "What is the name": "Northdale Borough Council (fictional)",
            "Are you responding": "Local Authority",
            "Q17": "Funding for a regional AI lead.",
            "Q18": "Share DPIA templates.",
        }
    )
    report = run_import(db, corrected)
    assert (report.answers_created, report.answers_updated) == (0, 1)
    northdale = next(r for r in _answers(db) if r.key.endswith("northdale-borough-council-fictional-response"))
    assert northdale.id in first.values()
    assert (northdale.what_helped, northdale.asks_of_government, northdale.anything_else) == (
        None,
        "Funding for a regional AI lead.",
        "Share DPIA templates.",
    )
    assert len(_answers(db)) == 2


def test_two_responses_from_one_organisation_are_both_kept(db):
    text = make_csv(
        {"What is the name": "Leeds CC", "Q16": "Champions."},
        {"What is the name": "Leeds City Council", "Q16": "Protected time."},
        {"What is the name": "Leeds", "Q16": "Champions."},  # the same answers sent twice: one
    )
    run_import(db, text)
    run_import(db, text)
    assert [r.what_helped for r in _answers(db)] == ["Champions.", "Protected time."]
    assert len({r.key for r in _answers(db)}) == 2


def test_dry_run_keeps_no_answers_but_reports_them(app, db, tmp_path):
    report = run_import(db, EXAMPLE.read_text(encoding="utf-8"), dry_run=True)
    assert _answers(db) == []
    assert (
        "Would keep the answers about no one tool (Q11a–c, Q16–18, the rest of Q3, Q10, Q12, Q14, Q15, Q20) of 2 response(s): 2 new, 0 updated."
        in report.lines()
    )
    path = tmp_path / "responses.csv"
    path.write_text(make_csv({"What is the name": "Leeds", "Q17": "Guidance."}), encoding="utf-8")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import", "call-for-evidence", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "Would keep the answers about no one tool (Q11a–c, Q16–18, the rest of Q3, Q10, Q12, Q14, Q15, Q20) of 1 response(s)"
        in result.output
    )
    db.rollback()
    assert _answers(db) == []
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import", "call-for-evidence", str(path)])
    assert (
        "Kept the answers about no one tool (Q11a–c, Q16–18, the rest of Q3, Q10, Q12, Q14, Q15, Q20) of 1 response(s): 1 new, 0 updated."
        in result.output
    )
    db.rollback()
    assert [r.asks_of_government for r in _answers(db)] == ["Guidance."]


def test_an_answer_too_long_is_reported_and_not_kept(db):
    report = run_import(db, make_csv({"What is the name": "Leeds", "Q16": "x" * 20001, "Q17": "Guidance."}))
    assert (2, "Q16") in {(p.row, p.question) for p in report.problems}
    (kept,) = _answers(db)
    assert kept.what_helped is None and kept.asks_of_government == "Guidance."


SECRET_ANSWER = "Zebrafinch funding <script>alert('cfe')</script> for a regional lead."


@pytest.fixture
def told_government(db):
    """Leeds told the call for evidence something only its members and site admins may read."""
    run_import(
        db,
        make_csv({"What is the name": "Leeds CC", "Are you responding": "Local Authority", "Q17": SECRET_ANSWER}),
    )
    return db.exec(select(Organisation).where(Organisation.name == "Leeds")).one()


def test_answers_shown_to_the_organisations_members_and_site_admins(db, client_as, told_government):
    from tests.factories import UserFactory

    leeds = told_government
    member = UserFactory(organisation_id=leeds.id)
    admin = UserFactory(is_site_admin=True)
    for user in (member, admin):
        page = client_as(user).get(f"/organisations/{leeds.ref}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "What this organisation told the call for evidence" in text
        assert "Zebrafinch funding" in text and "Q17. What it would want to see from central government" in text
        # Escaped, never markup.
        assert "<script>alert" not in text and "&lt;script&gt;" in text


def test_answers_never_reach_anyone_else_nor_search_api_or_exports(app, db, client_as, told_government):
    from tests.factories import OrganisationFactory, UserFactory

    leeds = told_government
    other_la = db.exec(select(Organisation).where(Organisation.name == "Wigan")).one()
    supplier = OrganisationFactory(kind="supplier", name="Acme Ltd")
    partnership = OrganisationFactory(kind="partnership", name="Yorkshire Partnership")
    from catalogue.accounts.models import PartnershipMember

    db.add(PartnershipMember(partnership_id=partnership.id, member_id=leeds.id, status="accepted"))
    db.commit()
    others = [
        None,
        UserFactory(organisation_id=leeds.id, status="pending"),
        UserFactory(organisation_id=other_la.id, role="admin"),
        UserFactory(organisation_id=supplier.id, role="admin"),
        UserFactory(organisation_id=partnership.id, role="admin"),
    ]
    for user in others:
        page = client_as(user).get(f"/organisations/{leeds.ref}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Zebrafinch" not in text and "told the call for evidence" not in text
    # Not indexed, not in the API, not in the bundle: not even for a site admin.
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    admin = client_as(UserFactory(is_site_admin=True))
    urls = ("/search?q=zebrafinch", "/export/search.csv?q=zebrafinch", "/api/v1/search?q=zebrafinch")
    for url in (*urls, f"/api/v1/organisations/{leeds.ref}", "/api/v1/organisations"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert "zebrafinch funding" not in response.get_data(as_text=True).lower(), url
    assert "Zebrafinch" not in dumps(export_bundle(db))


def test_a_tool_the_import_adds_belongs_to_the_organisation_that_named_it(db, imported):
    """Found by the stateful leak test: an imported tool had no adding organisation, so the
    authority whose answers named it could not correct it (only site admins could)."""
    from catalogue import access
    from tests.factories import UserFactory
    from tests.helpers.challenges import viewer

    notecraft = _deployment(db, "notecraft")
    tool = db.get(Tool, notecraft.tool_id)
    assert tool.added_by_id == notecraft.organisation_id
    own = db.get(Organisation, notecraft.organisation_id)
    other = db.exec(select(Organisation).where(Organisation.id != own.id, Organisation.kind == own.kind)).first()
    assert access.can_change_tool(viewer(UserFactory(organisation_id=own.id), own), tool)
    assert not access.can_change_tool(viewer(UserFactory(organisation_id=other.id), other), tool)
