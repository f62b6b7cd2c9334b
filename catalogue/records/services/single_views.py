"""Single views: reading one, and saving one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.errors import NotAllowed, NotFound
from catalogue.records.models import SingleView, Tool
from catalogue.records.schemas import (
    SingleViewSchema,
)
from catalogue.records.services.common import SINGLE_VIEW_TEXT_FIELDS, _record_override, personal_data_problems
from catalogue.records.services.tool_form import visible_tool_id
from catalogue.refs import new_ref

# --- single views ----------------------------------------------------------------------------------


def get_visible_single_view(session: Session, viewer: Viewer, ref: str) -> SingleView:
    view = session.exec(select(SingleView).where(SingleView.ref == ref)).first()
    if view is None or not access.can_view(viewer, view):
        raise NotFound(ref)
    return view


def single_view_to_form(session: Session, view: SingleView) -> dict[str, Any]:
    tool = session.get(Tool, view.tool_id) if view.tool_id else None
    return {
        "status": view.status,
        "sources": list(view.sources or []),
        "other_sources": view.other_sources or "",
        "tool": tool.ref if tool else "",
        "documentation": view.documentation or "",
        "visibility": view.visibility,
    }


def save_single_view(
    session: Session, viewer: Viewer, form: Mapping[str, Any], ref: str | None = None
) -> tuple[SingleView | None, dict[str, str]]:
    """Create (ref None) or change a single view; (record, {}) or (None, field errors)."""
    from catalogue.forms import load_form

    if ref is None:
        if not access.can_author_evidence(viewer):
            raise NotAllowed("record single views")
        view = None
    else:
        view = get_visible_single_view(session, viewer, ref)
        if not access.can_change(viewer, view):
            raise NotAllowed(ref)
    data, errors = load_form(SingleViewSchema(exclude=("ref", "organisation")), form)
    errors.update(personal_data_problems(form, SINGLE_VIEW_TEXT_FIELDS))
    tool_id = None
    if not errors and data.get("tool"):
        tool_id = visible_tool_id(session, viewer, data["tool"])
        if tool_id is None:
            errors["tool"] = "Choose a tool from the list"
    if errors:
        return None, errors
    values = {
        "status": data["status"],
        "sources": data.get("sources") or [],
        "other_sources": data.get("other_sources"),
        "tool_id": tool_id,
        "documentation": data.get("documentation"),
        "visibility": data["visibility"],
    }
    if view is None:
        org = session.get(Organisation, viewer.member_org_id)
        view = SingleView(
            ref=new_ref(session, SingleView, "sv", org.ref if org else "", "single-view"),
            organisation_id=viewer.member_org_id,
            created_by_id=viewer.user_id,
            **values,
        )
        session.add(view)
    else:
        for key, value in values.items():
            if getattr(view, key) != value:
                setattr(view, key, value)
    session.flush()
    _record_override(session, form, SINGLE_VIEW_TEXT_FIELDS, view)
    return view, {}
