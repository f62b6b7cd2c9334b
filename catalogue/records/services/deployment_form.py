"""The guided deployment form: its question pages, the draft kept between them, checking the
whole draft and saving it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.db import utcnow
from catalogue.errors import NotAllowed
from catalogue.records.models import Deployment, Tool
from catalogue.records.schemas import (
    DEPLOYMENT_FIELDS,
    RESOURCE_FIELDS,
    DeploymentSchema,
)
from catalogue.records.services.common import (
    DEPLOYMENT_TEXT_FIELDS,
    TOOL_TEXT_FIELDS,
    _draft_confirmed,
    _record_override,
    personal_data_problems,
)
from catalogue.records.services.deployments import get_visible_deployment
from catalogue.records.services.tool_form import (
    NEW_TOOL_FIELDS,
    _create_tool,
    _lines,
    _remember_confirmation,
    validate_new_tool,
    visible_tool_id,
)
from catalogue.refs import new_ref

# --- deployments: the guided form ----------------------------------------------------------------

# The question pages, in order. Each names the fields it asks for.
STEPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("tool", "Which tool is it?", ("tool_choice", "tool", "new_tool")),
    ("stage", "What stage is it at?", ("stage", "started", "ended")),
    ("about", "What it does and its impact", ("summary", "impact", "learnings", "barriers")),
    ("dropped", "Why was it dropped?", ("dropped_reasons", "dropped_detail")),
    ("safeguards", "Risks, ethics and safeguards", ("risk_assessment", "ethics_checks", "safeguards")),
    ("evaluation", "Evaluation", ("evaluation", "evaluator", "evaluation_findings")),
    ("resources", "Staff time and money", ("resources",)),
    ("visibility", "Who can see this record?", ("visibility",)),
]
STEP_NAMES = [s[0] for s in STEPS]
STEP_TITLES = {s[0]: s[1] for s in STEPS}
STEP_FIELDS = {s[0]: s[2] for s in STEPS}
REQUIRED_BY_STEP = {"tool": ("tool",), "stage": ("stage",)}


def steps_for(draft: Mapping[str, Any]) -> list[str]:
    """The question pages this draft needs: 'dropped' only for a dropped tool."""
    return [s for s in STEP_NAMES if s != "dropped" or draft.get("stage") == "dropped"]


def next_step(draft: Mapping[str, Any], step: str) -> str:
    """The page after `step`: the next question, or 'check' (check your answers)."""
    if draft.get("_reviewed"):
        if step == "stage" and draft.get("stage") == "dropped" and not draft.get("dropped_reasons"):
            return "dropped"  # newly dropped from the check page: ask why before going back to it
        return "check"
    names = steps_for(draft)
    if step not in names:
        return names[0]
    index = names.index(step)
    return names[index + 1] if index + 1 < len(names) else "check"


def _tool_step(session: Session, viewer: Viewer, draft: dict[str, Any], form: Mapping[str, Any]) -> dict[str, str]:
    choice = form.get("tool_choice")
    if choice not in ("existing", "new"):
        return {"tool_choice": "Choose whether the tool is already listed or is a new one"}
    draft["tool_choice"] = choice
    if choice == "existing":
        ref = form.get("tool") or ""
        draft["tool"] = ref
        draft.pop("new_tool", None)
        if not ref:
            return {"tool": "Choose the tool"}
        if visible_tool_id(session, viewer, ref) is None:
            return {"tool": "Choose a tool from the list"}
        return already_recorded(session, viewer, visible_tool_id(session, viewer, ref), draft.get("_ref"))
    new_tool = {name: form.get(f"new_tool-{name}") for name in NEW_TOOL_FIELDS}
    new_tool["categories"] = list(form.get("new_tool-categories") or [])
    new_tool["case_management_systems"] = _lines(form.get("new_tool-case_management_systems"))
    draft["new_tool"] = new_tool
    draft.pop("tool", None)
    errors = validate_new_tool(session, viewer, new_tool, confirmed=_draft_confirmed(draft))
    _remember_confirmation(draft, new_tool, TOOL_TEXT_FIELDS)
    return errors


def already_recorded(session: Session, viewer: Viewer, tool_id: int | None, own_ref: str | None = None) -> dict:
    """A tool the organisation has recorded already: offer its record instead of a second one."""
    from markupsafe import Markup, escape

    if tool_id is None or viewer.member_org_id is None:
        return {}
    # Asked when a record is added or moved to another tool: an organisation that already keeps
    # two records of one tool (two teams, say) can still edit each of them.
    if own_ref and session.exec(select(Deployment.tool_id).where(Deployment.ref == own_ref)).first() == tool_id:
        return {}
    query = select(Deployment.ref).where(
        Deployment.organisation_id == viewer.member_org_id, Deployment.tool_id == tool_id
    )
    if own_ref:
        query = query.where(Deployment.ref != own_ref)
    ref = session.exec(query).first()
    if ref is None:
        return {}
    tool = session.get(Tool, tool_id)
    return {
        "tool": Markup(
            '{} is already recorded by your organisation. <a class="govuk-link" href="/deployments/{}/edit">'
            "Update that record</a> instead of adding another"
        ).format(escape(tool.name if tool else "This tool"), escape(ref))
    }


def _schema_data(draft: Mapping[str, Any]) -> dict[str, Any]:
    """The draft in the shape DeploymentSchema loads (no ref or organisation: those are ours)."""
    data = {k: v for k, v in draft.items() if not k.startswith("_") and k not in ("tool_choice", "new_tool")}
    if draft.get("tool_choice") == "new":
        # Validated separately; a placeholder ref satisfies the schema's `tool` field.
        data["tool"] = "new-tool"
    return data


def apply_step(
    session: Session, viewer: Viewer, draft: dict[str, Any], step: str, form: Mapping[str, Any]
) -> dict[str, str]:
    """Merge one question page's answers into the draft and check them; field errors or {}."""
    if step == "tool":
        return _tool_step(session, viewer, draft, form)
    fields = STEP_FIELDS[step]
    for name in fields:
        if name == "resources":
            draft["resources"] = {k: form.get(f"resources-{k}", "") for k in RESOURCE_FIELDS}
        elif name in ("dropped_reasons", "ethics_checks"):
            draft[name] = list(form.get(name) or [])
        else:
            draft[name] = form.get(name, "")
    if step == "stage" and draft.get("stage") != "dropped":
        # Reasons belong to dropped tools only; the question is skipped for the others.
        draft.pop("dropped_reasons", None)
        draft.pop("dropped_detail", None)
    partial = tuple(f for f in ("tool", "stage") if f not in REQUIRED_BY_STEP.get(step, ()))
    schema = DeploymentSchema(exclude=("ref", "organisation"), partial=partial)
    from catalogue.forms import load_form

    _, errors = load_form(schema, _schema_data(draft))
    prefixes = tuple(fields)
    step_errors = {k: v for k, v in errors.items() if k.split("-", 1)[0] in prefixes}
    checked = [f for f in fields if f in DEPLOYMENT_TEXT_FIELDS]
    step_errors.update(personal_data_problems(draft, checked, confirmed=_draft_confirmed(draft)))
    _remember_confirmation(draft, draft, checked)
    return step_errors


def draft_from_deployment(session: Session, deployment: Deployment) -> dict[str, Any]:
    tool = session.get(Tool, deployment.tool_id)
    draft: dict[str, Any] = {"tool_choice": "existing", "tool": tool.ref if tool else "", "_reviewed": True}
    for name in DEPLOYMENT_FIELDS:
        value = getattr(deployment, name)
        if name in ("dropped_reasons", "ethics_checks"):
            draft[name] = list(value or [])
        else:
            draft[name] = "" if value is None else value
    draft["resources"] = {
        k: ("" if getattr(deployment, k) is None else _number_text(getattr(deployment, k))) for k in RESOURCE_FIELDS
    }
    return draft


def resource_summary(resources: Mapping[str, Any]) -> dict[str, str]:
    """Each phase's staff time and money as the check page shows them: amounts read the way the
    schema reads them ('£1,000' is 1000 pounds, shown '£1,000'); one it cannot read as typed."""
    from catalogue.records.schemas import ResourcesSchema
    from catalogue.templating import format_money

    fields = ResourcesSchema().fields
    out: dict[str, str] = {}
    for phase in ("develop", "implement", "maintain"):
        parts = []
        for unit in ("fte", "gbp"):
            typed = resources.get(f"{phase}_{unit}")
            if typed in (None, ""):
                continue
            try:
                number = fields[f"{phase}_{unit}"].deserialize(typed)
            except ValidationError:
                parts.append(str(typed))
                continue
            parts.append(f"{_number_text(number)} FTE" if unit == "fte" else format_money(number))
        out[phase] = ", ".join(parts)
    return out


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_draft(session: Session, viewer: Viewer, draft: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the whole draft: (clean data, {}) or ({}, errors keyed by field)."""
    from catalogue.forms import load_form

    errors: dict[str, str] = {}
    if draft.get("tool_choice") == "new":
        errors.update(validate_new_tool(session, viewer, draft.get("new_tool") or {}, _draft_confirmed(draft)))
    elif not draft.get("tool") or visible_tool_id(session, viewer, draft["tool"]) is None:
        errors["tool"] = "Choose the tool"
    data, schema_errors = load_form(DeploymentSchema(exclude=("ref", "organisation")), _schema_data(draft))
    errors.update(schema_errors)
    errors.update(personal_data_problems(draft, DEPLOYMENT_TEXT_FIELDS, confirmed=_draft_confirmed(draft)))
    return (data if not errors else {}), errors


def save_deployment(
    session: Session, viewer: Viewer, draft: Mapping[str, Any], ref: str | None = None
) -> tuple[Deployment | None, dict[str, str]]:
    """Create (ref None) or change a deployment from a checked draft, in the caller's transaction."""
    if ref is None:
        if not access.can_author_evidence(viewer):
            raise NotAllowed("record deployments")
        deployment = None
    else:
        deployment = get_visible_deployment(session, viewer, ref)
        if not access.can_change(viewer, deployment):
            raise NotAllowed(ref)
    data, errors = check_draft(session, viewer, draft)
    if not errors and draft.get("tool_choice") != "new":
        errors = already_recorded(session, viewer, visible_tool_id(session, viewer, data["tool"]), ref)
    if errors:
        return None, errors
    if draft.get("tool_choice") == "new":
        # Entered inside a private or authorities-only record, it stays with that record.
        tool = _create_tool(session, viewer, draft["new_tool"], restricted=data.get("visibility") != "public")
        _record_override(session, draft["new_tool"], TOOL_TEXT_FIELDS, tool, _draft_confirmed(draft))
    else:
        tool = session.exec(select(Tool).where(Tool.ref == data["tool"])).one()
    # The schema's fields (catalogue.records.schemas.DEPLOYMENT_FIELDS); its lists are never None.
    values: dict[str, Any] = {name: data.get(name) for name in DEPLOYMENT_FIELDS}
    values["dropped_reasons"] = data.get("dropped_reasons") or []
    values["ethics_checks"] = data.get("ethics_checks") or []
    resources = data.get("resources") or {}
    values.update({k: resources.get(k) for k in RESOURCE_FIELDS})
    values["tool_id"] = tool.id
    if deployment is None:
        org = session.get(Organisation, viewer.member_org_id)
        deployment = Deployment(
            ref=new_ref(session, Deployment, "dep", org.ref if org else "", tool.ref.removeprefix("tool-")),
            organisation_id=viewer.member_org_id,
            created_by_id=viewer.user_id,
            **values,
        )
        session.add(deployment)
        session.flush()
        # Followers of the tool hear about it in the same transaction (the policy filters who).
        from catalogue.notifications.services import on_deployment_created

        on_deployment_created(session, deployment)
    else:
        before = {"stage": deployment.stage, "visibility": deployment.visibility}
        for key, value in values.items():
            if getattr(deployment, key) != value:
                setattr(deployment, key, value)
        deployment.updated_at = utcnow()
        session.flush()
        _tell_followers_of_change(session, viewer, deployment, before)
    session.flush()
    _record_override(session, draft, DEPLOYMENT_TEXT_FIELDS, deployment, _draft_confirmed(draft))
    return deployment, {}


def _tell_followers_of_change(
    session: Session, viewer: Viewer, deployment: Deployment, before: Mapping[str, str]
) -> None:
    """Followers of the tool hear when a deployment moves stage (pilot -> dropped, say), and those
    who could not see it before hear when it is shared with them. notify() drops everyone the
    policy does not let see the record as it now is, so nothing reaches anyone it may not."""
    from types import SimpleNamespace

    from catalogue.notifications.services import Unsubscribe, followers, notify

    stage_changed = deployment.stage != before["stage"]
    if not stage_changed and deployment.visibility == before["visibility"]:
        return
    tool = session.get(Tool, deployment.tool_id)
    org = session.get(Organisation, deployment.organisation_id)
    users = [u for u in followers(session, "tool", deployment.tool_id) if u.id != viewer.user_id]
    if tool is None or org is None or not users:
        return
    new_stage = vocabulary.label(vocabulary.STAGES, deployment.stage)
    if stage_changed:
        old_stage = vocabulary.label(vocabulary.STAGES, before["stage"])
        subject = f"{org.name} changed its record of {tool.name}: now ‘{new_stage}’ (was ‘{old_stage}’)"
        topic = "deployment-stage"
    else:
        earlier = SimpleNamespace(visibility=before["visibility"], organisation_id=deployment.organisation_id)
        users = [u for u in users if not access.can_view(access.viewer_for(u), earlier)]
        subject = f"{org.name} shared its record of {tool.name}"
        topic = "deployment-shared"
    body = f"{org.name}'s record of {tool.name} (stage: {new_stage})."
    if deployment.stage == "dropped" and deployment.dropped_reasons:
        reasons = ", ".join(vocabulary.label(vocabulary.DROPPED_REASONS, r) for r in deployment.dropped_reasons)
        body += f"\nWhy it was dropped: {reasons}."
    if deployment.summary:
        body += f"\n\n{deployment.summary}"
    url, unsubscribe = f"/deployments/{deployment.ref}", Unsubscribe("follow", "tool", tool.id)
    notify(
        session, users, subject, body, url, record=deployment, kind="deployment", unsubscribe=unsubscribe, topic=topic
    )
