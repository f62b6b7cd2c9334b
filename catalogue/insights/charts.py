"""Server-rendered, accessible SVG bar charts: role="img", a <title> and a <desc> that says the
numbers in words, and no inline styles (the CSP forbids them; classes come from app.scss).
The page always shows the table of the same numbers beside the chart."""

from __future__ import annotations

from markupsafe import Markup, escape

from catalogue.insights.services import Chart

WIDTH = 640
LABEL_WIDTH = 260
VALUE_WIDTH = 90
BAR_HEIGHT = 22
GAP = 10
TOP = 8


def format_value(value: float, unit: str) -> str:
    if unit == "gbp":
        return f"£{value:,.0f}"
    if unit == "fte":
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,.0f}"


def _clip(text: str, length: int = 38) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def describe(chart: Chart) -> str:
    """The chart's numbers in one sentence, for screen readers and for the <desc>."""
    if chart.is_empty:
        return f"{chart.description} No records to count."
    parts = [f"{label}: {format_value(values[0], chart.unit)}" for label, values in chart.rows if values[0]]
    return f"{chart.description} {'; '.join(parts)}."


def bar_chart(chart: Chart) -> Markup:
    """A horizontal bar chart of the first value column."""
    rows = chart.rows
    height = TOP * 2 + len(rows) * (BAR_HEIGHT + GAP)
    biggest = max((values[0] for _label, values in rows), default=0) or 1
    bar_space = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    title_id = f"chart-{chart.key}-title"
    desc_id = f"chart-{chart.key}-desc"
    parts = [
        f'<svg class="app-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(describe(chart))}</desc>',
    ]
    for index, (label, values) in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + GAP)
        value = values[0]
        width = 0 if value <= 0 else max(2, round(bar_space * value / biggest))
        text_y = y + BAR_HEIGHT * 0.7
        parts.append(
            f'<text class="app-chart__label" x="{LABEL_WIDTH - 8}" y="{text_y:.1f}" text-anchor="end">'
            f"{escape(_clip(label))}</text>"
        )
        parts.append(
            f'<rect class="app-chart__bar" x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}"></rect>'
        )
        parts.append(
            f'<text class="app-chart__label" x="{LABEL_WIDTH + width + 6}" y="{text_y:.1f}">'
            f"{escape(format_value(value, chart.unit))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
