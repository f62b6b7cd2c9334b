"""The landscape at a glance: aggregate queries, charts with tables."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from catalogue.insights import views

    features.add_blueprint(app, views.bp)
