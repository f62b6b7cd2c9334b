"""Market-engagement events through the JSON API (issues 15 and 17): every role against each
endpoint, the same services and the same refusals as the pages, and the API and the pages
agreeing (a sign-up through the API is on the owner's attendee list; a closed challenge refuses).
Every answer is checked against the OpenAPI document (tests.helpers.api.call)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from catalogue.accounts.services import issue_api_token
from catalogue.notifications.models import OutboxEmail
from outcomes import services
from outcomes.models import Challenge, ChallengeCoSponsor, ChallengeEvent, ChallengeEventSignup, ChallengeResponse
from tests import factories as f
from tests.helpers.api import call, errors_by_field
from tests.helpers.challenges import World, fresh, full_challenge

PERSONAL = "Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB, 07700 900123"
SOON = services.today() + timedelta(days=10)
BODY = {
    "kind": "supplier-day",
    "title": "Supplier day in Leeds",
    "day": SOON.isoformat(),
    "starts": "10:00",
    "ends": "15:00",
    "place": "Town Hall, Leeds",
    "capacity": 1,
}


@pytest.fixture
def tokens(world: World, db: Session) -> dict[str, str | None]:
    """A token for each role: the owner, an approved co-sponsor, two suppliers, a pending user."""
    co_sponsor_org = f.OrganisationFactory(kind="local-authority", name="Eastshire Council")
    co_user = f.UserFactory(organisation_id=co_sponsor_org.id)
    unverified = f.OrganisationFactory(kind="supplier", name="New Vendor Ltd", verification="pending")
    result: dict[str, str | None] = {"anonymous": None}
    for role, user in (
        ("owner", world.la_user),
        ("co_sponsor", co_user),
        ("other_la", world.other_user),
        ("supplier", world.supplier_user),
        ("rival", world.rival_user),
        ("pending", world.pending_user),
        ("unverified", f.UserFactory(organisation_id=unverified.id)),
    ):
        result[role] = issue_api_token(db, user, label="test")
    result["_co_sponsor_org"] = str(co_sponsor_org.id)
    db.commit()
    return result


def _challenge(db: Session, world: World, tokens: dict, status: str = "market-engagement"):
    challenge = full_challenge(world.la, status=status, published_at=datetime.now(UTC))
    db.add(
        ChallengeCoSponsor(challenge_id=challenge.id, organisation_id=int(tokens["_co_sponsor_org"]), status="approved")
    )
    db.commit()
    return challenge


def _past_event(db: Session, challenge) -> ChallengeEvent:
    past = services.today() - timedelta(days=1)
    event = ChallengeEvent(
        challenge_id=challenge.id, kind="webinar", title="Past", day=past, starts=time(10), ends=time(11), capacity=5
    )
    db.add(event)
    db.commit()
    return event


def test_create_event_by_role(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    url = f"/api/v1/challenges/{challenge.ref}/events"
    assert call(client, "POST", url, None, json=BODY).status_code == 401
    for role in ("supplier", "other_la", "pending", "unverified"):
        refused = call(client, "POST", url, tokens[role], json=BODY)
        assert refused.status_code in (403, 404), role
        if refused.status_code == 403:
            assert "owner and co-sponsors" in refused.get_json()["detail"], role
    made = call(client, "POST", url, tokens["owner"], json=BODY)
    assert made.status_code == 201, made.get_json()
    event = made.get_json()
    assert made.headers["Location"].endswith(f"{url}/{event['id']}") and made.headers["ETag"]
    assert event["kind"] == "supplier-day" and event["capacity"] == 1 and event["places_taken"] == 0
    assert event["attendees"] == [], "the owner's team sees the list, empty"
    by_co = call(client, "POST", url, tokens["co_sponsor"], json={**BODY, "title": "Webinar", "kind": "webinar"})
    assert by_co.status_code == 201, by_co.get_json()
    fresh(db)
    assert len(db.exec(select(ChallengeEvent).where(ChallengeEvent.challenge_id == challenge.id)).all()) == 2


def test_every_field_error_at_once_with_json_pointers(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    url = f"/api/v1/challenges/{challenge.ref}/events"
    bad = {
        "kind": "webinar",
        "title": "",
        "day": "2027-02-31",
        "starts": "14:00",
        "ends": "13:00",
        "link": "javascript:alert(1)",
        "capacity": 0,
    }
    answer = call(client, "POST", url, tokens["owner"], json=bad)
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    fields = errors_by_field(answer.get_json())
    assert {"title", "day", "ends", "link", "capacity"} <= set(fields), fields
    # An unknown field and a wrong type are refused too.
    assert call(client, "POST", url, tokens["owner"], json={**BODY, "colour": "red"}).status_code == 422
    assert call(client, "POST", url, tokens["owner"], json={**BODY, "capacity": [1]}).status_code == 422
    # The service's rules come back all at once as well: a past day on a closed challenge.
    closed = _challenge(db, world, tokens, status="closed")
    late = call(
        client, "POST", f"/api/v1/challenges/{closed.ref}/events", tokens["owner"], json={**BODY, "day": "2020-01-01"}
    )
    assert late.status_code == 422
    details = [e["detail"] for e in late.get_json()["errors"]]
    assert any("market engagement or open" in d for d in details) and any("future" in d for d in details)
    # Only the state refused: a 409.
    closed_only = call(client, "POST", f"/api/v1/challenges/{closed.ref}/events", tokens["owner"], json=BODY)
    assert closed_only.status_code == 409 and "market engagement" in closed_only.get_json()["detail"]
    fresh(db)
    assert db.exec(select(ChallengeEvent)).all() == []


def test_personal_data_is_refused_and_can_be_confirmed(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    url = f"/api/v1/challenges/{challenge.ref}/events"
    refused = call(client, "POST", url, tokens["owner"], json={**BODY, "description": f"Ask {PERSONAL}"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert "description" in errors_by_field(body) and body["personal_data"]["findings"]["description"]
    assert "Jayden Smith" not in refused.text, "the findings are masked"
    fresh(db)
    assert db.exec(select(ChallengeEvent)).all() == []


def test_reading_events_by_role(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    url = f"/api/v1/challenges/{challenge.ref}/events"
    event = call(client, "POST", url, tokens["owner"], json=BODY).get_json()
    item = f"{url}/{event['id']}"
    assert call(client, "POST", f"{item}/signup", tokens["supplier"]).status_code == 201
    waiting = call(client, "POST", f"{item}/signup", tokens["rival"])
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "waiting"
    assert waiting.get_json()["waiting_position"] == 1 and waiting.headers["Location"].endswith(f"{item}/signup")
    # The public sees the event, not who signed up.
    public = call(client, "GET", url, None).get_json()
    assert public["total"] == 1 and "attendees" not in public["items"][0] and "signup" not in public["items"][0]
    assert public["items"][0]["places_taken"] == 1
    # The owner and co-sponsors see every attendee, in order.
    for role in ("owner", "co_sponsor"):
        seen = call(client, "GET", item, tokens[role]).get_json()
        assert [(a["supplier_name"], a["status"]) for a in seen["attendees"]] == [
            ("Acme Notes Ltd", "booked"),
            ("Rival Systems Ltd", "waiting"),
        ], role
    # Each supplier sees its own place only.
    mine = call(client, "GET", item, tokens["rival"]).get_json()
    assert "attendees" not in mine and mine["signup"]["place"] == "You are number 1 on the waiting list"
    assert "Acme Notes Ltd" not in str(mine)
    assert call(client, "GET", f"{item}/signup", tokens["supplier"]).get_json()["status"] == "booked"
    assert call(client, "GET", f"{item}/signup", tokens["other_la"]).status_code == 404
    # ETag, and 304 when it has not changed.
    first = call(client, "GET", item, tokens["owner"])
    again = call(client, "GET", item, tokens["owner"], headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_events_of_a_challenge_you_may_not_see_are_not_found(world: World, db: Session, client, tokens) -> None:
    draft = full_challenge(world.la, status="draft")
    event = ChallengeEvent(
        challenge_id=draft.id, kind="webinar", title="DRAFTEVENT", day=SOON, starts=time(10), ends=time(11), capacity=5
    )
    db.add(event)
    public = _challenge(db, world, tokens)
    db.commit()
    for role in ("anonymous", "supplier", "other_la"):
        assert call(client, "GET", f"/api/v1/challenges/{draft.ref}/events", tokens[role]).status_code == 404
        assert call(client, "GET", f"/api/v1/challenges/{draft.ref}/events/{event.id}", tokens[role]).status_code == 404
    signup = call(client, "POST", f"/api/v1/challenges/{draft.ref}/events/{event.id}/signup", tokens["supplier"])
    assert signup.status_code == 404
    # Reached through another challenge's address: not found either.
    assert call(client, "GET", f"/api/v1/challenges/{public.ref}/events/{event.id}", None).status_code == 404
    assert call(client, "GET", f"/api/v1/challenges/{draft.ref}/events/{event.id}", tokens["owner"]).status_code == 200
    fresh(db)
    assert db.exec(select(ChallengeEventSignup)).all() == []


def test_sign_up_through_the_api_shows_on_the_owners_page(world: World, db: Session, client, client_as, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    event = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/events", tokens["owner"], json=BODY).get_json()
    item = f"/api/v1/challenges/{challenge.ref}/events/{event['id']}"
    for role in ("owner", "other_la", "pending", "unverified"):
        refused = call(client, "POST", f"{item}/signup", tokens[role])
        assert refused.status_code == 403, role
        assert "verified supplier" in refused.get_json()["detail"], role
    assert call(client, "POST", f"{item}/signup", None).status_code == 401
    assert call(client, "POST", f"{item}/signup", tokens["supplier"]).status_code == 201
    again = call(client, "POST", f"{item}/signup", tokens["supplier"])
    assert again.status_code == 409 and "already signed up" in again.get_json()["detail"]
    page = client_as(world.la_user).get(f"/challenges/{challenge.ref}/events/{event['id']}").text
    assert "Acme Notes Ltd" in page
    # The owner's team was told, as when signing up on the page.
    fresh(db)
    assert db.exec(select(OutboxEmail).where(OutboxEmail.user_id == world.la_user.id)).all()


def test_closed_challenge_refuses_sign_up_in_the_api_and_on_the_page(
    world: World, db: Session, client, client_as, tokens
) -> None:
    challenge = _challenge(db, world, tokens)
    event = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/events", tokens["owner"], json=BODY).get_json()
    fresh(db)
    challenge = db.get(Challenge, challenge.id)
    challenge.status = "closed"
    db.add(challenge)
    db.commit()
    item = f"/api/v1/challenges/{challenge.ref}/events/{event['id']}"
    refused = call(client, "POST", f"{item}/signup", tokens["supplier"])
    assert refused.status_code == 409 and "Sign-up has closed" in refused.get_json()["detail"]
    shown = call(client, "GET", item, None).get_json()
    assert "Sign-up has closed" in shown["signup_closed"]
    page = client_as(world.supplier_user).post(f"/challenges/{challenge.ref}/events/{event['id']}/sign-up")
    assert page.status_code == 200 and "Sign-up has closed" in page.text
    fresh(db)
    assert db.exec(select(ChallengeEventSignup)).all() == []


def test_give_up_a_place_promotes_the_waiting_list(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    event = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/events", tokens["owner"], json=BODY).get_json()
    item = f"/api/v1/challenges/{challenge.ref}/events/{event['id']}"
    call(client, "POST", f"{item}/signup", tokens["supplier"])
    call(client, "POST", f"{item}/signup", tokens["rival"])
    not_signed = call(client, "POST", f"{item}/signup/cancel", tokens["other_la"])
    assert not_signed.status_code == 409 and "not signed up" in not_signed.get_json()["detail"]
    given_up = call(client, "POST", f"{item}/signup/cancel", tokens["supplier"])
    assert given_up.status_code == 200 and "signup" not in given_up.get_json()
    assert call(client, "GET", f"{item}/signup", tokens["rival"]).get_json()["status"] == "booked"


def test_change_and_cancel_an_event(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    made = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/events", tokens["owner"], json=BODY)
    item = f"/api/v1/challenges/{challenge.ref}/events/{made.get_json()['id']}"
    call(client, "POST", f"{item}/signup", tokens["supplier"])
    call(client, "POST", f"{item}/signup", tokens["rival"])
    etag = call(client, "GET", item, tokens["owner"]).headers["ETag"]
    assert call(client, "PATCH", item, tokens["supplier"], json={"title": "Mine"}).status_code == 403
    # Fewer places than suppliers hold: refused, with the field named.
    fewer = call(client, "PATCH", item, tokens["co_sponsor"], json={"capacity": 0, "starts": "x"})
    assert fewer.status_code == 422 and {"capacity", "starts"} <= set(errors_by_field(fewer.get_json()))
    changed = call(client, "PATCH", item, tokens["co_sponsor"], json={"capacity": 2, "place": "Civic Hall"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["place"] == "Civic Hall" and body["title"] == "Supplier day in Leeds" and body["places_taken"] == 2
    # What a GET returns can be sent back; a stale If-Match is a 412.
    assert call(client, "PATCH", item, tokens["owner"], json=body).status_code == 200
    stale = call(client, "PATCH", item, tokens["owner"], json={"title": "X"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    # Cancelling needs a reason; suppliers signed up are told.
    assert call(client, "POST", f"{item}/cancel", tokens["rival"], json={"reason": "r"}).status_code == 403
    no_reason = call(client, "POST", f"{item}/cancel", tokens["owner"], json={})
    assert no_reason.status_code == 422 and "reason" in errors_by_field(no_reason.get_json())
    cancelled = call(client, "POST", f"{item}/cancel", tokens["owner"], json={"reason": "The venue flooded"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    twice = call(client, "POST", f"{item}/cancel", tokens["owner"], json={"reason": "Again"})
    assert twice.status_code == 409
    assert call(client, "PATCH", item, tokens["owner"], json={"title": "Back"}).status_code == 409
    fresh(db)
    told = db.exec(select(OutboxEmail).where(OutboxEmail.user_id == world.supplier_user.id)).all()
    assert any("cancelled" in m.subject for m in told)


def test_notes_and_questions_after_the_event(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    event = _past_event(db, challenge)
    db.add(ChallengeResponse(challenge_id=challenge.id, supplier_id=world.supplier.id, kind="interest", approach="x"))
    db.commit()
    item = f"/api/v1/challenges/{challenge.ref}/events/{event.id}"
    notes = {"notes": "Twelve suppliers came.", "slides": [{"title": "Slides", "url": "https://example.org/s.pdf"}]}
    assert call(client, "POST", f"{item}/notes", tokens["supplier"], json=notes).status_code == 403
    bad = call(client, "POST", f"{item}/notes", tokens["owner"], json={"slides": [{"title": "", "url": "ftp://x"}]})
    assert bad.status_code == 422
    assert {"/notes", "/slides/0/title", "/slides/0/url"} <= {e["pointer"] for e in bad.get_json()["errors"]}
    published = call(client, "POST", f"{item}/notes", tokens["co_sponsor"], json=notes)
    assert published.status_code == 200 and published.get_json()["slides"][0]["url"] == "https://example.org/s.pdf"
    assert call(client, "GET", item, None).get_json()["notes"] == "Twelve suppliers came."
    fresh(db)
    assert db.exec(select(OutboxEmail).where(OutboxEmail.user_id == world.supplier_user.id)).all()
    # Questions raised there join the challenge's questions; only the owner answers.
    questions = f"{item}/questions"
    assert call(client, "POST", questions, tokens["supplier"], json={"question": "Q?"}).status_code == 403
    by_co = call(client, "POST", questions, tokens["co_sponsor"], json={"question": "Q?", "answer": "A."})
    assert by_co.status_code == 403 and "owner answers" in by_co.get_json()["detail"]
    personal = call(client, "POST", questions, tokens["owner"], json={"question": f"What about {PERSONAL}?"})
    assert personal.status_code == 422 and "question" in errors_by_field(personal.get_json())
    answered = call(client, "POST", questions, tokens["owner"], json={"question": "UK hosting?", "answer": "Yes."})
    assert answered.status_code == 201 and answered.get_json()["status"] == "published"
    assert answered.headers["Location"].endswith(questions)
    waiting = call(client, "POST", questions, tokens["co_sponsor"], json={"question": "Pilots paid?"})
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "asked"
    public = [q["question"] for q in call(client, "GET", questions, None).get_json()["items"]]
    assert public == ["UK hosting?"]
    owner = [q["question"] for q in call(client, "GET", questions, tokens["owner"]).get_json()["items"]]
    assert owner == ["UK hosting?", "Pilots paid?"]
    page = client.get(f"/challenges/{challenge.ref}").text
    assert "UK hosting?" in page and "Pilots paid?" not in page


def test_notes_before_the_event_ends_are_refused(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    event = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/events", tokens["owner"], json=BODY).get_json()
    item = f"/api/v1/challenges/{challenge.ref}/events/{event['id']}"
    early = call(client, "POST", f"{item}/notes", tokens["owner"], json={"notes": "Too soon"})
    assert early.status_code == 422 and "after the event ends" in errors_by_field(early.get_json())["notes"][0]
    question = call(client, "POST", f"{item}/questions", tokens["owner"], json={"question": "Early?"})
    assert question.status_code == 422 and "question" in errors_by_field(question.get_json())


def test_confirming_not_a_real_person_saves_and_is_audited(world: World, db: Session, client, tokens) -> None:
    from catalogue.changes import AuditEvent

    challenge = _challenge(db, world, tokens)
    url = f"/api/v1/challenges/{challenge.ref}/events"
    text = "Jayden Smith, aged 9, lives with foster carers in Leeds"  # may be confirmed as not real
    refused = call(client, "POST", url, tokens["owner"], json={**BODY, "description": text})
    assert refused.status_code == 422 and refused.get_json()["personal_data"]["can_confirm"] is True
    saved = call(client, "POST", url, tokens["owner"], json={**BODY, "description": text, "not_real_person": True})
    assert saved.status_code == 201 and saved.get_json()["description"] == text
    fresh(db)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "override")).all()


def test_an_event_id_beyond_the_database_is_not_found(world: World, db: Session, client, tokens) -> None:
    challenge = _challenge(db, world, tokens)
    assert call(client, "GET", f"/api/v1/challenges/{challenge.ref}/events/{2**64}", None).status_code == 404


def test_the_document_describes_the_event_operations(world: World, db: Session, client, tokens) -> None:
    spec = call(client, "GET", "/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["EventOut"]["properties"]["kind"]["enum"] == ["supplier-day", "webinar", "one-to-one"]
    assert schemas["SignupOut"]["properties"]["status"]["enum"] == ["booked", "waiting"]
    item = spec["paths"]["/api/v1/challenges/{ref}/events/{event_id}"]
    assert item["patch"]["security"] == [{"bearer": []}] and item["get"]["security"] == [{"bearer": []}, {}]
    assert {"403", "404", "409", "412", "422"} <= set(item["patch"]["responses"])
    create = spec["paths"]["/api/v1/challenges/{ref}/events"]["post"]
    assert "Location" in create["responses"]["201"]["headers"]
    # The documented example is accepted as it stands.
    challenge = _challenge(db, world, tokens)
    example = create["requestBody"]["content"]["application/json"]["example"]
    made = call(client, "POST", f"/api/v1/challenges/{challenge.ref}/events", tokens["owner"], json=example)
    assert made.status_code == 201, made.get_json()


RUNNERS_ONLY = {
    "create": ("POST", "", BODY),
    "change": ("PATCH", "/{id}", {"title": "Mine now"}),
    "cancel": ("POST", "/{id}/cancel", {"reason": "r"}),
    "notes": ("POST", "/{id}/notes", {"notes": "n"}),
    "question": ("POST", "/{id}/questions", {"question": "q?"}),
}


@pytest.mark.parametrize("action", list(RUNNERS_ONLY))
def test_only_the_owner_and_co_sponsors_write_events(world: World, db: Session, client, tokens, action: str) -> None:
    challenge = _challenge(db, world, tokens)
    event = _past_event(db, challenge)
    method, tail, body = RUNNERS_ONLY[action]
    url = f"/api/v1/challenges/{challenge.ref}/events" + tail.format(id=event.id)
    assert call(client, method, url, None, json=body).status_code == 401
    for role in ("supplier", "rival", "other_la", "pending", "unverified"):
        refused = call(client, method, url, tokens[role], json=body)
        assert refused.status_code == 403, (action, role, refused.get_json())
        assert "owner and co-sponsors" in refused.get_json()["detail"], (action, role)
    fresh(db)
    assert [e.id for e in db.exec(select(ChallengeEvent)).all()] == [event.id]
    assert db.get(ChallengeEvent, event.id).title == "Past" and db.get(ChallengeEvent, event.id).notes is None
