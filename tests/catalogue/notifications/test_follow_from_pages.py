"""Following a tool from its page, then hearing about a new deployment recorded through the form."""

from __future__ import annotations

from sqlmodel import select

from catalogue.notifications.models import Notification
from tests.factories import OrganisationFactory, ToolFactory, UserFactory


def test_tool_page_offers_follow_and_new_deployment_notifies_follower(db, client_as):
    tool = ToolFactory()
    la = OrganisationFactory(kind="local-authority")
    other = OrganisationFactory(kind="local-authority", region="London")
    follower = UserFactory(organisation_id=other.id)
    follower_client = client_as(follower)
    page = follower_client.get(f"/tools/{tool.ref}").get_data(as_text=True)
    assert "Follow" in page
    follower_client.post(f"/follow/tool/{tool.id}", data={"next": f"/tools/{tool.ref}"})

    from catalogue.access import viewer_for
    from catalogue.records import services

    author = UserFactory(organisation_id=la.id)
    viewer = viewer_for(author, organisation_kind="local-authority")
    draft = {
        "tool_choice": "existing",
        "tool": tool.ref,
        "stage": "pilot",
        "started": "2025-01",
        "summary": "Piloted with two teams.",
        "visibility": "authorities",
    }
    deployment, errors = services.save_deployment(db, viewer, draft)
    assert errors == {}
    db.commit()
    notes = db.exec(select(Notification).where(Notification.user_id == follower.id)).all()
    assert [n.url for n in notes] == [f"/deployments/{deployment.ref}"]


def test_challenge_page_offers_follow_once_published(db, client_as):
    from tests.factories import ChallengeFactory

    la = OrganisationFactory(kind="local-authority")
    published = ChallengeFactory(owner_id=la.id, status="market-engagement")
    page = client_as(UserFactory(organisation_id=la.id)).get(f"/challenges/{published.ref}").get_data(as_text=True)
    assert f"/follow/challenge/{published.id}" in page
