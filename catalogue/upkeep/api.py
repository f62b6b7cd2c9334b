"""/api/v1: "Still true" and withdrawing with a reason, for deployments, single views and
offerings, through the same services and checks as the pages. A site admin's withdrawal of
another organisation's record is a deletion (recorded the same way)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from catalogue.api import Blueprint, common, serialise
from catalogue.db import get_session
from catalogue.errors import NotAllowed, NotFound
from catalogue.upkeep import services

blp = Blueprint(
    "api_upkeep",
    __name__,
    url_prefix="/api/v1",
    description="Keeping evidence true: confirm a record is still true, or withdraw it with a reason.",
)
common.install(blp)

COLLECTIONS = {"deployments": "deployment", "single-views": "single_view", "offerings": "offering"}


class WithdrawIn(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(
            max=services.REASON_MAX, error=f"The reason must be {services.REASON_MAX} characters or fewer"
        ),
        error_messages={"required": "Enter why you are withdrawing it", "invalid": "Give the reason as text"},
        metadata={"description": "why it is withdrawn (kept in the audit trail)"},
    )


class WithdrawnOut(Schema):
    ref = fields.String(dump_only=True)
    withdrawn_at = fields.DateTime(dump_only=True)
    reason = fields.String(dump_only=True)
    deleted = fields.Boolean(
        dump_only=True, metadata={"description": "a site admin deleted another organisation's record"}
    )


class ConfirmedOut(serialise.FreshnessOut):
    ref = fields.String(dump_only=True)


def _confirm(kind: str, ref: str) -> dict[str, Any]:
    viewer = common.require_token()
    session = get_session()
    try:
        record = services.confirm(session, viewer, kind, ref)
    except NotFound:
        common.not_found(services.label(kind))
    except NotAllowed:
        common.forbidden("Only its own organisation can confirm a record is still true")
    session.commit()
    return {"ref": record.ref, **serialise.freshness(record, serialise.confirmers(session, [record]))}


def _withdraw(kind: str, ref: str, data: dict[str, Any]) -> dict[str, Any]:
    viewer = common.require_token()
    session = get_session()
    try:
        record = services.find(session, kind, ref)
        delete = viewer.site_admin and viewer.member_org_id != record.organisation_id
        done, errors = services.withdraw(session, viewer, kind, ref, data.get("reason"), delete=delete)
    except NotFound:
        common.not_found(services.label(kind))
    except NotAllowed:
        common.forbidden("Only its own organisation can withdraw this record")
    if errors:
        common.field_errors(errors)
    session.commit()
    return {"ref": done.ref, "withdrawn_at": done.withdrawn_at, "reason": done.withdrawn_reason, "deleted": delete}


def _routes(collection: str, kind: str) -> None:
    what = services.label(kind)

    def confirm(ref: str) -> dict[str, Any]:
        return _confirm(kind, ref)

    def withdraw(data: dict[str, Any], ref: str) -> dict[str, Any]:
        return _withdraw(kind, ref, data)

    confirm.__name__ = f"confirm_{kind}"
    confirm.__doc__ = f"Confirm the {what} is still true (its own organisation's members)."
    withdraw.__name__ = f"withdraw_{kind}"
    withdraw.__doc__ = (
        f"Withdraw the {what} with a reason: it leaves every list, page, search, export and API answer, "
        "and the change feed reports it deleted. A site admin deletes another organisation's the same way."
    )
    limit = common.write_limit()
    blp.route(f"/{collection}/<ref>/confirm", methods=["POST"])(blp.response(200, ConfirmedOut)(limit(confirm)))
    blp.route(f"/{collection}/<ref>/withdraw", methods=["POST"])(
        blp.arguments(WithdrawIn)(blp.response(200, WithdrawnOut)(limit(withdraw)))
    )


for _collection, _kind in COLLECTIONS.items():
    _routes(_collection, _kind)
