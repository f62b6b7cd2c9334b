"""Followers of a tool hear when an existing deployment changes stage or is shared with them, and
only when the visibility policy lets them see the deployment as it now is (in-app and email)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from catalogue.access import viewer_for
from catalogue.notifications.models import Notification, OutboxEmail
from catalogue.records import services
from tests.factories import DeploymentFactory, FollowFactory, OrganisationFactory, ToolFactory, UserFactory


@pytest.fixture
def world(db: Session) -> SimpleNamespace:
    la = OrganisationFactory(ref="la-home", name="Home Council")
    other = OrganisationFactory(ref="la-away", name="Away Council")
    supplier = OrganisationFactory(ref="sup-x", name="Supplier X", kind="supplier")
    tool = ToolFactory(ref="tool-notes", name="Notes Tool")
    people = SimpleNamespace(
        author=UserFactory(organisation_id=la.id),
        colleague=UserFactory(organisation_id=la.id),
        other_la=UserFactory(organisation_id=other.id),
        pending=UserFactory(organisation_id=other.id, status="pending"),
        supplier=UserFactory(organisation_id=supplier.id),
    )
    for user in vars(people).values():
        FollowFactory(user=user, tool=tool)
    return SimpleNamespace(la=la, tool=tool, people=people)


def _change(db: Session, world: SimpleNamespace, ref: str, **answers: object) -> None:
    deployment = services.get_visible_deployment(db, viewer_for(world.people.author, "local-authority"), ref)
    draft = services.draft_from_deployment(db, deployment)
    draft.update(answers)
    saved, errors = services.save_deployment(
        db, viewer_for(world.people.author, organisation_kind="local-authority"), draft, ref
    )
    assert saved is not None, errors
    db.commit()


def _told(db: Session, world: SimpleNamespace, topic: str) -> set[str]:
    names = {user.id: name for name, user in vars(world.people).items()}
    notes = db.exec(select(Notification.user_id).where(Notification.topic == topic)).all()
    emails = db.exec(select(OutboxEmail.user_id)).all()
    assert set(emails) <= set(db.exec(select(Notification.user_id)).all())  # no email without a notification
    return {names[n] for n in notes}


def test_a_stage_change_reaches_only_followers_who_may_see_the_deployment(db: Session, world) -> None:
    DeploymentFactory(ref="dep-auth", organisation_id=world.la.id, tool_id=world.tool.id, visibility="authorities")
    _change(db, world, "dep-auth", stage="dropped", dropped_reasons=["cost"], ended="2025-06")
    assert _told(db, world, "deployment-stage") == {"colleague", "other_la"}  # not the author, supplier, pending
    note = db.exec(select(Notification).where(Notification.topic == "deployment-stage")).first()
    assert "Notes Tool: now ‘Piloted, then not rolled out’" in note.subject and "Why it was dropped" in note.body
    # An edit that changes neither stage nor visibility tells nobody.
    before = db.exec(select(Notification)).all()
    _change(db, world, "dep-auth", summary="A new summary")
    assert db.exec(select(Notification)).all() == before


def test_a_private_deployment_moving_stage_stays_inside_its_organisation(db: Session, world) -> None:
    DeploymentFactory(
        ref="dep-private", organisation_id=world.la.id, tool_id=world.tool.id, visibility="private", summary="zqxsecret"
    )
    _change(db, world, "dep-private", stage="implemented")
    assert _told(db, world, "deployment-stage") == {"colleague"}
    assert not any(
        "zqxsecret" in e.body for e in db.exec(select(OutboxEmail)) if e.user_id != world.people.colleague.id
    )


def test_sharing_tells_those_who_could_not_see_it_before(db: Session, world) -> None:
    DeploymentFactory(ref="dep-share", organisation_id=world.la.id, tool_id=world.tool.id, visibility="private")
    _change(db, world, "dep-share", visibility="authorities")
    assert _told(db, world, "deployment-shared") == {"other_la"}  # the colleague could already see it
    _change(db, world, "dep-share", visibility="public")
    shared = db.exec(select(Notification.user_id).where(Notification.topic == "deployment-shared")).all()
    assert sorted(shared) == sorted([world.people.other_la.id, world.people.supplier.id, world.people.pending.id])
