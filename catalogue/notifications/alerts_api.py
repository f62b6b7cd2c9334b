"""/api/v1/alerts and /api/v1/notification-preferences: a user's challenge alerts (categories and
keywords) and how each kind of email reaches them, through the same services as the account pages
(catalogue.notifications.services and .preferences). What a GET returns can be PUT back."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from catalogue import vocabulary
from catalogue.api import Blueprint, common
from catalogue.db import get_session
from catalogue.notifications import preferences, services
from catalogue.notifications.schemas import AlertsSchema
from catalogue.schemas import BaseSchema

blp = Blueprint(
    "api_alerts",
    __name__,
    url_prefix="/api/v1",
    description="Your challenge alerts and how each kind of email reaches you.",
)
common.install(blp)


class AlertsOut(Schema):
    categories = fields.List(
        fields.String(validate=validate.OneOf(list(vocabulary.CATEGORIES))),
        metadata={"description": "tell me of new challenges in any of these categories"},
    )
    keywords = fields.List(fields.String(), metadata={"description": "or whose words include any of these"})
    active = fields.Boolean(dump_only=True, metadata={"description": "false when nothing is chosen"})
    updated_at = fields.DateTime(dump_only=True, allow_none=True)


class AlertsIn(AlertsSchema):
    """The alerts form's own rules (catalogue.notifications.schemas): the same errors, as JSON."""


PREFERENCE = fields.String(validate=validate.OneOf(list(preferences.CHOICES)))


class PreferencesIn(BaseSchema):
    """{kind: "now" | "digest" | "off"} for any of the kinds; kinds left out keep their choice."""

    choices = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(preferences.KINDS))),
        values=PREFERENCE,
        required=True,
        metadata={"description": "now: at once; digest: in one email a day; off: never"},
    )

    @validates_schema
    def _something(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("choices"):
            raise SchemaError({"choices": ["Give at least one kind with now, digest or off"]})


class PreferenceKind(Schema):
    label = fields.String()
    who = fields.String(metadata={"description": "whom this kind of email reaches"})


class PreferencesOut(Schema):
    choices = fields.Dict(keys=fields.String(), values=PREFERENCE)
    kinds = fields.Dict(keys=fields.String(), values=fields.Nested(PreferenceKind), dump_only=True)


def _alerts(sub: Any) -> dict[str, Any]:
    if sub is None:
        return {"categories": [], "keywords": [], "active": False, "updated_at": None}
    return {"categories": sub.categories, "keywords": sub.keywords, "active": sub.active, "updated_at": sub.updated_at}


def _preferences(user_id: int) -> dict[str, Any]:
    kinds = {name: {"label": kind.label, "who": kind.who} for name, kind in preferences.KINDS.items()}
    return {"choices": preferences.user_choices(get_session(), user_id), "kinds": kinds}


@blp.route("/alerts")
class Alerts(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, AlertsOut)
    def get(self) -> dict[str, Any]:
        """Your alerts for new challenges (empty and inactive when none are set)."""
        viewer = common.require_token()
        return _alerts(services.get_alerts(get_session(), viewer.user_id))

    @blp.arguments(AlertsIn)
    @blp.response(200, AlertsOut)
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Set your alerts; choosing no category and no keyword turns them off."""
        viewer = common.require_token()
        session = get_session()
        sub = services.save_alerts(session, viewer, data["categories"], data["keywords"])
        session.commit()
        return _alerts(sub)


@blp.route("/notification-preferences")
class Preferences(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, PreferencesOut)
    def get(self) -> dict[str, Any]:
        """How each kind of email reaches you, with what each kind is about."""
        viewer = common.require_token()
        return _preferences(viewer.user_id)

    @blp.arguments(PreferencesIn)
    @blp.response(200, PreferencesOut)
    def patch(self, data: dict[str, Any]) -> dict[str, Any]:
        """Change how some kinds of email reach you (the others keep their choice)."""
        viewer = common.require_token()
        session = get_session()
        preferences.save_choices(session, viewer.user_id, data["choices"])
        session.commit()
        return _preferences(viewer.user_id)
