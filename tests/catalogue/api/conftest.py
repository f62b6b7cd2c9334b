"""The API tests' world: records at each visibility and a token for each role (none, bad, revoked, ...)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from catalogue.accounts.models import ApiToken
from catalogue.accounts.services import issue_api_token
from catalogue.db import utcnow
from tests.factories import (
    ChallengeFactory,
    DeploymentFactory,
    OfferingFactory,
    OrganisationFactory,
    SingleViewFactory,
    ToolFactory,
    UserFactory,
)


@pytest.fixture
def world(db):
    owner = OrganisationFactory(
        kind="local-authority",
        name="Owner Council",
        contact_name="Secret Person",
        contact_email="secret.person@example.org",
        contact_consent=True,
        contact_role="Head of Data",
    )
    other = OrganisationFactory(kind="local-authority", name="Other Council")
    supplier = OrganisationFactory(kind="supplier", name="Vendor Ltd")
    tool = ToolFactory(ref="tool-shared", name="Sharedtool")
    ToolFactory(ref="tool-fresh", name="Freshtool")  # not yet recorded by the owner
    for vis in ("public", "authorities", "private"):
        DeploymentFactory(
            ref=f"dep-{vis}",
            organisation_id=owner.id,
            tool_id=tool.id,
            visibility=vis,
            impact=f"MARKER{vis.upper()} impact",
        )
        SingleViewFactory(
            ref=f"sv-{vis}",
            organisation_id=owner.id,
            visibility=vis,
            documentation=f"MARKER{vis.upper()} documentation",
        )
    OfferingFactory(ref="off-draft", supplier_id=supplier.id, status="draft", description="MARKERDRAFTOFFER")
    OfferingFactory(ref="off-live", supplier_id=supplier.id, status="published")
    ChallengeFactory(ref="ch-draft", owner_id=owner.id, status="draft", problem="MARKERDRAFTCHALLENGE")
    ChallengeFactory(ref="ch-open", owner_id=owner.id, status="market-engagement", problem="Open problem")
    users = {
        "pending": UserFactory(organisation_id=owner.id, status="pending"),
        "supplier": UserFactory(organisation_id=supplier.id),
        "other_la": UserFactory(organisation_id=other.id),
        "owner": UserFactory(organisation_id=owner.id),
        "admin": UserFactory(is_site_admin=True),
        "revoked": UserFactory(organisation_id=owner.id),
    }
    tokens: dict[str, str | None] = {"none": None, "bad": "sp_not-a-real-token"}
    for role, user in users.items():
        tokens[role] = issue_api_token(db, user, label="test")
    db.commit()
    revoked = db.exec(select(ApiToken).where(ApiToken.user_id == users["revoked"].id)).one()
    revoked.revoked_at = utcnow()
    db.add(revoked)
    db.commit()
    return tokens, users
