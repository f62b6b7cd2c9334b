"""Issue 13's holes, path by path: the clarification question and answer that were published,
and the importers (bundle and call for evidence), which now run the same personal-data check as
every form and API call, refuse the record naming it and the field, and write nothing of it."""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue.bundle import BundleError, import_bundle
from catalogue.importers.cfe import import_call_for_evidence
from catalogue.records.models import Deployment, Tool
from outcomes.models import Challenge, ChallengeResponse, ClarificationQuestion
from tests.conftest import SHARED
from tests.helpers.cfe import make_csv
from tests.helpers.challenges import World, fresh, full_challenge, make_world

QUESTION = (
    "Could the tool have helped Mia Jones, aged 4, who is on a child protection plan after her stepfather hit her?"
)
ANSWER = "Mia is 4 and lives at 14 Acacia Road; her mum's email is kelly.jones@example.com"


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def refused(page) -> bool:
    return page.status_code == 200 and "Remove personal data" in page.text


def test_the_published_question_is_refused_and_nothing_saved(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    page = client_as(world.supplier_user).post(
        f"/challenges/{challenge.ref}/questions/new", data={"question": QUESTION}
    )
    assert refused(page) and "M** J****, a*** 4" in page.text
    fresh(db)
    assert db.exec(select(ClarificationQuestion)).all() == []


def test_the_published_answer_is_refused_and_the_question_stays_unpublished(
    world: World, client_as, db: Session
) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    question = ClarificationQuestion(
        challenge_id=challenge.id, supplier_id=world.supplier.id, question="Which case systems do you use?"
    )
    db.add(question)
    db.commit()
    page = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/questions/{question.id}/answer",
        data={"question": "Which case systems do you use?", "answer": ANSWER},
    )
    assert refused(page)
    assert "Mia is 4 and lives at 14 Acacia Road" in page.text  # shown again to correct
    fresh(db)
    saved = db.get(ClarificationQuestion, question.id)
    assert saved.status != "published" and saved.answer is None


def test_bundle_import_refuses_the_record_naming_it_and_the_field(db: Session) -> None:
    bundle = json.loads((SHARED / "eval" / "dev-bundle.json").read_text())
    spoilt = copy.deepcopy(bundle)
    deployment = spoilt["deployments"][0]
    deployment["learnings"] = "Tested on Jayden Smith dob 14/02/2016, NHS 943 476 5919."
    with pytest.raises(BundleError) as refused_import:
        import_bundle(db, spoilt)
    db.rollback()
    assert any(
        p.startswith(f"deployments {deployment['ref']} learnings: Remove personal data")
        for p in refused_import.value.problems
    )
    assert "Jayden" not in " ".join(refused_import.value.problems)
    assert db.exec(select(sa.func.count()).select_from(Deployment)).one() == 0
    assert db.exec(select(sa.func.count()).select_from(Tool)).one() == 0


def test_call_for_evidence_import_refuses_the_record_naming_it_and_the_field(db: Session) -> None:
    text = make_csv(
        {
            "What is the name": "Wigan Council",
            "Q2": "NoteCraft",
            "Q7": "Implemented",
            "Q15": "The worker's visit to Callum, 7, at 22 Marlow Street was recorded without consent.",
        }
    )
    report = import_call_for_evidence(db, text)
    db.commit()
    problems = [p for p in report.problems if "Remove personal data" in p.message]
    assert problems and all("barriers" in p.question for p in problems), report.problems
    assert all("Callum" not in p.message for p in problems)
    assert db.exec(select(Deployment)).all() == []


# --- every write path, page and API: a child's details are refused and nothing of them is saved ----

CHILD = "Jayden Smith, aged 9, lives with foster carers in Leeds"  # may be confirmed as not real
NEVER = "Jayden Smith, date of birth 14/02/2016"  # a date of birth beside a name: never published
CHECKBOX = 'name="not_real_person"'


def nowhere(db: Session, word: str = "Jayden") -> bool:
    """The planted name is in no row of any table (records, history, audit trail, outbox)."""
    from sqlmodel import SQLModel

    fresh(db)

    return all(word not in repr(db.exec(sa.select(table)).all()) for table in SQLModel.metadata.sorted_tables)


def _offering(world: World, **extra):
    from tests.factories import OfferingFactory, ToolFactory

    tool = ToolFactory(name="Chronology builder", supplier_id=world.supplier.id)
    return OfferingFactory(supplier_id=world.supplier.id, tool_id=tool.id, status="published", **extra)


def _response(world: World, challenge) -> ChallengeResponse:
    response = ChallengeResponse(
        challenge_id=challenge.id, supplier_id=world.supplier.id, kind="proposal", approach="x", requirements_met=[]
    )
    from catalogue.db import get_session

    session = get_session()
    session.add(response)
    session.commit()
    return response


def _question(world: World) -> tuple[str, dict]:
    challenge = full_challenge(world.la, status="market-engagement")
    return f"/challenges/{challenge.ref}/questions/new", {"question": "{text}"}


def _answer(world: World) -> tuple[str, dict]:
    from catalogue.db import get_session

    challenge = full_challenge(world.la, status="market-engagement")
    question = ClarificationQuestion(challenge_id=challenge.id, supplier_id=world.supplier.id, question="Which?")
    session = get_session()
    session.add(question)
    session.commit()
    return f"/challenges/{challenge.ref}/questions/{question.id}/answer", {"question": "Which?", "answer": "{text}"}


def _case(who: str, build):
    return who, build


# Each page: who writes, and (url, form) with "{text}" where the child's details go.
PAGES = {
    "clarification question": _case("supplier_user", _question),
    "clarification answer": _case("la_user", _answer),
    "expression of interest": _case(
        "supplier_user",
        lambda w: (
            f"/challenges/{full_challenge(w.la, status='market-engagement').ref}/respond/interest",
            {"approach": "{text}"},
        ),
    ),
    "proposal": _case(
        "supplier_user",
        lambda w: (
            f"/challenges/{full_challenge(w.la, status='open').ref}/respond/proposal",
            {"approach": "Our approach", "requirements_met-0": "UK", "requirements_met-1": "{text}", "price": "5000"},
        ),
    ),
    "scoring feedback": _case(
        "la_user",
        lambda w: (
            (c := full_challenge(w.la, status="evaluating")) and f"/challenges/{c.ref}/responses/{_response(w, c).id}",
            {"action": "score", "score-0": "8", "score-1": "5", "feedback": "{text}"},
        ),
    ),
    "close-without-award detail": _case(
        "la_user",
        lambda w: (
            f"/challenges/{full_challenge(w.la, status='market-engagement').ref}/status",
            {"to": "closed", "reason": "other", "detail": "{text}"},
        ),
    ),
    "co-sponsor note": _case(
        "other_user",
        lambda w: (
            f"/challenges/{full_challenge(w.la, status='market-engagement').ref}/co-sponsor",
            {"note": "{text}"},
        ),
    ),
    "published challenge section": _case(
        "la_user",
        lambda w: (
            f"/challenges/{full_challenge(w.la, status='market-engagement').ref}/edit/users",
            {"users": "{text}", "action": "save"},
        ),
    ),
    "results": _case(
        "la_user",
        lambda w: (
            f"/challenges/{full_challenge(w.la, status='awarded').ref}/results",
            {"results-0-actual": "4", "results-0-note": "{text}"},
        ),
    ),
    "partnership": _case(
        "la_user",
        lambda w: ("/partnerships/new", {"name": "Northern partnership", "description": "{text}"}),
    ),
    "offering": _case(
        "supplier_user",
        lambda w: (
            "/offerings/new",
            {
                "name": "Chronology builder",
                "summary": "Builds chronologies.",
                "categories": ["summarisation"],
                "delivery": "standalone",
                "description": "{text}",
                "status": "published",
            },
        ),
    ),
    "supplier profile": _case(
        "supplier_user",
        lambda w: (
            f"/suppliers/{w.supplier.ref}/edit",
            {"name": w.supplier.name, "is_sme": "yes", "contact_consent": "no", "description": "{text}"},
        ),
    ),
    "reference request": _case(
        "supplier_user",
        lambda w: (f"/offerings/{_offering(w).ref}/references", {"organisation": w.la.ref, "note": "{text}"}),
    ),
    "single view": _case(
        "la_user",
        lambda w: (
            "/single-views/new",
            {
                "status": "live",
                "sources": ["childrens-social-care"],
                "documentation": "{text}",
                "visibility": "public",
            },
        ),
    ),
}


def _fill(form: dict, text: str) -> dict:
    return {k: (v.replace("{text}", text) if isinstance(v, str) else v) for k, v in form.items()}


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_refuses_a_child_and_saves_nothing(path: str, world: World, client_as, db: Session) -> None:
    who, build = PAGES[path]
    url, form = build(world)
    db.commit()
    c = client_as(getattr(world, who))
    for text in (CHILD, NEVER):
        page = c.post(url, data=_fill(form, text))
        assert page.status_code == 200 and "Remove personal data" in page.text, (path, page.status_code)
        assert text in page.text  # what was typed is shown again, to correct
        # The box is offered only when every finding may be confirmed.
        assert (CHECKBOX in page.text) is (text == CHILD), path
    never = c.post(url, data={**_fill(form, NEVER), "not_real_person": "yes"})
    assert "Remove personal data" in never.text and CHECKBOX not in never.text
    assert nowhere(db)


@pytest.mark.parametrize("path", list(PAGES))
def test_confirming_not_a_real_person_saves_and_is_audited(path: str, world: World, client_as, db: Session) -> None:
    from catalogue.changes import AuditEvent

    who, build = PAGES[path]
    url, form = build(world)
    db.commit()
    c = client_as(getattr(world, who))
    refused_page = c.post(url, data=_fill(form, CHILD))
    assert CHECKBOX in refused_page.text and "recorded in the audit trail" in refused_page.text
    saved = c.post(url, data={**_fill(form, CHILD), "not_real_person": "yes"})
    assert saved.status_code in (200, 302, 303), path
    assert "Remove personal data" not in saved.text, path
    fresh(db)
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "override")).all()
    assert len(events) == 1, path
    event = events[0]
    assert event.record_id and event.record_id > 0
    assert "Jayden" not in repr(event.changes) and "name-and-age" in repr(event.changes)
    from sqlmodel import SQLModel

    table = SQLModel.metadata.tables[event.record_type]
    row = db.exec(sa.select(table).where(table.c.id == event.record_id)).one()
    assert "Jayden" in repr(row), (path, event.record_type)  # the audit names the record that holds it


def test_a_phase_name_is_a_choice_and_a_child_is_refused(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    db.commit()
    page = client_as(world.la_user).post(f"/challenges/{challenge.ref}/phases", data={"name": CHILD})
    assert page.status_code == 200 and "Choose the phase" in page.text
    assert nowhere(db)


def test_the_deployment_form_remembers_a_confirmed_step_and_audits_the_saved_record(
    world: World, client_as, db: Session
) -> None:
    from catalogue.changes import AuditEvent
    from tests.factories import ToolFactory
    from tests.helpers.records_forms import ANSWERS, draft_of, step

    ToolFactory(ref="tool-notes", name="Notes Tool")
    db.commit()
    c = client_as(world.la_user)
    draft = draft_of(c.get("/deployments/new"))
    about = {**ANSWERS["about"], "learnings": CHILD}
    for name, fields in ANSWERS.items():
        fields = about if name == "about" else fields
        page = step(c, f"/deployments/new/{name}", draft, **fields)
        if name == "about":
            assert "Remove personal data" in page.text and CHECKBOX in page.text
            page = step(c, f"/deployments/new/{name}", draft_of(page), **fields, not_real_person="yes")
            assert "Remove personal data" not in page.text
        draft = draft_of(page)
    assert nowhere(db)
    saved = step(c, "/deployments/new/check", draft, action="save")
    assert saved.status_code in (302, 303), saved.text[:2000]
    fresh(db)
    deployment = db.exec(select(Deployment)).one()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "override")).one()
    assert (event.record_type, event.record_id) == ("deployment", deployment.id)
    assert "Jayden" in deployment.learnings and "Jayden" not in repr(event.changes)


def test_publishing_a_statement_can_be_confirmed_but_never_a_date_of_birth(
    world: World, client_as, db: Session
) -> None:
    from catalogue.changes import AuditEvent

    challenge = full_challenge(world.la, users=CHILD)
    never = full_challenge(world.la, users=NEVER)
    db.commit()
    c = client_as(world.la_user)
    for target in (challenge, never):
        page = c.post(f"/challenges/{target.ref}/status", data={"to": "market-engagement", "from_check": "1"})
        assert "Remove the personal data" in page.text
        assert (CHECKBOX in page.text) is (target is challenge)
        ticked = c.post(f"/challenges/{target.ref}/status", data={"to": "market-engagement", "not_real_person": "yes"})
        assert ticked.status_code == (303 if target is challenge else 200)
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "market-engagement"
    assert db.get(Challenge, never.id).status == "draft"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "override")).one()
    assert (event.record_type, event.record_id) == ("challenge", challenge.id)


# --- the API: 422 lists the findings with whether they can be confirmed; `not_real_person` confirms --


def _token(db: Session, user) -> str:
    from catalogue.accounts.services import issue_api_token

    token = issue_api_token(db, user, label="t")
    db.commit()
    return token


API = {
    "proposal": (
        "supplier_user",
        lambda w: f"/api/v1/challenges/{full_challenge(w.la, status='open').ref}/proposal",
        {"approach": "{text}", "requirements_met": ["UK", "API"], "price": 5000},
    ),
    "expression of interest": (
        "supplier_user",
        lambda w: f"/api/v1/challenges/{full_challenge(w.la, status='market-engagement').ref}/interest",
        {"approach": "{text}"},
    ),
    "offering": (
        "supplier_user",
        lambda w: "/api/v1/offerings",
        {
            "name": "Chronology builder",
            "categories": ["summarisation"],
            "delivery": "standalone",
            "description": "{text}",
        },
    ),
    "single view": (
        "la_user",
        lambda w: "/api/v1/single-views",
        {"status": "live", "sources": ["childrens-social-care"], "documentation": "{text}", "visibility": "public"},
    ),
}


@pytest.mark.parametrize("path", list(API))
def test_every_api_write_refuses_a_child_unless_confirmed(path: str, world: World, client, db: Session) -> None:
    from catalogue.changes import AuditEvent
    from tests.helpers.api import call

    who, build, body = API[path]
    url = build(world)
    token = _token(db, getattr(world, who))
    for text, can_confirm in ((CHILD, True), (NEVER, False)):
        answer = call(client, "POST", url, token, json=_fill(body, text))
        assert answer.status_code == 422, (path, answer.text)
        assert answer.mimetype == "application/problem+json"
        personal = answer.json["personal_data"]  # an extension member of the problem details
        assert personal["can_confirm"] is can_confirm and personal["confirm_with"] == "not_real_person"
        findings = [f for found in personal["findings"].values() for f in found]
        assert findings and "Jayden" not in answer.text
        refused_never = call(client, "POST", url, token, json={**_fill(body, text), "not_real_person": True})
        assert (refused_never.status_code == 422) is (not can_confirm), (path, refused_never.text)
    fresh(db)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "override")).one()
    assert event.record_id > 0 and "Jayden" not in repr(event.changes)
    db.commit()
    assert "Jayden" not in client.get("/api/v1/openapi.json").text
    spec = client.get("/api/v1/openapi.json").json
    assert "not_real_person" in repr(spec["components"]["schemas"])


# --- the command line: what it writes goes through the importers' check, which cannot be confirmed -


def test_the_bundle_command_refuses_a_child_even_when_told_it_is_not_real(app, db: Session, tmp_path) -> None:
    bundle = json.loads((SHARED / "eval" / "dev-bundle.json").read_text())
    deployment = bundle["deployments"][0]
    deployment["learnings"] = CHILD
    deployment["not_real_person"] = True  # an importer has nobody to confirm it
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["bundle", "import", str(path)])
    assert result.exit_code == 1
    assert "learnings: Remove personal data" in result.output and "Jayden" not in result.output
    assert nowhere(db)
