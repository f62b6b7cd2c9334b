"""/api/v1 offerings and challenges: lists, details, and (with a token) creating and changing
offerings and challenges, and sending expressions of interest and proposals, through the
suppliers and outcomes services and their schemas."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields
from sqlmodel import Session

from catalogue import vocabulary
from catalogue.accounts.models import Organisation
from catalogue.api import common
from catalogue.api.records_api import paged, service_slice
from catalogue.api.serialise import refs_by_id
from catalogue.db import get_session
from catalogue.records.models import Tool
from catalogue.records.schemas import Codes
from outcomes import services as challenges
from outcomes.models import Challenge, ChallengeResponse
from outcomes.schemas import SECTIONS, ChallengeFormSchema, ChallengeSchema, ResponseSchema
from suppliers import services as offerings
from suppliers.models import Offering
from suppliers.schemas import OfferingFormSchema

blp = Blueprint(
    "api_market",
    __name__,
    url_prefix="/api/v1",
    description="Supplier offerings, challenges, expressions of interest and proposals.",
)
common.install(blp)


# --- offerings ----------------------------------------------------------------------------------


class OfferingOut(OfferingFormSchema):
    supplier_name = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


OFFERING_COLUMNS = (
    "ref",
    "name",
    "summary",
    "description",
    "categories",
    "outcomes",
    "delivery",
    "case_management_systems",
    "accreditations",
    "hosting",
    "pricing",
    "links",
    "status",
    "updated_at",
)


def offering_json(session: Session, rows: list[Offering]) -> list[dict[str, Any]]:
    suppliers = refs_by_id(session, Organisation, [o.supplier_id for o in rows])
    tools = refs_by_id(session, Tool, [o.tool_id for o in rows])
    out = []
    for row in rows:
        data = {name: getattr(row, name) for name in OFFERING_COLUMNS}
        supplier = suppliers.get(row.supplier_id)
        data.update(supplier=supplier.ref if supplier else None, supplier_name=supplier.name if supplier else None)
        data["tool"] = tools[row.tool_id].ref if row.tool_id in tools else None
        out.append(common.compact(data))
    return out


class OfferingArgs(common.PageArgs):
    category = common.choice_arg(vocabulary.CATEGORIES, "Choose a category from the list")
    cms = common.text_arg()
    accreditation = common.choice_arg(vocabulary.ACCREDITATIONS, "Choose an accreditation from the list")
    sme = common.choice_arg(("yes", "no"), "Give sme as yes or no")
    hosting = common.text_arg(50)


def _load(schema: Any, data: Any) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        common.field_errors(messages)
        raise  # unreachable: field_errors aborts


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return dict(body) if isinstance(body, dict) else {}


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
            return offerings.browse_offerings(session, viewer, f)

        rows, total = service_slice(fetch, args["page"], args["per_page"], offerings.PAGE_SIZE)
        return paged(offering_json(session, [o for o, _s in rows]), total, args["page"], args["per_page"])

    @blp.arguments(OfferingFormSchema(exclude=("ref", "supplier")))
    @blp.response(201, OfferingOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """List an offering for your supplier organisation (a draft unless status is published)."""
        viewer = common.viewer()
        session = get_session()
        supplier = session.get(Organisation, viewer.member_org_id) if viewer.member_org_id else None
        try:
            offering = offerings.create_offering(session, viewer, supplier, data)
        except offerings.NotAllowed:
            common.forbidden("Only approved members of a supplier can list offerings")
        except offerings.RuleBroken as exc:
            common.field_errors(exc.errors)
        session.commit()
        return offering_json(session, [offering])[0]


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
        """Change the fields given; the others keep their values."""
        viewer = common.viewer()
        session = get_session()
        offering = offerings.get_offering(session, viewer, ref)
        if offering is None:
            common.not_found("offering")
        merged = offerings.offering_form_data(session, offering)
        merged.update(_body())
        data = _load(OfferingFormSchema(exclude=("ref", "supplier")), merged)
        try:
            offerings.update_offering(session, viewer, offering, data)
        except offerings.NotAllowed:
            common.forbidden()
        except offerings.RuleBroken as exc:
            common.field_errors(exc.errors)
        session.commit()
        return offering_json(session, [offering])[0]


# --- challenges ---------------------------------------------------------------------------------


class ChallengeOut(ChallengeSchema):
    owner_name = fields.String(dump_only=True)
    categories = Codes(vocabulary.CATEGORIES, "category")
    requirements = fields.List(fields.Dict(), dump_only=True)
    evaluation_criteria = fields.List(fields.Dict(), dump_only=True)
    timetable = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


CHALLENGE_COLUMNS = (
    "ref",
    "title",
    "problem",
    "users",
    "outcomes",
    "constraints",
    "tried_before",
    "budget_min",
    "budget_max",
    "route",
    "status",
    "closes",
    "categories",
    "requirements",
    "evaluation_criteria",
    "timetable",
    "updated_at",
)


def challenge_json(challenge: Challenge, owner: Organisation | None) -> dict[str, Any]:
    data = {name: getattr(challenge, name, None) for name in CHALLENGE_COLUMNS}
    data.update(owner=owner.ref if owner else None, owner_name=owner.name if owner else None)
    data["status"] = challenge.shown_status  # the clock's status (outcomes.clock), as on the pages
    return common.compact(data)


class ChallengeArgs(common.PageArgs):
    route = common.choice_arg(vocabulary.ROUTES, "Choose a procurement route from the list")
    status = common.choice_arg(vocabulary.CHALLENGE_STATUSES, "Choose a status from the list")
    category = common.choice_arg(vocabulary.CATEGORIES, "Choose a category from the list")
    region = common.choice_arg(vocabulary.REGIONS, "Choose an English region from the list")


CHALLENGE_INPUT_EXCLUDE = ("ref", "owner", "status")


def _save_sections(session: Session, challenge: Challenge, data: dict[str, Any], given: set[str]) -> None:
    """Store every task-list section the body touched, through the outcomes service."""
    viewer = common.viewer()
    for section, names in SECTIONS.items():
        if given & set(names):
            merged = challenges.section_data(challenge, section)
            merged.update({k: v for k, v in _body().items() if k in names})
            clean = _load(ChallengeFormSchema(only=names, partial=True), merged)
            challenges.save_section(session, viewer, challenge, section, clean)


@blp.route("/challenges")
class Challenges(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(ChallengeArgs, location="query")
    @blp.response(200, common.page_schema(ChallengeOut, "ChallengePage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Published challenges, and drafts your organisation owns or shares."""
        rows = challenges.list_challenges(
            get_session(),
            common.viewer(),
            route=args.get("route"),
            status=args.get("status"),
            category=args.get("category"),
            region=args.get("region"),
        )
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = [challenge_json(c, o) for c, o in page["items"]]
        return page

    @blp.arguments(ChallengeFormSchema(exclude=CHALLENGE_INPUT_EXCLUDE))
    @blp.response(201, ChallengeOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Start a challenge as a draft owned by your organisation."""
        viewer = common.viewer()
        session = get_session()
        try:
            challenge = challenges.create_challenge(session, viewer, data)
            _save_sections(session, challenge, data, set(_body()) - {"title", "problem", "categories"})
        except challenges.NotAllowed as exc:
            common.forbidden(exc.message)
        except challenges.ChallengeError as exc:
            common.field_errors(exc.errors)
        session.commit()
        return challenge_json(challenge, session.get(Organisation, challenge.owner_id))


def _challenge_or_404(ref: str) -> Challenge:
    challenge = challenges.get_challenge(get_session(), common.viewer(), ref)
    if challenge is None:
        common.not_found("challenge")
    return challenge


@blp.route("/challenges/<ref>")
class ChallengeItem(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, ChallengeOut)
    def get(self, ref: str) -> dict[str, Any]:
        challenge = _challenge_or_404(ref)
        return challenge_json(challenge, get_session().get(Organisation, challenge.owner_id))

    @blp.arguments(ChallengeFormSchema(exclude=CHALLENGE_INPUT_EXCLUDE, partial=True))
    @blp.response(200, ChallengeOut)
    def patch(self, data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Change the statement while it is a draft or in market engagement."""
        session = get_session()
        challenge = _challenge_or_404(ref)
        try:
            _save_sections(session, challenge, data, set(_body()))
        except challenges.NotAllowed as exc:
            common.forbidden(exc.message)
        except challenges.ChallengeError as exc:
            common.field_errors(exc.errors)
        session.commit()
        return challenge_json(challenge, session.get(Organisation, challenge.owner_id))


# --- expressions of interest and proposals ------------------------------------------------------


class ResponseOut(ResponseSchema):
    id = fields.Integer(dump_only=True)
    challenge = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    supplier = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    requirements_met = fields.List(fields.Dict(), dump_only=True)
    submitted_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


def response_json(session: Session, challenge: Challenge, response: ChallengeResponse) -> dict[str, Any]:
    supplier = session.get(Organisation, response.supplier_id)
    offering = session.get(Offering, response.offering_id) if response.offering_id else None
    return common.compact(
        {
            "id": response.id,
            "challenge": challenge.ref,
            "kind": response.kind,
            "supplier": supplier.ref if supplier else None,
            "approach": response.approach,
            "offering": offering.ref if offering else None,
            "requirements_met": response.requirements_met,
            "price": response.price,
            "evidence": response.evidence,
            "status": response.status,
            "submitted_at": response.submitted_at,
            "updated_at": response.updated_at,
        }
    )


class ResponseArgs(common.PageArgs):
    kind = common.choice_arg(challenges.RESPONSE_KINDS, "Give kind as interest or proposal")


@blp.route("/challenges/<ref>/responses")
@blp.arguments(ResponseArgs, location="query")
@blp.response(200, common.page_schema(ResponseOut, "ResponsePage"))
def list_responses(args: dict[str, Any], ref: str) -> dict[str, Any]:
    """Expressions of interest and proposals you may see: all of them for the owner and
    co-sponsors, only your own for a supplier."""
    session = get_session()
    challenge = _challenge_or_404(ref)
    rows = challenges.visible_responses(session, common.viewer(), challenge, args.get("kind"))
    page = common.envelope(rows, args["page"], args["per_page"])
    page["items"] = [response_json(session, challenge, r) for r, _o in page["items"]]
    return page


def _send(ref: str, kind: str) -> dict[str, Any]:
    viewer = common.viewer()
    session = get_session()
    challenge = _challenge_or_404(ref)
    data = _load(ResponseSchema(), _body())
    try:
        response = challenges.save_response(session, viewer, challenge, kind, data)
    except challenges.NotAllowed as exc:
        common.forbidden(exc.message)
    except challenges.ChallengeError as exc:
        status = 422 if exc.field != "_schema" else 409
        if status == 409:
            common.abort_conflict(exc.message)
        common.field_errors(exc.errors)
    session.commit()
    return response_json(session, challenge, response)


@blp.route("/challenges/<ref>/interest", methods=["POST"])
@blp.arguments(ResponseSchema)
@blp.response(201, ResponseOut)
@common.write_limit()
def send_interest(_data: dict[str, Any], ref: str) -> dict[str, Any]:
    """Send or change your supplier's expression of interest (during market engagement)."""
    return _send(ref, "interest")


@blp.route("/challenges/<ref>/proposal", methods=["POST"])
@blp.arguments(ResponseSchema)
@blp.response(201, ResponseOut)
@common.write_limit()
def send_proposal(_data: dict[str, Any], ref: str) -> dict[str, Any]:
    """Send or change your supplier's proposal (while the challenge is open)."""
    return _send(ref, "proposal")
