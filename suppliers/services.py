"""Supplier profiles, offerings and references: plain functions taking a session and a viewer.

Every visibility question goes to catalogue.access. Filters run over the rows the policy lets
through, so a filter or count can never include a record the viewer may not see.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid, NotAllowed
from catalogue.notifications import services as notifications
from catalogue.personal_data import Review, guard, record_override
from catalogue.records.models import Deployment, Tool
from catalogue.refs import new_ref
from suppliers.models import Offering, Reference

PAGE_SIZE = 20
# Reference requests a supplier may have waiting at once: each one emails an authority's staff.
MAX_PENDING_REFERENCES = 20

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


def _refuse_personal_data(data: Mapping[str, Any], fields: tuple[str, ...]) -> Review | None:
    """The personal-data check every free-text form runs (a child's or family's details); what
    the writer confirmed is not about a real person, for `record_override` once saved."""
    checked = guard(data, fields)
    if checked.problems:
        raise Invalid.of_fields(checked.problems)
    return checked.override


# --- filters ----------------------------------------------------------------------------------


@dataclass
class Filters:
    category: str | None = None
    cms: str | None = None
    accreditation: str | None = None
    sme: str | None = None  # "yes" | "no"
    hosting: str | None = None  # a HOSTING_FILTERS key
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        def clean(name: str) -> str | None:
            value = (args.get(name) or "").strip()[:200]
            return value or None

        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        return cls(clean("category"), clean("cms"), clean("accreditation"), clean("sme"), clean("hosting"), page)

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v and k != "page"}


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    pages: int
    options: dict[str, list[str]] = field(default_factory=dict)


def _paginate(items: list[Any], page: int, options: dict[str, list[str]]) -> Page:
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = min(page, pages)
    return Page(items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(items), page, pages, options)


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


def _supplier_matches(org: Organisation, offerings: list[Offering], f: Filters) -> bool:
    if f.category and not any(f.category in o.categories for o in offerings):
        return False
    if f.cms and not any(f.cms in o.case_management_systems for o in offerings):
        return False
    if f.accreditation and f.accreditation not in (org.accreditations or []):
        return False
    if f.sme in ("yes", "no") and org.is_sme is not (f.sme == "yes"):
        return False
    return not (f.hosting and not _hosting_matches(f.hosting, org.data_hosting, *(o.hosting for o in offerings)))


def directory(session: Session, viewer: Viewer, f: Filters) -> Page:
    """Suppliers with the offerings this viewer may see, filtered; options list what the filters offer."""
    suppliers = session.exec(
        select(Organisation)
        .where(Organisation.kind == "supplier", access.organisation_visible_clause(viewer, Organisation))
        .order_by(Organisation.name)
    ).all()
    by_supplier: dict[int, list[Offering]] = {}
    for offering in visible_offerings(session, viewer):
        by_supplier.setdefault(offering.supplier_id, []).append(offering)
    rows = []
    for org in suppliers:
        offerings = by_supplier.get(org.id, [])
        if _supplier_matches(org, offerings, f):
            rows.append((org, offerings))
    cms = sorted({c for offerings in by_supplier.values() for o in offerings for c in o.case_management_systems})
    return _paginate(rows, f.page, {"cms": cms})


def update_profile(session: Session, viewer: Viewer, supplier: Organisation, data: dict[str, Any]) -> Organisation:
    if not access.can_change(viewer, supplier):
        raise NotAllowed
    override = _refuse_personal_data(data, PROFILE_TEXT_FIELDS)
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


def _offering_matches(offering: Offering, supplier: Organisation | None, f: Filters) -> bool:
    if f.category and f.category not in offering.categories:
        return False
    if f.cms and f.cms not in offering.case_management_systems:
        return False
    accreditations = set(offering.accreditations or []) | set((supplier.accreditations if supplier else None) or [])
    if f.accreditation and f.accreditation not in accreditations:
        return False
    if f.sme in ("yes", "no") and (supplier is None or supplier.is_sme is not (f.sme == "yes")):
        return False
    return not (
        f.hosting and not _hosting_matches(f.hosting, offering.hosting, supplier.data_hosting if supplier else None)
    )


def browse_offerings(session: Session, viewer: Viewer, f: Filters) -> Page:
    """Published offerings, plus the viewer's own supplier's drafts, filtered."""
    offerings = visible_offerings(session, viewer)
    supplier_ids = {o.supplier_id for o in offerings}
    suppliers = (
        {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(supplier_ids)))}
        if supplier_ids
        else {}
    )
    rows = [
        (o, suppliers.get(o.supplier_id)) for o in offerings if _offering_matches(o, suppliers.get(o.supplier_id), f)
    ]
    cms = sorted({c for o in offerings for c in o.case_management_systems})
    return _paginate(rows, f.page, {"cms": cms})


def tool_choices(session: Session, supplier_id: int | None) -> dict[str, str]:
    """Catalogue tools this supplier's offerings may sell (access.can_sell_tool): ref -> name."""
    query = select(Tool).where(sa.or_(Tool.supplier_id.is_(None), Tool.supplier_id == supplier_id))
    if supplier_id is not None:
        # Only tools the supplier may see: publishing an offering of a tool makes it public.
        query = query.where(access.tool_visible_clause(access.viewer_as_member_of(supplier_id, "supplier"), Tool))
    tools = session.exec(query.order_by(Tool.name))
    return {t.ref: t.name for t in tools if access.can_sell_tool(supplier_id, t)}


def _apply_offering(session: Session, offering: Offering, data: dict[str, Any]) -> Review | None:
    override = _refuse_personal_data(data, OFFERING_TEXT_FIELDS)
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


# --- references -------------------------------------------------------------------------------


@dataclass
class Evidence:
    """Confirmed references on an offering whose deployments the viewer may see: the counts and
    the links come from the same rows, so a hidden deployment changes no number on the page."""

    used_by: int = 0
    dropped: int = 0
    visible: list[tuple[Organisation, Deployment]] = field(default_factory=list)


def offering_evidence(session: Session, viewer: Viewer, offering: Offering) -> Evidence:
    rows = session.exec(
        select(Deployment, Organisation)
        .join(Reference, Reference.deployment_id == Deployment.id)
        .join(Organisation, Organisation.id == Reference.organisation_id)
        .where(Reference.offering_id == offering.id, Reference.status == "confirmed")
        .where(access.visible_clause(viewer, Deployment))
        .order_by(Organisation.name)
    ).all()
    evidence = Evidence(used_by=len(rows))
    for deployment, org in rows:
        evidence.dropped += deployment.stage == "dropped"
        evidence.visible.append((org, deployment))
    return evidence


def citable_organisations(session: Session) -> list[Organisation]:
    """Who a supplier may name as a user: authorities and providers (organisations are public)."""
    return list(
        session.exec(
            select(Organisation)
            .where(Organisation.kind.in_(("local-authority", "provider")), access.verified_clause(Organisation))
            .order_by(Organisation.name)
        )
    )


def _members(session: Session, organisation_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.organisation_id == organisation_id, User.status == "approved")))


def cite(session: Session, viewer: Viewer, offering: Offering, organisation_ref: str, note: str | None) -> Reference:
    """Ask an organisation to confirm it uses the offering's tool. The supplier names only the
    organisation: whether and how it recorded a deployment stays hidden until it confirms."""
    if not access.can_change_offering(viewer, offering):
        raise NotAllowed
    if offering.status != "published":
        raise Invalid("Publish the offering before asking for references", "organisation")
    if offering.tool_id is None:
        raise Invalid("Choose the catalogue tool this offering sells before asking for references", "organisation")
    override = _refuse_personal_data({"note": note}, ("note",))  # the note is read by the organisation's staff
    pending = session.exec(
        select(sa.func.count(Reference.id))
        .join(Offering, Offering.id == Reference.offering_id)
        .where(Offering.supplier_id == offering.supplier_id, Reference.status == "pending")
    ).one()
    if pending >= MAX_PENDING_REFERENCES:
        raise Invalid(
            f"You have {pending} requests waiting for an answer. Ask again once some are answered", "organisation"
        )
    org = session.exec(
        select(Organisation).where(
            Organisation.ref == organisation_ref,
            Organisation.kind.in_(("local-authority", "provider")),
            access.verified_clause(Organisation),
        )
    ).first()
    if org is None:
        raise Invalid("Choose the local authority or provider from the list", "organisation")
    existing = session.exec(
        select(Reference).where(Reference.offering_id == offering.id, Reference.organisation_id == org.id)
    ).first()
    if existing is not None:
        raise Invalid(f"You have already asked {org.name} about this offering", "organisation")
    reference = Reference(
        offering_id=offering.id,
        organisation_id=org.id,
        note=note,
        requested_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(reference)
    session.flush()
    record_override(session, override, reference)
    supplier = session.get(Organisation, offering.supplier_id)
    tool = session.get(Tool, offering.tool_id)
    body = (
        f"{supplier.name} says {org.name} uses {offering.name} ({tool.name}) and asks you to confirm it. "
        "If you confirm, the offering's page says your organisation uses it, and whether you dropped it."
    )
    if note:
        body += f"\n\nTheir note: {note}"
    notifications.notify(
        session,
        _members(session, org.id),
        f"{supplier.name} asks you to confirm you use {offering.name}",
        body,
        f"/references/{reference.id}",
        record=offering,
        kind="offering",
        topic="reference-requested",
    )
    return reference


def references_for_offering(
    session: Session, viewer: Viewer, offering: Offering
) -> list[tuple[Reference, Organisation]]:
    """The supplier's view of its requests: organisation and status, never deployment details."""
    if not access.can_change_offering(viewer, offering):
        raise NotAllowed
    return list(
        session.exec(
            select(Reference, Organisation)
            .join(Organisation, Organisation.id == Reference.organisation_id)
            .where(Reference.offering_id == offering.id)
            .order_by(Reference.requested_at.desc())
        ).all()
    )


def supplier_references(session: Session, viewer: Viewer) -> list[tuple[Reference, Offering, Organisation]]:
    """Every reference request the viewer's supplier made, newest first."""
    if viewer.member_org_id is None:
        return []
    return list(
        session.exec(
            select(Reference, Offering, Organisation)
            .join(Offering, Offering.id == Reference.offering_id)
            .join(Organisation, Organisation.id == Reference.organisation_id)
            .where(Offering.supplier_id == viewer.member_org_id)
            .order_by(Reference.requested_at.desc())
        ).all()
    )


def inbox(session: Session, viewer: Viewer) -> list[tuple[Reference, Offering, Organisation]]:
    """Requests addressed to the viewer's organisation (with the supplier), pending first."""
    if viewer.member_org_id is None:
        return []
    rows = session.exec(
        select(Reference, Offering, Organisation)
        .join(Offering, Offering.id == Reference.offering_id)
        .join(Organisation, Organisation.id == Offering.supplier_id)
        .where(Reference.organisation_id == viewer.member_org_id)
        .order_by(Reference.requested_at.desc())
    ).all()
    return sorted(rows, key=lambda row: row[0].status != "pending")


def get_reference_for_answer(session: Session, viewer: Viewer, reference_id: int) -> Reference:
    reference = session.get(Reference, reference_id)
    if reference is None or not access.can_answer_reference(viewer, reference):
        raise NotAllowed
    return reference


def own_deployments_of(session: Session, viewer: Viewer, reference: Reference) -> list[Deployment]:
    """The answering organisation's own deployments of the offering's tool, to choose from."""
    offering = session.get(Offering, reference.offering_id)
    if offering is None or offering.tool_id is None:
        return []
    return list(
        session.exec(
            select(Deployment)
            .where(Deployment.organisation_id == reference.organisation_id, Deployment.tool_id == offering.tool_id)
            .order_by(Deployment.started.desc(), Deployment.id)
        )
    )


def answer(
    session: Session, viewer: Viewer, reference: Reference, decision: str, deployment_ref: str | None
) -> Reference:
    """Confirm (naming one of the organisation's own deployments of the tool) or decline."""
    if not access.can_answer_reference(viewer, reference):
        raise NotAllowed
    if decision not in ("confirm", "decline"):
        raise Invalid("Choose whether to confirm or decline", "decision")
    if decision == "confirm":
        choices = {d.ref: d for d in own_deployments_of(session, viewer, reference)}
        if not choices:
            raise Invalid("Record your experience of this tool before confirming, or decline", "deployment")
        if deployment_ref not in choices:
            raise Invalid("Choose which of your records of this tool it is", "deployment")
        reference.deployment_id = choices[deployment_ref].id
        reference.status = "confirmed"
    else:
        reference.deployment_id = None
        reference.status = "declined"
    reference.decided_by_id = viewer.user_id
    reference.decided_at = utcnow()
    session.add(reference)
    offering = session.get(Offering, reference.offering_id)
    org = session.get(Organisation, reference.organisation_id)
    verb = "confirmed" if decision == "confirm" else "declined"
    notifications.notify(
        session,
        _members(session, offering.supplier_id),
        f"{org.name} {verb} your reference for {offering.name}",
        f"{org.name} {verb} that it uses {offering.name}.",
        f"/offerings/{offering.ref}/references",
        record=offering,
        kind="offering",
        topic=f"reference-{verb}",
    )
    return reference


def pending_reference_count(session: Session, viewer: Viewer) -> int:
    if viewer.member_org_id is None:
        return 0
    return session.exec(
        select(sa.func.count(Reference.id)).where(
            Reference.organisation_id == viewer.member_org_id, Reference.status == "pending"
        )
    ).one()
