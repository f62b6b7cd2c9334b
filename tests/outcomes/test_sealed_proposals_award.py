"""Issue 15: proposals sealed until the closing date (count, not contents, on every channel),
receipts, withdrawal, answers per criterion and requirement with every missing one at once,
evaluators' and moderated scores, the award's confirmation page, contract and standstill,
assessment summaries, feedback without criteria, phases edited and awarded as lots."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from catalogue.accounts.services import issue_api_token
from catalogue.notifications.models import Notification, OutboxEmail
from outcomes import services
from outcomes.models import Challenge, ChallengePhase, ChallengeResponse, ResponseScore
from outcomes.ocds.store import standstill_ends
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, make_world, viewer
from tests.helpers.responses import award_contract, pass_closing_date, proposal_of, propose


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def api(client, method: str, url: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with client.application.app_context():
        return client.open(url, method=method, headers=headers, **kwargs)


def emails_to(db: Session, user) -> list[OutboxEmail]:
    fresh(db)
    rows = list(db.exec(select(OutboxEmail).where(OutboxEmail.user_id == user.id).order_by(OutboxEmail.id)))
    db.commit()
    return rows


def co_sponsor(client_as, world: World, challenge: Challenge, db: Session) -> None:
    sponsor = client_as(world.other_user)
    sponsor.post(f"/challenges/{challenge.ref}/co-sponsor", data={"note": "Same problem"})
    fresh(db)
    ((row, _org),) = services.co_sponsors(db, viewer(world.la_user, world.la), challenge)
    db.commit()
    client_as(world.la_user).post(f"/challenges/{challenge.ref}/co-sponsors/{row.id}", data={"decision": "approve"})


# --- 1. sealed until the closing date ------------------------------------------------------------


def test_proposals_are_sealed_on_every_channel_until_the_closing_date(
    world: World, client_as, client, db: Session
) -> None:
    challenge = full_challenge(world.la, status="open")
    co_sponsor(client_as, world, challenge, db)
    assert propose(client_as(world.supplier_user), challenge.ref, "ACMESEALED").status_code == 303
    acme = proposal_of(db, world.supplier.id)
    admin = f.UserFactory(organisation_id=world.la.id, is_site_admin=True)
    tokens = {
        "owner": issue_api_token(db, world.la_user, label="t"),
        "sponsor": issue_api_token(db, world.other_user, label="t"),
        "rival": issue_api_token(db, world.rival_user, label="t"),
    }
    db.commit()

    for who in (world.la_user, world.other_user, admin):
        c = client_as(who)
        assert c.get(f"/challenges/{challenge.ref}/responses/{acme.id}").status_code == 404
        listing = c.get(f"/challenges/{challenge.ref}/responses").text
        assert "ACMESEALED" not in listing and "1 proposal received" in listing
        page = c.get(f"/challenges/{challenge.ref}").text
        assert "ACMESEALED" not in page
    assert "1 sealed proposal" in client_as(world.la_user).get(f"/challenges/{challenge.ref}").text
    for role in ("owner", "sponsor"):
        listed = api(client, "GET", f"/api/v1/challenges/{challenge.ref}/responses", tokens[role])
        assert listed.status_code == 200 and "ACMESEALED" not in listed.get_data(as_text=True)
        count = api(client, "GET", f"/api/v1/challenges/{challenge.ref}/proposals/count", tokens[role]).get_json()
        assert count == {"proposals": 1, "sealed": True}
    assert api(client, "GET", f"/api/v1/challenges/{challenge.ref}/proposals/count", tokens["rival"]).status_code == 403
    # No notification or email carries the contents to anyone but the supplier.
    fresh(db)
    leaked = [n for n in db.exec(select(Notification)).all() if "ACMESEALED" in (n.body or "")]
    assert leaked == []
    assert not [e for e in db.exec(select(OutboxEmail)).all() if "ACMESEALED" in e.body]
    db.commit()
    # The services agree, and shortlisting a sealed proposal is refused.
    assert services.visible_responses(db, viewer(world.la_user, world.la), challenge) == []
    assert services.get_response(db, viewer(world.la_user, world.la), challenge, acme.id) is None

    pass_closing_date(db, challenge)
    assert "ACMESEALED" in client_as(world.la_user).get(f"/challenges/{challenge.ref}/responses/{acme.id}").text
    listed = api(client, "GET", f"/api/v1/challenges/{challenge.ref}/responses", tokens["owner"])
    assert "ACMESEALED" in listed.get_data(as_text=True)
    # Never another supplier or an anonymous reader.
    for c in (client, client_as(world.rival_user)):
        assert c.get(f"/challenges/{challenge.ref}/responses/{acme.id}").status_code in (303, 404)
        assert "ACMESEALED" not in c.get(f"/challenges/{challenge.ref}/responses").text
    rival_api = api(client, "GET", f"/api/v1/challenges/{challenge.ref}/responses", tokens["rival"])
    assert "ACMESEALED" not in rival_api.get_data(as_text=True)


def test_a_supplier_changes_or_withdraws_with_a_receipt_each_time(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    supplier = client_as(world.supplier_user)
    sent = propose(supplier, challenge.ref, "FIRST")
    assert sent.status_code == 303 and "/responses/" in sent.headers["Location"]
    first = proposal_of(db, world.supplier.id)
    assert first.receipt and first.version == 1
    first_receipt = first.receipt
    page = supplier.get(sent.headers["Location"]).text
    assert first.receipt in page
    mails = emails_to(db, world.supplier_user)
    assert len(mails) == 1 and first.receipt in mails[-1].body and "FIRST" not in mails[-1].body
    # Nobody else is emailed the receipt: the owner's team hears only that a proposal arrived.
    owner_mails = emails_to(db, world.la_user)
    assert all(first.receipt not in m.body and "FIRST" not in m.body for m in owner_mails)

    propose(supplier, challenge.ref, "SECOND")
    second = proposal_of(db, world.supplier.id)
    second_receipt = second.receipt
    assert second_receipt != first_receipt and second.approach.endswith("SECOND")
    assert second.receipt in emails_to(db, world.supplier_user)[-1].body

    withdrawn = supplier.post(f"/challenges/{challenge.ref}/respond/proposal", data={"action": "withdraw"})
    assert withdrawn.status_code == 303
    gone = proposal_of(db, world.supplier.id)
    assert gone.status == "withdrawn" and gone.receipt not in (first_receipt, second_receipt)
    assert "withdrew" in emails_to(db, world.supplier_user)[-1].subject
    assert services.proposal_count(db, viewer(world.la_user, world.la), challenge) == 0
    db.commit()
    pass_closing_date(db, challenge)
    owner = client_as(world.la_user)
    assert owner.get(f"/challenges/{challenge.ref}/responses/{gone.id}").status_code == 404
    # After the closing date nothing can be changed or withdrawn.
    late = supplier.post(f"/challenges/{challenge.ref}/respond/proposal", data={"action": "withdraw"})
    assert late.status_code == 200 and "closing date has passed" in late.text


# --- 2. answers per criterion and requirement, every missing one at once ---------------------------


def test_every_missing_essential_answer_is_reported_at_once(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    supplier = client_as(world.supplier_user)
    bad = supplier.post(
        f"/challenges/{challenge.ref}/respond/proposal",
        data={"approach": "Our approach", "documents-0": "javascript:alert(1)", "criteria_answers-0": "KEEPTHIS"},
    )
    assert bad.status_code == 200
    assert "UK hosting" in bad.text and "Works with Mosaic" in bad.text  # both essentials, at once
    assert "https://" in bad.text and "KEEPTHIS" in bad.text  # the link error too; typed text kept
    fresh(db)
    assert db.exec(select(ChallengeResponse)).all() == []
    db.commit()

    token = issue_api_token(db, world.supplier_user, label="t")
    db.commit()
    answer = api(
        client,
        "POST",
        f"/api/v1/challenges/{challenge.ref}/proposal",
        token,
        json={"approach": "x", "documents": ["ftp://nope"], "requirements_met": ["", ""]},
    )
    assert answer.status_code == 422
    pointers = {e.get("pointer") for e in answer.get_json()["errors"]}
    assert {"/requirements_met/0", "/requirements_met/1", "/documents/0"} <= pointers

    good = supplier.post(
        f"/challenges/{challenge.ref}/respond/proposal",
        data={
            "approach": "Our approach",
            "requirements_met-0": "London region",
            "requirements_met-1": "Mosaic API",
            "nice_to_have-0": "Welsh interface",
            "criteria_answers-0": "FITANSWER",
            "criteria_answers-1": "PRICEANSWER",
            "documents-0": "https://example.com/case-study.pdf",
        },
    )
    assert good.status_code == 303
    saved = proposal_of(db, world.supplier.id)
    assert saved.nice_to_have_met == [{"requirement": "Welsh language", "how": "Welsh interface"}]
    assert [a["answer"] for a in saved.criteria_answers] == ["FITANSWER", "PRICEANSWER"]
    assert saved.documents == ["https://example.com/case-study.pdf"]
    form = supplier.get(f"/challenges/{challenge.ref}/respond/proposal").text
    assert "FITANSWER" in form and "Welsh interface" in form and "case-study.pdf" in form


def test_answers_are_checked_for_personal_data(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    refused = client_as(world.supplier_user).post(
        f"/challenges/{challenge.ref}/respond/proposal",
        data={
            "approach": "Our approach",
            "requirements_met-0": "yes",
            "requirements_met-1": "yes",
            "criteria_answers-0": "We helped Jane Smith, aged 7, who lives at 12 High Street, Leeds LS1 4AB",
        },
    )
    assert refused.status_code == 200
    fresh(db)
    assert db.exec(select(ChallengeResponse)).all() == []
    db.commit()


# --- 3. evaluators and the moderated score -------------------------------------------------------------


def test_co_sponsors_score_and_the_owner_moderates(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    co_sponsor(client_as, world, challenge, db)
    propose(client_as(world.supplier_user), challenge.ref, "ACME")
    propose(client_as(world.rival_user), challenge.ref, "RIVAL")
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    pass_closing_date(db, challenge)
    owner, sponsor = client_as(world.la_user), client_as(world.other_user)
    url = f"/challenges/{challenge.ref}/responses/{acme.id}"

    bad = sponsor.post(url, data={"action": "evaluate", "eval-0": "12", "eval_note": "x"})
    assert bad.status_code == 200 and "from 0 to 10" in bad.text
    assert (
        sponsor.post(
            url, data={"action": "evaluate", "eval-0": "6", "eval-1": "4", "eval_note": "SPONSORNOTE"}
        ).status_code
        == 303
    )
    assert (
        owner.post(url, data={"action": "evaluate", "eval-0": "9", "eval-1": "8", "eval_note": "OWNERNOTE"}).status_code
        == 303
    )
    # A co-sponsor cannot moderate, shortlist or award.
    assert sponsor.post(url, data={"action": "score", "score-0": "10"}).status_code == 403
    fresh(db)
    rows = db.exec(select(ResponseScore).where(ResponseScore.response_id == acme.id)).all()
    assert sorted(r.total for r in rows) == [52.0, 86.0]
    db.commit()
    for c in (owner, sponsor):
        page = c.get(url).text
        assert "SPONSORNOTE" in page and "OWNERNOTE" in page and "Southshire Council" in page

    moderated = owner.post(
        url,
        data={"action": "score", "score-0": "7", "score-1": "6", "reason-0": "ACMEREASON", "note": "MODNOTE"},
    )
    assert moderated.status_code == 303
    owner.post(
        f"/challenges/{challenge.ref}/responses/{rival.id}", data={"action": "score", "score-0": "9", "score-1": "9"}
    )
    acme = proposal_of(db, world.supplier.id)
    assert acme.score_total == 66.0 and acme.moderation_note == "MODNOTE"
    # The moderated score ranks (not an evaluator's 86).
    ranked = services.visible_responses(db, viewer(world.la_user, world.la), challenge)
    assert [r.supplier_id for r, _o in ranked] == [world.rival.id, world.supplier.id]
    db.commit()
    # The supplier never sees evaluators' scores or notes.
    own = client_as(world.supplier_user).get(url).text
    assert "SPONSORNOTE" not in own and "OWNERNOTE" not in own and "MODNOTE" not in own
    assert services.evaluator_scores(db, viewer(world.supplier_user, world.supplier), challenge, acme) == []


# --- 4. the award: confirmation, contract, standstill, assessment summaries ----------------------------


def test_award_confirmation_contract_standstill_and_assessment_summaries(
    world: World, client_as, client, db: Session
) -> None:
    challenge = full_challenge(world.la, status="open")
    propose(client_as(world.supplier_user), challenge.ref, "ACMETEXT")
    propose(client_as(world.rival_user), challenge.ref, "RIVALTEXT")
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    pass_closing_date(db, challenge)
    owner = client_as(world.la_user)
    owner.post(
        f"/challenges/{challenge.ref}/responses/{acme.id}",
        data={"action": "score", "score-0": "5", "score-1": "4", "reason-0": "ACMEWHY thin evidence"},
    )
    owner.post(
        f"/challenges/{challenge.ref}/responses/{rival.id}",
        data={"action": "score", "score-0": "9", "score-1": "7", "reason-0": "RIVALWHY strong"},
    )
    confirm = owner.get(f"/challenges/{challenge.ref}/responses/{rival.id}/award")
    assert confirm.status_code == 200
    assert "Acme Notes Ltd" in confirm.text and "assessment summary" in confirm.text
    assert f"{standstill_ends(services.today()):%-d %B %Y}" in confirm.text
    # Every error at once; nothing awarded.
    empty = owner.post(
        f"/challenges/{challenge.ref}/responses/{rival.id}/award",
        data={"ends-day": "1", "ends-month": "1", "ends-year": "2031"},
    )
    assert empty.status_code == 200
    assert "contract value" in empty.text and "the date the contract starts" in empty.text
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "open"
    db.commit()
    # Only the owner confirms.
    assert client_as(world.other_user).get(f"/challenges/{challenge.ref}/responses/{rival.id}/award").status_code in (
        403,
        404,
    )

    award_contract(owner, challenge.ref, rival.id)
    fresh(db)
    row = db.get(Challenge, challenge.id)
    assert row.status == "awarded" and row.contract_value == 48000
    assert (row.contract_starts, row.contract_ends) == (date(2031, 2, 1), date(2032, 1, 31))
    ends = services.standstill_end(row)
    db.commit()
    assert ends == standstill_ends(row.awarded_at.date())
    assert f"{ends:%-d %B %Y}" in client.get(f"/challenges/{challenge.ref}").text

    # Each proposing supplier: its scores and reasons, and the winner's scores, never the winner's text.
    acme_page = client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/responses/{acme.id}/assessment")
    assert acme_page.status_code == 200
    text = acme_page.text
    assert "ACMEWHY" in text and "RIVALWHY" not in text and "RIVALTEXT" not in text
    assert "Rival Systems Ltd" in text and ">9<" in text  # the winner's score for Fit
    rival_page = client_as(world.rival_user).get(f"/challenges/{challenge.ref}/responses/{rival.id}/assessment").text
    assert "RIVALWHY" in rival_page and "ACMEWHY" not in rival_page
    # Nobody else reads either summary.
    for c in (client, client_as(world.rival_user), client_as(world.other_user)):
        assert c.get(f"/challenges/{challenge.ref}/responses/{acme.id}/assessment").status_code in (303, 404)
    mail = [e for e in emails_to(db, world.supplier_user) if e.subject.startswith("Assessment summary")]
    assert len(mail) == 1 and "ACMEWHY" in mail[0].body and "not successful" in mail[0].body
    assert "RIVALWHY" not in mail[0].body and f"{ends:%-d %B %Y}" in mail[0].body
    assert [e for e in emails_to(db, world.rival_user) if e.subject.startswith("Assessment summary")]


def test_feedback_without_criteria(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open", evaluation_criteria=[])
    propose(client_as(world.supplier_user), challenge.ref, "ACME")
    acme = proposal_of(db, world.supplier.id)
    pass_closing_date(db, challenge)
    owner = client_as(world.la_user)
    page = owner.get(f"/challenges/{challenge.ref}/responses/{acme.id}").text
    assert 'name="feedback"' in page
    saved = owner.post(
        f"/challenges/{challenge.ref}/responses/{acme.id}", data={"action": "score", "feedback": "NOCRITERIAFEEDBACK"}
    )
    assert saved.status_code == 303
    award_contract(owner, challenge.ref, acme.id)
    summary = client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/responses/{acme.id}/assessment").text
    assert "NOCRITERIAFEEDBACK" in summary


# --- 5. phases: edited, named shortlists, awarded as lots -----------------------------------------------


def test_phases_are_edited_name_their_shortlist_and_are_awarded_as_lots(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, status="open")
    propose(client_as(world.supplier_user), challenge.ref, "ACME")
    propose(client_as(world.rival_user), challenge.ref, "RIVAL")
    acme, rival = proposal_of(db, world.supplier.id), proposal_of(db, world.rival.id)
    owner = client_as(world.la_user)
    for name in ("feasibility", "prototype"):
        assert (
            owner.post(f"/challenges/{challenge.ref}/phases", data={"name": name, "budget": "10000"}).status_code == 303
        )
    fresh(db)
    feasibility, prototype = (p for p, _ids in services.phases(db, challenge))
    db.commit()
    edit = f"/challenges/{challenge.ref}/phases/{feasibility.id}"
    assert owner.get(edit).status_code == 200
    clash = owner.post(edit, data={"name": "prototype"})
    assert clash.status_code == 200 and "already been added" in clash.text
    bad = owner.post(
        edit,
        data={
            "name": "feasibility",
            "budget": "25000",
            "starts-day": "5",
            "starts-month": "5",
            "starts-year": "2031",
            "ends-day": "1",
            "ends-month": "5",
            "ends-year": "2031",
        },
    )
    assert bad.status_code == 200 and "on or after" in bad.text
    typed = owner.post(edit, data={"name": "feasibility", "budget": "lots"})
    assert typed.status_code == 200 and "pounds" in typed.text and "lots" in typed.text
    assert owner.post(edit, data={"name": "feasibility", "budget": "25000"}).status_code == 303
    fresh(db)
    assert db.get(ChallengePhase, feasibility.id).budget == 25000
    db.commit()
    assert client_as(world.other_user).get(edit).status_code in (403, 404)

    pass_closing_date(db, challenge)
    owner.post(
        f"/challenges/{challenge.ref}/responses/{rival.id}", data={"action": "shortlist", "phase": str(feasibility.id)}
    )
    owner.post(
        f"/challenges/{challenge.ref}/responses/{acme.id}", data={"action": "shortlist", "phase": str(prototype.id)}
    )
    page = owner.get(f"/challenges/{challenge.ref}/phases").text
    assert "Rival Systems Ltd" in page and "Acme Notes Ltd" in page

    award_contract(owner, challenge.ref, rival.id, phase=str(feasibility.id))
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "awarded"
    assert db.get(ChallengePhase, feasibility.id).awarded_response_id == rival.id
    db.commit()
    # The other phase can still be awarded, to another proposal; both win.
    award_contract(owner, challenge.ref, acme.id, phase=str(prototype.id))
    assert proposal_of(db, world.supplier.id).status == "awarded"
    assert proposal_of(db, world.rival.id).status == "awarded"
    again = owner.post(
        f"/challenges/{challenge.ref}/responses/{acme.id}/award",
        data={
            "value": "1",
            "phase": str(prototype.id),
            "starts-day": "1",
            "starts-month": "1",
            "starts-year": "2031",
            "ends-day": "1",
            "ends-month": "1",
            "ends-year": "2032",
        },
    )
    assert again.status_code == 200


def test_the_standstill_counts_working_days_without_bank_holidays() -> None:
    # Eight working days from Friday 18 December 2026: Christmas Day and the substitute
    # Boxing Day (Monday 28th) and New Year's Day are not working days.
    assert standstill_ends(date(2026, 12, 18)) == date(2027, 1, 4)
    # An ordinary fortnight: Monday 2 March 2026 -> Thursday 12 March.
    assert standstill_ends(date(2026, 3, 2)) == date(2026, 3, 12)
