"""Follows, in-app notifications, challenge alerts and the email outbox."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from catalogue.notifications import alerts_api, api, views

    views.init_app(app)
    features.add_api(app, api.blp)
    features.add_api(app, alerts_api.blp)
