"""Organisations, users, roles, sign-up and membership approval."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from catalogue.accounts import cli, token_views, views  # noqa: F401 - token_views adds routes to views.bp

    features.add_blueprint(app, views.bp)
    features.add_cli(app, cli.users_cli)
