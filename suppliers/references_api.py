"""/api/v1 references, through the same service as the pages (suppliers.references): a supplier
asks an authority or provider to confirm it uses an offering's tool and lists its requests; the
cited organisation lists what it was asked, confirms (naming one of its own deployments of the
tool), declines, or later revokes a confirmation."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlmodel import Session

from catalogue import errors
from catalogue.accounts.models import Organisation
from catalogue.api import Blueprint, common, http
from catalogue.db import get_session
from catalogue.records.models import Deployment
from catalogue.schemas import BaseSchema
from suppliers import services
from suppliers.api import MARKET_DESCRIPTION, MARKET_TAG
from suppliers.models import Offering, Reference

blp = Blueprint("api_references", __name__, url_prefix="/api/v1", description=MARKET_DESCRIPTION, doc_tag=MARKET_TAG)
common.install(blp)

STATUSES = ["pending", "confirmed", "declined", "revoked"]


class ReferenceOut(Schema):
    id = fields.Integer(required=True)
    offering = fields.String(required=True, metadata={"description": "the offering's ref"})
    offering_name = fields.String()
    supplier = fields.String(metadata={"description": "the supplier's ref"})
    organisation = fields.String(required=True, metadata={"description": "the cited organisation's ref"})
    organisation_name = fields.String()
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    note = fields.String(allow_none=True)
    deployment = fields.String(
        allow_none=True, metadata={"description": "the confirmed deployment's ref: the cited organisation only"}
    )
    requested_at = fields.DateTime(required=True)
    decided_at = fields.DateTime(allow_none=True)


class CiteIn(BaseSchema):
    organisation = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80, error="Choose the local authority or provider from the list"),
        error_messages={"required": "Choose the local authority or provider from the list"},
        metadata={"description": "the ref of the authority or provider to ask"},
    )
    note = fields.String(
        allow_none=True, validate=validate.Length(max=1000, error="The note must be 1,000 characters or fewer")
    )


class ConfirmIn(BaseSchema):
    deployment = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80, error="Choose which of your records of this tool it is"),
        error_messages={"required": "Choose which of your records of this tool it is"},
        metadata={"description": "the ref of your own deployment of the offering's tool"},
    )


class EmptyIn(BaseSchema):
    """No fields: the address says it all."""


def reference_json(session: Session, reference: Reference, *, for_organisation: bool) -> dict[str, Any]:
    offering = session.get(Offering, reference.offering_id)
    org = session.get(Organisation, reference.organisation_id)
    supplier = session.get(Organisation, offering.supplier_id) if offering else None
    deployment = session.get(Deployment, reference.deployment_id) if reference.deployment_id else None
    return {
        "id": reference.id,
        "offering": offering.ref if offering else None,
        "offering_name": offering.name if offering else None,
        "supplier": supplier.ref if supplier else None,
        "organisation": org.ref if org else None,
        "organisation_name": org.name if org else None,
        "status": reference.status,
        "note": reference.note,
        # Which deployment stays the organisation's own business; the supplier sees the status.
        "deployment": deployment.ref if deployment is not None and for_organisation else None,
        "requested_at": reference.requested_at,
        "decided_at": reference.decided_at,
    }


@blp.route("/offerings/<ref>/references")
class OfferingReferences(MethodView):
    decorators = [common.write_limit()]

    def _offering(self, ref: str) -> Offering:
        offering = services.get_offering(get_session(), common.viewer(), ref)
        if offering is None:
            common.not_found("offering")
        return offering

    @blp.arguments(common.PageArgs, location="query")
    @blp.response(200, common.page_schema(ReferenceOut, "ReferencePage"))
    @blp.doc(responses={"403": {"$ref": "#/components/responses/Forbidden"}})
    def get(self, args: dict[str, Any], ref: str) -> dict[str, Any]:
        """Your supplier's reference requests for this offering: who was asked and what they said."""
        common.require_token()
        session = get_session()
        try:
            rows = services.references_for_offering(session, common.viewer(), self._offering(ref))
        except errors.NotAllowed:
            common.forbidden("Only the offering's supplier sees its reference requests")
        rows = common.changed_since(rows, args.get("updated_since"), lambda r: r[0].decided_at or r[0].requested_at)
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = [reference_json(session, r, for_organisation=False) for r, _org in page["items"]]
        return page

    @blp.arguments(CiteIn)
    @blp.response(201, ReferenceOut)
    def post(self, data: dict[str, Any], ref: str) -> Any:
        """Ask an authority or provider to confirm it uses this published offering's tool. You name
        only the organisation; it chooses which of its records it is when it confirms."""
        viewer = common.require_token()
        session = get_session()
        offering = self._offering(ref)
        try:
            reference = services.cite(session, viewer, offering, data["organisation"], data.get("note") or None)
        except errors.Refused as exc:
            common.refused(exc)
        session.commit()
        return http.created(
            reference_json(session, reference, for_organisation=False), f"/api/v1/references/{reference.id}"
        )


class InboxArgs(common.PageArgs):
    status = common.choice_arg(STATUSES, "Give status as pending, confirmed, declined or revoked")


@blp.route("/references")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, common.page_schema(ReferenceOut, "ReferenceInboxPage"))
def inbox(args: dict[str, Any]) -> dict[str, Any]:
    """What suppliers asked your organisation to confirm, pending first."""
    viewer = common.require_token()
    session = get_session()
    rows = services.inbox(session, viewer)
    if args.get("status"):
        rows = [row for row in rows if row[0].status == args["status"]]
    rows = common.changed_since(rows, args.get("updated_since"), lambda r: r[0].decided_at or r[0].requested_at)
    page = common.envelope(rows, args["page"], args["per_page"])
    page["items"] = [reference_json(session, r, for_organisation=True) for r, _o, _s in page["items"]]
    return page


def _for_answer(reference_id: int) -> Reference:
    common.id_or_404(reference_id, "reference")
    try:
        return services.get_reference_for_answer(get_session(), common.viewer(), reference_id)
    except errors.NotAllowed:
        common.not_found("reference")
        raise


@blp.route("/references/<int:reference_id>")
@blp.response(200, ReferenceOut)
def get_reference(reference_id: int) -> dict[str, Any]:
    """One request to your organisation."""
    common.require_token()
    return reference_json(get_session(), _for_answer(reference_id), for_organisation=True)


def _decide(reference_id: int, decision: str, deployment: str | None) -> dict[str, Any]:
    viewer = common.require_token()
    session = get_session()
    reference = _for_answer(reference_id)
    if reference.status != "pending":
        common.abort_conflict("This request has been answered already")
    try:
        services.answer(session, viewer, reference, decision, deployment)
    except errors.Refused as exc:
        common.refused(exc)
    session.commit()
    return reference_json(session, reference, for_organisation=True)


@blp.route("/references/<int:reference_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmIn)
@blp.response(200, ReferenceOut)
@common.write_limit()
def confirm_reference(data: dict[str, Any], reference_id: int) -> dict[str, Any]:
    """Confirm your organisation uses the offering's tool, naming which of your deployments it is."""
    return _decide(reference_id, "confirm", data["deployment"])


@blp.route("/references/<int:reference_id>/decline", methods=["POST"])
@blp.arguments(EmptyIn)
@blp.response(200, ReferenceOut)
@common.write_limit()
def decline_reference(_data: dict[str, Any], reference_id: int) -> dict[str, Any]:
    """Decline the request: the offering does not cite your organisation."""
    return _decide(reference_id, "decline", None)


@blp.route("/references/<int:reference_id>/revoke", methods=["POST"])
@blp.arguments(EmptyIn)
@blp.response(200, ReferenceOut)
@common.write_limit()
def revoke_reference(_data: dict[str, Any], reference_id: int) -> dict[str, Any]:
    """Take back a confirmation: the offering stops citing your organisation; the supplier is told."""
    viewer = common.require_token()
    session = get_session()
    reference = _for_answer(reference_id)
    try:
        services.revoke_reference(session, viewer, reference)
    except errors.Refused as exc:
        common.refused(exc)
    session.commit()
    return reference_json(session, reference, for_organisation=True)
