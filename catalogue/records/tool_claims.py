"""A supplier claims a tool nobody sells (access.can_claim_tool); a site admin approves, and the
tool becomes the supplier's, or rejects. Nobody else hands a tool to a supplier (save_tool
refuses a supplier change from anyone but a site admin). Every step is audited (the models are
__audited__) and told by notification and email through the outbox."""

from __future__ import annotations

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid, NotAllowed
from catalogue.notifications.services import notify
from catalogue.records.models import Tool, ToolClaim


class ClaimError(Invalid):
    """A claim that cannot be made or decided, with the message to show."""


class ClaimNotAllowed(NotAllowed):
    """The viewer may not do this (the page answers 403)."""


def _user_id(viewer: Viewer) -> int | None:
    return viewer.user_id if viewer.user_id and viewer.user_id > 0 else None


def open_claim(session: Session, tool_id: int, supplier_id: int) -> ToolClaim | None:
    return session.exec(
        select(ToolClaim).where(
            ToolClaim.tool_id == tool_id, ToolClaim.supplier_id == supplier_id, ToolClaim.status == "requested"
        )
    ).first()


def claim_tool(session: Session, viewer: Viewer, tool: Tool, note: str | None = None) -> ToolClaim:
    if not access.can_claim_tool(viewer, tool):
        raise ClaimNotAllowed
    if open_claim(session, tool.id, viewer.member_org_id) is not None:
        raise ClaimError("Your organisation has already claimed this tool; a site administrator will answer")
    claim = ToolClaim(tool_id=tool.id, supplier_id=viewer.member_org_id, note=note, requested_by_id=_user_id(viewer))
    session.add(claim)
    session.flush()
    supplier = session.get(Organisation, viewer.member_org_id)
    admins = session.exec(select(User).where(User.is_site_admin.is_(True), User.status == "approved")).all()
    notify(
        session,
        admins,
        f"{supplier.name} claims {tool.name}",
        f"{supplier.name} says it sells {tool.name} and asks to be recorded as its supplier. "
        "Approve or reject the claim.",
        "/tools/claims",
        record=tool,
        kind="tool",
        topic="tool-claim",
    )
    return claim


def pending_claims(session: Session, viewer: Viewer) -> list[tuple[ToolClaim, Tool, Organisation]]:
    if not access.can_decide_tool_claims(viewer):
        raise ClaimNotAllowed
    rows = session.exec(
        select(ToolClaim, Tool, Organisation)
        .join(Tool, Tool.id == ToolClaim.tool_id)
        .join(Organisation, Organisation.id == ToolClaim.supplier_id)
        .where(ToolClaim.status == "requested")
        .order_by(ToolClaim.requested_at)
    ).all()
    return [(c, t, o) for c, t, o in rows]


def decide_claim(session: Session, viewer: Viewer, claim_id: int, approve: bool) -> ToolClaim:
    if not access.can_decide_tool_claims(viewer):
        raise ClaimNotAllowed
    claim = session.get(ToolClaim, claim_id)
    if claim is None or claim.status != "requested":
        raise ClaimError("That claim is not waiting for an answer")
    tool = session.get(Tool, claim.tool_id)
    if approve and (tool.supplier_id is not None or tool.developed_by_id is not None):
        raise ClaimError(f"{tool.name} already has a supplier or was built by an organisation itself")
    claim.status = "approved" if approve else "rejected"
    claim.decided_at = utcnow()
    claim.decided_by_id = _user_id(viewer)
    session.add(claim)
    if approve:
        tool.supplier_id = claim.supplier_id
        session.add(tool)
    members = session.exec(
        select(User).where(User.organisation_id == claim.supplier_id, User.status == "approved")
    ).all()
    answer = "approved" if approve else "rejected"
    notify(
        session,
        members,
        f"Your claim to {tool.name} was {answer}",
        f"A site administrator {answer} your organisation's claim to be the supplier of {tool.name}.",
        f"/tools/{tool.ref}",
        record=tool,
        kind="tool",
        topic="tool-claim-answered",
    )
    return claim
