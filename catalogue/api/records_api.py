"""/api/v1 organisations, tools, deployments and single views: lists with filters and pages,
details, and (with a token) creating and changing deployments and single views, and changing
tools, through the same services and schemas as the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import fields
from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.api import API_PREFIX, Blueprint, common, http, serialise
from catalogue.db import get_session
from catalogue.errors import NotAllowed, NotFound
from catalogue.records import services
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import DeploymentSchema, SingleViewSchema, ToolSchema
from catalogue.upkeep.services import FRESHNESS, freshness_clause

blp = Blueprint(
    "api_records",
    __name__,
    url_prefix="/api/v1",
    description="The evidence catalogue: organisations, tools, deployments and single views.",
)
common.install(blp)


def merge_and_save(
    what: str,
    current: Callable[[Session, Viewer], dict[str, Any]],
    body: dict[str, Any],
    save: Callable[[Session, Viewer, dict[str, Any]], tuple[Any, dict[str, str]]],
) -> Any:
    """A PATCH through a page's service: the record's current form data with the given fields
    merged on, validated whole and saved. 404 when the record is not there (or not one the token
    may see), 403 when the policy refuses the change, 422 with field errors (nothing saved)."""
    viewer = common.require_token()
    session = get_session()
    try:
        form = current(session, viewer)
        form.update(body)
        record, errors = save(session, viewer, form)
    except NotFound:
        common.not_found(what)
    except NotAllowed:
        common.forbidden()
    if errors:
        common.field_errors(errors)
    session.commit()
    return record


# --- organisations ------------------------------------------------------------------------------


class OrganisationArgs(common.PageArgs):
    kind = common.choice_arg(vocabulary.ORGANISATION_KINDS, "Choose a kind of organisation from the list")
    region = common.choice_arg(vocabulary.REGIONS, "Choose an English region from the list")
    q = common.text_arg()


class OrganisationListItem(serialise.OrganisationOut):
    deployments = fields.Integer(dump_only=True, metadata={"description": "deployments you may see"})


@blp.route("/organisations")
@blp.arguments(OrganisationArgs, location="query")
@blp.response(200, common.page_schema(OrganisationListItem, "OrganisationPage"))
def list_organisations(args: dict[str, Any]) -> dict[str, Any]:
    """Organisations, with how many of their deployments you may see."""
    rows = services.list_organisations(
        get_session(), common.viewer(), args.get("kind", ""), args.get("region", ""), args.get("q", "")
    )
    rows = common.changed_since(rows, args.get("updated_since"), lambda r: r.organisation.updated_at)
    items = [{**serialise.organisation(r.organisation), "deployments": r.deployments} for r in rows]
    return common.envelope(items, args["page"], args["per_page"])


class OrganisationProfileOut(serialise.OrganisationOut):
    """The public profile, as its page shows it to you: what it records, builds and sells, and
    the partnerships it belongs to (or its members), each by ref."""

    updated_at = fields.DateTime(dump_only=True)
    deployments = fields.List(fields.String(), dump_only=True, metadata={"description": "deployments you may see"})
    single_views = fields.List(fields.String(), dump_only=True)
    tools_built = fields.List(fields.String(), dump_only=True)
    tools_sold = fields.List(fields.String(), dump_only=True)
    members = fields.List(fields.String(), dump_only=True, metadata={"description": "a partnership's members"})
    partnerships = fields.List(fields.String(), dump_only=True)


@blp.route("/organisations/<ref>")
@blp.response(200, OrganisationProfileOut)
def get_organisation(ref: str) -> dict[str, Any]:
    """One organisation's public profile (never its contact details)."""
    try:
        page = services.organisation_page(get_session(), common.viewer(), ref)
    except NotFound:
        common.not_found("organisation")
    profile = serialise.organisation(page.organisation)
    profile.update(
        updated_at=page.organisation.updated_at,
        deployments=[r.deployment.ref for r in page.deployments],
        single_views=[v.ref for v in page.single_views],
        tools_built=[t.ref for t in page.tools_built],
        tools_sold=[t.ref for t in page.tools_sold],
        members=[m.ref for m in page.members],
        partnerships=[p.ref for p in page.partnerships],
    )
    return profile


# --- tools --------------------------------------------------------------------------------------


class ToolArgs(common.PageArgs):
    q = common.text_arg()
    category = common.choice_arg(vocabulary.CATEGORIES, "Choose a category from the list")
    delivery = common.choice_arg(vocabulary.DELIVERY, "Choose embedded or standalone")
    ai = common.choice_arg(("yes", "no"), "Give ai as yes or no")
    sort = common.choice_arg(services.TOOL_SORTS, "Choose a sort: " + ", ".join(services.TOOL_SORTS))


class ToolListItem(serialise.ToolOut):
    deployments = fields.Integer(dump_only=True, metadata={"description": "deployments you may see"})


@blp.route("/tools")
@blp.arguments(ToolArgs, location="query")
@blp.response(200, common.page_schema(ToolListItem, "ToolPage"))
def list_tools(args: dict[str, Any]) -> dict[str, Any]:
    """Tools in the catalogue (public entries), filtered."""
    session, viewer = get_session(), common.viewer()

    def fetch(number: int) -> Any:
        filters = services.ToolFilters(
            q=args.get("q", ""),
            category=args.get("category", ""),
            delivery=args.get("delivery", ""),
            ai=args.get("ai", ""),
            sort=args.get("sort", "name"),
            page=number,
        )
        return services.browse_tools(session, viewer, filters)

    rows, total = common.service_slice(
        fetch,
        args["page"],
        args["per_page"],
        services.PAGE_SIZE,
        args.get("updated_since"),
        lambda r: r.tool.updated_at,
    )
    tools = serialise.tools(session, [r.tool for r in rows])
    items = [{**t, "deployments": r.deployments} for t, r in zip(tools, rows, strict=True)]
    return common.paged(items, total, args["page"], args["per_page"])


TOOL_INPUT_EXCLUDE = ("ref", "developed_by")


@blp.route("/tools/<ref>")
class ToolItem(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, serialise.ToolOut)
    def get(self, ref: str) -> dict[str, Any]:
        session = get_session()
        tool = session.exec(select(Tool).where(Tool.ref == ref)).first()
        if tool is None or not access.can_view_tool(common.viewer(), tool):
            common.not_found("tool")
        return serialise.tools(session, [tool])[0]

    @blp.arguments(ToolSchema(exclude=TOOL_INPUT_EXCLUDE, partial=True))
    @blp.response(200, serialise.ToolOut)
    def patch(self, _data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Change the fields given; the others keep their values (send the ETag you read in
        If-Match: a 412 says someone changed it meanwhile). The supplier that sells the tool,
        the organisation that built it or added it, and site administrators may; only a site
        administrator changes its supplier (a supplier claims a tool on its page)."""
        http.check_if_match(lambda: self.get(ref))
        tool = merge_and_save(
            "tool",
            lambda session, viewer: services.tool_to_form(session, services.get_editable_tool(session, viewer, ref)),
            _form(request.get_json()),
            lambda session, viewer, form: services.save_tool(session, viewer, ref, form),
        )
        return serialise.tools(get_session(), [tool])[0]


# --- deployments --------------------------------------------------------------------------------


class DeploymentArgs(common.PageArgs):
    q = common.text_arg()
    category = common.choice_arg(vocabulary.CATEGORIES, "Choose a category from the list")
    stage = common.choice_arg(vocabulary.STAGES, "Choose a stage from the list")
    region = common.choice_arg(vocabulary.REGIONS, "Choose an English region from the list")
    reason = common.choice_arg(vocabulary.DROPPED_REASONS, "Choose a reason from the list")
    evaluation = common.choice_arg(vocabulary.EVALUATION, "Choose an evaluation from the list")
    delivery = common.choice_arg(vocabulary.DELIVERY, "Choose embedded or standalone")
    ai = common.choice_arg(("yes", "no"), "Give ai as yes or no")
    freshness = common.choice_arg(FRESHNESS, "Give freshness as current or stale")
    sort = common.choice_arg(services.DEPLOYMENT_SORTS, "Choose a sort: " + ", ".join(services.DEPLOYMENT_SORTS))


DEPLOYMENT_EXAMPLE = {
    "tool": "magic-notes",
    "stage": "pilot",
    "started": "2025-01",
    "summary": "Twelve social workers in the assessment team use it for visit notes.",
    "impact": "About two hours a week saved per worker on recording.",
    "ethics_checks": ["ethical-impact-assessment"],
    "visibility": "authorities",
}


def deployment_filters(args: dict[str, Any], page: int = 1) -> services.DeploymentFilters:
    names = ("q", "category", "stage", "region", "reason", "evaluation", "delivery", "ai", "freshness")
    return services.DeploymentFilters(
        **{n: args.get(n, "") for n in names}, sort=args.get("sort") or "recent", page=page
    )


def visible_deployments(args: dict[str, Any], page: int, per_page: int) -> tuple[list[Deployment], int]:
    """The deployments the pages would list for these filters: what the viewer may see."""
    session, viewer = get_session(), common.viewer()
    rows, total = common.service_slice(
        lambda n: services.browse_deployments(session, viewer, deployment_filters(args, n)),
        page,
        per_page,
        services.PAGE_SIZE,
        args.get("updated_since"),
        lambda r: r.deployment.updated_at,
    )
    return [r.deployment for r in rows], total


@blp.route("/deployments")
class Deployments(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(DeploymentArgs, location="query")
    @blp.response(200, common.page_schema(serialise.DeploymentOut, "DeploymentPage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Deployments you may see: pilots, tools in use and dropped ones, filtered."""
        rows, total = visible_deployments(args, args["page"], args["per_page"])
        return common.paged(serialise.deployments(get_session(), rows), total, args["page"], args["per_page"])

    @blp.arguments(DeploymentSchema(exclude=("ref", "organisation")), example=DEPLOYMENT_EXAMPLE)
    @blp.response(201, serialise.DeploymentOut)
    def post(self, _data: dict[str, Any]) -> dict[str, Any]:
        """Record a deployment for your organisation (authority or provider staff)."""
        viewer = common.require_token()
        session = get_session()
        draft = _draft(request.get_json())
        try:
            deployment, errors = services.save_deployment(session, viewer, draft)
        except NotAllowed:
            common.forbidden("Only approved staff of an authority or provider can record deployments")
        if errors:
            common.field_errors(errors)
        session.commit()
        return http.created(
            serialise.deployments(session, [deployment])[0], f"{API_PREFIX}/deployments/{deployment.ref}"
        )


def _draft(body: Any) -> dict[str, Any]:
    """The JSON body as the deployment service's draft: an existing tool, by ref."""
    body = dict(body) if isinstance(body, dict) else {}
    body.pop("tool_choice", None)
    body.pop("new_tool", None)
    body["tool_choice"] = "existing"
    return body


@blp.route("/deployments/<ref>")
class DeploymentItem(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, serialise.DeploymentOut)
    def get(self, ref: str) -> dict[str, Any]:
        session = get_session()
        try:
            deployment = services.get_visible_deployment(session, common.viewer(), ref)
        except NotFound:
            common.not_found("deployment")
        return serialise.deployments(session, [deployment])[0]

    @blp.arguments(DeploymentSchema(exclude=("ref", "organisation"), partial=True))
    @blp.response(200, serialise.DeploymentOut)
    def patch(self, _data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Change the fields given; the others keep their values (If-Match: see the tools' PATCH)."""
        http.check_if_match(lambda: self.get(ref))
        deployment = merge_and_save(
            "deployment",
            lambda session, viewer: services.draft_from_deployment(
                session, services.get_visible_deployment(session, viewer, ref)
            ),
            _draft(request.get_json()),
            lambda session, viewer, draft: services.save_deployment(session, viewer, draft, ref),
        )
        return serialise.deployments(get_session(), [deployment])[0]


# --- single views -------------------------------------------------------------------------------


class SingleViewArgs(common.PageArgs):
    status = common.choice_arg(vocabulary.SINGLE_VIEW_STATUS, "Choose a status from the list")
    source = common.choice_arg(vocabulary.SINGLE_VIEW_SOURCES, "Choose a data source from the list")
    region = common.choice_arg(vocabulary.REGIONS, "Choose an English region from the list")
    freshness = common.choice_arg(FRESHNESS, "Give freshness as current or stale")


@blp.route("/single-views")
class SingleViews(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(SingleViewArgs, location="query")
    @blp.response(200, common.page_schema(serialise.SingleViewOut, "SingleViewPage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Single views of the child you may see."""
        session = get_session()
        query = (
            select(SingleView)
            .join(Organisation, Organisation.id == SingleView.organisation_id)
            .where(access.visible_clause(common.viewer(), SingleView))
        )
        if args.get("status"):
            query = query.where(SingleView.status == args["status"])
        if args.get("region"):
            query = query.where(Organisation.region == args["region"])
        if args.get("freshness"):
            query = query.where(freshness_clause(SingleView, args["freshness"]))
        rows = list(session.exec(query.order_by(Organisation.name, SingleView.ref)))
        rows = common.changed_since(rows, args.get("updated_since"))
        if args.get("source"):
            rows = [r for r in rows if args["source"] in (r.sources or [])]
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = serialise.single_views(session, page["items"])
        return page

    @blp.arguments(SingleViewSchema(exclude=("ref", "organisation")))
    @blp.response(201, serialise.SingleViewOut)
    def post(self, _data: dict[str, Any]) -> dict[str, Any]:
        """Record your organisation's single view."""
        viewer = common.require_token()
        session = get_session()
        try:
            view, errors = services.save_single_view(session, viewer, _form(request.get_json()))
        except NotAllowed:
            common.forbidden("Only approved staff of an authority or provider can record single views")
        if errors:
            common.field_errors(errors)
        session.commit()
        return http.created(serialise.single_views(session, [view])[0], f"{API_PREFIX}/single-views/{view.ref}")


def _form(body: Any) -> dict[str, Any]:
    return dict(body) if isinstance(body, dict) else {}


@blp.route("/single-views/<ref>")
class SingleViewItem(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, serialise.SingleViewOut)
    def get(self, ref: str) -> dict[str, Any]:
        session = get_session()
        try:
            view = services.get_visible_single_view(session, common.viewer(), ref)
        except NotFound:
            common.not_found("single view")
        return serialise.single_views(session, [view])[0]

    @blp.arguments(SingleViewSchema(exclude=("ref", "organisation"), partial=True))
    @blp.response(200, serialise.SingleViewOut)
    def patch(self, _data: dict[str, Any], ref: str) -> dict[str, Any]:
        http.check_if_match(lambda: self.get(ref))
        view = merge_and_save(
            "single view",
            lambda session, viewer: services.single_view_to_form(
                session, services.get_visible_single_view(session, viewer, ref)
            ),
            _form(request.get_json()),
            lambda session, viewer, form: services.save_single_view(session, viewer, form, ref),
        )
        return serialise.single_views(get_session(), [view])[0]
