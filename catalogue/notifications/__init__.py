"""Follows, in-app notifications, challenge alerts and the email outbox."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue.notifications import views

    views.init_app(app)
