"""Validation for supplier offerings, shaped like the exchange bundle's `offering`.

The base schema is shared by the offering form, the JSON API and the bundle importer; form-only
fields (links, status) are added by subclasses in this module.
"""

from __future__ import annotations

from catalogue import vocabulary
from catalogue.records.schemas import BaseSchema, Choice, Codes, Ref, StringList, Text


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
    accreditations = StringList("accreditation")
    hosting = Text("The hosting details", max_length=500)
    pricing = Text("The pricing", max_length=2000)
