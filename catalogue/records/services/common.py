"""What the record services share: the page size, the free-text fields checked for personal
data, paging, and free-text matching through the search engine."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import features
from catalogue.access import Viewer
from catalogue.paging import Page

log = logging.getLogger("catalogue.records.services")

PAGE_SIZE = 50

# Free-text fields checked for personal data about children and families before saving.
DEPLOYMENT_TEXT_FIELDS = (
    "summary",
    "impact",
    "learnings",
    "barriers",
    "dropped_detail",
    "risk_assessment",
    "safeguards",
    "evaluator",
    "evaluation_findings",
)
TOOL_TEXT_FIELDS = ("summary", "description")
SINGLE_VIEW_TEXT_FIELDS = ("other_sources", "documentation")
# The contact fields are the organisation's own staff; the rest is read by everyone.
ORGANISATION_TEXT_FIELDS = ("case_management_system",)


# --- links from feature packages (the core never imports them) --------------------------------


def offerings_for_tool(session: Session, viewer: Viewer, tool_id: int) -> list[Any]:
    """What the registered tool listers (catalogue.features.add_tool_lister) offer for the tool page."""
    found: list[Any] = []
    for lister in features.tool_listers():
        found.extend(lister(session, viewer, tool_id))
    return found


# --- personal data -------------------------------------------------------------------------------


# A deployment draft remembers that its writer said a step's text is not about a real person,
# so the final save (on another page) honours it.
DRAFT_CONFIRMED = "_not_real_person"


def personal_data_problems(
    data: Mapping[str, Any], fields: Iterable[str], prefix: str = "", confirmed: bool | None = None
) -> dict[str, str]:
    """Findings of the personal-data check as field errors (`confirmed` None: as the request says)."""
    from catalogue.personal_data import guard

    return guard(data, list(fields), confirmed=confirmed, prefix=prefix).problems


def _draft_confirmed(draft: Mapping[str, Any]) -> bool | None:
    return True if draft.get(DRAFT_CONFIRMED) else None


def _record_override(
    session: Session, data: Mapping[str, Any], fields: Iterable[str], record: Any, confirmed: bool | None = None
) -> None:
    """Audit what the writer confirmed was not about a real person, now the record has its id."""
    from catalogue.personal_data import guard, record_override

    record_override(session, guard(data, list(fields), confirmed=confirmed).override, record)


# --- free text: the search engine, or a plain LIKE when it cannot answer --------------------------


def _text_matches(session: Session, viewer: Viewer, q: str, kind: str, columns: list[Any], model: Any) -> list[int]:
    try:
        from catalogue.search.engine import matching_ids

        return matching_ids(viewer, q, kind)
    except Exception:  # a broken index must not break browsing
        log.exception("search engine unavailable; falling back to LIKE")
    pattern = f"%{q.strip()}%"
    return list(session.exec(select(model.id).where(sa.or_(*(c.ilike(pattern) for c in columns)))).all())


def _paginate(items: list[Any], page: int) -> Page:
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return Page(items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(items), page, pages)
