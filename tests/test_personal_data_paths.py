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
from catalogue.cfe_import import import_call_for_evidence
from catalogue.records.models import Deployment, Tool
from outcomes.models import ClarificationQuestion
from tests.conftest import SHARED
from tests.test_cfe_import import make_csv
from tests.test_challenges import World, fresh, full_challenge, make_world

QUESTION = (
    "Could the tool have helped Mia Jones, aged 4, who is on a child protection plan after her stepfather hit her?"
)
ANSWER = "Mia is 4 and lives at 14 Acacia Road; her mum's email is kelly.jones@example.com"


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def refused(page) -> bool:  # noqa: ANN001
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
