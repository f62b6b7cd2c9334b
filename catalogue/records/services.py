"""The evidence catalogue's rules: browsing tools and deployments, single pages, and saving
deployments and single views. Plain functions taking a session and a viewer; every visibility
decision goes through catalogue.access."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlmodel import Session, select

from catalogue import access, features, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, PartnershipMember
from catalogue.cfe_models import CfeResponse
from catalogue.db import utcnow
from catalogue.errors import NotAllowed, NotFound
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import (
    DEPLOYMENT_FIELDS,
    ORGANISATION_PROFILE_FIELDS,
    RESOURCE_FIELDS,
    DeploymentSchema,
    OrganisationProfileSchema,
    SingleViewSchema,
    ToolSchema,
    answer_fields,
)
from catalogue.refs import new_ref

log = logging.getLogger(__name__)

PAGE_SIZE = 50

# Free-text fields checked for personal data about children and families before saving.
DEPLOYMENT_TEXT_FIELDS = (
    "summary",
    "impact",
    "learnings",
    "barriers",
    "dropped_detail",
    "risk_assessment",
    "safeguards",
    "evaluator",
    "evaluation_findings",
)
TOOL_TEXT_FIELDS = ("summary", "description")
SINGLE_VIEW_TEXT_FIELDS = ("other_sources", "documentation")
# The contact fields are the organisation's own staff; the rest is read by everyone.
ORGANISATION_TEXT_FIELDS = ("case_management_system",)


# --- links from feature packages (the core never imports them) --------------------------------


def offerings_for_tool(session: Session, viewer: Viewer, tool_id: int) -> list[Any]:
    """What the registered tool listers (catalogue.features.add_tool_lister) offer for the tool page."""
    found: list[Any] = []
    for lister in features.tool_listers():
        found.extend(lister(session, viewer, tool_id))
    return found


# --- personal data -------------------------------------------------------------------------------


# A deployment draft remembers that its writer said a step's text is not about a real person,
# so the final save (on another page) honours it.
DRAFT_CONFIRMED = "_not_real_person"


def personal_data_problems(
    data: Mapping[str, Any], fields: Iterable[str], prefix: str = "", confirmed: bool | None = None
) -> dict[str, str]:
    """Findings of the personal-data check as field errors (`confirmed` None: as the request says)."""
    from catalogue.personal_data import guard

    return guard(data, list(fields), confirmed=confirmed, prefix=prefix).problems


def _draft_confirmed(draft: Mapping[str, Any]) -> bool | None:
    return True if draft.get(DRAFT_CONFIRMED) else None


def _record_override(
    session: Session, data: Mapping[str, Any], fields: Iterable[str], record: Any, confirmed: bool | None = None
) -> None:
    """Audit what the writer confirmed was not about a real person, now the record has its id."""
    from catalogue.personal_data import guard, record_override

    record_override(session, guard(data, list(fields), confirmed=confirmed).override, record)


# --- free text: the search engine, or a plain LIKE when it cannot answer --------------------------


def _text_matches(session: Session, viewer: Viewer, q: str, kind: str, columns: list[Any], model: Any) -> list[int]:
    try:
        from catalogue.search.engine import matching_ids

        return matching_ids(viewer, q, kind)
    except Exception:  # a broken index must not break browsing
        log.exception("search engine unavailable; falling back to LIKE")
    pattern = f"%{q.strip()}%"
    return list(session.exec(select(model.id).where(sa.or_(*(c.ilike(pattern) for c in columns)))).all())


# --- tools -----------------------------------------------------------------------------------------


# The "Uses AI" filter: a tool nobody has said either way about is "not known", never "no".
AI_CHOICES = {"yes": "Uses AI", "no": "Does not use AI", "unknown": "Not known"}


def _ai_clause(choice: str) -> Any:
    if choice == "yes":
        return Tool.uses_ai.is_(True)
    if choice == "no":
        return Tool.uses_ai.is_(False)
    return Tool.uses_ai.is_(None)


@dataclass
class ToolFilters:
    q: str = ""
    category: str = ""
    delivery: str = ""
    ai: str = ""  # a key of AI_CHOICES, or ""
    sort: str = "name"  # name | most-used | newest | relevance
    page: int = 1


TOOL_SORTS = {"name": "Name", "most-used": "Most used", "newest": "Recently added", "relevance": "Best match"}


@dataclass
class ToolRow:
    tool: Tool
    deployments: int
    stages: Counter


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    pages: int


def _paginate(items: list[Any], page: int) -> Page:
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return Page(items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(items), page, pages)


def browse_tools(session: Session, viewer: Viewer, filters: ToolFilters) -> Page:
    from catalogue.records import listing  # filtered and paginated in the database

    return listing.browse_tools(session, viewer, filters)


@dataclass
class DeploymentRow:
    deployment: Deployment
    tool: Tool
    organisation: Organisation


@dataclass
class ToolPage:
    tool: Tool
    supplier: Organisation | None
    developed_by: Organisation | None
    deployments: list[DeploymentRow]
    dropped: list[DeploymentRow]
    offerings: list[Any]
    stages: Counter
    can_edit: bool


def _visible_deployment_rows(session: Session, viewer: Viewer, *where: Any) -> list[DeploymentRow]:
    query = (
        select(Deployment, Tool, Organisation)
        .join(Tool, Tool.id == Deployment.tool_id)
        .join(Organisation, Organisation.id == Deployment.organisation_id)
        .where(access.visible_clause(viewer, Deployment), *where)
    )
    return [DeploymentRow(d, t, o) for d, t, o in session.exec(query).all()]


def tool_page(session: Session, viewer: Viewer, ref: str) -> ToolPage:
    tool = session.exec(select(Tool).where(Tool.ref == ref)).first()
    if tool is None or not access.can_view_tool(viewer, tool):
        raise NotFound(ref)
    rows = _visible_deployment_rows(session, viewer, Deployment.tool_id == tool.id)
    rows.sort(key=lambda r: (r.deployment.stage == "dropped", r.organisation.name.lower()))
    return ToolPage(
        tool=tool,
        supplier=session.get(Organisation, tool.supplier_id) if tool.supplier_id else None,
        developed_by=session.get(Organisation, tool.developed_by_id) if tool.developed_by_id else None,
        deployments=[r for r in rows if r.deployment.stage != "dropped"],
        dropped=[r for r in rows if r.deployment.stage == "dropped"],
        offerings=offerings_for_tool(session, viewer, tool.id),
        stages=Counter(r.deployment.stage for r in rows),
        can_edit=access.can_change_tool(viewer, tool),
    )


# --- deployments -------------------------------------------------------------------------------------


@dataclass
class DeploymentFilters:
    q: str = ""
    category: str = ""
    stage: str = ""
    region: str = ""
    reason: str = ""
    evaluation: str = ""
    delivery: str = ""
    ai: str = ""
    sort: str = "recent"
    page: int = 1


DEPLOYMENT_SORTS = {
    "recent": "Recently updated",
    "started": "Most recently started",
    "tool": "Tool name",
    "organisation": "Organisation name",
    "relevance": "Best match",
}


DROPPED_SORTS = {
    "ended": "Most recently dropped",
    "tool": "Tool name",
    "organisation": "Organisation name",
    "relevance": "Best match",
}


def browse_deployments(session: Session, viewer: Viewer, filters: DeploymentFilters) -> Page:
    from catalogue.records import listing  # filtered and paginated in the database

    return listing.browse_deployments(session, viewer, filters)


@dataclass
class DroppedView:
    rows: list[DeploymentRow]
    reason_counts: list[tuple[str, int]]  # (reason code, number of visible dropped deployments)
    total: int
    page: Page | None = None  # the pilots on this page (rows), with the page numbers


def dropped_view(session: Session, viewer: Viewer, filters: DeploymentFilters) -> DroppedView:
    from catalogue.records import listing  # counted by aggregate queries, paginated in the database

    return listing.dropped_view(session, viewer, filters)


@dataclass
class DeploymentPage:
    deployment: Deployment
    tool: Tool
    organisation: Organisation
    can_edit: bool
    others: list[DeploymentRow] = field(default_factory=list)


def get_visible_deployment(session: Session, viewer: Viewer, ref: str) -> Deployment:
    deployment = session.exec(select(Deployment).where(Deployment.ref == ref)).first()
    if deployment is None or not access.can_view(viewer, deployment):
        raise NotFound(ref)
    return deployment


def deployment_page(session: Session, viewer: Viewer, ref: str) -> DeploymentPage:
    deployment = get_visible_deployment(session, viewer, ref)
    others = _visible_deployment_rows(
        session, viewer, Deployment.tool_id == deployment.tool_id, Deployment.id != deployment.id
    )
    others.sort(key=lambda r: r.organisation.name.lower())
    return DeploymentPage(
        deployment=deployment,
        tool=session.get(Tool, deployment.tool_id),
        organisation=session.get(Organisation, deployment.organisation_id),
        can_edit=access.can_change(viewer, deployment),
        others=others,
    )


# --- organisations ---------------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    organisation: Organisation
    deployments: int


def list_organisations(session: Session, viewer: Viewer, kind: str = "", region: str = "", q: str = "") -> list:
    from catalogue.records import listing  # deployments counted by one aggregate query

    return listing.list_organisations(session, viewer, kind, region, q)


@dataclass
class OrganisationPage:
    organisation: Organisation
    deployments: list[DeploymentRow]
    single_views: list[SingleView]
    tools_built: list[Tool]
    tools_sold: list[Tool]
    members: list[Organisation]
    partnerships: list[Organisation]
    show_contact: bool
    can_author: bool
    can_edit: bool
    # What it told the call for evidence: empty unless access.can_see_cfe_answers.
    cfe_responses: list[CfeResponse] = field(default_factory=list)


def organisation_page(session: Session, viewer: Viewer, ref: str) -> OrganisationPage:
    org = session.exec(select(Organisation).where(Organisation.ref == ref)).first()
    if org is None or not access.can_view_organisation(viewer, org):
        raise NotFound(ref)
    rows = _visible_deployment_rows(session, viewer, Deployment.organisation_id == org.id)
    rows.sort(key=lambda r: (r.deployment.stage == "dropped", r.tool.name.lower()))
    views = session.exec(
        select(SingleView)
        .where(SingleView.organisation_id == org.id, access.visible_clause(viewer, SingleView))
        .order_by(SingleView.ref)
    ).all()
    member_ids = select(PartnershipMember.member_id).where(
        PartnershipMember.partnership_id == org.id, PartnershipMember.status == "accepted"
    )
    partnership_ids = select(PartnershipMember.partnership_id).where(
        PartnershipMember.member_id == org.id, PartnershipMember.status == "accepted"
    )
    return OrganisationPage(
        organisation=org,
        deployments=rows,
        single_views=list(views),
        tools_built=list(
            session.exec(
                select(Tool)
                .where(Tool.developed_by_id == org.id, access.tool_visible_clause(viewer, Tool))
                .order_by(Tool.name)
            )
        ),
        tools_sold=list(
            session.exec(
                select(Tool)
                .where(Tool.supplier_id == org.id, access.tool_visible_clause(viewer, Tool))
                .order_by(Tool.name)
            )
        ),
        members=list(
            session.exec(
                select(Organisation)
                .where(Organisation.id.in_(member_ids), access.organisation_visible_clause(viewer, Organisation))
                .order_by(Organisation.name)
            )
        ),
        partnerships=list(
            session.exec(
                select(Organisation)
                .where(Organisation.id.in_(partnership_ids), access.organisation_visible_clause(viewer, Organisation))
                .order_by(Organisation.name)
            )
        ),
        show_contact=access.can_see_contact(viewer, org),
        can_author=access.can_author_evidence(viewer) and viewer.member_org_id == org.id,
        can_edit=access.can_administer_org(viewer, org.id),
        cfe_responses=list(
            session.exec(select(CfeResponse).where(CfeResponse.organisation_id == org.id).order_by(CfeResponse.id))
        )
        if access.can_see_cfe_answers(viewer, org.id)
        else [],
    )


# --- organisations: the "Edit your organisation" page ---------------------------------------------


CASE_MANAGEMENT_KINDS = ("local-authority", "provider")


def get_administered_organisation(session: Session, viewer: Viewer, ref: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.ref == ref)).first()
    if org is None:
        raise NotFound(ref)
    if not access.can_administer_org(viewer, org.id):
        raise NotAllowed(ref)
    return org


def organisation_to_form(org: Organisation) -> dict[str, Any]:
    form = {name: getattr(org, name) or "" for name in ORGANISATION_PROFILE_FIELDS}
    form["contact_consent"] = "true" if org.contact_consent else "false"
    return form


def save_organisation_profile(
    session: Session, viewer: Viewer, ref: str, form: Mapping[str, Any]
) -> tuple[Organisation | None, dict[str, str]]:
    """Change an organisation's website, case management system and contact (its admins or a site
    admin), in the caller's transaction; the flush hook writes the audit trail."""
    from catalogue.forms import load_form

    org = get_administered_organisation(session, viewer, ref)
    data, errors = load_form(OrganisationProfileSchema(), {k: form.get(k) for k in ORGANISATION_PROFILE_FIELDS})
    errors.update(personal_data_problems(form, ORGANISATION_TEXT_FIELDS))
    if errors:
        return None, errors
    values = {name: data.get(name) for name in ORGANISATION_PROFILE_FIELDS}
    values["contact_consent"] = bool(values["contact_consent"])
    if org.kind not in CASE_MANAGEMENT_KINDS:
        values.pop("case_management_system")  # not asked: only authorities and providers run one
    for key, value in values.items():
        if getattr(org, key) != value:
            setattr(org, key, value)
    if session.is_modified(org):
        org.updated_at = utcnow()
    session.flush()
    _record_override(session, form, ORGANISATION_TEXT_FIELDS, org)
    return org, {}


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
# The questions about a tool, in ToolSchema's order (its ref is ours; who built it is asked apart).
TOOL_FORM_FIELDS = tuple(f for f in answer_fields(ToolSchema) if f not in ("ref", "developed_by"))
NEW_TOOL_FIELDS = (*TOOL_FORM_FIELDS, "built_here")
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
        return {}
    new_tool = {name: form.get(f"new_tool-{name}") for name in NEW_TOOL_FIELDS}
    new_tool["categories"] = list(form.get("new_tool-categories") or [])
    new_tool["case_management_systems"] = _lines(form.get("new_tool-case_management_systems"))
    draft["new_tool"] = new_tool
    draft.pop("tool", None)
    errors = validate_new_tool(session, viewer, new_tool, confirmed=_draft_confirmed(draft))
    _remember_confirmation(draft, new_tool, TOOL_TEXT_FIELDS)
    return errors


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
    if errors:
        return None, errors
    if draft.get("tool_choice") == "new":
        # Entered inside a private or authorities-only record, it stays with that record.
        tool = _create_tool(session, viewer, draft["new_tool"], restricted=data.get("visibility") != "public")
        _record_override(session, draft["new_tool"], TOOL_TEXT_FIELDS, tool, _draft_confirmed(draft))
    else:
        tool = session.exec(select(Tool).where(Tool.ref == data["tool"])).one()
    values: dict[str, Any] = {
        name: data.get(name)
        for name in (
            "stage",
            "started",
            "ended",
            "summary",
            "impact",
            "learnings",
            "barriers",
            "dropped_detail",
            "risk_assessment",
            "safeguards",
            "evaluation",
            "evaluator",
            "evaluation_findings",
            "visibility",
        )
    }
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
