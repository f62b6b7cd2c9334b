"""Challenge and partnership pages: parse the form, call outcomes.services, render.

Two blueprints (`challenges`, `partnerships`, made in common.py), their routes in one module per
area: challenges (browse, page, authoring, status), sharing (co-sponsors, partnership requests),
questions, responses (interest, proposals, scoring, phases, results), amendments and partnerships.
Market-engagement events have a blueprint of their own (`events`, in events.py).
Importing the modules registers their routes on the blueprints.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalogue import access, features
from outcomes import services
from outcomes.views import amendments, challenges, events, partnerships, questions, responses, sharing
from outcomes.views.common import bp, pbp

__all__ = [
    "amendments",
    "bp",
    "challenges",
    "events",
    "init_app",
    "partnerships",
    "pbp",
    "questions",
    "responses",
    "sharing",
]


def _responses_panel(session: Any, viewer: access.Viewer) -> dict[str, Any] | None:
    """Supplier dashboard: its own expressions of interest and proposals."""
    if not access.can_respond_to_challenges(viewer):
        return None
    return {
        "title": "Your responses",
        "template": "outcomes/_your_responses.html",
        "context": {"rows": services.own_responses(session, viewer)},
    }


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
    features.add_blueprint(app, pbp)
    features.add_blueprint(app, events.ebp)
    from outcomes.ocds import views as ocds_views

    ocds_views.init_app(app)
    features.add_dashboard_panel("your-responses", _responses_panel)
