"""The offerings list and the supplier directory, filtered, counted and paginated in the
database: a page costs what its rows cost, not what the market holds. Visibility comes only
from catalogue.access's SQL clauses (offerings and organisations alike)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.records.listing import has_code
from catalogue.upkeep.services import freshness_clause
from suppliers.models import Offering

# Words the hosting filters look for, as a cheap database pre-filter; the exact word-boundary
# pattern (suppliers.services._HOSTING_PATTERNS) then checks only the short hosting texts.
_HOSTING_WORDS = {
    "uk": ("uk", "united kingdom", "england", "london"),
    "customer": ("customer", "on-prem", "on prem", "your own", "tenant"),
}


def _any_word(column: Any, words: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.or_(*(sa.func.lower(column).like(f"%{w}%") for w in words))


def _page_bounds(total: int, page: int, size: int) -> tuple[int, int]:
    pages = max(1, -(-total // size))
    return min(max(page, 1), pages), pages


def _one_page(
    session: Session, base: Any, ordered: Any, ids: list[int] | None, wanted: int, size: int
) -> tuple[int, int, int, list[int]]:
    """Total, page, pages and the page's ids: sliced from `ids` when a filter had to be checked
    in Python (hosting), else counted and paged in the database."""
    if ids is not None:
        page, pages = _page_bounds(len(ids), wanted, size)
        return len(ids), page, pages, ids[(page - 1) * size : page * size]
    total = session.exec(select(sa.func.count()).select_from(base.subquery())).one()
    page, pages = _page_bounds(total, wanted, size)
    return total, page, pages, list(session.exec(ordered.limit(size).offset((page - 1) * size)))


def cms_options(session: Session, viewer: Viewer) -> list[str]:
    """Every case management system named by an offering this viewer may see: the distinct lists
    (few), read as text so PostgreSQL's json compares."""
    query = (
        select(sa.cast(Offering.case_management_systems, sa.Text))
        .where(access.offering_visible_clause(viewer, Offering))
        .distinct()
    )
    found: set[str] = set()
    for raw in session.exec(query):
        try:
            found.update(c for c in json.loads(raw or "[]") if isinstance(c, str))
        except ValueError:
            continue
    return sorted(found)


def _hosting_ids(session: Session, query: Any, code: str, texts: list[Any], matches: Any) -> list[int]:
    """Ids (in the query's order) whose hosting texts hold the filter's words, checked exactly."""
    words = _HOSTING_WORDS.get(code)
    if not words:
        return []
    pre = query.where(sa.or_(*(_any_word(t, words) for t in texts)))
    return [row[0] for row in session.execute(pre.add_columns(*texts)) if matches(code, *row[1:])]


def offerings_page(session: Session, viewer: Viewer, f: Any, size: int, matches: Any) -> tuple[list, int, int, int]:
    """(rows of (offering, supplier), total, page, pages) for the filters `f`."""
    where: list[Any] = [access.offering_visible_clause(viewer, Offering)]
    if f.category:
        where.append(has_code(Offering.categories, f.category) if _is_code(f.category) else sa.false())
    if f.cms:
        where.append(_json_holds(Offering.case_management_systems, f.cms))
    if f.accreditation:
        where.append(
            sa.or_(
                _json_holds(Offering.accreditations, f.accreditation),
                _json_holds(Organisation.accreditations, f.accreditation),
            )
        )
    if f.sme in ("yes", "no"):
        where.append(Organisation.is_sme.is_(f.sme == "yes"))
    elif f.sme:
        where.append(sa.false())
    if f.freshness:  # an unknown value narrows to nothing, like the other filters
        fresh = freshness_clause(Offering, f.freshness)
        where.append(fresh if fresh is not None else sa.false())
    base = select(Offering.id).join(Organisation, Organisation.id == Offering.supplier_id).where(*where)
    ordered = base.order_by(Offering.name, Offering.id)
    ids = None
    if f.hosting:
        ids = _hosting_ids(session, ordered, f.hosting, [Offering.hosting, Organisation.data_hosting], matches)
    total, page, pages, page_ids = _one_page(session, base, ordered, ids, f.page, size)
    rows: list[tuple[Offering, Organisation]] = []
    if page_ids:
        found = {
            o.id: (o, org)
            for o, org in session.exec(
                select(Offering, Organisation)
                .join(Organisation, Organisation.id == Offering.supplier_id)
                .where(Offering.id.in_(page_ids))
            )
        }
        rows = [found[i] for i in page_ids if i in found]
    return rows, total, page, pages


def directory_page(session: Session, viewer: Viewer, f: Any, size: int, matches: Any) -> tuple[list, int, int, int]:
    """(rows of (supplier, its visible offerings), total, page, pages) for the filters `f`."""
    visible = access.offering_visible_clause(viewer, Offering)

    def some_offering(*conditions: Any) -> sa.ColumnElement[bool]:
        return sa.exists(select(Offering.id).where(Offering.supplier_id == Organisation.id, visible, *conditions))

    where: list[Any] = [Organisation.kind == "supplier", access.organisation_visible_clause(viewer, Organisation)]
    if f.category:
        where.append(some_offering(has_code(Offering.categories, f.category)) if _is_code(f.category) else sa.false())
    if f.cms:
        where.append(some_offering(_json_holds(Offering.case_management_systems, f.cms)))
    if f.accreditation:
        where.append(_json_holds(Organisation.accreditations, f.accreditation))
    if f.sme in ("yes", "no"):
        where.append(Organisation.is_sme.is_(f.sme == "yes"))
    elif f.sme:
        where.append(sa.false())
    base = select(Organisation.id).where(*where)
    ordered = base.order_by(Organisation.name, Organisation.id)
    ids = None
    if f.hosting:
        words = _HOSTING_WORDS.get(f.hosting, ())
        # A supplier qualifies by its own hosting statement or any visible offering's.
        candidates = ordered.where(
            sa.or_(_any_word(Organisation.data_hosting, words), some_offering(_any_word(Offering.hosting, words)))
            if words
            else sa.false()
        )
        ids = list(session.exec(candidates))
        hosting: dict[int, list[str | None]] = {i: [] for i in ids}
        if ids:
            for org_id, text in session.exec(
                select(Offering.supplier_id, Offering.hosting).where(Offering.supplier_id.in_(ids), visible)
            ):
                hosting[org_id].append(text)
            own = dict(
                session.exec(select(Organisation.id, Organisation.data_hosting).where(Organisation.id.in_(ids))).all()
            )
            ids = [i for i in ids if matches(f.hosting, own.get(i), *hosting[i])]
    total, page, pages, page_ids = _one_page(session, base, ordered, ids, f.page, size)
    if not page_ids:
        return [], total, page, pages
    orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(page_ids)))}
    offerings: dict[int, list[Offering]] = {i: [] for i in page_ids}
    for offering in session.exec(
        select(Offering).where(Offering.supplier_id.in_(page_ids), visible).order_by(Offering.name, Offering.id)
    ):
        offerings[offering.supplier_id].append(offering)
    return [(orgs[i], offerings[i]) for i in page_ids if i in orgs], total, page, pages


def _is_code(value: str) -> bool:
    """A vocabulary-like code (letters, digits, hyphens): the only text matched inside JSON lists."""
    return bool(value) and all(c.isalnum() or c in "-_" for c in value)


def _json_holds(column: Any, value: str) -> sa.ColumnElement[bool]:
    """A JSON list of strings holds exactly this value. The value is free text (a case management
    system's name), so it is matched as its JSON encoding with LIKE's wildcards escaped."""
    encoded = json.dumps(value, ensure_ascii=True)  # as SQLAlchemy stores JSON
    escaped = encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # SQLite writes JSON lists without spaces or with ", "; either way the element is quoted whole.
    return sa.cast(column, sa.Text).like(f"%{escaped}%", escape="\\")
