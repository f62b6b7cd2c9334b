"""A tool's answers, checked through ToolSchema: new in the deployment form, or on the tool's
edit page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.errors import NotAllowed, NotFound
from catalogue.records.models import Tool
from catalogue.records.schemas import (
    ToolSchema,
    answer_fields,
)
from catalogue.records.services.common import (
    DRAFT_CONFIRMED,
    TOOL_TEXT_FIELDS,
    _record_override,
    personal_data_problems,
)
from catalogue.refs import new_ref

# The questions about a tool, in ToolSchema's order (its ref is ours; who built it is asked apart).
TOOL_FORM_FIELDS = tuple(f for f in answer_fields(ToolSchema) if f not in ("ref", "developed_by"))
NEW_TOOL_FIELDS = (*TOOL_FORM_FIELDS, "built_here")


def tool_choices(session: Session, viewer: Viewer) -> list[Tool]:
    """The tools this viewer may pick: those the policy lets them see."""
    return list(session.exec(select(Tool).where(access.tool_visible_clause(viewer, Tool)).order_by(Tool.name)))


def visible_tool_id(session: Session, viewer: Viewer, ref: str) -> int | None:
    """The id of the tool with this ref, if the viewer may see it (a ref typed or crafted into a
    form is checked against the same rule as the pick list)."""
    query = select(Tool.id).where(Tool.ref == ref, access.tool_visible_clause(viewer, Tool))
    return session.exec(query).first()


def supplier_choices(session: Session) -> list[Organisation]:
    return list(
        session.exec(
            select(Organisation)
            .where(Organisation.kind == "supplier", access.verified_clause(Organisation))
            .order_by(Organisation.name)
        )
    )


def _remember_confirmation(draft: dict[str, Any], data: Mapping[str, Any], fields: Iterable[str]) -> None:
    from catalogue.personal_data import guard

    if guard(data, list(fields)).override is not None:
        draft[DRAFT_CONFIRMED] = True


def check_tool_answers(
    session: Session,
    viewer: Viewer,
    answers: Mapping[str, Any],
    tool: Tool | None = None,
    confirmed: bool | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A tool's answers (new in the deployment form, or `tool` being edited) through the shared
    ToolSchema: (clean data, {}) or (answers, errors keyed by field). A name is compared only with
    the tools the viewer may see: saying another is taken would tell of a restricted one."""
    from catalogue.forms import load_form

    data, errors = load_form(
        ToolSchema(exclude=("ref", "developed_by")), {k: v for k, v in answers.items() if v not in (None, "", [])}
    )
    errors.update(personal_data_problems(answers, TOOL_TEXT_FIELDS, confirmed=confirmed))
    if answers.get("built_here") == "yes" and answers.get("supplier"):
        errors["supplier"] = "Leave the supplier empty for a tool your organisation built"
    if not errors and answers.get("supplier"):
        kind = session.exec(select(Organisation.kind).where(_named_organisation(answers["supplier"]))).first()
        if kind != "supplier":
            errors["supplier"] = "Choose the supplier from the list"
    if not errors and answers.get("name"):
        name = str(answers["name"]).strip()
        query = select(Tool.id).where(
            sa.func.lower(Tool.name) == name.lower(), access.tool_visible_clause(viewer, Tool)
        )
        if tool is not None:
            query = query.where(Tool.id != tool.id)
        if session.exec(query).first() is not None:
            errors["name"] = (
                f"{name} is already listed. Choose it from the list of tools instead"
                if tool is None
                else f"Another tool is already called {name}. Choose a different name"
            )
    return (data if not errors else dict(answers)), errors


def _named_organisation(ref: str) -> Any:
    # A ref typed or crafted into a form names only an organisation the pick list offers.
    return sa.and_(Organisation.ref == ref, access.verified_clause(Organisation))


def _lines(value: Any) -> list[str]:
    """A textarea (one item a line) or an already split list -> a list without blanks."""
    from catalogue.forms import split_lines

    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else split_lines(value)


def validate_new_tool(
    session: Session, viewer: Viewer, new_tool: Mapping[str, Any], confirmed: bool | None = None
) -> dict[str, str]:
    _, errors = check_tool_answers(session, viewer, new_tool, confirmed=confirmed)
    return {f"new_tool-{k}": v for k, v in errors.items()}


def _tool_values(session: Session, data: Mapping[str, Any]) -> dict[str, Any]:
    """Checked tool answers -> column values (the supplier by ref -> its id)."""
    supplier_id = None
    if data.get("supplier"):
        supplier_id = session.exec(select(Organisation.id).where(_named_organisation(data["supplier"]))).first()
    return {
        "name": data["name"],
        "summary": data.get("summary"),
        "description": data.get("description"),
        "uses_ai": data.get("uses_ai"),
        "categories": data["categories"],
        "delivery": data.get("delivery"),
        "case_management_systems": list(data.get("case_management_systems") or []),
        "supplier_id": supplier_id,
    }


def _create_tool(session: Session, viewer: Viewer, new_tool: Mapping[str, Any], restricted: bool) -> Tool:
    data, _ = check_tool_answers(session, viewer, new_tool, confirmed=True)  # checked with the draft
    tool = Tool(
        ref=new_ref(session, Tool, "tool", data["name"]),
        restricted=restricted,
        developed_by_id=viewer.member_org_id if new_tool.get("built_here") == "yes" else None,
        created_by_id=viewer.user_id,
        added_by_id=viewer.member_org_id,
        **_tool_values(session, data),
    )
    session.add(tool)
    session.flush()
    return tool


# --- tools: the edit page -------------------------------------------------------------------------


def get_editable_tool(session: Session, viewer: Viewer, ref: str) -> Tool:
    """Tools are public; NotFound when there is no such tool, NotAllowed when the policy
    (access.can_change_tool) does not let the viewer change it."""
    tool = session.exec(select(Tool).where(Tool.ref == ref)).first()
    if tool is None or not access.can_view_tool(viewer, tool):
        raise NotFound(ref)
    if not access.can_change_tool(viewer, tool):
        raise NotAllowed(ref)
    return tool


def tool_to_form(session: Session, tool: Tool) -> dict[str, Any]:
    supplier = session.get(Organisation, tool.supplier_id) if tool.supplier_id else None
    return {
        "name": tool.name,
        "summary": tool.summary or "",
        "description": tool.description or "",
        "uses_ai": "" if tool.uses_ai is None else ("true" if tool.uses_ai else "false"),
        "categories": list(tool.categories or []),
        "delivery": tool.delivery or "",
        "supplier": supplier.ref if supplier else "",
        "case_management_systems": "\n".join(tool.case_management_systems or []),
    }


def save_tool(
    session: Session, viewer: Viewer, ref: str, form: Mapping[str, Any]
) -> tuple[Tool | None, dict[str, str]]:
    """Change a tool from the edit page's answers, in the caller's transaction (the flush hook
    writes the audit trail): (tool, {}) or (None, field errors)."""
    tool = get_editable_tool(session, viewer, ref)
    answers = {k: form.get(k) for k in TOOL_FORM_FIELDS}
    answers["case_management_systems"] = _lines(form.get("case_management_systems"))
    data, errors = check_tool_answers(session, viewer, answers, tool)
    if errors:
        return None, errors
    values = _tool_values(session, data)
    if values["supplier_id"] != tool.supplier_id and not access.can_change_tool_supplier(viewer):
        # Otherwise an editor could hand the tool (and the right to change it, and its evidence)
        # to a supplier: a supplier claims a tool instead (catalogue.records.tool_claims).
        return None, {"supplier": "Only a site administrator can change the supplier of this tool"}
    for key, value in values.items():
        if getattr(tool, key) != value:
            setattr(tool, key, value)
    session.flush()
    _record_override(session, answers, TOOL_TEXT_FIELDS, tool)
    return tool, {}
