"""The home page, the about page, the downloads page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, render_template

from catalogue import features
from catalogue.db import get_session

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    return render_template("core/home.html", title="Evidence and challenges for children's social care")


@bp.get("/about")
def about():
    return render_template("core/about.html", title="About")


@bp.get("/downloads")
def downloads():
    """Every CSV export in one place; each holds only what the viewer may see."""
    from catalogue.insights import services as insights

    return render_template("core/downloads.html", title="Downloads", charts=list(insights.CHARTS))


@bp.get("/healthz")
def healthz():
    try:
        get_session().exec(sa.text("SELECT 1")).one()
    except sa.exc.SQLAlchemyError:
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
