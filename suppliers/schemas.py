"""Validation for supplier offerings, shaped like the exchange bundle's `offering`.

The base schema is shared by the offering form, the JSON API and the bundle importer; form-only
fields (links, status) are added by subclasses in this module.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import pre_load

from catalogue import vocabulary
from catalogue.schemas import BaseSchema, Choice, Codes, Ref, StringList, Text

# Accreditations are stored as vocabulary codes so the filter can compare them. Labels and the
# usual ways of writing them ("ISO 27001", "Cyber Essentials+", "DSPT: Standards Met",
# "G-Cloud 14") become codes as they load, through every channel (form, API, bundle import).
_ACCREDITATION_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^cyber essentials (plus\b|\+)"), "cyber-essentials-plus"),
    (re.compile(r"^cyber essentials( certified| certification)?$"), "cyber-essentials"),
    (re.compile(r"^iso( ?/? ?iec)? ?27001\b"), "iso-27001"),
    (re.compile(r"^(nhs )?(dspt|dsp toolkit|data security (and|&) protection toolkit)\b"), "dspt"),
    (re.compile(r"^g ?cloud\b"), "g-cloud"),
)


def accreditation_code(text: str) -> str:
    """The vocabulary code for an accreditation written as a code, label or common synonym;
    anything else comes back as given (trimmed)."""
    text = text.strip()
    if text in vocabulary.ACCREDITATIONS:
        return text
    plain = re.sub(r"[\s:,.()\-]+", " ", text.lower().replace("+", " +")).strip()
    for pattern, code in _ACCREDITATION_PATTERNS:
        if pattern.search(plain):
            return code
    return text


def _accreditations_to_codes(data: Any) -> Any:
    """pre_load for schemas with `accreditations`: map each entry to its code, each code once
    (two spellings of one accreditation); other text is left for the field to validate."""
    if not isinstance(data, dict) or "accreditations" not in data:
        return data
    value = data["accreditations"]
    if isinstance(value, str):
        value = value.splitlines()
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        out: list[str] = []
        for code in (accreditation_code(v) for v in value):
            if code not in vocabulary.ACCREDITATIONS or code not in out:
                out.append(code)
        data = {**data, "accreditations": out}
    return data


class OfferingSchema(BaseSchema):
    ref = Ref("offering", required=True)
    supplier = Ref("supplier", required=True)
    tool = Ref("tool")
    name = Text("The name of the offering", max_length=200, required=True)
    summary = Text("The summary", max_length=500)
    description = Text("The description")
    categories = Codes(
        vocabulary.CATEGORIES,
        "category",
        min_items=1,
        required=True,
        min_message="Choose at least one category for the offering",
        error_messages={"required": "Choose at least one category for the offering"},
    )
    outcomes = StringList("outcome", max_length=500)
    delivery = Choice(
        vocabulary.DELIVERY, "Choose whether the offering is built into a case management system or standalone"
    )
    case_management_systems = StringList("case management system")
    # Codes from vocabulary.ACCREDITATIONS; an accreditation the vocabulary lacks stays as text.
    accreditations = StringList("accreditation")
    # Filled in by the pre-load below from what was given (anything sent under this name is
    # replaced): the accreditations as written, which the bundle export gives back.
    accreditations_as_written = StringList("accreditation")
    hosting = Text("The hosting details", max_length=500)
    pricing = Text("The pricing", max_length=2000)

    @pre_load
    def _accreditation_codes(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "accreditations_as_written"}
            given = data.get("accreditations")
            if isinstance(given, str):
                given = given.splitlines()
            if isinstance(given, list | tuple) and all(isinstance(v, str) for v in given):
                data["accreditations_as_written"] = list(dict.fromkeys(v.strip() for v in given if v.strip()))
        return _accreditations_to_codes(data)


# --- form-only extensions (the offering form and the supplier profile form) ---------------------

from marshmallow import ValidationError, fields, validate, validates_schema  # noqa: E402

from catalogue.records.schemas import ContactSchema  # noqa: E402
from catalogue.schemas import Whole, bool_field  # noqa: E402
from catalogue.web_address import WebAddress  # noqa: E402

HTTPS_MESSAGE = "Enter a web address starting with https://, like https://example.com/guide.pdf"
COMPANY_NUMBER = re.compile(r"^(?:[0-9]{8}|[A-Z]{2}[0-9]{6})$")
OFFERING_STATUSES = {"draft": "Draft: only your organisation sees it", "published": "Published: anyone can see it"}
MAX_LINKS = 10


class LinkSchema(BaseSchema):
    title = Text("The title of the document", max_length=200, required=True)
    url = WebAddress(HTTPS_MESSAGE, https_only=True, required=True)


class OfferingFormSchema(OfferingSchema):
    """The offering form and API: the bundle's fields plus documents and draft/published.
    Load with exclude=("ref", "supplier"): the page supplies both."""

    links = fields.List(
        Whole(LinkSchema),
        load_default=list,
        validate=validate.Length(max=MAX_LINKS, error=f"Add {MAX_LINKS} documents or fewer"),
        error_messages={"invalid": "Give the documents as a list of titles and web addresses"},
    )
    status = Choice(
        OFFERING_STATUSES, "Choose whether to publish the offering or save it as a draft", load_default="draft"
    )


class SupplierProfileSchema(ContactSchema):
    """What a supplier says about itself (the fields live on its organisation)."""

    name = Text("The name of the organisation", max_length=200, required=True)
    website = WebAddress()
    company_number = fields.String(
        error_messages={"invalid": "Enter the company number as 8 digits, or 2 letters and 6 digits, like SC123456"}
    )
    is_sme = bool_field("Say whether you are a small or medium-sized enterprise")
    accreditations = Codes(vocabulary.ACCREDITATIONS, "accreditation", load_default=list)
    data_hosting = Text("Where data is hosted", max_length=500)
    description = Text("The description", max_length=5000)
    contact_consent = bool_field("Say whether signed-in members may see your contact details")

    @pre_load
    def _accreditation_codes(self, data: Any, **_kwargs: Any) -> Any:
        return _accreditations_to_codes(data)

    # Run even when a field failed, so every problem shows at once.
    @validates_schema(skip_on_field_errors=False)
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        number = data.get("company_number")
        if number is not None:
            number = number.replace(" ", "").upper()
            if not COMPANY_NUMBER.match(number):
                errors["company_number"] = [
                    "Enter the company number as 8 digits, or 2 letters and 6 digits, like SC123456"
                ]
            data["company_number"] = number
        if errors:
            raise ValidationError(errors)
