"""Validation for organisations, tools, deployments and single views.

One schema per record, shaped like the exchange bundle (shared/spec/bundle-v1.schema.json):
records point at each other by `ref`. The HTML forms, the JSON API and the bundle importer all
load through these schemas, so the messages are written for people ("Enter the month the pilot
started, like 2025-03"). Forms that do not ask for a field (a ref, the owning organisation)
load with `exclude=(...)`.

The helper fields here (Ref, Codes, Month, Money, ...) are shared by suppliers/ and outcomes/.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from catalogue import vocabulary
from catalogue.db import utcnow
from catalogue.refs import REF_PATTERN
from catalogue.text import without_control_characters

TEXT_MAX = 20000
MONTH_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})$")
ONS_PATTERN = re.compile(r"^[EWSN][0-9]{8}$")


# --- shared fields ----------------------------------------------------------------------------


class Ref(fields.String):
    """A stable reference: lower-case letters, digits, dots, dashes and underscores."""

    def __init__(self, what: str = "record", **kwargs: Any) -> None:
        self.what = what
        kwargs.setdefault(
            "error_messages",
            {
                "required": f"Enter the reference of the {what}",
                "invalid": f"Enter the reference of the {what} as text",
            },
        )
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not REF_PATTERN.match(text):
            raise ValidationError(
                f"The reference of the {self.what} must be 1 to 80 lower-case letters, digits, dots, "
                "dashes or underscores, starting with a letter or digit"
            )
        return text


class Text(fields.String):
    """A required or optional piece of text with a maximum length and a human message."""

    def __init__(self, label: str, max_length: int = TEXT_MAX, required: bool = False, **kwargs: Any) -> None:
        super().__init__(
            required=required,
            validate=validate.Length(
                min=1 if required else 0,
                max=max_length,
                error=f"{label} must be {max_length:,} characters or fewer",
            ),
            error_messages={"required": f"Enter {label.lower()}", "invalid": f"{label} must be text"},
            **kwargs,
        )
        self.label = label


class Codes(fields.Field):
    """A list of codes from one vocabulary: every code known, none repeated.
    Accepts a single string too (one checkbox ticked), and reports one message for the field."""

    def __init__(
        self, vocab: Mapping[str, str], what: str, min_items: int = 0, min_message: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.vocab = vocab
        self.what = what
        self.min_items = min_items
        self.min_message = min_message or f"Choose at least one {what}"

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"Give the {self.what} as a list of codes")
        codes = [v.strip() for v in value if v.strip()]
        unknown = [c for c in codes if c not in self.vocab]
        if unknown:
            raise ValidationError(f"‘{unknown[0]}’ is not a code we know. Choose each {self.what} from the list")
        if len(set(codes)) != len(codes):
            raise ValidationError(f"Each {self.what} must be given only once")
        if len(codes) < self.min_items:
            raise ValidationError(self.min_message)
        return codes

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> list[str] | None:
        return list(value) if value is not None else None


class Choice(fields.String):
    """One code from a vocabulary."""

    def __init__(self, vocab: Mapping[str, str] | list[str], message: str, **kwargs: Any) -> None:
        choices = list(vocab)
        kwargs.setdefault("error_messages", {"required": message, "invalid": message})
        super().__init__(validate=validate.OneOf(choices, error=message), **kwargs)


class StringList(fields.List):
    """A list of short texts (one a line in a form); blanks dropped."""

    def __init__(self, label: str, max_length: int = 200, **kwargs: Any) -> None:
        super().__init__(
            fields.String(
                validate=validate.Length(max=max_length, error=f"Each {label} must be {max_length} characters or fewer")
            ),
            error_messages={"invalid": f"Give the {label}s as a list"},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> list[str]:
        if isinstance(value, str):
            value = value.splitlines()
        if isinstance(value, list):
            value = [v.strip() if isinstance(v, str) else v for v in value]
            value = [v for v in value if v != ""]
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            # One message for the field, not one per list index, so the error summary can link to it.
            messages = exc.messages
            if isinstance(messages, dict):
                first = next(iter(messages.values()))
                messages = first if isinstance(first, list) else [first]
            raise ValidationError(messages) from exc


class Month(fields.String):
    """A month written YYYY-MM."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": message, "required": message})
        super().__init__(**kwargs)
        self.message = message

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        match = MONTH_PATTERN.match(text)
        if not match or not (1 <= int(match.group(2)) <= 12) or int(match.group(1)) < 1900:
            raise ValidationError(self.message)
        return text


# Upper bounds a real organisation could reach, so a slip of the keyboard (1e9 FTE, £1e12) cannot
# dominate the public insights totals. The largest English county employs a few thousand
# children's services staff and spends under £1bn a year on them: 500 FTE on one tool's phase, or
# £50m, is already far beyond any council's technology spend, yet leaves room for a regional
# partnership's shared system. Shared with suppliers/ and outcomes/ through money() and fte().
MAX_FTE = 500
MAX_GBP = 50_000_000


class Amount(fields.Float):
    """A number of pounds or of full-time equivalents, 0 up to `maximum`. Forms may type '£25,000'."""

    def __init__(self, message: str, maximum: float | None = None, too_big: str | None = None, **kwargs: Any) -> None:
        checks = [validate.Range(min=0, error=message)]
        if maximum is not None:
            checks.append(validate.Range(max=maximum, error=too_big or message))
        super().__init__(
            allow_nan=False,
            validate=checks,
            error_messages={"invalid": message, "special": message, "required": message},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> float:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").strip()
        number = super()._deserialize(value, attr, data, **kwargs)
        if number is None or math.isinf(number):
            raise self.make_error("invalid")
        return number


def money(what: str) -> Amount:
    return Amount(
        f"Enter {what} in pounds as a number, 0 or more, like 25000",
        maximum=MAX_GBP,
        too_big=f"Enter {what} in pounds, up to £{MAX_GBP:,}: check the number of zeros",
    )


def fte(what: str) -> Amount:
    return Amount(
        f"Enter {what} as full-time equivalent staff, 0 or more, like 1.5",
        maximum=MAX_FTE,
        too_big=f"Enter {what} as full-time equivalent staff, up to {MAX_FTE}: check the number",
    )


def bool_field(message: str) -> fields.Boolean:
    return fields.Boolean(error_messages={"invalid": message, "required": message})


class BaseSchema(Schema):
    """Unknown fields are ignored (the bundle allows extras); blank values count as not given;
    invisible control characters are removed from text before validation. Every write takes
    `not_real_person`: the personal-data check (catalogue.personal_data.guard) reads it from the
    request, so it is documented here once and dropped from the loaded data."""

    class Meta:
        unknown = EXCLUDE

    not_real_person = fields.Boolean(
        load_only=True,
        metadata={
            "description": (
                "Set true to say the text is not about a real person when the personal-data check "
                "refused it (a 422 whose errors.personal_data lists the findings with can_confirm). "
                "Recorded in the audit trail. NHS numbers and a date of birth beside a name are "
                "never published; importers cannot confirm."
            )
        },
        error_messages={"invalid": "Give not_real_person as true or false"},
    )

    @post_load
    def _drop_confirmation(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict):
            data.pop("not_real_person", None)
        return data

    @pre_load
    def _drop_blanks(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        clean: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = without_control_characters(value).strip()
            elif isinstance(value, list):
                value = [without_control_characters(v) if isinstance(v, str) else v for v in value]
            if value is None or value == "":
                continue
            clean[key] = value
        return clean


def answer_fields(schema: type[Schema]) -> tuple[str, ...]:
    """A schema's own questions, without the writer's `not_real_person` every write takes."""
    return tuple(name for name in schema._declared_fields if name != "not_real_person")


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
    website = Text("The website address", max_length=500)
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


WEBSITE_MESSAGE = "Enter the website address starting with https:// or http://, like https://example.com"


class WebAddress(fields.String):
    """An absolute web address; https only unless `allow_http`."""

    def __init__(self, message: str, allow_http: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"required": message, "invalid": message})
        super().__init__(
            validate=validate.Length(max=500, error="The web address must be 500 characters or fewer"), **kwargs
        )
        self.message = message
        self.schemes = ("https", "http") if allow_http else ("https",)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            validate.URL(schemes=set(self.schemes), require_tld=True)(text)
        except ValidationError as exc:
            raise ValidationError(self.message) from exc
        return text


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

    website = WebAddress(WEBSITE_MESSAGE, allow_http=True)
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

# A deployment's own fields as the bundle, the API and the call-for-evidence import carry them.
DEPLOYMENT_FIELDS: tuple[str, ...] = (
    "stage",
    "started",
    "ended",
    "summary",
    "impact",
    "learnings",
    "barriers",
    "dropped_reasons",
    "dropped_detail",
    "risk_assessment",
    "ethics_checks",
    "safeguards",
    "evaluation",
    "evaluator",
    "evaluation_findings",
    "visibility",
)

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
    resources = fields.Nested(
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
            errors["ethics_checks"] = ["Choose ‘No’ on its own, or choose the checks you did"]
        if errors:
            raise ValidationError(errors)


def stage_date_warnings(data: Mapping[str, Any]) -> list[str]:
    """What is allowed but worth a second look before saving (the check page shows them): a dropped
    tool with no month it ended (importers often cannot know it, so it is not an error)."""
    if data.get("stage") == "dropped" and not data.get("ended"):
        return ["You have not said the month the tool was dropped. Add it under ‘When’ if you know it"]
    return []


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
