"""A record as the matching index reads it: an offering's or a deployment's fields, weighted by
how much each says about what the record is for, analysed into terms."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from catalogue.records.models import Deployment, Tool
from catalogue.vocabulary import CATEGORIES, DELIVERY, DROPPED_REASONS
from outcomes.matching.corpus import DocMeta, norm_cms
from outcomes.matching.text import Analysed, analyse, merged
from suppliers.models import Offering

# How much each field of a record says about what it is for.
OFFERING_FIELDS = {
    "name": 2.5,
    "summary": 2.0,
    "outcomes": 1.5,
    "description": 1.0,
    "categories": 1.0,
    "delivery": 1.0,
    "supplier": 0.3,
}
DEPLOYMENT_FIELDS = {
    "tool_name": 1.5,
    "tool_summary": 1.5,
    "tool_description": 0.8,
    "tool_categories": 0.8,
    "delivery": 0.8,
    "summary": 2.0,
    "impact": 1.0,
    "learnings": 0.6,
    "barriers": 0.5,
    "dropped_detail": 0.8,
    "dropped_reasons": 0.8,
    "evaluation_findings": 0.6,
}


def _labels(codes: Iterable[str], vocabulary: dict[str, str] = CATEGORIES) -> str:
    return " ".join(vocabulary.get(c, c) for c in codes or () if c != "other")


def _delivery(delivery: str | None) -> str | None:
    """Built into a case management system is something a challenge may ask for; a standalone
    tool's being standalone is not, so only the first becomes words."""
    return DELIVERY.get("embedded") if delivery == "embedded" else None


def _outcome_terms(text: str) -> dict[str, float]:
    return dict(analyse([(text, 1.0)]).terms)


def _focus(*texts: str | None) -> tuple[str, ...]:
    return tuple(sys.intern(t) for t in analyse([(t, 1.0) for t in texts]).terms)


def offering_doc(row: Any, supplier_name: str | None) -> tuple[DocMeta, Analysed]:
    w = OFFERING_FIELDS
    outcomes = [o for o in (row.outcomes or []) if isinstance(o, str) and o.strip()]
    analysed = analyse(
        [
            (row.name, w["name"]),
            (row.summary, w["summary"]),
            ("\n".join(outcomes), w["outcomes"]),
            (row.description, w["description"]),
            (_labels(row.categories), w["categories"]),
            (_delivery(row.delivery), w["delivery"]),
            (supplier_name, w["supplier"]),
        ]
    )
    meta = DocMeta(
        id=row.id,
        ref=row.ref,
        name=row.name,
        owner_id=row.supplier_id,
        tool_id=row.tool_id,
        categories=tuple(row.categories or ()),
        status=row.status,
        delivery=row.delivery,
        cms=tuple(norm_cms(c) for c in (row.case_management_systems or ()) if c),
        outcomes=tuple((o, _outcome_terms(o)) for o in outcomes),
        sectors=dict(analysed.sectors),
        concepts=dict(analysed.phrases),
        focus=_focus(row.name, row.summary),
    )
    return meta, analysed


def tool_analysis(tool: Any) -> Analysed:
    w = DEPLOYMENT_FIELDS
    return analyse(
        [
            (tool.name, w["tool_name"]),
            (tool.summary, w["tool_summary"]),
            (tool.description, w["tool_description"]),
            (_labels(tool.categories), w["tool_categories"]),
            (_delivery(tool.delivery), w["delivery"]),
        ]
    )


def deployment_doc(row: Any, tool: Any, tool_analysed: Analysed | None = None) -> tuple[DocMeta, Analysed, Analysed]:
    """A deployment's index entry: its metadata, its text with its tool's, and its own text alone."""
    w = DEPLOYMENT_FIELDS
    own = analyse(
        [
            (row.summary, w["summary"]),
            (row.impact, w["impact"]),
            (row.learnings, w["learnings"]),
            (row.barriers, w["barriers"]),
            (row.dropped_detail, w["dropped_detail"]),
            (_labels(row.dropped_reasons, DROPPED_REASONS), w["dropped_reasons"]),
            (row.evaluation_findings, w["evaluation_findings"]),
        ]
    )
    if tool is not None and tool_analysed is None:
        tool_analysed = tool_analysis(tool)
    analysed = merged(tool_analysed, own) if tool_analysed is not None else own
    meta = DocMeta(
        id=row.id,
        ref=row.ref,
        name=tool.name if tool else row.ref,
        owner_id=row.organisation_id,
        tool_id=row.tool_id,
        categories=tuple(tool.categories or ()) if tool else (),
        visibility=row.visibility,
        stage=row.stage,
        delivery=tool.delivery if tool else None,
        cms=tuple(norm_cms(c) for c in (tool.case_management_systems or ()) if c) if tool else (),
        sectors=dict(analysed.sectors),
        concepts=dict(analysed.phrases),
        focus=_focus(tool.name if tool else None, tool.summary if tool else None, row.summary),
    )
    return meta, analysed, own


_TOOL_COLUMNS = (
    Tool.id,
    Tool.name,
    Tool.summary,
    Tool.description,
    Tool.categories,
    Tool.delivery,
    Tool.case_management_systems,
)
_OFFERING_COLUMNS = (
    Offering.id,
    Offering.ref,
    Offering.name,
    Offering.summary,
    Offering.description,
    Offering.outcomes,
    Offering.categories,
    Offering.supplier_id,
    Offering.tool_id,
    Offering.status,
    Offering.delivery,
    Offering.case_management_systems,
)
_DEPLOYMENT_COLUMNS = (
    Deployment.id,
    Deployment.ref,
    Deployment.organisation_id,
    Deployment.tool_id,
    Deployment.stage,
    Deployment.visibility,
    Deployment.summary,
    Deployment.impact,
    Deployment.learnings,
    Deployment.barriers,
    Deployment.dropped_detail,
    Deployment.dropped_reasons,
    Deployment.evaluation_findings,
)
# Past this many changes since the last look, rebuilding is cheaper than replaying.
