"""Challenges in the search index: registered with the core's search (catalogue.features)."""

from __future__ import annotations

from typing import Any

from catalogue.search.documents import Lookups, SearchKind, join
from outcomes.models import Challenge


def challenge_document(row: Any, lk: Lookups) -> dict:
    outcomes = [" ".join(str(v) for v in (o or {}).values() if v) for o in row.outcomes or ()]
    requirements = [str((r or {}).get("requirement", "")) for r in row.requirements or ()]
    return {
        "title": row.title,
        "body": join(row.problem, row.users, *outcomes, row.constraints, row.tried_before),
        "related": join(lk.org_name(row.owner_id), row.timetable, *requirements),
        "region": lk.org_region(row.owner_id),
        "route": row.route,
        "status": row.status,
    }


CHALLENGE_KIND = SearchKind(
    name="challenge",
    model=Challenge,
    label="Challenge",
    url="/challenges/{ref}",
    build_document=challenge_document,
    dependents={"organisation": ("owner_id",)},
)
