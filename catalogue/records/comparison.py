"""What each organisation spent on a tool and how long it took, beside the median: the tool
page's comparison. It is given only the deployment rows the viewer may see (built with
catalogue.access.visible_clause by the caller), so it can neither add nor leak a record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from catalogue.db import utcnow

PHASES = ("develop", "implement", "maintain")


def months_between(started: str | None, ended: str | None) -> int | None:
    """Whole months from one YYYY-MM to another, counting both (2025-01 to 2025-03 is 3)."""
    if not started or not ended:
        return None
    (y1, m1), (y2, m2) = (map(int, started.split("-")), map(int, ended.split("-")))
    months = (y2 - y1) * 12 + (m2 - m1) + 1
    return months if months > 0 else None


@dataclass
class SpendRow:
    organisation: str
    organisation_ref: str
    deployment_ref: str
    stage: str
    gbp: dict[str, float | None]
    fte: dict[str, float | None]
    months: int | None
    ongoing: bool  # months counted to this month: not ended yet


@dataclass
class Comparison:
    rows: list[SpendRow] = field(default_factory=list)
    median_gbp: dict[str, float | None] = field(default_factory=dict)
    median_fte: dict[str, float | None] = field(default_factory=dict)
    median_months: float | None = None

    @property
    def any(self) -> bool:
        return any(
            r.months is not None or any(v is not None for v in (*r.gbp.values(), *r.fte.values())) for r in self.rows
        )


def _median(values: Iterable[float | None]) -> float | None:
    given = [v for v in values if v is not None]
    return float(median(given)) if given else None


def compare(rows: Iterable[Any]) -> Comparison:
    """`rows`: DeploymentRow-like (deployment, organisation), already filtered for the viewer."""
    this_month = utcnow().strftime("%Y-%m")
    out = Comparison()
    for row in rows:
        d = row.deployment
        ongoing = not d.ended and d.stage != "dropped"
        out.rows.append(
            SpendRow(
                organisation=row.organisation.name,
                organisation_ref=row.organisation.ref,
                deployment_ref=d.ref,
                stage=d.stage,
                gbp={p: getattr(d, f"{p}_gbp") for p in PHASES},
                fte={p: getattr(d, f"{p}_fte") for p in PHASES},
                months=months_between(d.started, d.ended or (this_month if ongoing else None)),
                ongoing=ongoing,
            )
        )
    out.rows.sort(key=lambda r: r.organisation.lower())
    out.median_gbp = {p: _median(r.gbp[p] for r in out.rows) for p in PHASES}
    out.median_fte = {p: _median(r.fte[p] for r in out.rows) for p in PHASES}
    out.median_months = _median(r.months for r in out.rows)
    return out
