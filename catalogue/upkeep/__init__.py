"""Evidence that stays true: freshness (last confirmed, "Still true", reminders in the digest)
and withdrawing or deleting a record with a reason."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from catalogue.upkeep import api, cli, services, views  # noqa: F401  (services: the flush hook)

    views.init_app(app)
    features.add_api(app, api.blp)
    features.add_cli(app, cli.records_cli)
