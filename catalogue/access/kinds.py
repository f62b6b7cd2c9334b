"""The policy by kind of record: as stored beside each search document, and as notifications
and supplier references ask it."""

from __future__ import annotations

from typing import Any

from catalogue.access.market import can_view_challenge, can_view_offering, challenge_is_public
from catalogue.access.organisations import can_view_organisation
from catalogue.access.records import can_view, can_view_tool, tool_index_visibility
from catalogue.access.viewer import Viewer

# --- the policy as stored beside each search document ------------------------------------------


def index_visibility(
    kind: str,
    record: Any,
    unverified: frozenset[int] | set[int] = frozenset(),
    tool_records: list[tuple[str, int]] | None = None,
    offered: bool = False,
) -> tuple[str, int | None | tuple[int, ...]]:
    """(visibility, owner organisation id) to store with a record in the search index, so that
    `visibility_grants(viewer)` filters hits and facet counts exactly as `can_view*` does.
    Drafts (offerings, challenges) are stored as private to their owner, and so is every record
    of an organisation in `unverified` (the ids of unverified organisations among its owners):
    verifying the organisation re-indexes them (search.documents.dependents). A restricted tool
    stands with its records (`tool_records`, `offered`: see `tool_index_visibility`)."""
    if kind == "tool":
        owners = [o for o in (record.supplier_id, record.developed_by_id) if o is not None and o in unverified]
        if owners:
            return "private", owners[0]
        if getattr(record, "restricted", False):
            return tool_index_visibility(record, tool_records or [], offered, unverified)
        return "public", None
    owner = {"offering": "supplier_id", "challenge": "owner_id"}.get(kind, "organisation_id")
    if getattr(record, owner, None) in unverified:
        return "private", getattr(record, owner)
    if kind in ("deployment", "single_view"):
        return record.visibility, record.organisation_id
    if kind == "offering":
        return ("public", record.supplier_id) if record.status == "published" else ("private", record.supplier_id)
    if kind == "challenge":
        published = challenge_is_public(record)
        return ("public", record.owner_id) if published else ("private", record.owner_id)
    return "public", None


# --- notifications and supplier references ------------------------------------------------------


def can_view_kind(viewer: Viewer, kind: str | None, record: Any, co_sponsor_ids: frozenset[int] = frozenset()) -> bool:
    """May this viewer see `record` of this kind (the search kinds: tool, deployment, single_view,
    offering, challenge)? Notifications ask this for every recipient; no record means nothing to hide."""
    if record is None:
        return True
    if kind in ("deployment", "single_view"):
        return can_view(viewer, record)
    if kind == "offering":
        return can_view_offering(viewer, record)
    if kind == "challenge":
        return can_view_challenge(viewer, record, co_sponsor_ids)
    if kind == "tool":
        return can_view_tool(viewer, record)
    if kind == "organisation":
        return can_view_organisation(viewer, record)
    raise ValueError(f"no visibility rule for records of kind {kind!r}")


def can_answer_reference(viewer: Viewer, reference: Any) -> bool:
    """Confirm or decline a supplier's reference: approved members of the cited organisation only
    (not site admins: a reference is that organisation's own word)."""
    return viewer.member_org_id is not None and viewer.member_org_id == reference.organisation_id
