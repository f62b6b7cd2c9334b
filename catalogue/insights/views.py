"""/insights: the landscape at a glance, each chart with its table and a CSV of its numbers."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from catalogue import vocabulary
from catalogue.accounts.auth import current_viewer
from catalogue.csv_export import csv_response
from catalogue.db import get_session
from catalogue.insights import services
from catalogue.insights.charts import bar_chart, describe, format_value
from catalogue.refs import slugify

bp = Blueprint("insights", __name__, url_prefix="/insights")


@bp.get("")
def index() -> ResponseReturnValue:
    filters, errors = services.parse_filters(request.args)
    viewer = current_viewer()
    session = get_session()
    with services.one_query(session, viewer, filters):
        charts = services.all_charts(session, viewer, filters)
        deployment_count = services.visible_deployment_count(session, viewer, filters)
    from catalogue.upkeep.services import currency  # how much of what the viewer sees is current

    current = currency(session, viewer)
    return render_template(
        "insights/index.html",
        title="Insights",
        charts=charts,
        filters=filters,
        errors=errors,
        data={"region": request.args.get("region", ""), "category": request.args.get("category", "")},
        regions={r: r for r in vocabulary.REGIONS},
        categories=vocabulary.CATEGORIES,
        bar_chart=bar_chart,
        describe=describe,
        format_value=format_value,
        csv_url=lambda key: url_for("insights.chart_csv", chart_key=key, **filters.as_query()),
        deployment_count=deployment_count,
        currency=current,
    )


@bp.get("/<chart_key>.csv")
def chart_csv(chart_key: str) -> ResponseReturnValue:
    filters, errors = services.parse_filters(request.args)
    if errors:
        abort(400, description=" ".join(errors.values()))
    chart = services.chart(get_session(), current_viewer(), chart_key, filters)
    if chart is None:
        abort(404)
    filename = slugify("-".join([chart.key, *filters.as_query().values()]), max_length=120) + ".csv"
    return csv_response(filename, chart.csv_header(), chart.csv_rows())
