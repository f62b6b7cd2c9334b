"""/export/challenges.csv: the challenges /challenges lists for the same filters (published ones,
and drafts the viewer's organisation owns or shares), through the same service, as CSV."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue

from catalogue import vocabulary
from catalogue.csv_export import MAX_ROWS, csv_response
from catalogue.vocabulary import label

bp = Blueprint("challenge_export", __name__, url_prefix="/export")

HEADER = (
    "Reference",
    "Title",
    "Owner",
    "Region",
    "Status",
    "Route",
    "Categories",
    "Problem",
    "Outcomes",
    "Budget from £",
    "Budget to £",
    "Questions close",
    "Closes",
    "Updated",
    "Link",
)


def _arg(name: str) -> str | None:
    return (request.args.get(name) or "").strip()[:200] or None


@bp.get("/challenges.csv")
def challenges_csv() -> ResponseReturnValue:
    from catalogue.accounts.auth import current_viewer
    from catalogue.db import get_session
    from outcomes import services

    found = services.list_challenges(
        get_session(),
        current_viewer(),
        route=_arg("route"),
        status=_arg("status"),
        category=_arg("category"),
        region=_arg("region"),
    )
    rows = [
        [
            c.ref,
            c.title,
            owner.name if owner else "",
            owner.region if owner else "",
            label(vocabulary.CHALLENGE_STATUSES, c.status),
            label(vocabulary.ROUTES, c.route),
            [label(vocabulary.CATEGORIES, code) for code in c.categories or []],
            c.problem,
            [o.get("outcome", "") for o in c.outcomes or [] if isinstance(o, dict)],
            c.budget_min,
            c.budget_max,
            c.questions_close,
            c.closes,
            c.updated_at.date().isoformat() if c.updated_at else "",
            url_for("challenges.show", ref=c.ref, _external=True),
        ]
        for c, owner in found[:MAX_ROWS]
    ]
    return csv_response("challenges.csv", HEADER, rows)
