"""Expressions of interest and proposals, clarification Q&A, co-sponsors, scoring, award, feedback
and results: who sees what through every page and list, and the date rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from catalogue.errors import Invalid, NotAllowed
from outcomes import services
from outcomes.models import Challenge, ChallengeResponse
from tests import factories as f
from tests.helpers.challenges import World, evaluating_with_proposal, fresh, full_challenge, viewer
from tests.helpers.responses import award_contract, pass_closing_date, proposal_of, propose

# --- proposals and expressions of interest -----------------------------------------------------


def test_a_supplier_never_sees_another_suppliers_proposal(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    assert propose(client_as(world.supplier_user), challenge.ref, "ACMEMARKER").status_code == 303
    assert propose(client_as(world.rival_user), challenge.ref, "RIVALMARKER").status_code == 303
    acme = proposal_of(db, world.supplier.id)
    rival = proposal_of(db, world.rival.id)

    rival_client = client_as(world.rival_user)
    # Not through the response page, the list, or the challenge page.
    assert rival_client.get(f"/challenges/{challenge.ref}/responses/{acme.id}").status_code == 404
    listing = rival_client.get(f"/challenges/{challenge.ref}/responses")
    assert "ACMEMARKER" not in listing.text and "Acme Notes" not in listing.text
    assert "ACMEMARKER" not in rival_client.get(f"/challenges/{challenge.ref}").text
    own = rival_client.get(f"/challenges/{challenge.ref}/responses/{rival.id}")
    assert own.status_code == 200 and "RIVALMARKER" in own.text
    # The edit form shows only its own.
    assert "ACMEMARKER" not in rival_client.get(f"/challenges/{challenge.ref}/respond/proposal").text

    # Neither can anyone else who is not the owner or a co-sponsor.
    for c in (client, client_as(world.other_user), client_as(world.pending_user)):
        assert c.get(f"/challenges/{challenge.ref}/responses/{acme.id}").status_code in (303, 404)
        assert "ACMEMARKER" not in c.get(f"/challenges/{challenge.ref}/responses").text
    # The services agree.
    rows = services.visible_responses(db, viewer(world.rival_user, world.rival), challenge)
    assert [r.id for r, _o in rows] == [rival.id]
    assert services.visible_responses(db, viewer(world.other_user, world.other_la), challenge) == []

    owner = client_as(world.la_user)
    # Sealed until the closing date: the owner sees how many arrived, not what they say.
    listing = owner.get(f"/challenges/{challenge.ref}/responses")
    assert "2 proposals received" in listing.text and "Acme Notes" not in listing.text
    assert owner.get(f"/challenges/{challenge.ref}/responses/{acme.id}").status_code == 404
    pass_closing_date(db, challenge)
    listing = owner.get(f"/challenges/{challenge.ref}/responses")
    assert "Acme Notes" in listing.text and "Rival Systems" in listing.text
    assert "ACMEMARKER" in owner.get(f"/challenges/{challenge.ref}/responses/{acme.id}").text


def test_a_co_sponsor_shares_the_owners_view_once_approved(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    propose(client_as(world.supplier_user), challenge.ref, "ACMEMARKER")
    acme = proposal_of(db, world.supplier.id)
    sponsor = client_as(world.other_user)

    assert (
        sponsor.post(f"/challenges/{challenge.ref}/co-sponsor", data={"note": "Same problem here"}).status_code == 303
    )
    again = sponsor.post(f"/challenges/{challenge.ref}/co-sponsor", data={})
    assert again.status_code == 403 or "already asked" in again.text
    # Asking is not joining.
    assert sponsor.get(f"/challenges/{challenge.ref}/responses/{acme.id}").status_code == 404
    assert "Southshire Council" not in client_as(world.supplier_user).get(f"/challenges/{challenge.ref}").text

    fresh(db)
    ((request_row, _org),) = services.co_sponsors(db, viewer(world.la_user, world.la), challenge)
    db.commit()  # end the read transaction: an open snapshot can stall SQLite writers
    # Only the owner decides.
    assert (
        sponsor.post(
            f"/challenges/{challenge.ref}/co-sponsors/{request_row.id}", data={"decision": "approve"}
        ).status_code
        == 403
    )
    assert (
        client_as(world.la_user)
        .post(f"/challenges/{challenge.ref}/co-sponsors/{request_row.id}", data={"decision": "approve"})
        .status_code
        == 303
    )
    # A co-sponsor, like the owner, reads proposals only after the closing date.
    assert sponsor.get(f"/challenges/{challenge.ref}/responses/{acme.id}").status_code == 404
    assert "1 proposal received" in sponsor.get(f"/challenges/{challenge.ref}/responses").text
    pass_closing_date(db, challenge)
    assert "ACMEMARKER" in sponsor.get(f"/challenges/{challenge.ref}/responses/{acme.id}").text
    assert "Acme Notes" in sponsor.get(f"/challenges/{challenge.ref}/responses").text
    # Shown on the page to everyone.
    assert "Southshire Council" in client_as(world.supplier_user).get(f"/challenges/{challenge.ref}").text
    # But co-sponsoring is not owning: no scoring or awarding.
    assert sponsor.post(f"/challenges/{challenge.ref}/responses/{acme.id}", data={"action": "award"}).status_code == 403


def test_suppliers_cannot_co_sponsor_and_owners_cannot_co_sponsor_their_own(world: World, client_as) -> None:
    challenge = full_challenge(world.la, status="open")
    assert client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/co-sponsor").status_code == 403
    assert client_as(world.la_user).get(f"/challenges/{challenge.ref}/co-sponsor").status_code == 403


def test_only_suppliers_respond_and_only_with_their_own_offering(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    rival_offering = f.OfferingFactory(supplier_id=world.rival.id)
    for user in (world.la_user, world.other_user):
        assert client_as(user).get(f"/challenges/{challenge.ref}/respond/proposal").status_code == 403
    c = client_as(world.supplier_user)
    refused = c.post(
        f"/challenges/{challenge.ref}/respond/proposal",
        data={"approach": "x", "offering": rival_offering.ref, "requirements_met-0": "a", "requirements_met-1": "b"},
    )
    assert refused.status_code == 200 and "Choose one of your own offerings" in refused.text
    own_offering = f.OfferingFactory(supplier_id=world.supplier.id)
    ok = c.post(
        f"/challenges/{challenge.ref}/respond/proposal",
        data={"approach": "x", "offering": own_offering.ref, "requirements_met-0": "a", "requirements_met-1": "b"},
    )
    assert ok.status_code == 303
    assert proposal_of(db, world.supplier.id).offering_id == own_offering.id


def test_a_proposal_answers_every_essential_requirement(world: World, client_as) -> None:
    challenge = full_challenge(world.la, status="open")
    page = client_as(world.supplier_user).post(
        f"/challenges/{challenge.ref}/respond/proposal",
        data={"approach": "Typed approach", "requirements_met-0": "Hosted in the UK", "price": "ten pounds"},
    )
    assert page.status_code == 200 and "There is a problem" in page.text
    assert "Typed approach" in page.text and "Hosted in the UK" in page.text
    missing = client_as(world.supplier_user).post(
        f"/challenges/{challenge.ref}/respond/proposal",
        data={"approach": "Typed approach", "requirements_met-0": "Hosted in the UK"},
    )
    assert "Works with Mosaic" in missing.text and 'href="#requirements_met-1"' in missing.text


def test_proposals_are_refused_and_frozen_after_the_closing_date(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open", closes=services.today())
    c = client_as(world.supplier_user)
    # Accepted until the end of the closing date.
    assert propose(c, challenge.ref, "ONTIME").status_code == 303
    challenge.closes = services.today() - timedelta(days=1)
    db.add(challenge)
    db.commit()
    late = propose(c, challenge.ref, "LATEEDIT")
    assert late.status_code == 200 and "closing date has passed" in late.text
    assert "ONTIME" in proposal_of(db, world.supplier.id).approach
    late_new = propose(client_as(world.rival_user), challenge.ref, "LATENEW")
    assert "closing date has passed" in late_new.text
    fresh(db)
    assert db.exec(select(ChallengeResponse).where(ChallengeResponse.supplier_id == world.rival.id)).all() == []
    with pytest.raises(Invalid, match="closing date has passed"):
        services.save_response(
            db,
            viewer(world.rival_user, world.rival),
            challenge,
            "proposal",
            {"approach": "x", "requirements_met": ["a", "b"]},
        )


@pytest.mark.parametrize("status", ["draft", "market-engagement", "evaluating", "awarded", "closed", "withdrawn"])
def test_proposals_only_while_open(world: World, db: Session, status: str) -> None:
    challenge = full_challenge(world.la, status=status)
    with pytest.raises((Invalid, NotAllowed)):
        services.save_response(
            db,
            viewer(world.supplier_user, world.supplier),
            challenge,
            "proposal",
            {"approach": "x", "requirements_met": ["a", "b"]},
        )


def test_expressions_of_interest_during_market_engagement_only(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    c = client_as(world.supplier_user)
    # An expression of interest need not answer the requirements yet.
    assert c.post(f"/challenges/{challenge.ref}/respond/interest", data={"approach": "EOIMARKER"}).status_code == 303
    interest = db.exec(select(ChallengeResponse).where(ChallengeResponse.kind == "interest")).one()
    assert "Acme Notes" not in client_as(world.rival_user).get(f"/challenges/{challenge.ref}/responses").text
    assert client_as(world.rival_user).get(f"/challenges/{challenge.ref}/responses/{interest.id}").status_code == 404
    assert "Acme Notes" in client_as(world.la_user).get(f"/challenges/{challenge.ref}/responses").text
    assert "EOIMARKER" in client_as(world.la_user).get(f"/challenges/{challenge.ref}/responses/{interest.id}").text
    challenge.status = "open"
    db.add(challenge)
    db.commit()
    refused = c.post(f"/challenges/{challenge.ref}/respond/interest", data={"approach": "changed"})
    assert refused.status_code == 200 and "only during market engagement" in refused.text


# --- clarification questions ------------------------------------------------------------------


def test_qa_keeps_the_asker_anonymous(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    acme = client_as(world.supplier_user)
    assert (
        acme.post(
            f"/challenges/{challenge.ref}/questions/new", data={"question": "QUESTIONMARKER how many?"}
        ).status_code
        == 303
    )
    # Before it is answered, only the asker and the owner see it.
    for c in (client, client_as(world.rival_user), client_as(world.other_user)):
        assert "QUESTIONMARKER" not in c.get(f"/challenges/{challenge.ref}").text
    assert "QUESTIONMARKER" in acme.get(f"/challenges/{challenge.ref}").text
    owner_page = client_as(world.la_user).get(f"/challenges/{challenge.ref}")
    assert "QUESTIONMARKER" in owner_page.text and "Acme Notes" in owner_page.text

    fresh(db)
    ((question, _asker),) = services.visible_questions(db, viewer(world.la_user, world.la), challenge)
    db.commit()  # end the read transaction: an open snapshot can stall SQLite writers
    # Only the owner answers.
    assert (
        client_as(world.rival_user).get(f"/challenges/{challenge.ref}/questions/{question.id}/answer").status_code
        == 403
    )
    blank = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/questions/{question.id}/answer", data={"question": "QUESTIONMARKER how many?"}
    )
    assert blank.status_code == 200 and "Enter the answer" in blank.text
    personal = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/questions/{question.id}/answer",
        data={"question": "QUESTIONMARKER how many?", "answer": "Ring 07700 900123"},
    )
    assert personal.status_code == 200 and "Remove personal data" in personal.text
    assert (
        client_as(world.la_user)
        .post(
            f"/challenges/{challenge.ref}/questions/{question.id}/answer",
            data={"question": "QUESTIONMARKER how many?", "answer": "ANSWERMARKER about 40"},
        )
        .status_code
        == 303
    )
    for c in (client, client_as(world.rival_user), client_as(world.other_user)):
        page = c.get(f"/challenges/{challenge.ref}").text
        assert "QUESTIONMARKER" in page and "ANSWERMARKER" in page
        assert "Acme Notes" not in page
    fresh(db)
    rows = services.visible_questions(db, viewer(world.rival_user, world.rival), challenge)
    assert [asker for _q, asker in rows] == [None]
    db.commit()


def test_questions_close_before_proposals(world: World, db: Session) -> None:
    challenge = full_challenge(
        world.la,
        status="open",
        closes=services.today() + timedelta(days=3),
        questions_close=services.today() - timedelta(days=1),
    )
    supplier = viewer(world.supplier_user, world.supplier)
    with pytest.raises(Invalid, match="Clarification questions closed"):
        services.ask_question(db, supplier, challenge, "Too late?")
    # Proposals are still open.
    assert services.response_window(challenge, "proposal") is None
    with pytest.raises(NotAllowed):
        services.ask_question(db, viewer(world.other_user, world.other_la), challenge, "Not a supplier")
    draft = full_challenge(world.la)
    with pytest.raises(Invalid):
        services.ask_question(db, supplier, draft, "Draft?")


# --- scoring, award, feedback, results --------------------------------------------------------


def test_scoring_award_and_feedback(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    propose(client_as(world.supplier_user), challenge.ref, "ACMEMARKER")
    propose(client_as(world.rival_user), challenge.ref, "RIVALMARKER")
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    owner = client_as(world.la_user)

    # Proposals are sealed, so not scored, until the close.
    early = owner.post(f"/challenges/{challenge.ref}/responses/{acme.id}", data={"action": "score", "score-0": "8"})
    assert early.status_code == 404
    with pytest.raises(Invalid, match="after the closing date"):
        services.score_response(db, viewer(world.la_user, world.la), challenge, acme, {"0": 8}, None)
    db.rollback()
    challenge.status, challenge.closes = "evaluating", services.today() - timedelta(days=1)
    db.add(challenge)
    db.commit()
    bad = owner.post(f"/challenges/{challenge.ref}/responses/{acme.id}", data={"action": "score", "score-0": "11"})
    assert bad.status_code == 200 and "from 0 to 10" in bad.text
    assert (
        owner.post(
            f"/challenges/{challenge.ref}/responses/{acme.id}",
            data={"action": "score", "score-0": "8", "score-1": "5", "feedback": "ACMEFEEDBACK strong fit"},
        ).status_code
        == 303
    )
    owner.post(
        f"/challenges/{challenge.ref}/responses/{rival.id}",
        data={"action": "score", "score-0": "6", "score-1": "9", "feedback": "RIVALFEEDBACK price was good"},
    )
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    assert acme.score_total == 68.0  # 8/10*60 + 5/10*40
    assert rival.score_total == 72.0
    # A supplier never sees scores or feedback before the decision.
    assert (
        "RIVALFEEDBACK" not in client_as(world.rival_user).get(f"/challenges/{challenge.ref}/responses/{rival.id}").text
    )

    # Shortlist for a phase with its own budget and dates.
    phase_page = owner.post(
        f"/challenges/{challenge.ref}/phases",
        data={"name": "feasibility", "budget": "20000", "starts-day": "1", "starts-month": "6", "starts-year": "2031"},
    )
    assert phase_page.status_code == 303
    fresh(db)
    ((phase, _ids),) = services.phases(db, challenge)
    db.commit()  # end the read transaction: an open snapshot can stall SQLite writers
    owner.post(
        f"/challenges/{challenge.ref}/responses/{rival.id}", data={"action": "shortlist", "phase": str(phase.id)}
    )
    fresh(db)
    assert services.phases(db, challenge)[0][1] == [rival.id]
    db.commit()
    dup = owner.post(f"/challenges/{challenge.ref}/phases", data={"name": "feasibility"})
    assert dup.status_code == 200 and "already been added" in dup.text

    # The award button leads to the confirmation page; the award is made there.
    button = owner.post(f"/challenges/{challenge.ref}/responses/{rival.id}", data={"action": "award"})
    assert button.status_code == 303 and button.headers["Location"].endswith(f"/responses/{rival.id}/award")
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "evaluating"
    db.commit()
    award_contract(owner, challenge.ref, rival.id)
    fresh(db)
    challenge = db.get(Challenge, challenge.id)
    assert challenge.status == "awarded" and challenge.awarded_at is not None
    assert proposal_of(db, world.rival.id).status == "awarded"
    assert proposal_of(db, world.supplier.id).status == "unsuccessful"
    assert [h.to_status for h in services.status_history(db, challenge)] == ["awarded"]

    # Each supplier sees its own feedback, never the other's.
    acme_page = client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/responses/{acme.id}").text
    assert "ACMEFEEDBACK" in acme_page and "RIVALFEEDBACK" not in acme_page
    assert "Awarded to Rival Systems Ltd" in client_as(world.other_user).get(f"/challenges/{challenge.ref}").text


def test_only_the_owner_scores_and_awards(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="evaluating")
    response = ChallengeResponse(
        challenge_id=challenge.id, supplier_id=world.supplier.id, kind="proposal", approach="x"
    )
    db.add(response)
    db.commit()
    for user, org in ((world.supplier_user, world.supplier), (world.other_user, world.other_la)):
        with pytest.raises(NotAllowed):
            services.score_response(db, viewer(user, org), challenge, response, {"0": 5}, None)
        with pytest.raises(NotAllowed):
            services.award(db, viewer(user, org), challenge, response)


def test_results_are_recorded_after_award_and_shown(world: World, client_as, client, db: Session) -> None:
    tool = f.ToolFactory()
    own = f.DeploymentFactory(
        organisation_id=world.la.id, tool_id=tool.id, visibility="authorities", summary="Rolled out"
    )
    challenge = full_challenge(world.la, status="evaluating")
    owner = client_as(world.la_user)
    assert owner.get(f"/challenges/{challenge.ref}/results").status_code == 200
    refused = owner.post(f"/challenges/{challenge.ref}/results", data={"results-0-actual": "6"})
    assert refused.status_code == 200 and "once the challenge has been awarded" in refused.text
    challenge.status = "awarded"
    db.add(challenge)
    db.commit()
    saved = owner.post(
        f"/challenges/{challenge.ref}/results",
        data={"results-0-actual": "RESULTMARKER 6 hours", "results-0-note": "After six months", "deployment": own.ref},
    )
    assert saved.status_code == 303
    public = client.get(f"/challenges/{challenge.ref}").text
    assert "RESULTMARKER 6 hours" in public and "9" in public
    # The deployment is for authorities only: anonymous visitors do not get the link.
    assert f"/deployments/{own.ref}" not in public
    assert f"/deployments/{own.ref}" in client_as(world.other_user).get(f"/challenges/{challenge.ref}").text
    assert client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/results").status_code == 403


def test_closing_without_award_shows_each_supplier_only_its_own_feedback(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="evaluating")
    rows = {}
    for org, marker, status in ((world.supplier, "ACME", "submitted"), (world.rival, "RIVAL", "shortlisted")):
        row = ChallengeResponse(
            challenge_id=challenge.id,
            supplier_id=org.id,
            kind="proposal",
            approach=f"{marker} approach",
            requirements_met=[],
            status=status,
            feedback=f"{marker}FEEDBACKMARKER not enough evidence",
        )
        db.add(row)
        db.commit()
        rows[marker] = row.id
    acme, rival = client_as(world.supplier_user), client_as(world.rival_user)
    before = acme.get(f"/challenges/{challenge.ref}/responses/{rows['ACME']}")
    assert before.status_code == 200 and "ACMEFEEDBACKMARKER" not in before.text  # not decided yet

    services.change_status(db, viewer(world.la_user, world.la), challenge, "closed", reason="no-suitable-proposals")
    db.commit()
    fresh(db)
    assert {db.get(ChallengeResponse, i).status for i in rows.values()} == {"unsuccessful"}
    db.commit()
    own = acme.get(f"/challenges/{challenge.ref}/responses/{rows['ACME']}")
    assert "ACMEFEEDBACKMARKER" in own.text and "RIVALFEEDBACKMARKER" not in own.text
    assert acme.get(f"/challenges/{challenge.ref}/responses/{rows['RIVAL']}").status_code == 404
    other = rival.get(f"/challenges/{challenge.ref}/responses/{rows['RIVAL']}")
    assert "RIVALFEEDBACKMARKER" in other.text and "ACMEFEEDBACKMARKER" not in other.text
    assert "ACMEFEEDBACKMARKER" not in rival.get(f"/challenges/{challenge.ref}/responses").text
    assert "ACMEFEEDBACKMARKER" not in rival.get(f"/challenges/{challenge.ref}").text


def test_off_one_phase_shortlist_stays_shortlisted_for_another(world: World, db: Session) -> None:
    challenge, response = evaluating_with_proposal(world, db)
    owner = viewer(world.la_user, world.la)
    feasibility = services.add_phase(db, owner, challenge, {"name": "feasibility"})
    prototype = services.add_phase(db, owner, challenge, {"name": "prototype"})
    services.shortlist(db, owner, challenge, response, feasibility.id)
    services.shortlist(db, owner, challenge, response, prototype.id)
    db.commit()
    services.shortlist(db, owner, challenge, response, feasibility.id, on=False)
    db.commit()
    assert response.status == "shortlisted"
    assert [ids for _p, ids in services.phases(db, challenge)] == [[], [response.id]]
    services.shortlist(db, owner, challenge, response, prototype.id, on=False)
    db.commit()
    assert response.status == "submitted"


def test_supplier_dashboard_lists_only_its_own_responses(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open", title="Zqxdashboard challenge")
    engaging = full_challenge(world.la, status="market-engagement", title="Zqxengaging challenge")
    assert propose(client_as(world.supplier_user), challenge.ref, "ACMEMARKER").status_code == 303
    assert propose(client_as(world.rival_user), challenge.ref, "RIVALMARKER").status_code == 303
    rival_only = full_challenge(world.la, status="open", title="Zqxrivalonly challenge")
    assert propose(client_as(world.rival_user), rival_only.ref, "RIVALMARKER").status_code == 303
    c = client_as(world.supplier_user)
    assert c.post(f"/challenges/{engaging.ref}/respond/interest", data={"approach": "EOI"}).status_code == 303
    acme = proposal_of(db, world.supplier.id)

    page = c.get("/suppliers/dashboard")
    assert page.status_code == 200 and "Your responses" in page.text
    panel = page.text.split('id="panel-your-responses"')[1].split("</section>")[0]
    assert "Zqxdashboard challenge" in panel and "Zqxengaging challenge" in panel
    assert "Proposal" in panel and "Expression of interest" in panel and "Submitted" in panel
    assert f"/challenges/{challenge.ref}/responses/{acme.id}" in panel
    assert challenge.closes.strftime("%-d %B %Y") in panel
    assert "Zqxrivalonly" not in panel and "RIVALMARKER" not in page.text
    rows = services.own_responses(db, viewer(world.supplier_user, world.supplier))
    assert {r.supplier_id for r, _c in rows} == {world.supplier.id} and len(rows) == 2
    assert services.own_responses(db, viewer(world.la_user, world.la)) == []
