"""Tools, deployments (pilots, dropped ones and why) and single views."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from catalogue.api import records_api, vocabulary_api
    from catalogue.records import views
    from catalogue.records.models import Tool

    views.init_app(app)
    features.add_api(app, records_api.blp)
    features.add_api(app, vocabulary_api.blp)
    features.add_followable("tool", Tool, "/tools/{ref}")
