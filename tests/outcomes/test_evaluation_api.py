"""Issues 15 and 17: evaluation and award through the JSON API, as the pages do them. Every role
(owner, co-sponsor, other authority, proposing supplier, other supplier, anonymous) against each
endpoint; sealed proposals; every field error at once; 409 when the state refuses; and the whole
sequence from a proposal sent by API to the OCDS award release."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from catalogue.accounts.services import issue_api_token
from outcomes import services
from outcomes.models import Challenge, ChallengePhase
from outcomes.ocds.store import standstill_ends
from tests import factories as f
from tests.helpers.api import call, errors_by_field
from tests.helpers.challenges import World, fresh, full_challenge, viewer
from tests.helpers.responses import pass_closing_date, proposal_of, propose

AWARD = {"value": 48000, "starts": "2031-02-01", "ends": "2032-01-31"}


def co_sponsor(client_as, world: World, challenge: Challenge, db: Session) -> None:
    client_as(world.other_user).post(f"/challenges/{challenge.ref}/co-sponsor", data={"note": "Same problem"})
    fresh(db)
    ((row, _org),) = services.co_sponsors(db, viewer(world.la_user, world.la), challenge)
    db.commit()
    client_as(world.la_user).post(f"/challenges/{challenge.ref}/co-sponsors/{row.id}", data={"decision": "approve"})


def tokens(db: Session, world: World) -> dict[str, str | None]:
    third = f.OrganisationFactory(kind="local-authority", name="Eastshire Council")
    found = {
        "owner": issue_api_token(db, world.la_user, label="t"),
        "sponsor": issue_api_token(db, world.other_user, label="t"),
        "other_la": issue_api_token(db, f.UserFactory(organisation_id=third.id), label="t"),
        "supplier": issue_api_token(db, world.supplier_user, label="t"),
        "rival": issue_api_token(db, world.rival_user, label="t"),
        "anonymous": None,
    }
    db.commit()
    return found


@pytest.fixture
def evaluating(world: World, client_as, db: Session):
    """An evaluating challenge with an approved co-sponsor and two proposals (Acme, Rival)."""
    challenge = full_challenge(world.la, status="open")
    co_sponsor(client_as, world, challenge, db)
    propose(client_as(world.supplier_user), challenge.ref, "ACMETEXT")
    propose(client_as(world.rival_user), challenge.ref, "RIVALTEXT")
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    keys = tokens(db, world)
    pass_closing_date(db, challenge)
    return challenge, acme, rival, keys


def codes(client, keys: dict, method: str, url: str, **kwargs) -> dict[str, int]:
    return {role: call(client, method, url, token, **kwargs).status_code for role, token in keys.items()}


def test_every_role_against_every_endpoint(world: World, client, db: Session, evaluating) -> None:
    challenge, acme, _rival, keys = evaluating
    base = f"/api/v1/challenges/{challenge.ref}"
    scores = f"{base}/proposals/{acme.id}/scores"
    body = {"scores": [{"criterion": 0, "score": 6}, {"criterion": 1, "score": 4}], "note": "Fine"}

    assert codes(client, keys, "PUT", f"{scores}/mine", json=body) == {
        "owner": 200,
        "sponsor": 200,
        "other_la": 404,
        "supplier": 403,  # its own proposal: it may read it, not score it
        "rival": 404,  # another supplier's proposal does not exist for it
        "anonymous": 401,
    }
    assert codes(client, keys, "GET", f"{scores}/mine") == {
        "owner": 200,
        "sponsor": 200,
        "other_la": 404,
        "supplier": 403,
        "rival": 404,
        "anonymous": 404,
    }
    moderate = {"scores": [{"criterion": 0, "score": 7, "reason": "ACMEWHY"}], "note": "MODNOTE"}
    assert codes(client, keys, "PUT", f"{scores}/moderated", json=moderate) == {
        "owner": 200,
        "sponsor": 403,
        "other_la": 404,
        "supplier": 403,
        "rival": 404,
        "anonymous": 401,
    }
    assert codes(client, keys, "GET", f"{scores}/moderated") == {
        "owner": 200,
        "sponsor": 403,
        "other_la": 404,
        "supplier": 403,
        "rival": 404,
        "anonymous": 404,
    }
    assert codes(client, keys, "GET", scores) == {
        "owner": 200,
        "sponsor": 200,
        "other_la": 404,
        "supplier": 403,
        "rival": 404,
        "anonymous": 404,
    }
    # The owner sees both evaluators and the moderated score; the co-sponsor not the moderation.
    owner_view = call(client, "GET", scores, keys["owner"]).get_json()
    assert sorted(e["total"] for e in owner_view["evaluators"]) == [52.0, 52.0]
    assert owner_view["moderated"]["note"] == "MODNOTE"
    assert "moderated" not in call(client, "GET", scores, keys["sponsor"]).get_json()
    assert codes(client, keys, "PUT", f"{base}/proposals/{acme.id}/shortlist", json={}) == {
        "owner": 200,
        "sponsor": 403,
        "other_la": 404,
        "supplier": 403,
        "rival": 404,
        "anonymous": 401,
    }
    assert codes(client, keys, "DELETE", f"{base}/proposals/{acme.id}/shortlist") == {
        "owner": 200,
        "sponsor": 403,
        "other_la": 404,
        "supplier": 403,
        "rival": 404,
        "anonymous": 401,
    }
    assert codes(client, keys, "GET", f"{base}/award-plan?proposal={acme.id}") == {
        "owner": 200,
        "sponsor": 403,
        "other_la": 403,
        "supplier": 403,
        "rival": 403,
        "anonymous": 403,
    }
    # Nobody reads an assessment summary before the award.
    assert set(codes(client, keys, "GET", f"{base}/assessment").values()) <= {403, 404}
    refused = {k: v for k, v in keys.items() if k != "owner"}
    assert codes(client, refused, "POST", f"{base}/awards", json={**AWARD, "proposal": acme.id}) == {
        "sponsor": 403,
        "other_la": 403,
        "supplier": 403,
        "rival": 403,
        "anonymous": 401,
    }
    fresh(db)
    assert db.get(Challenge, challenge.id).awarded_at is None
    db.commit()
    assert call(client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": acme.id}).status_code == 201
    assert codes(client, keys, "GET", f"{base}/assessment") == {
        "owner": 403,
        "sponsor": 403,
        "other_la": 403,
        "supplier": 200,
        "rival": 200,
        "anonymous": 403,
    }


def test_sealed_until_the_closing_date(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    propose(client_as(world.supplier_user), challenge.ref, "ACMETEXT")
    acme = proposal_of(db, world.supplier.id)
    keys = tokens(db, world)
    base = f"/api/v1/challenges/{challenge.ref}"
    body = {"scores": [{"criterion": 0, "score": 6}]}
    assert call(client, "PUT", f"{base}/proposals/{acme.id}/scores/mine", keys["owner"], json=body).status_code == 404
    assert call(client, "GET", f"{base}/proposals/{acme.id}/scores", keys["owner"]).status_code == 404
    assert call(client, "GET", f"{base}/award-plan?proposal={acme.id}", keys["owner"]).status_code == 409
    sealed = call(client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": acme.id})
    assert sealed.status_code == 409 and "sealed" in sealed.get_json()["detail"]
    assert call(client, "GET", f"{base}/assessment", keys["supplier"]).status_code == 404
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "open"
    db.commit()


def test_every_field_error_at_once(world: World, client, db: Session, evaluating) -> None:
    challenge, acme, _rival, keys = evaluating
    url = f"/api/v1/challenges/{challenge.ref}/proposals/{acme.id}/scores"
    bad = call(
        client,
        "PUT",
        f"{url}/mine",
        keys["sponsor"],
        json={"scores": [{"criterion": 0, "score": 12}, {"score": 3}], "note": "x" * 6000, "colour": "red"},
    )
    assert bad.status_code == 422
    pointers = {e["pointer"] for e in bad.get_json()["errors"]}
    assert {"/scores/0/score", "/scores/1/criterion", "/note", "/colour"} <= pointers
    twice = call(
        client,
        "PUT",
        f"{url}/moderated",
        keys["owner"],
        json={"scores": [{"criterion": 0, "score": 1}, {"criterion": 0, "score": 2}]},
    )
    assert twice.status_code == 422 and {e["pointer"] for e in twice.get_json()["errors"]} == {"/scores/1/criterion"}
    unknown = call(client, "PUT", f"{url}/moderated", keys["owner"], json={"scores": [{"criterion": 5, "score": 2}]})
    assert unknown.status_code == 422 and "scores" in errors_by_field(unknown.get_json())
    award = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/awards", keys["owner"], json={"ends": "soon"})
    assert award.status_code == 422
    assert {"proposal", "value", "starts", "ends"} <= set(errors_by_field(award.get_json()))
    reversed_dates = {**AWARD, "proposal": 999999, "starts": "2032-01-01", "ends": "2031-01-01"}
    wrong = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/awards", keys["owner"], json=reversed_dates)
    assert wrong.status_code == 422 and "ends" in errors_by_field(wrong.get_json())
    missing = call(
        client, "POST", f"/api/v1/challenges/{challenge.ref}/awards", keys["owner"], json={**AWARD, "proposal": 999999}
    )
    assert missing.status_code == 422 and set(errors_by_field(missing.get_json())) == {"proposal"}
    fresh(db)
    assert db.get(Challenge, challenge.id).awarded_at is None and acme.score_total is None
    db.commit()


def test_the_moderation_put_refuses_a_stale_if_match(world: World, client, db: Session, evaluating) -> None:
    challenge, acme, _rival, keys = evaluating
    url = f"/api/v1/challenges/{challenge.ref}/proposals/{acme.id}/scores/moderated"
    first = call(client, "GET", url, keys["owner"])
    etag = first.headers["ETag"]
    body = {"scores": [{"criterion": 0, "score": 5}]}
    assert call(client, "PUT", url, keys["owner"], json=body, headers={"If-Match": etag}).status_code == 200
    stale = call(client, "PUT", url, keys["owner"], json=body, headers={"If-Match": etag})
    assert stale.status_code == 412
    # A GET may be PUT back as it is (title and weight are read only).
    again = call(client, "GET", url, keys["owner"])
    assert again.get_json()["scores"][0] == {"criterion": 0, "title": "Fit", "weight": 60, "score": 5}
    assert call(client, "PUT", url, keys["owner"], json=again.get_json()).status_code == 200


def test_award_conflicts_and_phases(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    propose(client_as(world.supplier_user), challenge.ref, "ACMETEXT")
    propose(client_as(world.rival_user), challenge.ref, "RIVALTEXT")
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    keys = tokens(db, world)
    feasibility = ChallengePhase(challenge_id=challenge.id, name="feasibility", budget=20000)
    pilot = ChallengePhase(challenge_id=challenge.id, name="pilot", budget=60000)
    db.add(feasibility)
    db.add(pilot)
    db.commit()
    phase_ids = (feasibility.id, pilot.id)
    base = f"/api/v1/challenges/{challenge.ref}"
    # The rival withdraws before the closing date; an award to it is refused after.
    client_as(world.rival_user).post(f"/challenges/{challenge.ref}/respond/proposal", data={"action": "withdraw"})
    pass_closing_date(db, challenge)
    withdrawn = call(client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": rival.id})
    assert withdrawn.status_code == 409 and "withdrawn" in withdrawn.get_json()["detail"]

    # Shortlisted for a phase, named on the shortlist; a phase of another challenge is a 422.
    listed = call(client, "PUT", f"{base}/proposals/{acme.id}/shortlist", keys["owner"], json={"phase": phase_ids[0]})
    assert listed.status_code == 200
    assert listed.get_json()["status"] == "shortlisted" and [p["id"] for p in listed.get_json()["phases"]] == [
        phase_ids[0]
    ]
    both = call(client, "PUT", f"{base}/proposals/{acme.id}/shortlist", keys["owner"], json={"phase": phase_ids[1]})
    assert [p["name"] for p in both.get_json()["phases"]] == ["feasibility", "pilot"]
    off = call(client, "DELETE", f"{base}/proposals/{acme.id}/shortlist?phase={phase_ids[1]}", keys["owner"])
    assert off.status_code == 200 and [p["id"] for p in off.get_json()["phases"]] == [phase_ids[0]]
    assert off.get_json()["status"] == "shortlisted"  # still on the feasibility phase's list
    page = client_as(world.la_user).get(f"/challenges/{challenge.ref}/phases").text
    assert "Acme Notes Ltd" in page  # the phases page names the same shortlist
    wrong = call(client, "PUT", f"{base}/proposals/{acme.id}/shortlist", keys["owner"], json={"phase": 999999})
    assert wrong.status_code == 422 and set(errors_by_field(wrong.get_json())) == {"phase"}

    plan = call(client, "GET", f"{base}/award-plan?proposal={acme.id}&phase={phase_ids[0]}", keys["owner"])
    assert plan.status_code == 200 and "ETag" in plan.headers
    assert plan.get_json()["winner"]["name"] == "Acme Notes Ltd" and plan.get_json()["unsuccessful"] == []
    assert plan.get_json()["standstill_ends"] == standstill_ends(services.today()).isoformat()

    first = call(
        client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": acme.id, "phase": phase_ids[0]}
    )
    assert first.status_code == 201, first.get_json()
    assert first.headers["Location"].endswith(f"/api/v1/challenges/{challenge.ref}")
    assert first.get_json()["phase"]["name"] == "feasibility" and first.get_json()["status"] == "awarded"
    assert first.get_json()["value"] == 48000 and first.get_json()["told"]
    again = call(
        client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": acme.id, "phase": phase_ids[0]}
    )
    assert again.status_code == 409 and "already been awarded" in again.get_json()["detail"]
    # The other phase can still be awarded; the whole challenge, now awarded, cannot.
    whole = call(client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": acme.id})
    assert whole.status_code == 409
    second = call(
        client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": acme.id, "phase": phase_ids[1]}
    )
    assert second.status_code == 201
    fresh(db)
    assert [db.get(ChallengePhase, i).awarded_response_id for i in phase_ids] == [acme.id, acme.id]
    db.commit()
    # Shortlists are closed once awarded.
    assert call(client, "DELETE", f"{base}/proposals/{acme.id}/shortlist", keys["owner"]).status_code == 409


def test_propose_score_moderate_award_and_read_the_summary(world: World, client_as, client, db: Session, cove) -> None:
    """The cross-feature sequence, by API from the proposal to the OCDS award release."""
    challenge = full_challenge(world.la, status="open")
    co_sponsor(client_as, world, challenge, db)
    keys = tokens(db, world)
    base = f"/api/v1/challenges/{challenge.ref}"
    for who, marker in (("supplier", "ACMETEXT"), ("rival", "RIVALTEXT")):
        sent = call(
            client,
            "POST",
            f"{base}/proposal",
            keys[who],
            json={"approach": f"Approach {marker}", "requirements_met": ["London", "Mosaic API"], "price": 50000},
        )
        assert sent.status_code == 201, sent.get_json()
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    pass_closing_date(db, challenge)

    for who in ("owner", "sponsor"):
        for proposal, marks in ((acme, (5, 4)), (rival, (9, 8))):
            body = {"scores": [{"criterion": i, "score": m} for i, m in enumerate(marks)], "note": f"{who} note"}
            put = call(client, "PUT", f"{base}/proposals/{proposal.id}/scores/mine", keys[who], json=body)
            assert put.status_code == 200 and put.get_json()["total"] == (46.0 if marks[0] == 5 else 86.0)
    for proposal, marks, why in ((acme, (5, 4), "ACMEWHY"), (rival, (9, 7), "RIVALWHY")):
        rows = [{"criterion": i, "score": m, "reason": f"{why} {i}"} for i, m in enumerate(marks)]
        moderated = call(
            client,
            "PUT",
            f"{base}/proposals/{proposal.id}/scores/moderated",
            keys["owner"],
            json={"scores": rows, "note": "Panel agreed", "feedback": f"{why} feedback"},
        )
        assert moderated.status_code == 200, moderated.get_json()
    plan = call(client, "GET", f"{base}/award-plan?proposal={rival.id}", keys["owner"]).get_json()
    assert [o["name"] for o in plan["unsuccessful"]] == ["Acme Notes Ltd"]

    made = call(client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": rival.id})
    assert made.status_code == 201, made.get_json()
    award = made.get_json()
    assert award["winner"]["name"] == "Rival Systems Ltd" and award["value"] == 48000
    assert (award["starts"], award["ends"]) == (AWARD["starts"], AWARD["ends"])
    fresh(db)
    row = db.get(Challenge, challenge.id)
    assert row.status == "awarded" and award["standstill_ends"] == services.standstill_end(row).isoformat()
    db.commit()

    summary = call(client, "GET", f"{base}/assessment", keys["supplier"])
    assert summary.status_code == 200 and "ETag" in summary.headers
    data = summary.get_json()
    assert data["won"] is False and data["winner"]["name"] == "Rival Systems Ltd"
    assert [(r["score"], r["winner_score"]) for r in data["rows"]] == [(5, 9), (4, 7)]
    assert data["rows"][0]["reason"] == "ACMEWHY 0" and "RIVAL" not in summary.get_data(as_text=True).replace(
        "Rival Systems", ""
    )
    assert call(client, "GET", f"{base}/assessment", keys["rival"]).get_json()["won"] is True

    package = client.get(f"/challenges/{challenge.ref}/ocds/releases.json").get_json()
    cove(package)  # the OCP's own checks: zero errors
    awards = [a for r in package["releases"] if "award" in r["tag"] for a in r.get("awards", [])]
    assert awards and awards[-1]["suppliers"][0]["name"] == "Rival Systems Ltd"
    assert awards[-1]["value"]["amount"] == 48000


def test_ids_too_large_for_the_database_are_not_a_server_error(world: World, client, db: Session, evaluating) -> None:
    challenge, _acme, _rival, keys = evaluating
    base = f"/api/v1/challenges/{challenge.ref}"
    huge = 10**20
    assert call(client, "GET", f"{base}/proposals/{huge}/scores", keys["owner"]).status_code == 404
    plan = call(client, "GET", f"{base}/award-plan?proposal={huge}", keys["owner"])
    assert plan.status_code == 422
    award = call(client, "POST", f"{base}/awards", keys["owner"], json={**AWARD, "proposal": huge})
    assert award.status_code == 422 and set(errors_by_field(award.get_json())) == {"proposal"}


def test_the_document_declares_each_operation_with_security_and_its_errors(client) -> None:
    paths = call(client, "GET", "/api/v1/openapi.json").get_json()["paths"]
    proposal = "/api/v1/challenges/{ref}/proposals/{response_id}"
    expected = {
        f"{proposal}/scores": {"get": {"403", "404"}},
        f"{proposal}/scores/mine": {"get": {"403", "404"}, "put": {"401", "403", "404", "409", "412", "422"}},
        f"{proposal}/scores/moderated": {"get": {"403"}, "put": {"401", "403", "404", "409", "412", "422"}},
        f"{proposal}/shortlist": {"put": {"403", "409", "422"}, "delete": {"403", "409", "422"}},
        "/api/v1/challenges/{ref}/award-plan": {"get": {"403", "404", "409", "422"}},
        "/api/v1/challenges/{ref}/awards": {"post": {"201", "401", "403", "404", "409", "422", "429"}},
        "/api/v1/challenges/{ref}/assessment": {"get": {"200", "403", "404"}},
    }
    for path, operations in expected.items():
        for method, statuses in operations.items():
            operation = paths[path][method]
            assert statuses <= set(operation["responses"]), (path, method)
            assert operation["security"] == ([{"bearer": []}, {}] if method == "get" else [{"bearer": []}])
    assert "Location" in paths["/api/v1/challenges/{ref}/awards"]["post"]["responses"]["201"]["headers"]


def test_each_evaluator_gives_reasons_by_api_and_on_the_page(
    world: World, client_as, client, db: Session, evaluating
) -> None:
    challenge, acme, _rival, keys = evaluating
    url = f"/api/v1/challenges/{challenge.ref}/proposals/{acme.id}/scores/mine"
    body = {"scores": [{"criterion": 1, "score": 4, "reason": "SPONSORWHY price high"}, {"criterion": 0, "score": 6}]}
    put = call(client, "PUT", url, keys["sponsor"], json=body)
    assert put.status_code == 200
    assert put.get_json()["scores"] == [
        {"criterion": 0, "title": "Fit", "weight": 60, "score": 6},
        {"criterion": 1, "title": "Price", "weight": 40, "score": 4, "reason": "SPONSORWHY price high"},
    ]
    # A reason about a child is refused at its place in the body; nothing saved.
    child = {
        "scores": [
            {"criterion": 0, "score": 6},
            {"criterion": 1, "score": 4, "reason": "Jayden Smith, date of birth 14/02/2016"},
        ]
    }
    refused = call(client, "PUT", url, keys["sponsor"], json=child)
    assert refused.status_code == 422
    assert {e["pointer"] for e in refused.get_json()["errors"]} == {"/scores/1/reason"}
    # The page shows the evaluator's reasons to the owner, and takes them from its own form.
    page = f"/challenges/{challenge.ref}/responses/{acme.id}"
    assert "SPONSORWHY price high" in client_as(world.la_user).get(page).text
    assert "SPONSORWHY" not in client_as(world.supplier_user).get(page).text
    saved = client_as(world.la_user).post(
        page, data={"action": "evaluate", "eval-0": "8", "eval-1": "7", "eval_reason-0": "OWNERWHY fits"}
    )
    assert saved.status_code == 303
    mine = call(client, "GET", url, keys["owner"]).get_json()
    assert mine["scores"][0]["reason"] == "OWNERWHY fits" and "reason" not in mine["scores"][1]
    unknown = call(client, "PUT", url, keys["owner"], json={"scores": [{"criterion": 7, "score": 1, "reason": "x"}]})
    assert unknown.status_code == 422
