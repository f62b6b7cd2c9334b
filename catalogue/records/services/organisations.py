"""Organisations: the list, an organisation's page, and the "Edit your organisation" page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, PartnershipMember
from catalogue.cfe_models import CfeResponse
from catalogue.db import utcnow
from catalogue.errors import NotAllowed, NotFound
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import (
    ORGANISATION_PROFILE_FIELDS,
    OrganisationProfileSchema,
)
from catalogue.records.services.common import (
    ORGANISATION_TEXT_FIELDS,
    PAGE_SIZE,
    Page,
    _record_override,
    personal_data_problems,
)
from catalogue.records.services.tools import DeploymentRow, _visible_deployment_rows

# --- organisations ---------------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    organisation: Organisation
    deployments: int


def list_organisations(session: Session, viewer: Viewer, kind: str = "", region: str = "", q: str = "") -> list:
    from catalogue.records import listing  # deployments counted by one aggregate query

    return listing.list_organisations(session, viewer, kind, region, q)


@dataclass
class OrganisationPage:
    organisation: Organisation
    deployments: list[DeploymentRow]
    single_views: list[SingleView]
    tools_built: list[Tool]
    tools_sold: list[Tool]
    members: list[Organisation]
    partnerships: list[Organisation]
    show_contact: bool
    can_author: bool
    can_edit: bool
    # A contact an import proposed, shown to the organisation's admins to confirm or discard.
    proposed_contact: bool = False
    # What it told the call for evidence: empty unless access.can_see_cfe_answers.
    cfe_responses: list[CfeResponse] = field(default_factory=list)
    # Pages ask for one page of deployments at a time (`deployments` is then that page).
    deployments_page: Page | None = None


def _deployments_page(session: Session, viewer: Viewer, org_id: int, page: int) -> Page:
    """One page of an organisation's visible deployments, dropped last, by tool name: counted and
    paged in the database, so a large authority's page costs one page of rows."""
    from catalogue.records import listing

    where = [access.visible_clause(viewer, Deployment), Deployment.organisation_id == org_id]
    total = session.exec(select(sa.func.count(Deployment.id)).where(*where)).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    ids = session.exec(
        select(Deployment.id)
        .join(Tool, Tool.id == Deployment.tool_id)
        .where(*where)
        .order_by(Deployment.stage == "dropped", sa.func.lower(Tool.name), Deployment.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(listing._deployment_rows(session, list(ids)), total, page, pages)


def organisation_page(session: Session, viewer: Viewer, ref: str, page: int | None = None) -> OrganisationPage:
    """An organisation's profile; with `page`, one page of its deployments (else all of them)."""
    org = session.exec(select(Organisation).where(Organisation.ref == ref)).first()
    if org is None or not access.can_view_organisation(viewer, org):
        raise NotFound(ref)
    deployments_page = None
    if page is None:
        rows = _visible_deployment_rows(session, viewer, Deployment.organisation_id == org.id)
        rows.sort(key=lambda r: (r.deployment.stage == "dropped", r.tool.name.lower()))
    else:
        deployments_page = _deployments_page(session, viewer, org.id, page)
        rows = deployments_page.items
    views = session.exec(
        select(SingleView)
        .where(SingleView.organisation_id == org.id, access.visible_clause(viewer, SingleView))
        .order_by(SingleView.ref)
    ).all()
    member_ids = select(PartnershipMember.member_id).where(
        PartnershipMember.partnership_id == org.id, PartnershipMember.status == "accepted"
    )
    partnership_ids = select(PartnershipMember.partnership_id).where(
        PartnershipMember.member_id == org.id, PartnershipMember.status == "accepted"
    )
    return OrganisationPage(
        organisation=org,
        deployments=rows,
        single_views=list(views),
        tools_built=list(
            session.exec(
                select(Tool)
                .where(Tool.developed_by_id == org.id, access.tool_visible_clause(viewer, Tool))
                .order_by(Tool.name)
            )
        ),
        tools_sold=list(
            session.exec(
                select(Tool)
                .where(Tool.supplier_id == org.id, access.tool_visible_clause(viewer, Tool))
                .order_by(Tool.name)
            )
        ),
        members=list(
            session.exec(
                select(Organisation)
                .where(Organisation.id.in_(member_ids), access.organisation_visible_clause(viewer, Organisation))
                .order_by(Organisation.name)
            )
        ),
        partnerships=list(
            session.exec(
                select(Organisation)
                .where(Organisation.id.in_(partnership_ids), access.organisation_visible_clause(viewer, Organisation))
                .order_by(Organisation.name)
            )
        ),
        show_contact=access.can_see_contact(viewer, org),
        can_author=access.can_author_evidence(viewer) and viewer.member_org_id == org.id,
        can_edit=access.can_administer_org(viewer, org.id),
        proposed_contact=bool(org.contact_pending) and access.can_administer_org(viewer, org.id),
        cfe_responses=list(
            session.exec(select(CfeResponse).where(CfeResponse.organisation_id == org.id).order_by(CfeResponse.id))
        )
        if access.can_see_cfe_answers(viewer, org.id)
        else [],
        deployments_page=deployments_page,
    )


# --- organisations: the "Edit your organisation" page ---------------------------------------------


CASE_MANAGEMENT_KINDS = ("local-authority", "provider")


def get_administered_organisation(session: Session, viewer: Viewer, ref: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.ref == ref)).first()
    if org is None:
        raise NotFound(ref)
    if not access.can_administer_org(viewer, org.id):
        raise NotAllowed(ref)
    return org


def organisation_to_form(org: Organisation) -> dict[str, Any]:
    form = {name: getattr(org, name) or "" for name in ORGANISATION_PROFILE_FIELDS}
    form["contact_consent"] = "true" if org.contact_consent else "false"
    return form


def save_organisation_profile(
    session: Session, viewer: Viewer, ref: str, form: Mapping[str, Any]
) -> tuple[Organisation | None, dict[str, str]]:
    """Change an organisation's website, case management system and contact (its admins or a site
    admin), in the caller's transaction; the flush hook writes the audit trail."""
    from catalogue.forms import load_form

    org = get_administered_organisation(session, viewer, ref)
    data, errors = load_form(OrganisationProfileSchema(), {k: form.get(k) for k in ORGANISATION_PROFILE_FIELDS})
    errors.update(personal_data_problems(form, ORGANISATION_TEXT_FIELDS))
    if errors:
        return None, errors
    values = {name: data.get(name) for name in ORGANISATION_PROFILE_FIELDS}
    values["contact_consent"] = bool(values["contact_consent"])
    values["contact_pending"] = None  # the admins have now said who the contact is
    if org.kind not in CASE_MANAGEMENT_KINDS:
        values.pop("case_management_system")  # not asked: only authorities and providers run one
    for key, value in values.items():
        if getattr(org, key) != value:
            setattr(org, key, value)
    if session.is_modified(org):
        org.updated_at = utcnow()
    session.flush()
    _record_override(session, form, ORGANISATION_TEXT_FIELDS, org)
    return org, {}


def confirm_imported_contact(session: Session, viewer: Viewer, ref: str, *, confirm: bool) -> Organisation:
    """An admin of the organisation confirms the contact an import proposed (it becomes the
    organisation's contact, agreed to be contacted by peers) or discards it (forgotten). In the
    caller's transaction; the flush hook writes the audit trail."""
    org = get_administered_organisation(session, viewer, ref)
    if not org.contact_pending:
        return org
    if confirm:
        org.contact_consent = True
    else:
        org.contact_name = org.contact_email = org.contact_role = None
        org.contact_consent = False
    org.contact_pending = None
    org.updated_at = utcnow()
    session.add(org)
    session.flush()
    return org
