"""A world of kept records (deployment, single view, offering) and every role that may look at
them, for the withdraw and freshness tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from catalogue.accounts.services import issue_api_token
from catalogue.changes import AuditEvent, ChangeLog
from tests.factories import (
    DeploymentFactory,
    OfferingFactory,
    OrganisationFactory,
    SingleViewFactory,
    ToolFactory,
    UserFactory,
)

ROLES = ("anonymous", "other_la", "supplier", "owner", "admin")


@dataclass
class World:
    owner_org: Any
    other_org: Any
    supplier_org: Any
    deployment: Any
    single_view: Any
    offering: Any
    users: dict[str, Any]
    tokens: dict[str, str | None]


def make_world(db) -> World:
    owner_org = OrganisationFactory(kind="local-authority", name="Brackenfold Council")
    other_org = OrganisationFactory(kind="local-authority", name="Other Council")
    supplier_org = OrganisationFactory(kind="supplier", name="Quarrystone Ltd")
    tool = ToolFactory(name="Wrenscribe")
    deployment = DeploymentFactory(
        ref="dep-kept", organisation_id=owner_org.id, tool_id=tool.id, visibility="public", impact="zorblatt impact"
    )
    single_view = SingleViewFactory(
        ref="sv-kept", organisation_id=owner_org.id, visibility="public", documentation="zorblatt documentation"
    )
    offering = OfferingFactory(
        ref="off-kept", supplier_id=supplier_org.id, status="published", name="Zorblatt Notes", tool_id=tool.id
    )
    users = {
        "anonymous": None,
        "other_la": UserFactory(organisation_id=other_org.id),
        "supplier": UserFactory(organisation_id=supplier_org.id),
        "owner": UserFactory(organisation_id=owner_org.id, role="admin", email="owner@brackenfold.example"),
        "admin": UserFactory(is_site_admin=True),
        "supplier_owner": UserFactory(organisation_id=supplier_org.id, role="admin", email="seller@quarry.example"),
    }
    tokens = {role: issue_api_token(db, user, label="test") if user else None for role, user in users.items()}
    db.commit()
    return World(owner_org, other_org, supplier_org, deployment, single_view, offering, users, tokens)


def change_ops(db, kind: str, record_id: int) -> list[str]:
    db.rollback()
    rows = db.exec(select(ChangeLog).where(ChangeLog.kind == kind, ChangeLog.record_id == record_id)).all()
    return [r.op for r in sorted(rows, key=lambda r: r.id)]


def audit_changes(db, table: str, record_id: int) -> list[dict]:
    db.rollback()
    rows = db.exec(select(AuditEvent).where(AuditEvent.record_type == table, AuditEvent.record_id == record_id)).all()
    return [r.changes for r in sorted(rows, key=lambda r: r.id)]
