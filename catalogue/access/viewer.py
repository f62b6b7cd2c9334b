"""Who is asking: the Viewer every policy check takes, and how one is made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalogue.vocabulary import AUTHORITY_KINDS


@dataclass(frozen=True)
class Viewer:
    """What the policy needs to know about whoever is asking."""

    user_id: int | None = None
    organisation_id: int | None = None
    organisation_kind: str | None = None
    approved: bool = False
    org_admin: bool = False
    site_admin: bool = False
    # The admin who registered a supplier still waiting for verification: may prepare its profile
    # and offerings (which `_sees_owner` keeps from everyone else until a site admin verifies it).
    preparing: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def member_org_id(self) -> int | None:
        """The organisation whose private records this viewer may see and change: once approved,
        or, for a supplier's founding admin, while the organisation waits for verification."""
        return self.organisation_id if self.approved or self.preparing else None

    @property
    def is_authority_staff(self) -> bool:
        return self.site_admin or (self.approved and self.organisation_kind in AUTHORITY_KINDS)

    @property
    def is_supplier(self) -> bool:
        return self.approved and self.organisation_kind == "supplier"

    @property
    def keeps_supplier(self) -> bool:
        """May prepare a supplier's profile and offerings: an approved member, or the founding
        admin while the organisation waits for verification (`preparing`)."""
        return self.member_org_id is not None and self.organisation_kind == "supplier"


ANONYMOUS = Viewer()


def viewer_for(user: Any, organisation_kind: str | None = None) -> Viewer:
    """Build a Viewer from a signed-in user (or Flask-Login's anonymous user, or None)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    kind = organisation_kind
    if kind is None and user.organisation_id is not None:
        kind = _organisation_kind(user.organisation_id)
    preparing = (
        user.status == "pending"
        and user.role == "admin"
        and kind == "supplier"
        and user.organisation_id is not None
        and _organisation_awaits_verification(user.organisation_id)
    )
    return Viewer(
        user_id=user.id,
        organisation_id=user.organisation_id,
        organisation_kind=kind,
        approved=user.status == "approved",
        org_admin=user.status == "approved" and user.role == "admin",
        site_admin=bool(user.is_site_admin),
        preparing=preparing,
    )


def viewer_as_member_of(organisation_id: int, organisation_kind: str) -> Viewer:
    """An approved member of an organisation: how matching and notifications see on its behalf."""
    return Viewer(user_id=-1, organisation_id=organisation_id, organisation_kind=organisation_kind, approved=True)


def _organisation_awaits_verification(organisation_id: int) -> bool:
    from catalogue.accounts.models import Organisation
    from catalogue.db import get_session

    org = get_session().get(Organisation, organisation_id)
    return org is not None and org.verification == "pending"


def _organisation_kind(organisation_id: int) -> str | None:
    from catalogue.accounts.models import Organisation
    from catalogue.db import get_session

    org = get_session().get(Organisation, organisation_id)
    return org.kind if org else None
