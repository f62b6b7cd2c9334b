"""The search page, the after-write index sync, and the benchmark floor route."""

from __future__ import annotations

import logging
from html import escape

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from markupsafe import Markup

from catalogue import features, vocabulary
from catalogue.accounts.auth import current_viewer
from catalogue.db import UNSAFE_METHODS, reading
from catalogue.search import documents, engine
from catalogue.search.schema import FACETS

log = logging.getLogger(__name__)
bp = Blueprint("search", __name__)

FACET_LEGENDS: dict[str, str] = {
    "kind": "Type of record",
    "category": "Category",
    "stage": "Stage",
    "region": "Region",
    "dropped_reason": "Why it was dropped",
    "evaluation": "Evaluation",
    "delivery": "Delivery",
    "uses_ai": "Uses AI",
    "route": "Procurement route",
    "status": "Status",
}
FACET_LABELS: dict[str, dict[str, str]] = {
    "kind": documents.KIND_LABELS,
    "category": vocabulary.CATEGORIES,
    "stage": vocabulary.STAGES,
    "region": {r: r for r in vocabulary.REGIONS},
    "dropped_reason": vocabulary.DROPPED_REASONS,
    "evaluation": vocabulary.EVALUATION,
    "delivery": vocabulary.DELIVERY,
    "uses_ai": {"yes": "Uses AI", "no": "Does not use AI"},
    "route": vocabulary.ROUTES,
    "status": {
        **vocabulary.SINGLE_VIEW_STATUS,
        **vocabulary.CHALLENGE_STATUSES,
        "published": "Published offering",
        "draft": "Draft",
    },
}


def _int_arg(name: str, default: int) -> int:
    try:
        return max(1, min(int(request.args.get(name, default)), 10_000))
    except (TypeError, ValueError):
        return default


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for("search.index", **args)


def _query_url(q: str, exact: bool = False) -> str:
    """This search with other words (same filters and sort, first page); `exact` asks for the
    words as typed, without spelling correction."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    args.pop("exact", None)
    args["q"] = [q]
    if exact:
        args["exact"] = ["1"]
    return url_for("search.index", **args)


def _pagination(results: engine.SearchResults) -> dict | None:
    """GOV.UK pagination: first, last, and the pages around the current one."""
    if results.pages <= 1:
        return None
    current, last = results.page, results.pages
    items: list[dict] = []
    for number in sorted({1, last, *range(max(1, current - 1), min(last, current + 1) + 1)}):
        if items and number - items[-1]["number"] > 1:
            items.append({"ellipsis": True, "number": number - 1})
        items.append({"number": number, "href": _page_url(number), "current": number == current})
    pagination: dict = {"items": items}
    if current > 1:
        pagination["previous"] = {"href": _page_url(current - 1)}
    if current < last:
        pagination["next"] = {"href": _page_url(current + 1)}
    return pagination


def _facet_checkboxes(results: engine.SearchResults) -> Markup:
    """Every facet with values as GOV.UK small checkboxes, with counts. Written here rather than
    in the template: a page can show a hundred checkboxes and a Jinja loop spends about 15 us
    on each, a tenth of the page's time. Every piece of text is escaped."""
    parts: list[str] = []
    for name, values in results.facets.items():
        if not values:
            continue
        chosen = set(results.filters.get(name, ()))
        labels = FACET_LABELS[name]
        parts.append(
            '<div class="govuk-form-group"><fieldset class="govuk-fieldset">'
            f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{escape(FACET_LEGENDS[name])}</legend>'
            '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
        )
        for number, (value, count) in enumerate(values, start=1):
            box = f"facet-{name}-{number}"
            checked = " checked" if value in chosen else ""
            parts.append(
                '<div class="govuk-checkboxes__item">'
                f'<input class="govuk-checkboxes__input" id="{box}" name="{name}" type="checkbox" value="{escape(value)}"{checked}>'
                f'<label class="govuk-label govuk-checkboxes__label" for="{box}">'
                f"{escape(labels.get(value, value))} ({count:,})</label></div>"
            )
        parts.append("</div></fieldset></div>")
    return Markup("".join(parts))  # noqa: S704 - built from escaped values and fixed markup


@bp.get("/search")
def index():
    q = request.args.get("q", "")
    filters = {name: request.args.getlist(name) for name in FACETS if request.args.getlist(name)}
    if request.args.get("freshness"):
        filters[engine.FRESHNESS_FILTER] = [request.args["freshness"]]
    sort = request.args.get("sort", "relevance")
    results = engine.search(
        current_viewer(),
        q,
        filters=filters,
        page=_int_arg("page", 1),
        per_page=20,
        sort=sort,
        correct=request.args.get("exact") != "1",
    )
    return render_template(
        "search/index.html",
        title="Search",
        results=results,
        pagination=_pagination(results),
        facet_checkboxes=_facet_checkboxes(results),
        suggestion_url=_query_url(results.suggestion) if results.suggestion else None,
        typed_url=_query_url(results.corrected_from, exact=True) if results.corrected_from else None,
    )


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)

    @app.after_request
    def _sync_after_write(response: Response) -> Response:
        # A write is searchable as soon as its request ends; never fail the request over it.
        if request.method in UNSAFE_METHODS and current_app.config.get("SEARCH_SYNC_AFTER_REQUEST"):
            # The indexer only reads the change log. As a write (BEGIN IMMEDIATE on SQLite) it
            # would wait, the full busy timeout, on this request's own session whenever the view
            # did not commit (every form re-shown with errors).
            with reading():
                try:
                    engine.sync()
                except Exception:
                    log.exception("search index sync after write failed")
        return response

    if app.config.get("BENCH_ROUTES"):

        @app.get("/bench/hello")
        def bench_hello():
            return "hello"
