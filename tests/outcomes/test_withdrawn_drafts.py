"""A draft withdrawn before it was ever published stays private to its owner (and those it is
shared with), through every channel: page, list, search, API, OCDS, matching and co-sponsoring.
A challenge withdrawn after publication stays public, as before."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.accounts.services import issue_api_token
from catalogue.db import utcnow
from outcomes import ocds, services
from outcomes.models import Challenge
from tests import factories as f
from tests.helpers.api import call
from tests.helpers.challenges import World, fresh, full_challenge, viewer


def _withdraw(db: Session, world: World, challenge: Challenge) -> None:
    services.change_status(db, viewer(world.la_user, world.la), challenge, "withdrawn", detail="Duplicate")
    db.commit()


def _reindex(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output


def test_a_never_published_draft_stays_private_when_withdrawn(
    world: World, app: Any, client, client_as, db: Session
) -> None:
    draft = full_challenge(world.la, title="Zqxwithdrawndraft notes", problem="Zqxwithdrawndraft problem")
    was_public = full_challenge(
        world.la, status="market-engagement", title="Zqxwithdrawnpublic notes", published_at=utcnow()
    )
    sponsor_la = f.OrganisationFactory(kind="local-authority", name="Sponsor Council")
    sponsor_user = f.UserFactory(organisation_id=sponsor_la.id)
    f.ChallengeCoSponsorFactory(challenge=draft, organisation=sponsor_la, status="approved")
    _withdraw(db, world, draft)
    _withdraw(db, world, was_public)
    fresh(db)
    draft = db.get(Challenge, draft.id)
    assert draft.status == "withdrawn" and draft.published_at is None
    db.commit()
    _reindex(app)

    tokens = {
        "supplier": issue_api_token(db, world.supplier_user, label="t"),
        "other": issue_api_token(db, world.other_user, label="t"),
        "owner": issue_api_token(db, world.la_user, label="t"),
    }
    db.commit()
    outsiders = {
        "anonymous": (client, None),
        "supplier": (client_as(world.supplier_user), tokens["supplier"]),
        "other authority": (client_as(world.other_user), tokens["other"]),
    }
    for who, (c, token) in outsiders.items():
        assert c.get(f"/challenges/{draft.ref}").status_code == 404, who
        assert c.get(f"/challenges/{draft.ref}/ocds.json").status_code == 404, who
        assert c.get(f"/challenges/{draft.ref}/matches").status_code in (403, 404), who
        listing = c.get("/challenges")
        assert "Zqxwithdrawndraft" not in listing.text, who
        assert was_public.ref in listing.text, (who, listing.text[-3000:])
        assert "Zqxwithdrawndraft" not in c.get("/challenges?status=withdrawn").text, who
        hits = c.get("/search?q=Zqxwithdrawndraft")
        assert f'/challenges/{draft.ref}"' not in hits.text and "1 result" not in hits.text, who
        assert f'/challenges/{was_public.ref}"' in c.get("/search?q=Zqxwithdrawnpublic").text, who
        api_list = call(client, "GET", "/api/v1/challenges", token).get_json()["items"]
        refs = {row["ref"] for row in api_list}
        assert draft.ref not in refs and was_public.ref in refs, who
        assert call(client, "GET", f"/api/v1/challenges/{draft.ref}", token).status_code == 404, who
        found = call(client, "GET", "/api/v1/search", token, query_string={"q": "Zqxwithdrawndraft"})
        assert f'"{draft.ref}"' not in found.text, who
        assert c.get(f"/challenges/{was_public.ref}").status_code == 200, who
    # Another authority cannot ask to co-sponsor it.
    assert not access.can_co_sponsor(viewer(world.other_user, world.other_la), draft)
    # No OCDS release exists for it (page or command).
    assert not ocds.has_release(draft)
    assert ocds.release_for_ref(db, draft.ref) is None
    assert ocds.release_for_ref(db, was_public.ref) is not None

    # The owner and its co-sponsor still see it, as they saw the draft.
    for c in (client_as(world.la_user), client_as(sponsor_user)):
        assert c.get(f"/challenges/{draft.ref}").status_code == 200
        assert "Zqxwithdrawndraft" in c.get("/challenges").text
    assert f'/challenges/{draft.ref}"' in client_as(world.la_user).get("/search?q=Zqxwithdrawndraft").text
    assert call(client, "GET", f"/api/v1/challenges/{draft.ref}", tokens["owner"]).status_code == 200
    assert client_as(world.la_user).get(f"/challenges/{draft.ref}/matches").status_code == 200


def test_the_policy_functions_agree(world: World, db: Session) -> None:
    draft = full_challenge(world.la, status="withdrawn")  # never published
    published = full_challenge(world.la, status="withdrawn", published_at=utcnow())
    rival = viewer(world.supplier_user, world.supplier)
    assert not access.can_view_challenge(rival, draft)
    assert access.can_view_challenge(rival, published)
    assert access.index_visibility("challenge", draft) == ("private", world.la.id)
    assert access.index_visibility("challenge", published) == ("public", world.la.id)
    visible = set(db.exec(select(Challenge.id).where(access.challenge_visible_clause(rival, Challenge))).all())
    assert draft.id not in visible and published.id in visible
