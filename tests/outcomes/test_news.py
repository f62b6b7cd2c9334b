"""Every party told through the outbox (issue 15): who receives which email, per-kind preferences
(at once, daily digest, off), one-click unsubscribe from a kind, and proposals kept out of email."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from catalogue.accounts.services import confirm_email
from catalogue.db import utcnow
from catalogue.notifications import preferences
from catalogue.notifications.models import Notification, OutboxEmail
from outcomes import services
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, make_world, viewer


@pytest.fixture
def world(db: Session) -> World:
    return make_world()


def _emails(db: Session, user) -> list[OutboxEmail]:
    return list(db.exec(select(OutboxEmail).where(OutboxEmail.user_id == user.id).order_by(OutboxEmail.id)).all())


def test_owner_and_co_sponsors_hear_of_questions_interest_and_proposals(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=utcnow())
    f.ChallengeCoSponsorFactory(challenge=challenge, organisation=world.other_la, status="approved")
    supplier = viewer(world.supplier_user, world.supplier)
    services.ask_question(db, supplier, challenge, "Is Mosaic the only system?")
    services.save_response(db, supplier, challenge, "interest", {"approach": "We record visits by voice"})
    db.commit()
    for user in (world.la_user, world.other_user):
        subjects = [e.subject for e in _emails(db, user)]
        assert subjects == [
            f"{challenge.title}: a supplier asked a clarification question",
            f"{challenge.title}: Acme Notes Ltd expressed interest",
        ]
        body = _emails(db, user)[0].body
        assert "What happened:" in body and "Next:" in body and f"/challenges/{challenge.ref}" in body
        assert "Is Mosaic the only system?" in body
    assert not _emails(db, world.rival_user)
    # The supplier hears only its own receipt (outcomes.services.responses), not the owner's news.
    assert all("Receipt reference" in e.body for e in _emails(db, world.supplier_user))
    assert not _emails(db, world.pending_user)  # pending accounts are not told

    # Open: a proposal arrives; the email says so and never quotes it.
    services.change_status(db, viewer(world.la_user, world.la), challenge, "open")
    db.commit()
    services.save_response(
        db,
        supplier,
        challenge,
        "proposal",
        {"approach": "Zqxsecret approach", "price": 1234.0, "requirements_met": ["Yes, in London", "Yes, via API"]},
    )
    db.commit()
    proposal_mail = [e for e in _emails(db, world.la_user) if "proposal arrived" in e.subject]
    assert len(proposal_mail) == 1 and "(1 so far)" in proposal_mail[0].subject
    every = db.exec(select(OutboxEmail)).all()
    assert not [e for e in every if "Zqxsecret" in e.body or "1234" in e.body]
    # Changing the proposal is not news to the owner.
    services.save_response(
        db, supplier, challenge, "proposal", {"approach": "Changed", "requirements_met": ["Yes", "Yes"]}
    )
    db.commit()
    assert len([e for e in _emails(db, world.la_user) if "proposal arrived" in e.subject]) == 1


def test_asker_and_interested_suppliers_hear_of_answers_and_status(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=utcnow())
    db.commit()
    supplier = viewer(world.supplier_user, world.supplier)
    rival = viewer(world.rival_user, world.rival)
    question = services.ask_question(db, supplier, challenge, "Can we use our own hosting?")
    other = services.ask_question(db, rival, challenge, "Is there a budget for training?")
    services.save_response(db, rival, challenge, "interest", {"approach": "We can help"})
    db.commit()
    owner = viewer(world.la_user, world.la)
    services.answer_question(db, owner, challenge, question.id, "Can suppliers host?", "Yes, in the UK")
    services.decline_question(db, owner, challenge, other.id, "Covered in the statement")
    db.commit()
    asker_mail = _emails(db, world.supplier_user)
    assert [e.subject for e in asker_mail] == [f"{challenge.title}: your clarification question was answered"]
    assert asker_mail[0].kind == "question-answered" and "Yes, in the UK" in asker_mail[0].body
    rival_mail = [e.subject for e in _emails(db, world.rival_user)]
    # The rival expressed interest: it hears of the published answer, and of its own declined question.
    assert f"{challenge.title}: a new answer to a clarification question was published" in rival_mail
    assert f"{challenge.title}: your clarification question was declined" in rival_mail
    services.change_status(db, owner, challenge, "withdrawn", detail="Funding moved")
    db.commit()
    withdrawn = _emails(db, world.rival_user)[-1]
    assert withdrawn.kind == "challenge-news" and "withdrawn: Funding moved" in withdrawn.subject


def test_preferences_at_once_digest_and_off(world: World, db: Session, client_as, app) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=utcnow())
    second = f.UserFactory(organisation_id=world.la.id)
    db.commit()
    c = client_as(world.la_user)
    page = c.get("/account/notifications")
    assert page.status_code == 200 and "In a daily digest" in page.text
    choices = {kind: "now" for kind in preferences.KINDS}
    bad = c.post("/account/notifications", data={**choices, "challenge-question": "sometimes", "challenge-news": ""})
    assert bad.status_code == 200 and bad.text.count("Choose at once, in a daily digest or off") >= 2
    assert c.post("/account/notifications", data={**choices, "challenge-question": "digest"}).status_code == 303
    preferences.save_choices(db, second.id, {"challenge-question": "off"})
    db.commit()
    supplier = viewer(world.supplier_user, world.supplier)
    services.ask_question(db, supplier, challenge, "First question?")
    services.ask_question(db, supplier, challenge, "Second question?")
    db.commit()
    held = _emails(db, world.la_user)
    assert [e.status for e in held] == ["digest", "digest"]
    assert not _emails(db, second)  # off: no email...
    assert len(db.exec(select(Notification).where(Notification.user_id == second.id)).all()) == 2  # ...still in-app
    result = app.test_cli_runner().invoke(args=["mail", "send-digests"])
    assert result.exit_code == 0 and "digests queued 1" in result.output
    fresh(db)
    rows = _emails(db, world.la_user)
    assert [e.status for e in rows] == ["digested", "digested", "pending"]
    digest = rows[-1]
    assert "2 updates" in digest.subject and "First question?" in digest.body and "Second question?" in digest.body
    db.commit()


def test_one_click_unsubscribe_turns_that_kind_off(world: World, db: Session, client) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=utcnow())
    db.commit()
    services.ask_question(db, viewer(world.supplier_user, world.supplier), challenge, "A question?")
    db.commit()
    (email,) = _emails(db, world.la_user)
    assert "/account/notifications" in email.body
    response = client.post(f"/notifications/unsubscribe/{email.unsubscribe_token}")
    assert response.status_code == 200 and "clarification question" in response.text
    fresh(db)
    assert preferences.user_choices(db, world.la_user.id)["challenge-question"] == "off"
    assert preferences.user_choices(db, world.la_user.id)["challenge-interest"] == "now"
    db.commit()


def test_co_sponsor_request_invitation_and_verification_are_told(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=utcnow())
    db.commit()
    services.request_co_sponsor(db, viewer(world.other_user, world.other_la), challenge, "We share the problem")
    db.commit()
    (mail,) = _emails(db, world.la_user)
    assert "Southshire Council asked to co-sponsor it" in mail.subject and "We share the problem" in mail.body

    programme = f.ProgrammeFactory(ref="p-north", name="North Partnership", lead=world.la)
    services.invite_member(db, viewer(world.la_user, world.la), programme, world.other_la.ref)
    db.commit()
    invite = _emails(db, world.other_user)[-1]
    assert invite.kind == "partnership-invitation" and "North Partnership" in invite.subject
    assert "/partnerships/p-north" in invite.body

    admin = f.UserFactory(organisation_id=world.la.id, is_site_admin=True)
    newcomer_org = f.OrganisationFactory(kind="supplier", name="New Voice Ltd", verification="pending")
    newcomer = f.UserFactory(organisation_id=newcomer_org.id, status="pending", email_confirmed_at=None)
    db.commit()
    confirm_email(db, newcomer)
    db.commit()
    (verify,) = _emails(db, admin)
    assert verify.kind == "organisation-verification" and "New Voice Ltd is waiting for verification" in verify.subject
    assert not [e for e in _emails(db, world.la_user) if "verification" in e.subject]
