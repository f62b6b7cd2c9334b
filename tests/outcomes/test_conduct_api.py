"""The API for running a challenge, through the pages' services: clarification questions (who
reads which, who may ask, answer, decline), status changes with their history, and a supplier's
own responses with their assessment. Every answer is checked against the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalogue.accounts.services import issue_api_token
from outcomes import services
from outcomes.models import ChallengeResponse
from tests.helpers.api import call, errors_by_field
from tests.helpers.challenges import full_challenge, make_world


@pytest.fixture
def market(db):
    world = make_world()
    challenge = full_challenge(world.la, status="market-engagement")
    tokens = {
        name: issue_api_token(db, user, label="t")
        for name, user in {
            "owner": world.la_user,
            "supplier": world.supplier_user,
            "rival": world.rival_user,
            "other_la": world.other_user,
        }.items()
    }
    tokens["none"] = None
    tokens["read_only"] = issue_api_token(db, world.supplier_user, label="r", scope="read")
    db.commit()
    return world, challenge, tokens


def _questions(client, ref: str, token: str | None) -> list[dict]:
    response = call(client, "GET", f"/api/v1/challenges/{ref}/questions", token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_questions_are_asked_answered_and_read_by_the_right_people(market, client):
    world, challenge, tokens = market
    url = f"/api/v1/challenges/{challenge.ref}/questions"
    asked = call(client, "POST", url, tokens["supplier"], json={"question": "Does it need Mosaic integration?"})
    assert asked.status_code == 201, asked.get_json()
    qid = asked.get_json()["id"]
    # Unanswered: the asker and the owner (who sees who asked); never another supplier or the public.
    assert [q["id"] for q in _questions(client, challenge.ref, tokens["supplier"])] == [qid]
    owner_view = _questions(client, challenge.ref, tokens["owner"])
    assert owner_view[0]["asked_by"] == world.supplier.ref
    assert _questions(client, challenge.ref, tokens["rival"]) == []
    assert _questions(client, challenge.ref, None) == []
    # Only the owner answers.
    body = {"question": "Is Mosaic integration needed?", "answer": "Yes, by the end of the pilot."}
    assert call(client, "POST", f"{url}/{qid}/answer", tokens["rival"], json=body).status_code == 404
    assert call(client, "POST", f"{url}/{qid}/answer", tokens["other_la"], json=body).status_code == 404
    answered = call(client, "POST", f"{url}/{qid}/answer", tokens["owner"], json=body)
    assert answered.status_code == 200 and answered.get_json()["status"] == "published"
    public = _questions(client, challenge.ref, None)
    assert [(q["question"], q["answer"], q["asked_by"]) for q in public] == [
        ("Is Mosaic integration needed?", "Yes, by the end of the pilot.", None)
    ]
    assert _questions(client, challenge.ref, tokens["rival"])[0]["asked_by"] is None


def test_the_owner_declines_a_question_once(market, client):
    _, challenge, tokens = market
    url = f"/api/v1/challenges/{challenge.ref}/questions"
    qid = call(client, "POST", url, tokens["supplier"], json={"question": "Can we skip hosting?"}).get_json()["id"]
    refused = call(client, "POST", f"{url}/{qid}/decline", tokens["supplier"], json={"reason": "x"})
    assert refused.status_code == 403
    declined = call(client, "POST", f"{url}/{qid}/decline", tokens["owner"], json={"reason": "Answered in the brief"})
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    again = call(client, "POST", f"{url}/{qid}/decline", tokens["owner"], json={})
    assert again.status_code == 409
    assert _questions(client, challenge.ref, tokens["rival"]) == []


def test_asking_refuses_bad_input_the_wrong_people_and_closed_windows(market, client, db):
    _, challenge, tokens = market
    url = f"/api/v1/challenges/{challenge.ref}/questions"
    empty = call(client, "POST", url, tokens["supplier"], json={"question": "", "colour": "red"})
    assert empty.status_code == 422
    assert set(errors_by_field(empty.get_json())) == {"question", "colour"}
    assert call(client, "POST", url, tokens["other_la"], json={"question": "Why?"}).status_code == 403
    assert call(client, "POST", url, None, json={"question": "Why?"}).status_code == 401
    read_only = call(client, "POST", url, tokens["read_only"], json={"question": "Why?"})
    assert read_only.status_code == 403
    personal = call(
        client, "POST", url, tokens["supplier"], json={"question": "Is Jayden Smith (NHS 943 476 5919) in scope?"}
    )
    assert personal.status_code == 422 and "personal_data" in personal.get_data(as_text=True)
    challenge.status = "evaluating"
    db.add(challenge)
    db.commit()
    assert call(client, "POST", url, tokens["supplier"], json={"question": "Late?"}).status_code == 409


def test_the_owner_moves_the_status_and_everyone_sees_the_history(market, client):
    world, challenge, tokens = market
    url = f"/api/v1/challenges/{challenge.ref}/status"
    before = call(client, "GET", url, tokens["owner"]).get_json()
    assert before["status"] == "market-engagement" and "open" in before["allowed"]
    assert call(client, "GET", url, None).get_json()["allowed"] == []
    assert call(client, "POST", url, tokens["supplier"], json={"to": "open"}).status_code == 403
    bad = call(client, "POST", url, tokens["owner"], json={"to": "closed"})
    assert bad.status_code == 422 and "reason" in errors_by_field(bad.get_json())
    unknown = call(client, "POST", url, tokens["owner"], json={"to": "finished"})
    assert unknown.status_code == 422 and "to" in errors_by_field(unknown.get_json())
    moved = call(client, "POST", url, tokens["owner"], json={"to": "open"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["status"] == "open"
    assert moved.get_json()["history"][-1]["by"] is not None
    public = call(client, "GET", url, None).get_json()
    assert public["history"][-1]["to_status"] == "open" and public["history"][-1]["by"] is None
    # A move the lifecycle does not allow is refused with the reason.
    back = call(client, "POST", url, tokens["owner"], json={"to": "market-engagement"})
    assert back.status_code == 409


def test_a_supplier_reads_its_own_responses_with_their_assessment(market, client, db):
    world, challenge, tokens = market
    mine = ChallengeResponse(
        challenge_id=challenge.id,
        supplier_id=world.supplier.id,
        kind="proposal",
        approach="Ours",
        scores={"0": 7, "1": 5},
        score_reasons={"0": "Good fit"},
        score_total=62.0,
        feedback="Strong on fit, dear on price.",
    )
    theirs = ChallengeResponse(challenge_id=challenge.id, supplier_id=world.rival.id, kind="proposal", approach="x")
    db.add_all([mine, theirs])
    challenge.status = "awarded"
    challenge.closes = services.today() - timedelta(days=5)
    db.add(challenge)
    db.commit()
    items = call(client, "GET", "/api/v1/responses", tokens["supplier"]).get_json()["items"]
    assert [i["approach"] for i in items] == ["Ours"]
    assessment = items[0]["assessment"]
    assert assessment["feedback"] == "Strong on fit, dear on price." and assessment["total"] == 62.0
    assert assessment["rows"][0] == {
        "criterion": "Fit",
        "weight": 60,
        "score": 7,
        "reason": "Good fit",
        "winner_score": None,
    }
    rival = call(client, "GET", "/api/v1/responses", tokens["rival"]).get_json()["items"]
    assert [i["approach"] for i in rival] == ["x"]
    assert call(client, "GET", "/api/v1/responses", tokens["owner"]).get_json()["items"] == []
    assert call(client, "GET", "/api/v1/responses", None).status_code == 401


def test_a_question_id_too_big_for_the_database_is_not_found(market, client):
    _, challenge, tokens = market
    url = f"/api/v1/challenges/{challenge.ref}/questions/9223372036854775808/answer"
    assert call(client, "POST", url, tokens["owner"], json={"question": "q", "answer": "a"}).status_code == 404
