"""Supplier profiles, offerings and references: plain functions taking a session and a viewer.

Every visibility question goes to catalogue.access. Filters run over the rows the policy lets
through, so a filter or count can never include a record the viewer may not see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.errors import Invalid, NotAllowed
from catalogue.paging import Page
from catalogue.personal_data import Review, record_override
from catalogue.records.models import Deployment, Tool
from catalogue.refs import new_ref
from suppliers import listing
from suppliers.models import Offering
from suppliers.personal_data import refuse_personal_data

# References live in suppliers.references; the names callers use, here too.
from suppliers.references import Evidence as Evidence
from suppliers.references import answer as answer
from suppliers.references import citable_organisations as citable_organisations
from suppliers.references import cite as cite
from suppliers.references import get_reference_for_answer as get_reference_for_answer
from suppliers.references import inbox as inbox
from suppliers.references import offering_evidence as offering_evidence
from suppliers.references import own_deployments_of as own_deployments_of
from suppliers.references import pending_reference_count as pending_reference_count
from suppliers.references import references_for_offering as references_for_offering
from suppliers.references import revoke_reference as revoke_reference
from suppliers.references import supplier_references as supplier_references

PAGE_SIZE = 20

HOSTING_FILTERS: dict[str, str] = {
    "uk": "Hosted in the UK",
    "customer": "Hosted in the customer's own environment",
}
_HOSTING_PATTERNS = {
    "uk": re.compile(r"\b(UK|United Kingdom|England|London)\b", re.IGNORECASE),
    "customer": re.compile(r"\b(customer|on[- ]prem\w*|your own|tenant)\b", re.IGNORECASE),
}


# Free text a supplier writes for everyone to read. Contact fields, the company number and
# links are left out: a supplier's own phone number and address belong there.
OFFERING_TEXT_FIELDS = ("name", "summary", "description", "outcomes", "hosting", "pricing")
PROFILE_TEXT_FIELDS = ("description", "data_hosting")


# --- filters ----------------------------------------------------------------------------------


@dataclass
class Filters:
    category: str | None = None
    cms: str | None = None
    accreditation: str | None = None
    sme: str | None = None  # "yes" | "no"
    hosting: str | None = None  # a HOSTING_FILTERS key
    page: int = 1
    freshness: str | None = None  # current | stale (catalogue.upkeep.services.FRESHNESS)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        def clean(name: str) -> str | None:
            value = (args.get(name) or "").strip()[:200]
            return value or None

        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        return cls(
            clean("category"),
            clean("cms"),
            clean("accreditation"),
            clean("sme"),
            clean("hosting"),
            page,
            freshness=clean("freshness"),
        )

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v and k != "page"}


def _hosting_matches(code: str, *texts: str | None) -> bool:
    pattern = _HOSTING_PATTERNS.get(code)
    return pattern is not None and any(pattern.search(t or "") for t in texts)


# --- suppliers --------------------------------------------------------------------------------


def get_supplier(session: Session, ref: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.ref == ref, Organisation.kind == "supplier")).first()


def visible_offerings(session: Session, viewer: Viewer, supplier_id: int | None = None) -> list[Offering]:
    stmt = select(Offering).where(access.offering_visible_clause(viewer, Offering))
    if supplier_id is not None:
        stmt = stmt.where(Offering.supplier_id == supplier_id)
    return list(session.exec(stmt.order_by(Offering.name, Offering.id)))


def directory(session: Session, viewer: Viewer, f: Filters) -> Page:
    """Suppliers with the offerings this viewer may see, filtered; options list what the filters
    offer. Filtered and paged in the database (suppliers.listing)."""
    rows, total, page, pages = listing.directory_page(session, viewer, f, PAGE_SIZE, _hosting_matches)
    return Page(rows, total, page, pages, {"cms": listing.cms_options(session, viewer)})


def update_profile(session: Session, viewer: Viewer, supplier: Organisation, data: dict[str, Any]) -> Organisation:
    if not access.can_change(viewer, supplier):
        raise NotAllowed
    override = refuse_personal_data(data, PROFILE_TEXT_FIELDS)
    for key in (
        "name",
        "website",
        "company_number",
        "is_sme",
        "accreditations",
        "data_hosting",
        "description",
        "contact_name",
        "contact_email",
        "contact_role",
    ):
        setattr(supplier, key, data.get(key))
    supplier.accreditations = list(data.get("accreditations") or [])
    supplier.contact_consent = bool(data.get("contact_consent"))
    if supplier.company_number:
        supplier.company_number = supplier.company_number.replace(" ", "").upper()
    session.add(supplier)
    record_override(session, override, supplier)
    return supplier


# --- offerings --------------------------------------------------------------------------------


def get_offering(session: Session, viewer: Viewer, ref: str) -> Offering | None:
    """The offering when this viewer may see it (drafts only to their supplier), else None."""
    offering = session.exec(select(Offering).where(Offering.ref == ref)).first()
    if offering is None or not access.can_view_offering(viewer, offering):
        return None
    return offering


def browse_offerings(session: Session, viewer: Viewer, f: Filters) -> Page:
    """Published offerings, plus the viewer's own supplier's drafts, filtered and paged in the
    database (suppliers.listing)."""
    rows, total, page, pages = listing.offerings_page(session, viewer, f, PAGE_SIZE, _hosting_matches)
    return Page(rows, total, page, pages, {"cms": listing.cms_options(session, viewer)})


def tool_choices(session: Session, supplier_id: int | None) -> dict[str, str]:
    """Catalogue tools this supplier's offerings may sell (access.can_sell_tool): ref -> name."""
    query = select(Tool).where(sa.or_(Tool.supplier_id.is_(None), Tool.supplier_id == supplier_id))
    if supplier_id is not None:
        # Only tools the supplier may see: publishing an offering of a tool makes it public.
        query = query.where(access.tool_visible_clause(access.viewer_as_member_of(supplier_id, "supplier"), Tool))
    tools = session.exec(query.order_by(Tool.name))
    return {t.ref: t.name for t in tools if access.can_sell_tool(supplier_id, t)}


def _apply_offering(session: Session, offering: Offering, data: dict[str, Any]) -> Review | None:
    override = refuse_personal_data(data, OFFERING_TEXT_FIELDS)
    tool_ref = data.get("tool")
    if tool_ref:
        tool = session.exec(select(Tool).where(Tool.ref == tool_ref)).first()
        seller = access.viewer_as_member_of(offering.supplier_id, "supplier")
        if tool is None or not access.can_view_tool(seller, tool):
            raise Invalid("Choose a tool from the list, or leave it blank", "tool")
        if not access.can_sell_tool(offering.supplier_id, tool):
            raise Invalid("Choose a tool your organisation sells, or one no supplier has claimed", "tool")
        offering.tool_id = tool.id
    else:
        offering.tool_id = None
    for key in ("name", "summary", "description", "delivery", "hosting", "pricing"):
        setattr(offering, key, data.get(key))
    for key in ("categories", "outcomes", "case_management_systems", "accreditations", "accreditations_as_written"):
        setattr(offering, key, list(data.get(key) or []))
    offering.links = [{"title": link["title"], "url": link["url"]} for link in data.get("links") or []]
    offering.status = data.get("status") or "draft"
    return override


def create_offering(session: Session, viewer: Viewer, supplier: Organisation, data: dict[str, Any]) -> Offering:
    if not access.can_add_offering(viewer, supplier):
        raise NotAllowed
    offering = Offering(
        ref=new_ref(session, Offering, data["name"]),
        supplier_id=supplier.id,
        name=data["name"],
        created_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    override = _apply_offering(session, offering, data)
    session.add(offering)
    session.flush()
    record_override(session, override, offering)
    return offering


def update_offering(session: Session, viewer: Viewer, offering: Offering, data: dict[str, Any]) -> Offering:
    if not access.can_change_offering(viewer, offering):
        raise NotAllowed
    record_override(session, _apply_offering(session, offering, data), offering)
    session.add(offering)
    return offering


def offering_form_data(session: Session, offering: Offering) -> dict[str, Any]:
    """An offering as the form shows it."""
    tool = session.get(Tool, offering.tool_id) if offering.tool_id else None
    return {
        "name": offering.name,
        "summary": offering.summary,
        "description": offering.description,
        "categories": list(offering.categories),
        "outcomes": "\n".join(offering.outcomes),
        "delivery": offering.delivery,
        "case_management_systems": "\n".join(offering.case_management_systems),
        "accreditations": list(offering.accreditations),
        "hosting": offering.hosting,
        "pricing": offering.pricing,
        "tool": tool.ref if tool else "",
        "links": list(offering.links or []),
        "status": offering.status,
    }


def tool_deployments(session: Session, viewer: Viewer, offering: Offering) -> list[tuple[Deployment, Organisation]]:
    """The catalogue's experience of the tool this offering sells, as far as the viewer may see."""
    tool = session.get(Tool, offering.tool_id) if offering.tool_id is not None else None
    # A link made before the rule (access.can_sell_tool) borrows nobody's experience either.
    if tool is None or not access.can_sell_tool(offering.supplier_id, tool):
        return []
    return list(
        session.exec(
            select(Deployment, Organisation)
            .join(Organisation, Organisation.id == Deployment.organisation_id)
            .where(Deployment.tool_id == offering.tool_id, access.visible_clause(viewer, Deployment))
            .order_by(Organisation.name)
        ).all()
    )
