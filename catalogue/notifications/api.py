"""/api/v1/follows: what you follow (tools, challenges), following and unfollowing, through the
same service as the follow buttons (catalogue.notifications.services)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlmodel import select

from catalogue import features
from catalogue.api import API_PREFIX, Blueprint, common
from catalogue.db import get_session
from catalogue.notifications import services
from catalogue.schemas import BaseSchema

blp = Blueprint("api_follows", __name__, url_prefix="/api/v1", description="What you follow, to hear of new activity.")
common.install(blp)

KINDS = ["tool", "challenge"]


class FollowOut(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    ref = fields.String(required=True)
    name = fields.String()
    url = fields.String(metadata={"description": "the record's API address"})
    since = fields.DateTime(allow_none=True, metadata={"description": "when you started following it"})


class FollowIn(BaseSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KINDS, error="Give kind as tool or challenge"),
        error_messages={"required": "Give kind as tool or challenge"},
    )
    ref = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80, error="Give the record's ref"),
        error_messages={"required": "Give the record's ref"},
    )


def _json(kind: str, target: Any, since: Any) -> dict[str, Any]:
    url = features.followable()[kind].url.format(ref=target.ref)
    return {
        "kind": kind,
        "ref": target.ref,
        "name": getattr(target, "name", None) or getattr(target, "title", ""),
        "url": API_PREFIX + url,
        "since": since,
    }


def _record_id(kind: str, ref: str) -> int | None:
    model = features.followable()[kind].model
    return get_session().exec(select(model.id).where(model.ref == ref)).first()


@blp.route("/follows")
class Follows(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(common.PageArgs, location="query")
    @blp.response(200, common.page_schema(FollowOut, "FollowPage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The tools and challenges you follow (those you may no longer see are left out)."""
        viewer = common.require_token()
        rows = services.my_follows(get_session(), viewer)
        rows = common.changed_since(rows, args.get("updated_since"), lambda r: r[0].created_at)
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = [_json(row.kind, target, row.created_at) for row, target in page["items"]]
        return page

    @blp.arguments(FollowIn)
    @blp.response(201, FollowOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Follow a tool or challenge you may see (following twice is fine)."""
        viewer = common.require_token()
        session = get_session()
        record_id = _record_id(data["kind"], data["ref"])
        try:
            if record_id is None:
                raise services.FollowError("Not found")
            target = services.follow(session, viewer, data["kind"], record_id)
        except services.FollowError:
            common.field_errors({"ref": f"No {data['kind']} with that reference, or not one you may see"})
        session.commit()
        return _json(data["kind"], target, None), 201


@blp.route("/follows/<any(tool, challenge):kind>/<ref>", methods=["DELETE"])
@blp.response(204)
@common.write_limit()
def unfollow(kind: str, ref: str) -> None:
    """Stop following a tool or challenge."""
    viewer = common.require_token()
    session = get_session()
    record_id = _record_id(kind, ref)
    if record_id is None:
        common.not_found(kind)
    services.unfollow(session, viewer, kind, record_id)
    session.commit()
