"""The home page, the about page, the downloads page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, render_template

from catalogue.db import get_session

bp = Blueprint("core", __name__)


@bp.get("/")
def home():  # noqa: ANN201
    return render_template("core/home.html", title="Evidence and challenges for children's social care")


@bp.get("/about")
def about():  # noqa: ANN201
    return render_template("core/about.html", title="About")


@bp.get("/downloads")
def downloads():  # noqa: ANN201
    """Every CSV export in one place; each holds only what the viewer may see."""
    from catalogue.insights import services as insights

    return render_template("core/downloads.html", title="Downloads", charts=list(insights.CHARTS))


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    try:
        get_session().exec(sa.text("SELECT 1")).one()
    except sa.exc.SQLAlchemyError:
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
