"""Market-engagement events (issue 15): supplier days, webinars and one-to-one slots; sign-ups with a
waiting list; the owner's attendee list; notes and slides to every interested supplier; questions
raised at an event joining the public Q&A; the clock and the challenge's status close sign-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from catalogue.errors import Invalid, NotAllowed
from catalogue.notifications.models import OutboxEmail
from outcomes import ocds, services
from outcomes.models import ChallengeCoSponsor, ChallengeEvent, ChallengeEventSignup, ChallengeResponse
from outcomes.services.base import UK
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, viewer

PERSONAL = "Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB, 07700 900123"
SOON = services.today() + timedelta(days=10)
BEFORE = datetime.combine(services.today(), time(9, 0), tzinfo=UK)


def _data(**extra: object) -> dict:
    values: dict = {
        "kind": "supplier-day",
        "title": "Supplier day in Leeds",
        "description": "What we want to buy and why",
        "day": SOON,
        "starts": time(10, 0),
        "ends": time(15, 0),
        "place": "Town Hall, Leeds",
        "link": None,
        "capacity": 1,
        "slot_minutes": None,
    }
    values.update(extra)
    return values


def _event(db: Session, world: World, status: str = "market-engagement", **extra: object):
    challenge = full_challenge(world.la, status=status, published_at=datetime.now(UTC))
    event = services.create_event(db, viewer(world.la_user, world.la), challenge, _data(**extra), now=BEFORE)
    db.commit()
    return challenge, event


def _emails(db: Session, user, kind: str | None = None) -> list[OutboxEmail]:
    query = select(OutboxEmail).where(OutboxEmail.user_id == user.id)
    if kind:
        query = query.where(OutboxEmail.kind == kind)
    return list(db.exec(query.order_by(OutboxEmail.id)).all())


def test_the_form_shows_every_error_at_once_and_saves_nothing(world: World, db: Session, client_as) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    db.commit()
    owner = client_as(world.la_user)
    form = {
        "kind": "webinar",
        "title": "",
        "day-day": "31",
        "day-month": "2",
        "day-year": "2027",
        "starts": "14:00",
        "ends": "13:00",
        "link": "javascript:alert(1)",
        "capacity": "",
        "description": f"Ask {PERSONAL}",
    }
    page = owner.post(f"/challenges/{challenge.ref}/events/new", data=form)
    assert page.status_code == 200
    for message in (
        "Enter the name of the event",
        "Enter the date of the event as a real date",
        "The event must end after it starts",
        "Enter the online link starting with https://",
        "Enter the number of places",
    ):
        assert message in page.text, message
    assert 'value="javascript:alert(1)"' in page.text, "what was typed is shown again"
    assert db.exec(select(ChallengeEvent)).all() == []
    # The personal-data check runs with the service once the form is well formed.
    good = {**form, "title": "Webinar", "day-day": str(SOON.day), "day-month": str(SOON.month)}
    good.update({"day-year": str(SOON.year), "ends": "15:00", "link": "https://meet.example/x", "capacity": "20"})
    refused = owner.post(f"/challenges/{challenge.ref}/events/new", data=good)
    assert refused.status_code == 200 and "There is a problem" in refused.text
    assert db.exec(select(ChallengeEvent)).all() == []
    saved = owner.post(f"/challenges/{challenge.ref}/events/new", data={**good, "description": "What we will cover"})
    assert saved.status_code == 303
    fresh(db)
    (event,) = db.exec(select(ChallengeEvent)).all()
    assert (event.kind, event.link, event.capacity, event.starts) == ("webinar", "https://meet.example/x", 20, time(14))


def test_only_the_owner_and_co_sponsors_run_events(world: World, db: Session, client_as) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    db.add(ChallengeCoSponsor(challenge_id=challenge.id, organisation_id=world.other_la.id, status="approved"))
    db.commit()
    assert client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/events/new").status_code == 403
    assert client_as(world.other_user).get(f"/challenges/{challenge.ref}/events/new").status_code == 200
    with pytest.raises(NotAllowed):
        services.create_event(db, viewer(world.supplier_user, world.supplier), challenge, _data(), now=BEFORE)
    event = services.create_event(db, viewer(world.other_user, world.other_la), challenge, _data(), now=BEFORE)
    assert event.id is not None
    # Not on a draft, an evaluating or a closed challenge; never in the past.
    for status in ("draft", "evaluating", "closed"):
        other = full_challenge(world.la, status=status)
        with pytest.raises(Invalid, match="market engagement or open"):
            services.create_event(db, viewer(world.la_user, world.la), other, _data(), now=BEFORE)
    with pytest.raises(Invalid, match="start in the future"):
        services.create_event(db, viewer(world.la_user, world.la), challenge, _data(day=date(2020, 1, 1)), now=BEFORE)


def test_waiting_list_promoted_in_order_and_everyone_told(world: World, db: Session) -> None:
    challenge, event = _event(db, world, capacity=1)
    third = f.OrganisationFactory(kind="supplier", name="Third Ltd")
    third_user = f.UserFactory(organisation_id=third.id)
    db.commit()
    supplier, rival = viewer(world.supplier_user, world.supplier), viewer(world.rival_user, world.rival)
    first = services.sign_up(db, supplier, challenge, event, now=BEFORE)
    second = services.sign_up(db, rival, challenge, event, now=BEFORE)
    services.sign_up(db, viewer(third_user, third), challenge, event, now=BEFORE)
    db.commit()
    assert (first.status, second.status) == ("booked", "waiting")
    assert services.describe_place(db, event, second) == "You are number 1 on the waiting list"
    with pytest.raises(Invalid, match="already signed up"):
        services.sign_up(db, supplier, challenge, event, now=BEFORE)
    # The owner is told of each sign-up (its own kind of email), and sees who signed up, in order.
    told = _emails(db, world.la_user, "challenge-event-signup")
    assert len(told) == 3 and "Acme Notes Ltd signed up" in told[0].subject and challenge.title in told[0].subject
    names = [a.supplier.name for a in services.attendees(db, viewer(world.la_user, world.la), challenge, event)]
    assert names == ["Acme Notes Ltd", "Rival Systems Ltd", "Third Ltd"]
    with pytest.raises(NotAllowed):
        services.attendees(db, rival, challenge, event)
    # A place frees: the first waiting takes it and is told; the next moves up.
    services.cancel_signup(db, supplier, challenge, event, now=BEFORE)
    db.commit()
    fresh(db)
    rows = {r.supplier_id: r for r in db.exec(select(ChallengeEventSignup)).all()}
    assert rows[world.supplier.id].status == "cancelled" and rows[world.rival.id].status == "booked"
    assert rows[third.id].status == "waiting"
    assert services.describe_place(db, event, rows[third.id]) == "You are number 1 on the waiting list"
    (promoted,) = _emails(db, world.rival_user, "challenge-event")
    assert "came free and is now yours" in promoted.subject
    # More places promote the waiting list too; fewer than are taken is refused.
    with pytest.raises(Invalid, match="already have a place"):
        services.update_event(db, viewer(world.la_user, world.la), challenge, event, _data(capacity=0), now=BEFORE)
    db.rollback()
    services.update_event(
        db, viewer(world.la_user, world.la), challenge, event, _data(capacity=2, place="Civic Hall"), now=BEFORE
    )
    db.commit()
    assert db.get(ChallengeEventSignup, rows[third.id].id).status == "booked"
    moved = _emails(db, world.rival_user, "challenge-event")
    assert any("has changed" in m.subject and "Civic Hall" in m.body for m in moved)


def test_one_to_one_slots_are_the_places(world: World, db: Session) -> None:
    challenge, event = _event(
        db, world, kind="one-to-one", starts=time(10, 0), ends=time(11, 0), slot_minutes=20, capacity=None
    )
    assert event.capacity == 3
    row = services.sign_up(db, viewer(world.supplier_user, world.supplier), challenge, event, now=BEFORE)
    other = services.sign_up(db, viewer(world.rival_user, world.rival), challenge, event, now=BEFORE)
    assert (row.slot, other.slot) == (0, 1)
    assert "from 10:20 to 10:40" in services.describe_place(db, event, other)
    with pytest.raises(Invalid, match="No slot of that length"):
        services.create_event(
            db,
            viewer(world.la_user, world.la),
            challenge,
            _data(kind="one-to-one", starts=time(10), ends=time(10, 10), slot_minutes=30),
            now=BEFORE,
        )


@pytest.mark.parametrize("status", ["withdrawn", "closed", "evaluating", "awarded"])
def test_a_challenge_no_longer_engaging_blocks_sign_up(world: World, db: Session, client_as, status: str) -> None:
    challenge, event = _event(db, world)
    challenge.status = status
    db.add(challenge)
    db.commit()
    with pytest.raises(Invalid, match="Sign-up has closed"):
        services.sign_up(db, viewer(world.supplier_user, world.supplier), challenge, event, now=BEFORE)
    page = client_as(world.supplier_user).post(f"/challenges/{challenge.ref}/events/{event.id}/sign-up")
    assert page.status_code == 200 and "Sign-up has closed" in page.text
    assert db.exec(select(ChallengeEventSignup)).all() == []


def test_the_clock_closes_sign_up(world: World, db: Session) -> None:
    # Open, but its closing date passed (shown as evaluating): no sign-up.
    challenge, event = _event(db, world, status="open")
    supplier = viewer(world.supplier_user, world.supplier)
    after_closing = datetime.combine(challenge.closes + timedelta(days=1), time(9), tzinfo=UK)
    with pytest.raises(Invalid, match="no longer in market engagement or open"):
        services.sign_up(db, supplier, challenge, event, now=after_closing)
    # Once the event starts: no sign-up, and no giving up a place.
    started = datetime.combine(event.day, time(10, 0), tzinfo=UK)
    with pytest.raises(Invalid, match="the event has started"):
        services.sign_up(db, supplier, challenge, event, now=started)
    services.sign_up(db, supplier, challenge, event, now=BEFORE)
    with pytest.raises(Invalid, match="has started"):
        services.cancel_signup(db, supplier, challenge, event, now=started)
    # A cancelled event takes nobody, and those signed up are told.
    services.cancel_event(db, viewer(world.la_user, world.la), challenge, event, "The venue flooded")
    db.commit()
    with pytest.raises(Invalid, match="cancelled"):
        services.sign_up(db, viewer(world.rival_user, world.rival), challenge, event, now=BEFORE)
    (told,) = _emails(db, world.supplier_user, "challenge-event")
    assert "cancelled" in told.subject and "The venue flooded" in told.body


def test_a_private_challenges_events_are_not_visible(world: World, db: Session, client, client_as) -> None:
    challenge, event = _event(db, world)
    public = client.get(f"/challenges/{challenge.ref}")
    assert "Supplier day in Leeds" in public.text
    assert client.get(f"/challenges/{challenge.ref}/events/{event.id}").status_code == 200
    # An unverified owner's challenge is seen by nobody else: nor its events.
    hidden_org = f.OrganisationFactory(kind="local-authority", verification="pending")
    hidden_user = f.UserFactory(organisation_id=hidden_org.id)
    hidden = full_challenge(hidden_org, status="market-engagement", published_at=datetime.now(UTC))
    secret = ChallengeEvent(
        challenge_id=hidden.id,
        kind="webinar",
        title="HIDDENEVENTMARKER",
        day=SOON,
        starts=time(10),
        ends=time(11),
        link="https://meet.example/h",
        capacity=5,
    )
    draft = full_challenge(world.la, status="draft")
    drafted = ChallengeEvent(
        challenge_id=draft.id, kind="webinar", title="DRAFTEVENT", day=SOON, starts=time(10), ends=time(11), capacity=5
    )
    db.add_all([secret, drafted])
    db.commit()
    for who in (client, client_as(world.supplier_user), client_as(world.other_user)):
        assert who.get(f"/challenges/{hidden.ref}/events/{secret.id}").status_code == 404
        assert who.get(f"/challenges/{draft.ref}/events/{drafted.id}").status_code == 404
        assert who.post(f"/challenges/{hidden.ref}/events/{secret.id}/sign-up").status_code in (303, 404)
    assert client_as(hidden_user).get(f"/challenges/{hidden.ref}/events/{secret.id}").status_code == 200
    # An event reached through another challenge's address is not found either.
    assert client.get(f"/challenges/{challenge.ref}/events/{secret.id}").status_code == 404
    assert db.exec(select(ChallengeEventSignup)).all() == []


def test_attendees_shown_to_the_owner_and_each_supplier_sees_its_place(world: World, db: Session, client_as) -> None:
    challenge, event = _event(db, world, capacity=1)
    supplier, rival = client_as(world.supplier_user), client_as(world.rival_user)
    assert supplier.post(f"/challenges/{challenge.ref}/events/{event.id}/sign-up").status_code == 303
    assert rival.post(f"/challenges/{challenge.ref}/events/{event.id}/sign-up").status_code == 303
    assert "You have a place" in supplier.get(f"/challenges/{challenge.ref}/events/{event.id}").text
    rival_page = rival.get(f"/challenges/{challenge.ref}/events/{event.id}").text
    assert "number 1 on the waiting list" in rival_page and "Acme Notes Ltd" not in rival_page
    owner_page = client_as(world.la_user).get(f"/challenges/{challenge.ref}/events/{event.id}").text
    assert "Acme Notes Ltd" in owner_page and "Rival Systems Ltd" in owner_page
    assert world.supplier_user.email in owner_page
    assert "You have a place" in supplier.get(f"/challenges/{challenge.ref}").text


def test_notes_go_to_every_interested_supplier(world: World, db: Session, client_as, client, cove) -> None:
    challenge, event = _event(db, world)
    services.sign_up(db, viewer(world.supplier_user, world.supplier), challenge, event, now=BEFORE)
    interested_org = f.OrganisationFactory(kind="supplier", name="Interested Ltd")
    interested_user = f.UserFactory(organisation_id=interested_org.id)
    db.add(ChallengeResponse(challenge_id=challenge.id, supplier_id=interested_org.id, kind="interest", approach="x"))
    db.commit()
    owner = viewer(world.la_user, world.la)
    slides = [{"title": "Slides", "url": "https://files.example/slides.pdf"}]
    with pytest.raises(Invalid, match="after the event ends"):
        services.publish_notes(db, owner, challenge, event, "Notes", slides, now=BEFORE)
    after = datetime.combine(event.day, time(16), tzinfo=UK)
    with pytest.raises(Invalid):
        services.publish_notes(db, owner, challenge, event, f"Notes about {PERSONAL}", slides, now=after)
    db.rollback()
    services.publish_notes(db, owner, challenge, event, "We heard about hosting.", slides, now=after)
    db.commit()
    for user in (world.supplier_user, interested_user):
        (mail,) = _emails(db, user, "challenge-news")
        assert "notes of Supplier day in Leeds" in mail.subject and "https://files.example/slides.pdf" in mail.body
    assert _emails(db, world.rival_user) == [], "a supplier with no part in the challenge is not told"
    # Corrections are saved without another email.
    services.publish_notes(db, owner, challenge, event, "We heard about hosting and Welsh.", slides, now=after)
    db.commit()
    assert len(_emails(db, world.supplier_user, "challenge-news")) == 1
    page = client.get(f"/challenges/{challenge.ref}/events/{event.id}")
    assert "hosting and Welsh" in page.text and "https://files.example/slides.pdf" in page.text
    # In the open data: the event as an engagement milestone, the notes and slides as documents.
    document = ocds.release(db, challenge)
    (milestone,) = document["planning"]["milestones"]
    assert milestone["type"] == "engagement" and milestone["title"].endswith("Supplier day in Leeds")
    urls = [d.get("url") for d in document["planning"]["documents"]]
    assert "https://files.example/slides.pdf" in urls
    assert document["planning"]["documents"][0]["noticeType"] == "UK2"
    cove({"uri": "https://x.example/p.json", "version": "1.1", "publishedDate": document["date"],
          "publisher": {"name": "Signpost"}, "releases": [document]})  # fmt: skip


def test_notes_form_shows_every_error(world: World, db: Session, client_as) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=datetime.now(UTC))
    past = services.today() - timedelta(days=2)
    event = ChallengeEvent(
        challenge_id=challenge.id, kind="webinar", title="Past", day=past, starts=time(10), ends=time(11), capacity=5
    )
    db.add(event)
    db.commit()
    owner = client_as(world.la_user)
    data = {"notes": "", "slides-0-title": "", "slides-0-url": "ftp://nope", "slides-1-title": "B", "slides-1-url": ""}
    page = owner.post(f"/challenges/{challenge.ref}/events/{event.id}/notes", data=data)
    assert page.status_code == 200
    for message in ("Enter the notes", "Enter the title of the slides", "Enter the website address"):
        assert message in page.text, message
    assert 'value="ftp://nope"' in page.text
    done = owner.post(
        f"/challenges/{challenge.ref}/events/{event.id}/notes",
        data={"notes": "Thanks all", "slides-0-title": "Deck", "slides-0-url": "https://files.example/d.pdf"},
    )
    assert done.status_code == 303
    fresh(db)
    assert db.get(ChallengeEvent, event.id).slides == [{"title": "Deck", "url": "https://files.example/d.pdf"}]


def test_questions_raised_at_an_event_join_the_public_questions(world: World, db: Session, client, client_as) -> None:
    challenge = full_challenge(world.la, status="market-engagement", published_at=datetime.now(UTC))
    past = services.today() - timedelta(days=1)
    event = ChallengeEvent(
        challenge_id=challenge.id, kind="webinar", title="Past", day=past, starts=time(10), ends=time(11), capacity=5
    )
    db.add(event)
    db.add(ChallengeResponse(challenge_id=challenge.id, supplier_id=world.supplier.id, kind="interest", approach="x"))
    db.commit()
    owner = client_as(world.la_user)
    url = f"/challenges/{challenge.ref}/events/{event.id}/questions"
    refused = owner.post(url, data={"question": f"What about {PERSONAL}?", "answer": "No"})
    assert refused.status_code == 200 and "There is a problem" in refused.text
    assert owner.post(url, data={"question": "Is UK hosting essential?", "answer": "Yes."}).status_code == 303
    assert owner.post(url, data={"question": "Do you pay for pilots?"}).status_code == 303
    public = client.get(f"/challenges/{challenge.ref}").text
    assert "Is UK hosting essential?" in public and "Raised at a market-engagement event" in public
    assert "Do you pay for pilots?" not in public, "unanswered: only the owner sees it"
    assert "Do you pay for pilots?" in owner.get(f"/challenges/{challenge.ref}").text
    # Every interested supplier hears of the new answer, as with any clarification question.
    assert any("answer" in m.subject for m in _emails(db, world.supplier_user, "challenge-news"))
    # Suppliers cannot add questions this way.
    assert client_as(world.supplier_user).post(url, data={"question": "Q"}).status_code == 403


def test_changing_and_cancelling_through_the_pages(world: World, db: Session, client_as) -> None:
    challenge, event = _event(db, world)
    owner = client_as(world.la_user)
    assert "Add an event" in owner.get(f"/challenges/{challenge.ref}").text
    assert "Add an event" not in client_as(world.supplier_user).get(f"/challenges/{challenge.ref}").text
    edit = owner.get(f"/challenges/{challenge.ref}/events/{event.id}/edit")
    assert edit.status_code == 200 and 'value="Town Hall, Leeds"' in edit.text and 'value="10:00"' in edit.text
    assert client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/events/{event.id}/edit").status_code == 403
    # The reason is required; the page shows the error and cancels nothing.
    missing = owner.post(f"/challenges/{challenge.ref}/events/{event.id}/cancel", data={"reason": ""})
    assert missing.status_code == 200 and "Enter the reason for cancelling" in missing.text
    fresh(db)
    assert db.get(ChallengeEvent, event.id).status == "scheduled"
    done = owner.post(f"/challenges/{challenge.ref}/events/{event.id}/cancel", data={"reason": "Venue closed"})
    assert done.status_code == 303
    fresh(db)
    assert db.get(ChallengeEvent, event.id).status == "cancelled"
    page = client_as(world.supplier_user).get(f"/challenges/{challenge.ref}/events/{event.id}").text
    assert "This event has been cancelled: Venue closed" in page and "Sign up" not in page


def test_only_approved_members_of_verified_suppliers_sign_up(world: World, db: Session, client_as) -> None:
    challenge, event = _event(db, world)
    waiting = f.OrganisationFactory(kind="supplier", verification="pending")
    waiting_user = f.UserFactory(organisation_id=waiting.id)
    db.commit()
    for who, org in ((waiting_user, waiting), (world.pending_user, world.la), (world.other_user, world.other_la)):
        with pytest.raises(NotAllowed):
            services.sign_up(db, viewer(who, org), challenge, event, now=BEFORE)
    page = client_as(world.other_user).post(f"/challenges/{challenge.ref}/events/{event.id}/sign-up")
    assert page.status_code == 403
    assert db.exec(select(ChallengeEventSignup)).all() == []
