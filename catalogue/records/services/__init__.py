"""The evidence catalogue's rules: browsing tools and deployments, single pages, and saving
deployments, tools, organisations' profiles and single views. Plain functions taking a session
and a viewer; every visibility decision goes through catalogue.access.

The package, by area: `tools` (browse, a tool's page), `tool_form` (a tool's answers and edit
page), `deployments` (browse, dropped, a deployment's page), `deployment_form` (the guided form:
steps, draft, save), `organisations`, `single_views`, and `common` (what they share). Callers
import this package (`from catalogue.records import services`), not its modules.
"""

from __future__ import annotations

from catalogue import access
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import ORGANISATION_PROFILE_FIELDS
from catalogue.records.services.common import (
    DEPLOYMENT_TEXT_FIELDS,
    DRAFT_CONFIRMED,
    ORGANISATION_TEXT_FIELDS,
    PAGE_SIZE,
    SINGLE_VIEW_TEXT_FIELDS,
    TOOL_TEXT_FIELDS,
    Page,
    offerings_for_tool,
    personal_data_problems,
)
from catalogue.records.services.deployment_form import (
    REQUIRED_BY_STEP,
    STEP_FIELDS,
    STEP_NAMES,
    STEP_TITLES,
    STEPS,
    apply_step,
    check_draft,
    draft_from_deployment,
    next_step,
    resource_summary,
    save_deployment,
    steps_for,
)
from catalogue.records.services.deployments import (
    DEPLOYMENT_SORTS,
    DROPPED_SORTS,
    DeploymentFilters,
    DeploymentPage,
    DroppedView,
    browse_deployments,
    deployment_page,
    dropped_view,
    get_visible_deployment,
)
from catalogue.records.services.organisations import (
    CASE_MANAGEMENT_KINDS,
    OrganisationPage,
    OrganisationRow,
    confirm_imported_contact,
    get_administered_organisation,
    list_organisations,
    organisation_page,
    organisation_to_form,
    save_organisation_profile,
)
from catalogue.records.services.single_views import get_visible_single_view, save_single_view, single_view_to_form
from catalogue.records.services.tool_form import (
    NEW_TOOL_FIELDS,
    TOOL_FORM_FIELDS,
    check_tool_answers,
    get_editable_tool,
    save_tool,
    supplier_choices,
    tool_choices,
    tool_to_form,
    validate_new_tool,
    visible_tool_id,
)
from catalogue.records.services.tools import (
    AI_CHOICES,
    TOOL_SORTS,
    DeploymentRow,
    ToolFilters,
    ToolPage,
    ToolRow,
    browse_tools,
    tool_page,
)

__all__ = [
    "AI_CHOICES",
    "CASE_MANAGEMENT_KINDS",
    "DEPLOYMENT_SORTS",
    "DEPLOYMENT_TEXT_FIELDS",
    "DRAFT_CONFIRMED",
    "DROPPED_SORTS",
    "Deployment",
    "DeploymentFilters",
    "DeploymentPage",
    "DeploymentRow",
    "DroppedView",
    "NEW_TOOL_FIELDS",
    "ORGANISATION_PROFILE_FIELDS",
    "ORGANISATION_TEXT_FIELDS",
    "OrganisationPage",
    "OrganisationRow",
    "PAGE_SIZE",
    "Page",
    "REQUIRED_BY_STEP",
    "SINGLE_VIEW_TEXT_FIELDS",
    "STEPS",
    "STEP_FIELDS",
    "STEP_NAMES",
    "STEP_TITLES",
    "SingleView",
    "TOOL_FORM_FIELDS",
    "TOOL_SORTS",
    "TOOL_TEXT_FIELDS",
    "Tool",
    "ToolFilters",
    "ToolPage",
    "ToolRow",
    "access",
    "apply_step",
    "browse_deployments",
    "browse_tools",
    "check_draft",
    "check_tool_answers",
    "deployment_page",
    "draft_from_deployment",
    "dropped_view",
    "get_administered_organisation",
    "get_editable_tool",
    "get_visible_deployment",
    "get_visible_single_view",
    "confirm_imported_contact",
    "list_organisations",
    "next_step",
    "offerings_for_tool",
    "organisation_page",
    "organisation_to_form",
    "personal_data_problems",
    "resource_summary",
    "save_deployment",
    "save_organisation_profile",
    "save_single_view",
    "save_tool",
    "single_view_to_form",
    "steps_for",
    "supplier_choices",
    "tool_choices",
    "tool_page",
    "tool_to_form",
    "validate_new_tool",
    "visible_tool_id",
]
