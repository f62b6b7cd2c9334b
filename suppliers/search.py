"""Offerings in the search index: registered with the core's search (catalogue.features)."""

from __future__ import annotations

from typing import Any

from catalogue import vocabulary
from catalogue.search.documents import Lookups, SearchKind, codes, join, labels
from suppliers.models import Offering


def offering_document(row: Any, lk: Lookups) -> dict:
    tool = lk.tools.get(row.tool_id) if row.tool_id else None
    return {
        "title": row.name,
        "body": join(row.summary, row.description, row.pricing, row.hosting),
        "related": join(
            lk.org_name(row.supplier_id),
            tool.name if tool else None,
            "; ".join(row.outcomes or ()),
            labels(row.categories, vocabulary.CATEGORIES),
            labels(row.accreditations, vocabulary.ACCREDITATIONS),
            "; ".join(row.case_management_systems or ()),
        ),
        "category": codes(row.categories),
        "delivery": row.delivery,
        "status": row.status,
    }


OFFERING_KIND = SearchKind(
    name="offering",
    model=Offering,
    label="Offering",
    url="/offerings/{ref}",
    build_document=offering_document,
    dependents={"tool": ("tool_id",), "organisation": ("supplier_id",)},
)
