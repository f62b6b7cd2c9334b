"""The personal-data check on every free-text form of challenges and partnerships: proposals and
expressions of interest (page and API), clarification questions, co-sponsor notes, scoring
feedback, the close-without-award detail, and partnerships. Nothing is saved; what was typed is
shown again with the reason."""

from __future__ import annotations

from sqlmodel import Session, select

from catalogue.accounts.services import issue_api_token
from outcomes.models import (
    Challenge,
    ChallengeCoSponsor,
    ChallengeResponse,
    ChallengeStatusChange,
    ClarificationQuestion,
    Programme,
)
from tests.helpers.api import call
from tests.helpers.challenges import World, fresh, full_challenge

PERSONAL = "Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB, 07700 900123"


def refused(page) -> bool:
    return page.status_code == 200 and "There is a problem" in page.text and "Remove personal data" in page.text


def test_proposals_and_interest_through_the_page(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    c = client_as(world.supplier_user)
    data = {"approach": "Our approach", "requirements_met-0": "UK", "requirements_met-1": "API", "price": "5000"}
    for field in ("approach", "evidence", "requirements_met-1"):
        page = c.post(f"/challenges/{challenge.ref}/respond/proposal", data={**data, field: f"As for {PERSONAL}"})
        assert refused(page), field
        assert "As for Jayden Smith" in page.text  # shown again in the field, to correct
    engaging = full_challenge(world.la, status="market-engagement")
    assert refused(c.post(f"/challenges/{engaging.ref}/respond/interest", data={"approach": PERSONAL}))
    fresh(db)
    assert db.exec(select(ChallengeResponse)).all() == []
    db.commit()
    assert c.post(f"/challenges/{challenge.ref}/respond/proposal", data=data).status_code == 303


def test_proposals_and_interest_through_the_api(world: World, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    engaging = full_challenge(world.la, status="market-engagement")
    token = issue_api_token(db, world.supplier_user, label="t")
    db.commit()
    body = {"approach": "Our approach", "requirements_met": ["UK", "API"], "price": 5000}
    for extra in ({"approach": PERSONAL}, {"evidence": PERSONAL}, {"requirements_met": ["UK", PERSONAL]}):
        answer = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/proposal", token, json={**body, **extra})
        assert answer.status_code == 422, answer.text
        assert "Remove personal data" in answer.text and "Jayden" not in answer.text
    answer = call(client, "POST", f"/api/v1/challenges/{engaging.ref}/interest", token, json={"approach": PERSONAL})
    assert answer.status_code == 422
    fresh(db)
    assert db.exec(select(ChallengeResponse)).all() == []
    db.commit()
    ok = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/proposal", token, json=body)
    assert ok.status_code in (200, 201), ok.text


def test_clarification_questions(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    page = client_as(world.supplier_user).post(
        f"/challenges/{challenge.ref}/questions/new", data={"question": f"Is {PERSONAL} in scope?"}
    )
    assert refused(page) and "Is Jayden Smith" in page.text
    fresh(db)
    assert db.exec(select(ClarificationQuestion)).all() == []


def test_co_sponsor_note(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    page = client_as(world.other_user).post(f"/challenges/{challenge.ref}/co-sponsor", data={"note": PERSONAL})
    assert refused(page)
    fresh(db)
    assert db.exec(select(ChallengeCoSponsor)).all() == []


def test_scoring_feedback(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="evaluating")
    response = ChallengeResponse(
        challenge_id=challenge.id, supplier_id=world.supplier.id, kind="proposal", approach="x", requirements_met=[]
    )
    db.add(response)
    db.commit()
    page = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/responses/{response.id}",
        data={"action": "score", "score-0": "8", "score-1": "5", "feedback": f"Unlike {PERSONAL}"},
    )
    assert refused(page)
    fresh(db)
    saved = db.get(ChallengeResponse, response.id)
    assert saved.feedback is None and not saved.scores


def test_close_without_award_detail(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    page = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/status", data={"to": "closed", "reason": "other", "detail": PERSONAL}
    )
    assert refused(page)
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "market-engagement"
    assert db.exec(select(ChallengeStatusChange)).all() == []


def test_partnerships(world: World, client_as, db: Session) -> None:
    c = client_as(world.la_user)
    base = {"name": "Northern partnership", "description": "Six authorities", "milestones": "2031-01-15 Kick-off"}
    for field in ("description", "phases", "evaluation_plan", "milestones"):
        value = f"2031-02-01 {PERSONAL}" if field == "milestones" else PERSONAL
        page = c.post("/partnerships/new", data={**base, field: value})
        assert refused(page), field
    fresh(db)
    assert db.exec(select(Programme)).all() == []
    db.commit()
    created = c.post("/partnerships/new", data=base)
    assert created.status_code == 303
    ref = created.headers["Location"].rstrip("/").split("/")[-1]
    assert refused(c.post(f"/partnerships/{ref}/edit", data={**base, "description": PERSONAL}))
    fresh(db)
    assert db.exec(select(Programme)).one().description == "Six authorities"
