"""Challenge worlds shared by the outcomes tests: organisations and users on each side, a complete challenge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from catalogue.access import viewer_for
from outcomes import services
from outcomes.models import Challenge, ChallengeResponse
from tests import factories as f


@dataclass
class World:
    la: Any
    la_user: Any
    other_la: Any
    other_user: Any
    supplier: Any
    supplier_user: Any
    rival: Any
    rival_user: Any
    pending_user: Any


def make_world() -> World:
    la = f.OrganisationFactory(kind="local-authority", name="Northshire Council", case_management_system="Mosaic")
    other_la = f.OrganisationFactory(kind="local-authority", name="Southshire Council")
    supplier = f.OrganisationFactory(kind="supplier", name="Acme Notes Ltd", region=None)
    rival = f.OrganisationFactory(kind="supplier", name="Rival Systems Ltd", region=None)
    return World(
        la=la,
        la_user=f.UserFactory(organisation_id=la.id),
        other_la=other_la,
        other_user=f.UserFactory(organisation_id=other_la.id),
        supplier=supplier,
        supplier_user=f.UserFactory(organisation_id=supplier.id),
        rival=rival,
        rival_user=f.UserFactory(organisation_id=rival.id),
        pending_user=f.UserFactory(organisation_id=la.id, status="pending"),
    )


def fresh(db: Session) -> None:
    """See what requests and commands committed: end this session's read snapshot, forget its objects."""
    db.rollback()
    db.expire_all()


def viewer(user: Any, org: Any) -> Any:
    return viewer_for(user, org.kind)


def full_challenge(owner: Any, status: str = "draft", **extra: Any) -> Challenge:
    values: dict[str, Any] = {
        "owner_id": owner.id,
        "status": status,
        "title": "Less time writing up visits",
        "problem": "Social workers spend evenings writing up visits.",
        "users": "Social workers in assessment teams",
        "outcomes": [{"outcome": "Less time recording", "measure": "Hours a week", "baseline": "9", "target": "5"}],
        "budget_min": 20000.0,
        "budget_max": 80000.0,
        "route": "pre-commercial",
        "closes": services.today() + timedelta(days=30),
        "evaluation_criteria": [{"criterion": "Fit", "weight": 60}, {"criterion": "Price", "weight": 40}],
        "requirements": [
            {"requirement": "UK hosting", "essential": True},
            {"requirement": "Works with Mosaic", "essential": True},
            {"requirement": "Welsh language", "essential": False},
        ],
    }
    values.update(extra)
    return f.ChallengeFactory(**values)


def evaluating_with_proposal(world: World, db: Session) -> tuple[Challenge, ChallengeResponse]:
    """An evaluating challenge with one submitted proposal from `world.supplier`."""
    challenge = full_challenge(world.la, status="evaluating")
    response = f.ChallengeResponseFactory(challenge=challenge, supplier=world.supplier, kind="proposal", approach="x")
    return challenge, response
