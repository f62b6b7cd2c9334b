"""Permissions and date rules the lifecycle tests do not cover: the closing date through the API,
non-owners on phases, shortlisting and results, a declined co-sponsor, and programme invitations
answered by someone not invited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from catalogue.accounts.services import issue_api_token
from catalogue.errors import NotAllowed
from outcomes import services
from outcomes.models import (
    ChallengePhase,
    ChallengeResponse,
    PhaseShortlist,
    ProgrammeMember,
)
from tests import factories as f
from tests.helpers.api import call
from tests.helpers.challenges import World, evaluating_with_proposal, fresh, full_challenge, viewer


def test_a_late_proposal_through_the_api_is_refused_and_nothing_saved(world: World, client, db: Session) -> None:
    late = full_challenge(world.la, status="open", closes=services.today() - timedelta(days=1))
    token = issue_api_token(db, world.supplier_user, label="t")
    db.commit()
    body = {"approach": "LATEMARKER", "requirements_met": ["UK", "API"], "price": 5000}
    answer = call(client, "POST", f"/api/v1/challenges/{late.ref}/proposal", token, json=body)
    assert answer.status_code == 409, answer.text
    assert "closing date has passed" in answer.text
    fresh(db)
    assert db.exec(select(ChallengeResponse)).all() == []
    db.commit()
    # The last day itself is still open (the end of the closing date, in England).
    today = full_challenge(world.la, status="open", closes=services.today())
    db.commit()
    assert call(client, "POST", f"/api/v1/challenges/{today.ref}/proposal", token, json=body).status_code in (200, 201)


def _evaluating_with_proposal(world: World, db: Session) -> tuple:
    challenge, response = evaluating_with_proposal(world, db)
    phase = services.add_phase(db, viewer(world.la_user, world.la), challenge, {"name": "feasibility"})
    db.commit()
    return challenge, response, phase


def test_non_owners_are_refused_on_phases_shortlisting_and_results(
    world: World, client_as, client, db: Session
) -> None:
    challenge, response, phase = _evaluating_with_proposal(world, db)
    sponsor_la = f.OrganisationFactory(kind="local-authority", name="Sponsor Council")
    sponsor_user = f.UserFactory(organisation_id=sponsor_la.id)
    f.ChallengeCoSponsorFactory(challenge=challenge, organisation=sponsor_la, status="approved")
    ref = challenge.ref
    for user in (world.other_user, world.supplier_user, world.rival_user, sponsor_user):
        c = client_as(user)
        assert c.get(f"/challenges/{ref}/phases").status_code == 403
        assert c.post(f"/challenges/{ref}/phases", data={"name": "prototype"}).status_code == 403
        shortlisted = c.post(
            f"/challenges/{ref}/responses/{response.id}", data={"action": "shortlist", "phase": str(phase.id)}
        )
        assert shortlisted.status_code in (403, 404)
        assert c.post(f"/challenges/{ref}/responses/{response.id}", data={"action": "award"}).status_code in (403, 404)
        assert c.get(f"/challenges/{ref}/results").status_code == 403
        assert c.post(f"/challenges/{ref}/results", data={"results-0-actual": "4"}).status_code == 403
    anonymous = client.post(f"/challenges/{ref}/phases", data={"name": "prototype"})
    assert anonymous.status_code in (303, 403)
    fresh(db)
    assert [p.name for p in db.exec(select(ChallengePhase)).all()] == ["feasibility"]
    assert db.exec(select(PhaseShortlist)).all() == []
    assert db.get(ChallengeResponse, response.id).status == "submitted"
    # The services refuse them too (what any future API would call).
    for user, org in ((world.other_user, world.other_la), (sponsor_user, sponsor_la)):
        v = viewer(user, org)
        with pytest.raises(NotAllowed):
            services.add_phase(db, v, challenge, {"name": "pilot"})
        with pytest.raises(NotAllowed):
            services.shortlist(db, v, challenge, response, phase.id)
        with pytest.raises(NotAllowed):
            services.record_results(db, v, challenge, [], None)


def test_a_declined_co_sponsor_sees_nothing_more_than_before(world: World, client_as, db: Session) -> None:
    draft = full_challenge(world.la, title="Zqxdeclineddraft")
    published = full_challenge(world.la, status="open", title="Zqxdeclinedpublished")
    response = f.ChallengeResponseFactory(
        challenge=published, supplier=world.supplier, kind="proposal", approach="DECLINEDPROPOSALMARKER"
    )
    for challenge in (draft, published):
        f.ChallengeCoSponsorFactory(challenge=challenge, organisation=world.other_la, status="declined")
    c = client_as(world.other_user)
    assert c.get(f"/challenges/{draft.ref}").status_code == 404
    assert "Zqxdeclineddraft" not in c.get("/challenges").text
    assert c.get(f"/challenges/{published.ref}").status_code == 200
    assert c.get(f"/challenges/{published.ref}/responses/{response.id}").status_code == 404
    assert "DECLINEDPROPOSALMARKER" not in c.get(f"/challenges/{published.ref}/responses").text
    assert "DECLINEDPROPOSALMARKER" not in c.get(f"/challenges/{published.ref}").text
    v = viewer(world.other_user, world.other_la)
    assert services.visible_responses(db, v, published) == []
    assert services.get_challenge(db, v, draft.ref) is None
    assert services.shared_challenge_ids(db, v) == frozenset()


def test_only_an_invited_authority_can_accept_a_programme_invitation(world: World, client_as, db: Session) -> None:
    programme = f.ProgrammeFactory(ref="prog-test", name="Test partnership", lead=world.la, description="d")
    services.invite_member(db, viewer(world.la_user, world.la), programme, world.other_la.ref)
    db.commit()
    outsider_la = f.OrganisationFactory(kind="local-authority", name="Outsider Council")
    for user in (f.UserFactory(organisation_id=outsider_la.id), world.supplier_user, world.la_user):
        answer = client_as(user).post(f"/partnerships/{programme.ref}/invitation", data={"decision": "accept"})
        assert answer.status_code == 403
    fresh(db)
    rows = db.exec(select(ProgrammeMember)).all()
    assert [(r.member_id, r.status) for r in rows] == [(world.other_la.id, "invited")]
