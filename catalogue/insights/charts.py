"""Server-rendered, accessible bar charts: role="img" named by a title and a sentence that says
the numbers in words; labels are HTML text and each bar a small SVG, with no inline styles (the
CSP forbids them; classes come from app.scss).
The page always shows the table of the same numbers beside the chart."""

from __future__ import annotations

from markupsafe import Markup, escape

from catalogue.insights.services import Chart


def format_value(value: float, unit: str) -> str:
    if unit == "gbp":
        return f"£{value:,.0f}"
    if unit == "fte":
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,.0f}"


def describe(chart: Chart) -> str:
    """The chart's numbers in one sentence, for screen readers and for the <desc>."""
    if chart.is_empty:
        return f"{chart.description} No records to count."
    parts = [f"{label}: {format_value(values[0], chart.unit)}" for label, values in chart.rows if values[0]]
    return f"{chart.description} {'; '.join(parts)}."


def bar_chart(chart: Chart) -> Markup:
    """A horizontal bar chart of the first value column. Labels and values are HTML text, so they
    wrap whole at the page's own font size at every width; only each bar is a tiny SVG (an SVG
    attribute, unlike an inline style, is allowed by the CSP), stretched to its share of the row."""
    biggest = max((values[0] for _label, values in chart.rows), default=0) or 1
    title_id = f"chart-{chart.key}-title"
    desc_id = f"chart-{chart.key}-desc"
    parts = [
        f'<div class="app-chart" role="img" aria-labelledby="{title_id} {desc_id}">',
        f'<p class="govuk-visually-hidden" id="{title_id}">{escape(chart.title)}</p>',
        f'<p class="govuk-visually-hidden" id="{desc_id}">{escape(describe(chart))}</p>',
    ]
    for label, values in chart.rows:
        value = values[0]
        share = 0.0 if value <= 0 else max(1.0, round(100 * value / biggest, 1))
        parts.append(
            '<div class="app-chart__row">'
            f'<span class="app-chart__label">{escape(label)}</span>'
            '<span class="app-chart__track">'
            '<svg class="app-chart__svg" viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false">'
            f'<rect class="app-chart__bar" x="0" y="0" width="{share:g}" height="10"></rect></svg>'
            f'<span class="app-chart__value">{escape(format_value(value, chart.unit))}</span>'
            "</span></div>"
        )
    parts.append("</div>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
