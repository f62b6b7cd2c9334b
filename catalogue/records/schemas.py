"""Validation for organisations, tools, deployments and single views.

One schema per record, shaped like the exchange bundle (shared/spec/bundle-v1.schema.json):
records point at each other by `ref`. The HTML forms, the JSON API and the bundle importer all
load through these schemas, so the messages are written for people ("Enter the month the pilot
started, like 2025-03"). Forms that do not ask for a field (a ref, the owning organisation)
load with `exclude=(...)`.

The shared fields and the base schema are in catalogue.schemas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from catalogue import vocabulary
from catalogue.db import utcnow
from catalogue.schemas import (
    BaseSchema,
    Choice,
    Codes,
    Month,
    Ref,
    StringList,
    Text,
    Whole,
    answer_fields,
    bool_field,
    fields_except,
    fte,
    money,
)
from catalogue.web_address import WebAddress

ONS_PATTERN = re.compile(r"^[EWSN][0-9]{8}$")


# --- organisations ------------------------------------------------------------------------------


class OrganisationSchema(BaseSchema):
    ref = Ref("organisation", required=True)
    name = Text("The name of the organisation", max_length=200, required=True)
    kind = Choice(
        vocabulary.ORGANISATION_KINDS,
        "Choose the kind of organisation: local authority, provider, supplier, partnership or government",
        required=True,
    )
    region = Choice(vocabulary.REGIONS, "Choose an English region from the list")
    ons_code = fields.String(
        validate=validate.Regexp(ONS_PATTERN, error="Enter the ONS code as a letter and 8 digits, like E08000021"),
        error_messages={"invalid": "Enter the ONS code as a letter and 8 digits, like E08000021"},
    )
    website = WebAddress()
    case_management_system = Text("The case management system", max_length=200)
    members = fields.List(
        Ref("member organisation"), error_messages={"invalid": "Give the members as a list of organisation references"}
    )

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        kind = data.get("kind")
        if data.get("members") and kind != "partnership":
            errors["members"] = ["Only a partnership has member organisations"]
        if data.get("members") and len(set(data["members"])) != len(data["members"]):
            errors["members"] = ["Each member organisation must be given only once"]
        if data.get("case_management_system") and kind not in ("local-authority", "provider"):
            errors["case_management_system"] = ["Only an authority or provider has a case management system"]
        if errors:
            raise ValidationError(errors)


class ContactSchema(BaseSchema):
    """The contact an organisation may share (suppliers on their profile, authorities and
    providers on "Edit your organisation"). Who then sees it: catalogue.access.can_see_contact."""

    contact_name = Text("The contact name", max_length=200)
    contact_email = fields.Email(
        validate=validate.Length(max=320, error="The email address must be 320 characters or fewer"),
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    contact_role = Text("The contact's role", max_length=200)
    contact_consent = bool_field("Say whether others may see your contact details")

    @validates_schema(skip_on_field_errors=False)
    def _consent_needs_an_address(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("contact_consent") and not data.get("contact_email"):
            raise ValidationError(
                {"contact_email": ["Enter a contact email address, or say others may not see your contact details"]}
            )


class OrganisationProfileSchema(ContactSchema):
    """What an organisation's admins keep up to date on the 'Edit your organisation' page."""

    website = WebAddress()
    case_management_system = Text("The case management system", max_length=200)
    contact_consent = bool_field("Say whether staff of other authorities may see your contact details")


# In the order the page asks them (the inherited contact fields would come first).
ORGANISATION_PROFILE_FIELDS: tuple[str, ...] = ("website", "case_management_system", *answer_fields(ContactSchema))


# --- tools ------------------------------------------------------------------------------------


class ToolSchema(BaseSchema):
    ref = Ref("tool", required=True)
    name = Text("The name of the tool", max_length=200, required=True)
    summary = Text("The summary", max_length=500)
    description = Text("The description")
    uses_ai = bool_field("Say whether the tool uses AI")
    categories = Codes(
        vocabulary.CATEGORIES,
        "category",
        min_items=1,
        required=True,
        min_message="Choose at least one category for the tool",
        error_messages={"required": "Choose at least one category for the tool"},
    )
    supplier = Ref("supplier")
    developed_by = Ref("organisation that developed the tool")
    delivery = Choice(
        vocabulary.DELIVERY, "Choose whether the tool is built into a case management system or standalone"
    )
    case_management_systems = StringList("case management system")


# --- deployments ------------------------------------------------------------------------------


class ResourcesSchema(BaseSchema):
    """Q8 of the call for evidence: staff (FTE) and money (GBP) spent on each phase."""

    develop_fte = fte("staff time to develop the tool")
    develop_gbp = money("the cost to develop the tool")
    implement_fte = fte("staff time to implement the tool")
    implement_gbp = money("the cost to implement the tool")
    maintain_fte = fte("staff time to maintain the tool each year")
    maintain_gbp = money("the cost to maintain the tool each year")


RESOURCE_FIELDS: tuple[str, ...] = answer_fields(ResourcesSchema)

VISIBILITY_MESSAGE = "Choose who can see this record: anyone, authorities only, or your organisation only"


class DeploymentSchema(BaseSchema):
    ref = Ref("deployment", required=True)
    organisation = Ref("organisation", required=True)
    tool = Ref("tool", required=True, error_messages={"required": "Choose the tool", "invalid": "Choose the tool"})
    stage = Choice(vocabulary.STAGES, "Choose the stage the tool is at", required=True)
    started = Month("Enter the month the pilot started, like 2025-03")
    ended = Month("Enter the month it ended, like 2025-09")
    summary = Text("The summary", max_length=500)
    impact = Text("The impact")
    learnings = Text("What you learned")
    barriers = Text("The barriers")
    dropped_reasons = Codes(vocabulary.DROPPED_REASONS, "reason for dropping it")
    dropped_detail = Text("The story of why it was dropped")
    risk_assessment = Text("The risk assessment")
    ethics_checks = Codes(vocabulary.ETHICS_CHECKS, "ethics check")
    safeguards = Text("The safeguards")
    evaluation = Choice(vocabulary.EVALUATION, "Choose how the tool has been evaluated")
    evaluator = Text("The name of the evaluator", max_length=200)
    evaluation_findings = Text("The evaluation findings")
    resources = Whole(
        ResourcesSchema, error_messages={"invalid": "Give the resources as staff time and costs for each phase"}
    )
    visibility = Choice(vocabulary.VISIBILITY, VISIBILITY_MESSAGE, load_default="authorities")

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        stage = data.get("stage")
        if stage == "dropped" and not data.get("dropped_reasons"):
            errors["dropped_reasons"] = ["Choose at least one reason the tool was dropped"]
        if stage and stage != "dropped" and data.get("dropped_reasons"):
            errors["dropped_reasons"] = [
                "Only a dropped tool has reasons for dropping it. Remove the reasons or change the stage"
            ]
        started, ended = data.get("started"), data.get("ended")
        if started and ended and ended < started:
            errors["ended"] = ["The month it ended must be the same as or after the month it started"]
        this_month = utcnow().strftime("%Y-%m")
        if started and started > this_month:
            errors["started"] = [
                "The month it started cannot be in the future: record the tool once you start using it"
            ]
        if ended and ended > this_month:
            errors["ended"] = ["The month it ended cannot be in the future. Leave it empty while the tool is in use"]
        if stage in ("implemented", "fully-established") and ended:
            errors["ended"] = [
                "A tool still in use has no end month. Remove the end month, or change the stage to "
                "‘Piloted, then not rolled out’"
            ]
        checks = data.get("ethics_checks") or []
        if "none" in checks and len(checks) > 1:
            errors["ethics_checks"] = ["Choose ‘None done’ on its own, or choose the checks you did"]
        if errors:
            raise ValidationError(errors)


def stage_date_warnings(data: Mapping[str, Any]) -> list[str]:
    """What is allowed but worth a second look before saving (the check page shows them): a dropped
    tool with no month it ended (importers often cannot know it, so it is not an error)."""
    if data.get("stage") == "dropped" and not data.get("ended"):
        return ["You have not said the month the tool was dropped. Add it under ‘When’ if you know it"]
    return []


# A deployment's own fields as the bundle, the API and the call-for-evidence import carry them
# (its ref and the records it points at are carried apart; resources are nested).
DEPLOYMENT_FIELDS: tuple[str, ...] = fields_except(DeploymentSchema, "ref", "organisation", "tool", "resources")


# --- single views -----------------------------------------------------------------------------


class SingleViewSchema(BaseSchema):
    ref = Ref("single view", required=True)
    organisation = Ref("organisation", required=True)
    status = Choice(vocabulary.SINGLE_VIEW_STATUS, "Choose whether you have a single view of the child", required=True)
    sources = Codes(vocabulary.SINGLE_VIEW_SOURCES, "data source")
    other_sources = Text("The other data sources", max_length=2000)
    tool = Ref("tool")
    documentation = Text("The documentation")
    visibility = Choice(vocabulary.VISIBILITY, VISIBILITY_MESSAGE, load_default="authorities")


# A single view's own fields as the bundle, the API and the call-for-evidence import carry them.
SINGLE_VIEW_FIELDS: tuple[str, ...] = fields_except(SingleViewSchema, "ref", "organisation", "tool")
