"""The evidence records: tools (public catalogue entries, seen through their records) and the
records with a visibility (deployments, single views), who sees and who changes them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from catalogue.access.organisations import _owner_clause, _sees_owner
from catalogue.access.viewer import ANONYMOUS, Viewer


def can_view_tool(viewer: Viewer, tool: Any) -> bool:
    """Tools are public catalogue entries, unless sold or built by an unverified organisation, or
    first known through a private or authorities-only record (`tool.restricted`): such a tool is
    seen only by those who may see one of its deployments or single views, and by the members of
    the organisations named as its supplier or builder, until a public record (a public
    deployment or single view, a verified supplier's published offering) makes it public."""
    if not (
        _sees_owner(viewer, getattr(tool, "supplier_id", None))
        and _sees_owner(viewer, getattr(tool, "developed_by_id", None))
    ):
        return False
    if viewer.site_admin or not getattr(tool, "restricted", False):
        return True
    org = viewer.member_org_id
    if org is not None and org in (getattr(tool, "supplier_id", None), getattr(tool, "developed_by_id", None)):
        return True
    if getattr(tool, "id", None) is None:
        return False
    from catalogue.db import get_session

    # The same clause the lists use, so a page and a list never disagree.
    query = sa.select(_TOOL.c.id).where(_TOOL.c.id == tool.id, _tool_records_clause(viewer, _TOOL.c))
    return get_session().execute(query).first() is not None


# Alias: the name the tool-visibility rule goes by in the issue and its tests.
can_see_tool = can_view_tool

_TOOL = sa.table("tool", sa.column("id"), sa.column("supplier_id"), sa.column("developed_by_id"))
_KEPT_COLUMNS = ("tool_id", "visibility", "organisation_id", "withdrawn_at")
_DEPLOYMENT = sa.table("deployment", *(sa.column(c) for c in _KEPT_COLUMNS))
_SINGLE_VIEW = sa.table("single_view", *(sa.column(c) for c in _KEPT_COLUMNS))
_OFFERING = sa.table(
    "offering", sa.column("tool_id"), sa.column("status"), sa.column("supplier_id"), sa.column("withdrawn_at")
)


def _tool_records_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """A restricted tool this viewer may see: one of its records is visible to the viewer (a
    public one is visible to all), a verified supplier offers it, or the viewer's organisation is
    named as its supplier or builder."""
    parts: list[sa.ColumnElement[bool]] = []
    for table in (_DEPLOYMENT, _SINGLE_VIEW):
        record = table.alias()
        parts.append(sa.exists().where(record.c.tool_id == model.id, visible_clause(viewer, record.c)))
    offering = _OFFERING.alias()
    parts.append(
        sa.exists().where(
            offering.c.tool_id == model.id,
            offering.c.status == "published",
            offering.c.withdrawn_at.is_(None),
            _owner_clause(ANONYMOUS, offering.c.supplier_id),
        )
    )
    if viewer.member_org_id is not None:
        parts += [model.supplier_id == viewer.member_org_id, model.developed_by_id == viewer.member_org_id]
    return sa.or_(*parts)


def tool_visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """`can_view_tool` as a query filter: lists, counts, exports, the API and pickers."""
    clause = _owner_clause(viewer, model.supplier_id, model.developed_by_id)
    if viewer.site_admin:
        return clause
    return sa.and_(clause, sa.or_(sa.not_(model.restricted), _tool_records_clause(viewer, model)))


def tool_index_visibility(
    tool: Any, records: list[tuple[str, int]], offered: bool, unverified: frozenset[int] | set[int]
) -> tuple[str, tuple[int, ...]]:
    """Where a restricted tool stands in the search index: (visibility, owner ids), a document
    being visible to grant (level, org) when level matches and org is None or among the owners.
    `records` are (visibility, owner) of its deployments and single views; `offered` says a
    verified supplier publishes an offering of it."""
    named = {o for o in (tool.supplier_id, tool.developed_by_id) if o is not None}
    # A record of an unverified organisation is seen by its own members only.
    records = [("private", org) if org in unverified else (vis, org) for vis, org in records]
    if offered or any(vis == "public" for vis, _ in records):
        return "public", ()
    owners = tuple(sorted(named | {org for _, org in records}))
    return ("authorities" if any(vis == "authorities" for vis, _ in records) else "private"), owners


# --- records with a visibility (deployments, single views) ------------------------------------


def visible_levels(viewer: Viewer) -> tuple[str, ...]:
    """Visibility levels this viewer sees for every organisation's records."""
    if viewer.site_admin:
        return ("public", "authorities", "private")
    if viewer.is_authority_staff:
        return ("public", "authorities")
    return ("public",)


def visibility_grants(viewer: Viewer) -> list[tuple[str, int | None]]:
    """The policy as data, for engines that cannot take a SQL clause (the search index):
    a record is visible when (visibility, None) or (visibility, its owner id) is in the list."""
    grants: list[tuple[str, int | None]] = [(level, None) for level in visible_levels(viewer)]
    if viewer.member_org_id is not None and not viewer.site_admin:
        grants.append(("private", viewer.member_org_id))
        if not viewer.is_authority_staff:
            # A supplier's own records marked 'authorities' are still its own.
            grants.append(("authorities", viewer.member_org_id))
    return grants


def grants_allow(viewer: Viewer, visibility: str | None, owners: str | None) -> bool:
    """May this viewer see a record stored as (visibility, owner ids space-separated), as the
    search index and the change log keep it (index_visibility)? None: nothing known, so no."""
    if visibility is None:
        return False
    held = set((owners or "").split())
    return any(level == visibility and (org is None or str(org) in held) for level, org in visibility_grants(viewer))


def can_view(viewer: Viewer, record: Any) -> bool:
    if is_withdrawn(record):
        return False  # gone for everyone; its owner and site admins get a notice (can_see_withdrawn)
    visibility = getattr(record, "visibility", "public")
    owner = getattr(record, "organisation_id", None)
    if not any(level == visibility and (org is None or org == owner) for level, org in visibility_grants(viewer)):
        return False
    return _sees_owner(viewer, owner)


def visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """SQL filter for a model with `visibility` and `organisation_id` columns."""
    parts = []
    for level, org in visibility_grants(viewer):
        if org is None:
            parts.append(model.visibility == level)
        else:
            parts.append(sa.and_(model.visibility == level, model.organisation_id == org))
    return sa.and_(sa.or_(*parts), _owner_clause(viewer, model.organisation_id), not_withdrawn_clause(model))


# --- withdrawn records: gone from every page, list, count, export, match and API answer -----------


def is_withdrawn(record: Any) -> bool:
    return getattr(record, "withdrawn_at", None) is not None


def not_withdrawn_clause(model: Any) -> sa.ColumnElement[bool]:
    """`is_withdrawn` as a query filter (true for a model that cannot be withdrawn)."""
    column = getattr(model, "withdrawn_at", None)
    return sa.true() if column is None else column.is_(None)


def can_see_withdrawn(viewer: Viewer, record: Any) -> bool:
    """Who is told that a withdrawn record was withdrawn (and why): its owner's members and site
    admins. Everyone else finds nothing there."""
    return is_withdrawn(record) and (
        viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == record.organisation_id)
    )


def can_withdraw(viewer: Viewer, record: Any) -> bool:
    """Withdraw with a reason: approved members of the owning organisation (or a site admin)."""
    return not is_withdrawn(record) and can_change(viewer, record)


def can_delete(viewer: Viewer) -> bool:
    """Delete any record (moderation, recorded with the reason like a withdrawal): site admins."""
    return viewer.site_admin


def can_confirm(viewer: Viewer, record: Any) -> bool:
    """Say a record is still true: approved members of the owning organisation only (a site admin
    cannot vouch for another organisation's experience)."""
    return (
        not is_withdrawn(record)
        and viewer.member_org_id is not None
        and viewer.approved
        and viewer.member_org_id == record.organisation_id
    )


def can_ask_peer(viewer: Viewer, record: Any) -> bool:
    """ "Ask about this experience": approved staff of another authority, provider, partnership or
    government body (suppliers use a challenge's public Q&A instead)."""
    return (
        viewer.is_authority_staff
        and viewer.member_org_id is not None
        and viewer.member_org_id != record.organisation_id
    )


def can_change(viewer: Viewer, record: Any) -> bool:
    """Approved members of the owning organisation, or a site admin moderating."""
    if viewer.site_admin:
        return True
    owner = getattr(record, "organisation_id", None)
    return viewer.member_org_id is not None and owner is not None and owner == viewer.member_org_id


# Partnerships (regional alliances, adoption agencies, care cooperatives) pilot tools for their
# members and record them like authorities do, under the same visibility rules.
EVIDENCE_AUTHOR_KINDS = ("local-authority", "provider", "partnership")


def can_author_evidence(viewer: Viewer) -> bool:
    """May record deployments and single views: approved staff of an authority, provider or partnership."""
    return viewer.approved and viewer.organisation_kind in EVIDENCE_AUTHOR_KINDS


# --- tools: public catalogue entries ----------------------------------------------------------


def can_change_tool(viewer: Viewer, tool: Any) -> bool:
    """The supplier that sells it, the organisation that built it, the organisation that added it
    to the catalogue (`added_by_id`: an authority recording a deployment), or a site admin. Other
    authorities do not: a supplier claims a tool through `can_claim_tool`, never by being handed
    it; the audit trail keeps every change."""
    if viewer.site_admin:
        return True
    org = viewer.member_org_id
    if org is None:
        return False
    return org in {o for o in (tool.supplier_id, tool.developed_by_id, getattr(tool, "added_by_id", None)) if o}


def can_change_tool_supplier(viewer: Viewer) -> bool:
    """Who sells a tool is set when it is added, or by a site admin (approving a claim)."""
    return viewer.site_admin


def can_claim_tool(viewer: Viewer, tool: Any) -> bool:
    """Ask a site admin to record that this supplier sells a tool: approved suppliers, for a
    tool nobody sells and no organisation built itself."""
    return viewer.is_supplier and tool.supplier_id is None and tool.developed_by_id is None


def can_decide_tool_claims(viewer: Viewer) -> bool:
    return viewer.site_admin


def can_sell_tool(supplier_id: int | None, tool: Any) -> bool:
    """May an offering of this supplier name the tool it sells? Only a tool nobody has claimed
    (no supplier, and not built by an organisation itself), or one this supplier sells: linking
    a competitor's tool, or a tool an authority built, would borrow its deployments and let the
    supplier ask for references on them."""
    if supplier_id is not None and tool.supplier_id == supplier_id:
        return True
    return tool.supplier_id is None and tool.developed_by_id is None
