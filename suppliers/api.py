"""/api/v1 offerings: the published list and details, and (with a token) listing and changing a
supplier's offerings, through the suppliers service and schema."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields
from sqlmodel import Session

from catalogue import errors, vocabulary
from catalogue.accounts.models import Organisation
from catalogue.api import API_PREFIX, Blueprint, common, http, serialise
from catalogue.api.serialise import refs_by_id
from catalogue.db import get_session
from catalogue.records.models import Tool
from catalogue.schemas import fields_except
from suppliers import services as offerings
from suppliers.models import Offering
from suppliers.schemas import OfferingFormSchema

# Offerings and challenges share one heading in the API reference, as before the packages split.
MARKET_TAG = "api_market"
MARKET_DESCRIPTION = "Supplier offerings, challenges, expressions of interest and proposals."

blp = Blueprint("api_offerings", __name__, url_prefix="/api/v1", description=MARKET_DESCRIPTION, doc_tag=MARKET_TAG)
common.install(blp)


class OfferingOut(OfferingFormSchema, serialise.FreshnessOut):
    supplier_name = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


# What the API gives of an offering: OfferingOut's fields less those given apart (the supplier
# and tool refs, as written accreditations, the supplier's name).
OFFERING_COLUMNS = fields_except(
    OfferingOut, "supplier", "tool", "accreditations_as_written", "supplier_name", *serialise.FRESHNESS_FIELDS
)


def offering_json(session: Session, rows: list[Offering]) -> list[dict[str, Any]]:
    suppliers = refs_by_id(session, Organisation, [o.supplier_id for o in rows])
    tools = refs_by_id(session, Tool, [o.tool_id for o in rows])
    confirmed_by = serialise.confirmers(session, rows)
    out = []
    for row in rows:
        data = {name: getattr(row, name) for name in OFFERING_COLUMNS}
        supplier = suppliers.get(row.supplier_id)
        data.update(supplier=supplier.ref if supplier else None, supplier_name=supplier.name if supplier else None)
        data["tool"] = tools[row.tool_id].ref if row.tool_id in tools else None
        data.update(serialise.freshness(row, confirmed_by))
        out.append(common.compact(data))
    return out


class OfferingArgs(common.PageArgs):
    category = common.choice_arg(vocabulary.CATEGORIES, "Choose a category from the list")
    cms = common.text_arg()
    accreditation = common.choice_arg(vocabulary.ACCREDITATIONS, "Choose an accreditation from the list")
    sme = common.choice_arg(("yes", "no"), "Give sme as yes or no")
    hosting = common.text_arg(50)
    freshness = common.choice_arg(("current", "stale"), "Give freshness as current or stale")


@blp.route("/offerings")
class Offerings(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(OfferingArgs, location="query")
    @blp.response(200, common.page_schema(OfferingOut, "OfferingPage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Published offerings, and your own drafts."""
        session, viewer = get_session(), common.viewer()

        def fetch(number: int) -> Any:
            f = offerings.Filters(
                args.get("category"), args.get("cms"), args.get("accreditation"), args.get("sme"), args.get("hosting")
            )
            f.page = number
            f.freshness = args.get("freshness")
            return offerings.browse_offerings(session, viewer, f)

        rows, total = common.service_slice(
            fetch,
            args["page"],
            args["per_page"],
            offerings.PAGE_SIZE,
            args.get("updated_since"),
            lambda row: row[0].updated_at,
        )
        return common.paged(offering_json(session, [o for o, _s in rows]), total, args["page"], args["per_page"])

    @blp.arguments(OfferingFormSchema(exclude=("ref", "supplier")))
    @blp.response(201, OfferingOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """List an offering for your supplier organisation (a draft unless status is published)."""
        viewer = common.viewer()
        session = get_session()
        supplier = session.get(Organisation, viewer.member_org_id) if viewer.member_org_id else None
        try:
            offering = offerings.create_offering(session, viewer, supplier, data)
        except errors.NotAllowed:
            common.forbidden("Only approved members of a supplier can list offerings")
        except errors.Invalid as exc:
            common.field_errors(exc.errors)
        session.commit()
        return http.created(offering_json(session, [offering])[0], f"{API_PREFIX}/offerings/{offering.ref}")


@blp.route("/offerings/<ref>")
class OfferingItem(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, OfferingOut)
    def get(self, ref: str) -> dict[str, Any]:
        session = get_session()
        offering = offerings.get_offering(session, common.viewer(), ref)
        if offering is None:
            common.not_found("offering")
        return offering_json(session, [offering])[0]

    @blp.arguments(OfferingFormSchema(exclude=("ref", "supplier"), partial=True))
    @blp.response(200, OfferingOut)
    def patch(self, _data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Change the fields given; the others keep their values (If-Match: a 412 says someone
        changed it since you read it)."""
        http.check_if_match(lambda: self.get(ref))
        viewer = common.viewer()
        session = get_session()
        offering = offerings.get_offering(session, viewer, ref)
        if offering is None:
            common.not_found("offering")
        merged = offerings.offering_form_data(session, offering)
        merged.update(common.json_body())
        data = common.load_or_422(OfferingFormSchema(exclude=("ref", "supplier")), merged)
        try:
            offerings.update_offering(session, viewer, offering, data)
        except errors.NotAllowed:
            common.forbidden()
        except errors.Invalid as exc:
            common.field_errors(exc.errors)
        session.commit()
        return offering_json(session, [offering])[0]
