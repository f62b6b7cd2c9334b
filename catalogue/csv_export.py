"""CSV downloads of what a viewer can see: a helper that writes rows safely, and the routes that
export browse and search results. The rows come from the same services the pages use, so an
export never holds a record the viewer could not open on a page.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return) as a
formula; every such cell is written with a leading apostrophe so it stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Blueprint, Flask, Response, request, url_for
from flask.typing import ResponseReturnValue

from catalogue import features, vocabulary
from catalogue.vocabulary import label

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A value as CSV text that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        # Numbers are data, not formulas: -3 stays a number.
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple | set):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A download of the rows; a BOM so spreadsheet programs read the UTF-8 as such."""
    body = "\ufeff" + csv_text(header, rows)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- routes ------------------------------------------------------------------------------------

bp = Blueprint("csv_export", __name__, url_prefix="/export")
MAX_ROWS = 20000


def _arg(name: str) -> str:
    return (request.args.get(name) or "").strip()[:200]


def all_pages(fetch: Callable[[int], Any]) -> list[Any]:
    """Every item of a paged service result (the same rows the pages show, page after page)."""
    first = fetch(1)
    items = list(first.items)
    for number in range(2, first.pages + 1):
        if len(items) >= MAX_ROWS:
            break
        items.extend(fetch(number).items)
    return items[:MAX_ROWS]


DEPLOYMENT_HEADER = (
    "Reference",
    "Tool",
    "Organisation",
    "Region",
    "Stage",
    "Started",
    "Ended",
    "Summary",
    "Impact",
    "What they learned",
    "Barriers",
    "Why it was dropped",
    "The story of dropping it",
    "Risk assessment",
    "Ethics checks",
    "Safeguards",
    "Evaluation",
    "Evaluator",
    "Evaluation findings",
    "Develop FTE",
    "Develop £",
    "Implement FTE",
    "Implement £",
    "Maintain FTE",
    "Maintain £",
    "Visible to",
    "Link",
)


def deployment_rows(rows: Iterable[Any]) -> list[list[Any]]:
    """Deployment rows (deployment, tool, organisation) as CSV rows; never a contact detail."""
    out = []
    for row in rows:
        d, tool, org = row.deployment, row.tool, row.organisation
        out.append(
            [
                d.ref,
                tool.name,
                org.name,
                org.region,
                label(vocabulary.STAGES, d.stage),
                d.started,
                d.ended,
                d.summary,
                d.impact,
                d.learnings,
                d.barriers,
                [label(vocabulary.DROPPED_REASONS, c) for c in d.dropped_reasons or []],
                d.dropped_detail,
                d.risk_assessment,
                [label(vocabulary.ETHICS_CHECKS, c) for c in d.ethics_checks or []],
                d.safeguards,
                label(vocabulary.EVALUATION, d.evaluation),
                d.evaluator,
                d.evaluation_findings,
                d.develop_fte,
                d.develop_gbp,
                d.implement_fte,
                d.implement_gbp,
                d.maintain_fte,
                d.maintain_gbp,
                label(vocabulary.VISIBILITY, d.visibility),
                url_for("records.deployment", ref=d.ref, _external=True),
            ]
        )
    return out


@bp.get("/deployments.csv")
def deployments_csv() -> ResponseReturnValue:
    """The deployments /deployments lists for the same filters (what the viewer may see)."""
    from catalogue.accounts.auth import current_viewer
    from catalogue.db import get_session
    from catalogue.records import services

    session, viewer = get_session(), current_viewer()
    names = ("q", "category", "stage", "region", "reason", "evaluation", "delivery", "ai")
    values = {n: _arg(n) for n in names}

    def fetch(number: int) -> Any:
        filters = services.DeploymentFilters(
            **values, sort=_arg("sort") or ("relevance" if values["q"] else "recent"), page=number
        )
        return services.browse_deployments(session, viewer, filters)

    return csv_response("deployments.csv", DEPLOYMENT_HEADER, deployment_rows(all_pages(fetch)))


@bp.get("/tools.csv")
def tools_csv() -> ResponseReturnValue:
    """The tools /tools lists for the same filters, with the number of deployments the viewer may see."""
    from catalogue.accounts.auth import current_viewer
    from catalogue.db import get_session
    from catalogue.records import services

    session, viewer = get_session(), current_viewer()

    def fetch(number: int) -> Any:
        filters = services.ToolFilters(
            q=_arg("q"),
            category=_arg("category"),
            delivery=_arg("delivery"),
            ai=_arg("ai"),
            sort=_arg("sort") or "name",
            page=number,
        )
        return services.browse_tools(session, viewer, filters)

    header = ("Reference", "Name", "Summary", "Categories", "Uses AI", "Delivery", "Deployments you can see", "Link")
    rows = [
        [
            r.tool.ref,
            r.tool.name,
            r.tool.summary,
            [label(vocabulary.CATEGORIES, c) for c in r.tool.categories or []],
            r.tool.uses_ai,
            label(vocabulary.DELIVERY, r.tool.delivery),
            r.deployments,
            url_for("records.tool", ref=r.tool.ref, _external=True),
        ]
        for r in all_pages(fetch)
    ]
    return csv_response("tools.csv", header, rows)


@bp.get("/search.csv")
def search_csv() -> ResponseReturnValue:
    """The hits /search shows for the same query and facets (the engine applies the policy)."""
    from catalogue.accounts.auth import current_viewer
    from catalogue.search import engine
    from catalogue.search.schema import FACETS

    viewer = current_viewer()
    filters = {name: request.args.getlist(name) for name in FACETS if request.args.getlist(name)}

    def fetch(number: int) -> Any:
        results = engine.search(
            viewer, _arg("q"), filters=filters, page=number, per_page=100, sort=_arg("sort") or "relevance"
        )
        results.items = results.hits
        return results

    rows = [
        [
            hit.kind_label,
            hit.ref,
            hit.title.striptags(),
            hit.snippet.striptags(),
            request.host_url.rstrip("/") + hit.url,
        ]
        for hit in all_pages(fetch)
    ]
    return csv_response("search.csv", ("Kind", "Reference", "Title", "Extract", "Link"), rows)


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
