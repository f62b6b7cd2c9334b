"""The topics a challenge is read as being about: its owner removes a wrong one or adds a missing
one (web form and API, one service), the change is audited, and the ranking follows it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from catalogue.access import viewer_for
from catalogue.accounts.services import issue_api_token
from catalogue.changes import AuditEvent
from outcomes import topics
from outcomes.matching import engine
from tests.factories import ChallengeFactory, OfferingFactory, OrganisationFactory, UserFactory

WRONG = "single-view"  # read into a front-door recording challenge from "front door"
MISSING = "voice-of-child"


@pytest.fixture
def front_door(db):
    owner = OrganisationFactory(name="Owning Council")
    supplier = OrganisationFactory(kind="supplier", name="Notes Ltd")
    challenge = ChallengeFactory(
        ref="ch-front-door",
        owner_id=owner.id,
        title="Writing up conversations at the front door",
        problem=(
            "Practitioners in our front door take contact and referral calls all day, then type up each "
            "conversation by hand. Recording the call and transcribing it into a draft case note would "
            "give them time back."
        ),
        outcomes=[{"outcome": "Less practitioner time writing up each contact", "measure": "minutes per contact"}],
        status="market-engagement",
    )
    # Two offerings alike in every word; only their categories differ.
    for ref, category in (("off-a", WRONG), ("off-b", MISSING)):
        OfferingFactory(
            ref=ref,
            name="Contact call notes",
            supplier_id=supplier.id,
            summary="Notes of contact and referral calls, written up for practitioners.",
            description="Practitioners spend less time writing up each call.",
            outcomes=[],
            categories=[category],
        )
    return {"owner": owner, "supplier": supplier, "challenge": challenge}


def _reload(db, challenge) -> None:
    db.rollback()  # end the read transaction, whose snapshot predates the request's commit
    db.refresh(challenge)


def _order(db, challenge) -> list[str]:
    return [m.ref for m in engine.match_challenge(db, challenge, limit=10).offerings]


def _parts(db, challenge, ref: str) -> dict[str, float]:
    return next(m.parts for m in engine.match_challenge(db, challenge, limit=10).offerings if m.ref == ref)


def test_the_ranking_follows_the_corrected_topics(db, front_door) -> None:
    challenge = front_door["challenge"]
    owner = UserFactory(organisation_id=front_door["owner"].id)
    viewer = viewer_for(owner, "local-authority")
    assert WRONG in topics.read_topics(challenge) and MISSING not in topics.read_topics(challenge)
    assert _parts(db, challenge, "off-a")["category"] > 0
    assert _order(db, challenge).index("off-a") < _order(db, challenge).index("off-b")

    topics.correct_topics(db, viewer, challenge, remove=[WRONG])
    db.commit()
    assert WRONG not in topics.read_topics(challenge)
    assert _parts(db, challenge, "off-a")["category"] == 0  # a removed topic contributes nothing

    topics.correct_topics(db, viewer, challenge, add=[MISSING])
    db.commit()
    assert topics.read_topics(challenge)[MISSING] == 1.0  # an added topic counts as if inferred strongly
    assert _parts(db, challenge, "off-b")["category"] == pytest.approx(engine.WEIGHTS.category)
    assert _order(db, challenge).index("off-b") < _order(db, challenge).index("off-a")

    # Putting the topic back undoes the removal.
    topics.correct_topics(db, viewer, challenge, add=[WRONG])
    db.commit()
    assert topics.removed_topics(challenge) == []
    assert _parts(db, challenge, "off-a")["category"] > 0


def test_the_owner_corrects_topics_on_the_matches_page(db, client_as, front_door) -> None:
    owner = UserFactory(organisation_id=front_door["owner"].id)
    client = client_as(owner)
    page = client.get("/challenges/ch-front-door/matches").get_data(as_text=True)
    assert "Correct these topics" in page and 'name="remove" value="single-view"' in page
    response = client.post("/challenges/ch-front-door/topics", data={"remove": WRONG})
    assert response.status_code == 303
    _reload(db, front_door["challenge"])
    assert front_door["challenge"].topics_removed == [WRONG]
    page = client.get("/challenges/ch-front-door/matches").get_data(as_text=True)
    read = page.split('id="topics"')[1].split("Correct these topics")[0]
    assert "Single view" not in read
    assert "You removed: Single view of the child" in page
    audit = db.exec(select(AuditEvent).where(AuditEvent.record_ref == "ch-front-door")).all()
    assert any("topics_removed" in (event.changes or {}) and event.actor_id == owner.id for event in audit)

    response = client.post("/challenges/ch-front-door/topics", data={"add": MISSING})
    assert response.status_code == 303
    _reload(db, front_door["challenge"])
    assert MISSING in front_door["challenge"].categories


def test_a_bad_topic_is_shown_again_with_its_error(db, client_as, front_door) -> None:
    client = client_as(UserFactory(organisation_id=front_door["owner"].id))
    response = client.post("/challenges/ch-front-door/topics", data={"add": "no-such-topic"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "is not a topic we know" in page
    assert client.post("/challenges/ch-front-door/topics", data={}).status_code == 400
    assert "Choose a topic to add" in client.post("/challenges/ch-front-door/topics", data={}).get_data(as_text=True)
    _reload(db, front_door["challenge"])
    assert front_door["challenge"].topics_removed == [] and front_door["challenge"].categories == []


def test_only_those_who_may_change_the_challenge_correct_its_topics(db, client_as, front_door) -> None:
    other = UserFactory(organisation_id=OrganisationFactory(name="Other Council").id)
    supplier = UserFactory(organisation_id=front_door["supplier"].id)
    for user in (other, supplier):
        client = client_as(user)
        assert "Correct these topics" not in client.get("/challenges/ch-front-door/matches").get_data(as_text=True)
        assert client.post("/challenges/ch-front-door/topics", data={"remove": WRONG}).status_code == 403
    assert client_as(None).post("/challenges/ch-front-door/topics", data={"remove": WRONG}).status_code == 403
    admin = client_as(UserFactory(is_site_admin=True))
    assert admin.post("/challenges/ch-front-door/topics", data={"remove": WRONG}).status_code == 303
    _reload(db, front_door["challenge"])
    assert front_door["challenge"].topics_removed == [WRONG]


def _api(client, method: str, token: str, **kwargs):
    with client.application.app_context():
        return client.open(
            "/api/v1/challenges/ch-front-door", method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )


def test_topics_through_the_api(db, client, front_door) -> None:
    owner_token = issue_api_token(db, UserFactory(organisation_id=front_door["owner"].id), label="t")
    other_token = issue_api_token(db, UserFactory(organisation_id=OrganisationFactory().id), label="t")
    db.commit()
    body = _api(client, "GET", owner_token).get_json()
    assert WRONG in body["topics"] and "topics_removed" not in body
    response = _api(client, "PATCH", owner_token, json={"topics": ["transcription", MISSING]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["topics"] == ["transcription", MISSING]
    assert WRONG in body["topics_removed"]
    assert _api(client, "PATCH", other_token, json={"topics": ["transcription"]}).status_code in (403, 404)
    bad = _api(client, "PATCH", owner_token, json={"topics": ["nope"]})
    assert bad.status_code == 422 and "topics" in bad.get_data(as_text=True)
    _reload(db, front_door["challenge"])
    assert topics.removed_topics(front_door["challenge"]) and MISSING in front_door["challenge"].categories
