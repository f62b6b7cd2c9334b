"""/export/offerings.csv: the offerings /offerings lists for the same filters (published ones,
and the viewer's own supplier's drafts), through the same service, as CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue

from catalogue import vocabulary
from catalogue.csv_export import all_pages, csv_response
from catalogue.vocabulary import label

bp = Blueprint("offering_export", __name__, url_prefix="/export")

HEADER = (
    "Reference",
    "Offering",
    "Supplier",
    "Summary",
    "Categories",
    "Outcomes",
    "Delivery",
    "Case management systems",
    "Accreditations",
    "Hosting",
    "Pricing",
    "Status",
    "Updated",
    "Link",
)


@bp.get("/offerings.csv")
def offerings_csv() -> ResponseReturnValue:
    from catalogue.accounts.auth import current_viewer
    from catalogue.db import get_session
    from suppliers import services

    session, viewer = get_session(), current_viewer()
    base = services.Filters.from_args(request.args)

    def fetch(number: int) -> Any:
        base.page = number
        return services.browse_offerings(session, viewer, base)

    rows = []
    for offering, supplier in all_pages(fetch):
        rows.append(
            [
                offering.ref,
                offering.name,
                supplier.name if supplier else "",
                offering.summary,
                [label(vocabulary.CATEGORIES, c) for c in offering.categories or []],
                offering.outcomes,
                label(vocabulary.DELIVERY, offering.delivery),
                offering.case_management_systems,
                offering.accreditations_as_written or offering.accreditations,
                offering.hosting,
                offering.pricing,
                offering.status,
                offering.updated_at.date().isoformat() if offering.updated_at else "",
                url_for("suppliers.offering", ref=offering.ref, _external=True),
            ]
        )
    return csv_response("offerings.csv", HEADER, rows)
