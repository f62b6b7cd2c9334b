"""Pages of the evidence catalogue: tools, deployments (dropped ones and why), organisations,
single views, and the guided deployment form. Thin: parse, call a service, render."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from catalogue import access, features, lost_update, vocabulary
from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.forms import form_to_dict
from catalogue.paging import page_number as _page_number
from catalogue.paging import query_without as _query_without
from catalogue.records import services
from catalogue.records.schemas import RESOURCE_FIELDS, stage_date_warnings

bp = Blueprint("records", __name__)

STEP_MULTI = ("dropped_reasons", "ethics_checks", "new_tool-categories")


def _end_transaction() -> None:
    """End the request's transaction without writing. A POST's transaction holds SQLite's write
    lock (BEGIN IMMEDIATE), which must not stay held while the response is finished: the search
    index syncs in an after-request hook on its own connection. Closing (not rolling back)
    leaves loaded objects readable for the page, so nothing reopens the transaction."""
    get_session().close()


def _abort(code: int) -> NoReturn:
    _end_transaction()
    abort(code)


def _arg(name: str) -> str:
    return (request.args.get(name) or "").strip()[:200]


# --- tools -------------------------------------------------------------------------------------


@bp.get("/tools")
def tools():
    filters = services.ToolFilters(
        q=_arg("q"),
        category=_arg("category"),
        delivery=_arg("delivery"),
        ai=_arg("ai"),
        sort=_arg("sort") or ("relevance" if _arg("q") else "name"),
        page=_page_number(),
    )
    page = services.browse_tools(get_session(), current_viewer(), filters)
    return render_template(
        "records/tools.html", title="Tools", page=page, filters=filters, sorts=services.TOOL_SORTS, link=_query_without
    )


@bp.get("/tools/<ref>")
def tool(ref: str):
    info = services.tool_page(get_session(), current_viewer(), ref)
    can_claim = access.can_claim_tool(current_viewer(), info.tool)
    return render_template("records/tool.html", title=f"{info.tool.name} – Tools", info=info, can_claim=can_claim)


@bp.route("/tools/<ref>/edit", methods=["GET", "POST"])
def edit_tool(ref: str):
    if not current_user.is_authenticated:
        return _sign_in_first()
    session = get_session()
    viewer = current_viewer()
    tool = services.get_editable_tool(session, viewer, ref)
    name = tool.name
    errors: dict[str, str] = {}
    if request.method == "GET":
        data = lost_update.stamp(tool, services.tool_to_form(session, tool))
    else:
        data = form_to_dict(request.form, multi=("categories",))
        errors = lost_update.check(tool, data)  # someone saved it meanwhile: nothing overwritten
        if not errors:
            _, errors = services.save_tool(session, viewer, ref, data)
        if not errors:
            session.commit()
            flash("Tool saved", "success")
            return redirect(url_for("records.tool", ref=ref), code=303)
    page = render_template(
        "records/tool_form.html",
        title=f"Edit {name}",
        data=data,
        errors=errors,
        error_order=list(services.TOOL_FORM_FIELDS),
        suppliers=services.supplier_choices(session),
        ref=ref,
    )
    return _read_only(session, page)


# --- deployments -------------------------------------------------------------------------------


def _deployment_filters() -> services.DeploymentFilters:
    return services.DeploymentFilters(
        q=_arg("q"),
        category=_arg("category"),
        stage=_arg("stage"),
        region=_arg("region"),
        reason=_arg("reason"),
        evaluation=_arg("evaluation"),
        delivery=_arg("delivery"),
        ai=_arg("ai"),
        freshness=_arg("freshness"),
        sort=_arg("sort") or ("relevance" if _arg("q") else "recent"),
        page=_page_number(),
    )


@bp.get("/deployments")
def deployments():
    filters = _deployment_filters()
    page = services.browse_deployments(get_session(), current_viewer(), filters)
    return render_template(
        "records/deployments.html",
        title="Who uses what",
        page=page,
        filters=filters,
        sorts=services.DEPLOYMENT_SORTS,
        link=_query_without,
        can_author=access.can_author_evidence(current_viewer()),
    )


@bp.get("/deployments/dropped")
def dropped():
    filters = _deployment_filters()
    filters.sort = _arg("sort") or ("relevance" if filters.q else "ended")
    view = services.dropped_view(get_session(), current_viewer(), filters)
    return render_template(
        "records/dropped.html",
        title="Dropped pilots and why",
        view=view,
        filters=filters,
        sorts=services.DROPPED_SORTS,
        link=_query_without,
    )


@bp.get("/deployments/<ref>")
def deployment(ref: str):
    info = services.deployment_page(get_session(), current_viewer(), ref)
    # The transparency-record draft lives in another module; link to it when it is installed.
    atrs = "atrs.atrs_page" if "atrs.atrs_page" in current_app.view_functions else None
    return render_template(
        "records/deployment.html",
        title=f"{info.tool.name} at {info.organisation.name}",
        info=info,
        atrs_endpoint=atrs,
    )


# --- the guided deployment form -----------------------------------------------------------------


def _sign_in_first() -> Response:
    _end_transaction()
    return redirect(url_for("accounts.sign_in", next=request.path))


def _require_author() -> Response | None:
    if not current_user.is_authenticated:
        return _sign_in_first()
    if not access.can_author_evidence(current_viewer()):
        _abort(403)
    return None


def _load_draft() -> dict[str, Any]:
    """The answers so far, carried in a hidden field (no JavaScript, no size limit of a cookie).
    Tampering gains nothing: everything is validated again before saving."""
    try:
        draft = json.loads(request.form.get("draft") or "{}")
    except ValueError:
        draft = {}
    return draft if isinstance(draft, dict) else {}


def _form_data(draft: dict[str, Any]) -> dict[str, Any]:
    """The draft flattened into the names the form fields use."""
    data = dict(draft)
    for key, value in (draft.get("new_tool") or {}).items():
        data[f"new_tool-{key}"] = "\n".join(value) if key == "case_management_systems" else value
    for key, value in (draft.get("resources") or {}).items():
        data[f"resources-{key}"] = value
    return data


def _render_step(
    step: str, draft: dict[str, Any], errors: dict[str, str], ref: str | None, typed: dict[str, Any] | None = None
) -> str:
    session = get_session()
    viewer = current_viewer()
    data = _form_data(draft)
    if typed:
        data.update(typed)
    context: dict[str, Any] = {
        "step": step,
        "draft_json": json.dumps(draft),
        "data": data,
        "errors": errors,
        "ref": ref,
        "action": url_for("records.edit_step", ref=ref, step=step) if ref else url_for("records.new_step", step=step),
    }
    if step == "check":
        names = services.steps_for(draft)
        tool = None
        if draft.get("tool_choice") == "existing" and draft.get("tool"):
            tool = next((t for t in services.tool_choices(session, viewer) if t.ref == draft["tool"]), None)
        new_tool = draft.get("new_tool") or {}
        supplier = None
        if draft.get("tool_choice") == "new" and new_tool.get("supplier"):
            supplier = next((s for s in services.supplier_choices(session) if s.ref == new_tool["supplier"]), None)
        context.update(
            title="Check your answers",
            steps=names,
            tool=tool,
            new_tool_supplier=supplier,
            resources=services.resource_summary(draft.get("resources") or {}),
            warnings=stage_date_warnings(draft),
            step_titles=services.STEP_TITLES,
        )
        return render_template("records/deployment_check.html", **context)
    names = services.steps_for(draft)
    position = names.index(step) + 1 if step in names else 1
    context.update(
        title=services.STEP_TITLES[step],
        position=position,
        total=len(names),
        tools=services.tool_choices(session, viewer) if step == "tool" else [],
        suppliers=services.supplier_choices(session) if step == "tool" else [],
        resource_fields=RESOURCE_FIELDS,
    )
    return render_template("records/deployment_step.html", **context)


def _read_only(session: Any, page: str) -> str:
    """A form page that wrote nothing: end the transaction before responding (see _end_transaction)."""
    _end_transaction()
    return page


def _handle_step(step: str, ref: str | None) -> Any:
    if step not in services.STEP_NAMES and step != "check":
        _abort(404)
    session = get_session()
    viewer = current_viewer()
    draft = _load_draft()
    goto = request.form.get("goto")
    if goto in services.STEP_NAMES or goto == "check":
        return _read_only(session, _render_step(goto, draft, {}, ref))
    if step == "check":
        record, errors = services.save_deployment(session, viewer, draft, ref)
        if errors:
            return _read_only(session, _render_step("check", draft, errors, ref))
        session.commit()
        flash("Deployment saved" if ref else "Deployment recorded", "success")
        return redirect(url_for("records.deployment", ref=record.ref), code=303)
    form = form_to_dict(request.form, multi=STEP_MULTI)
    form.pop("draft", None)
    form.pop("goto", None)
    form["new_tool-categories"] = form.get("new_tool-categories", [])
    if ref:
        draft["_ref"] = ref  # its own record is not "already recorded" (save checks again by ref)
    errors = services.apply_step(session, viewer, draft, step, form)
    if errors:
        return _read_only(session, _render_step(step, draft, errors, ref, typed=form))
    following = services.next_step(draft, step)
    if following == "check":
        draft["_reviewed"] = True
    return _read_only(session, _render_step(following, draft, {}, ref))


@bp.get("/deployments/new")
def new_deployment():
    denied = _require_author()
    if denied:
        return denied
    return _render_step("tool", {"visibility": "authorities"}, {}, None)


@bp.post("/deployments/new/<step>")
def new_step(step: str):
    denied = _require_author()
    if denied:
        return denied
    return _handle_step(step, None)


def _editable(ref: str) -> Any:
    if not current_user.is_authenticated:
        return _sign_in_first()
    record = services.get_visible_deployment(get_session(), current_viewer(), ref)
    if not access.can_change(current_viewer(), record):
        _abort(403)
    return record


@bp.get("/deployments/<ref>/edit")
def edit_deployment(ref: str):
    record = _editable(ref)
    if isinstance(record, Response):
        return record
    draft = services.draft_from_deployment(get_session(), record)
    draft["_version"] = lost_update.version_of(record)  # carried through every step to the save
    return _render_step("check", draft, {}, ref)


@bp.post("/deployments/<ref>/edit/<step>")
def edit_step(ref: str, step: str):
    record = _editable(ref)
    if isinstance(record, Response):
        return record
    if step == "check" and not request.form.get("goto"):
        # Someone saved it since this edit began: say so, overwrite nothing; saving again saves.
        draft = _load_draft()
        conflict = lost_update.check(record, {}, sent=draft.get("_version"))
        if conflict:
            draft["_version"] = lost_update.version_of(record)
            return _read_only(get_session(), _render_step("check", draft, conflict, ref))
    return _handle_step(step, ref)


# --- organisations -------------------------------------------------------------------------------


@bp.get("/organisations")
def organisations():
    kind, region, q = _arg("kind"), _arg("region"), _arg("q")
    from catalogue.records.listing import organisations_page

    page = organisations_page(get_session(), current_viewer(), kind=kind, region=region, q=q, page=_page_number())
    return render_template(
        "organisations/list.html",
        title="Organisations",
        rows=page.items,
        page=page,
        filters={"kind": kind, "region": region, "q": q},
        link=_query_without,
    )


@bp.get("/organisations/<ref>")
def organisation(ref: str):
    info = services.organisation_page(get_session(), current_viewer(), ref, page=_page_number())
    return render_template(
        "organisations/show.html",
        title=info.organisation.name,
        info=info,
        link=lambda **changes: {"ref": ref, **_query_without(**changes)},
    )


@bp.route("/organisations/<ref>/edit", methods=["GET", "POST"])
def edit_organisation(ref: str):
    if not current_user.is_authenticated:
        return _sign_in_first()
    session = get_session()
    viewer = current_viewer()
    org = services.get_administered_organisation(session, viewer, ref)
    errors: dict[str, str] = {}
    if request.method == "GET":
        data = services.organisation_to_form(org)
    else:
        data = form_to_dict(request.form)
        _, errors = services.save_organisation_profile(session, viewer, ref, data)
        if not errors:
            session.commit()
            flash("Your organisation's details are saved", "success")
            return redirect(url_for("records.organisation", ref=ref), code=303)
    page = render_template(
        "organisations/edit.html",
        title=f"Edit {org.name}",
        organisation=org,
        asks_case_management=org.kind in services.CASE_MANAGEMENT_KINDS,
        data=data,
        errors=errors,
        error_order=list(services.ORGANISATION_PROFILE_FIELDS),
    )
    return _read_only(session, page)


@bp.post("/organisations/<ref>/contact")
def confirm_contact(ref: str):
    """An admin confirms or discards the contact an import proposed."""
    if not current_user.is_authenticated:
        return _sign_in_first()
    session = get_session()
    confirm = request.form.get("decision") == "confirm"
    services.confirm_imported_contact(session, current_viewer(), ref, confirm=confirm)
    session.commit()
    flash("The contact is confirmed" if confirm else "The proposed contact is removed", "success")
    return redirect(url_for("records.organisation", ref=ref), code=303)


# --- single views ------------------------------------------------------------------------------


@bp.get("/single-views")
def single_views():
    from catalogue.records.single_views import browse_single_views

    viewer = current_viewer()
    status, region, freshness = _arg("status"), _arg("region"), _arg("freshness")
    page = browse_single_views(
        get_session(), viewer, status=status, region=region, freshness=freshness, page=_page_number()
    )
    return render_template(
        "records/single_views.html",
        title="Single views of the child",
        page=page,
        filters={"status": status, "region": region, "freshness": freshness},
        link=_query_without,
        can_author=access.can_author_evidence(viewer),
    )


@bp.get("/single-views/<ref>")
def single_view(ref: str):
    session = get_session()
    viewer = current_viewer()
    view = services.get_visible_single_view(session, viewer, ref)
    from catalogue.accounts.models import Organisation
    from catalogue.records.models import Tool

    org = session.get(Organisation, view.organisation_id)
    tool = session.get(Tool, view.tool_id) if view.tool_id else None
    return render_template(
        "records/single_view.html",
        title=f"Single view of the child: {org.name}",
        view=view,
        organisation=org,
        tool=tool,
        can_edit=access.can_change(viewer, view),
    )


def _single_view_form(ref: str | None) -> Any:
    session = get_session()
    viewer = current_viewer()
    if request.method == "GET":
        if ref is None:
            data: dict[str, Any] = {"visibility": "authorities", "sources": []}
        else:
            data = services.single_view_to_form(session, services.get_visible_single_view(session, viewer, ref))
        errors: dict[str, str] = {}
    else:
        data = form_to_dict(request.form, multi=("sources",))
        record, errors = services.save_single_view(session, viewer, data, ref)
        if not errors:
            session.commit()
            flash("Single view saved", "success")
            return redirect(url_for("records.single_view", ref=record.ref), code=303)
    page = render_template(
        "records/single_view_form.html",
        title="Edit your single view of the child" if ref else "Record your single view of the child",
        data=data,
        errors=errors,
        tools=services.tool_choices(session, viewer),
        ref=ref,
    )
    return _read_only(session, page)


@bp.route("/single-views/new", methods=["GET", "POST"])
def new_single_view():
    denied = _require_author()
    if denied:
        return denied
    return _single_view_form(None)


@bp.route("/single-views/<ref>/edit", methods=["GET", "POST"])
def edit_single_view(ref: str):
    if not current_user.is_authenticated:
        return _sign_in_first()
    session = get_session()
    view = services.get_visible_single_view(session, current_viewer(), ref)
    if not access.can_change(current_viewer(), view):
        _abort(403)
    return _single_view_form(ref)


@bp.app_template_global()
def stage_tag_class(stage: str) -> str:
    return {
        "pilot": "govuk-tag--blue",
        "implemented": "govuk-tag--green",
        "fully-established": "govuk-tag--turquoise",
        "dropped": "govuk-tag--red",
    }.get(stage, "govuk-tag--grey")


@bp.app_template_global()
def visibility_tag_class(visibility: str) -> str:
    return {"public": "govuk-tag--grey", "authorities": "govuk-tag--yellow", "private": "govuk-tag--purple"}.get(
        visibility, "govuk-tag--grey"
    )


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
    app.jinja_env.globals.setdefault("vocabulary", vocabulary)
    app.jinja_env.globals.setdefault("ai_choices", services.AI_CHOICES)


# The claim pages and the ask-a-peer pages add their routes to this blueprint.
from catalogue.records import ask_views, claim_views  # noqa: E402, F401
