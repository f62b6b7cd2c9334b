"""Supplier references: a supplier cites an organisation that uses its offering, the
organisation's members confirm or decline, and the offering's page shows what they confirmed."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid, NotAllowed
from catalogue.notifications import services as notifications
from catalogue.personal_data import record_override
from catalogue.records.models import Deployment, Tool
from suppliers.models import Offering, Reference
from suppliers.personal_data import refuse_personal_data

# Reference requests a supplier may have waiting at once: each one emails an authority's staff.
MAX_PENDING_REFERENCES = 20


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
    override = refuse_personal_data({"note": note}, ("note",))  # the note is read by the organisation's staff
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
            .where(
                Deployment.organisation_id == reference.organisation_id,
                Deployment.tool_id == offering.tool_id,
                access.not_withdrawn_clause(Deployment),
            )
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
    verb = "confirmed" if decision == "confirm" else "declined"
    return _decided(
        session,
        viewer,
        reference,
        f"reference-{verb}",
        f"{{org}} {verb} your reference for {{offering}}",
        f"{{org}} {verb} that it uses {{offering}}.",
    )


def pending_reference_count(session: Session, viewer: Viewer) -> int:
    if viewer.member_org_id is None:
        return 0
    return session.exec(
        select(sa.func.count(Reference.id)).where(
            Reference.organisation_id == viewer.member_org_id, Reference.status == "pending"
        )
    ).one()


def revoke_reference(session: Session, viewer: Viewer, reference: Reference) -> Reference:
    """The cited organisation takes back its confirmation (it no longer uses the tool, or
    confirmed by mistake): the offering stops citing it and the supplier is told."""
    if not access.can_answer_reference(viewer, reference):
        raise NotAllowed
    if reference.status != "confirmed":
        raise Invalid("Only a confirmed reference can be revoked")
    reference.status = "revoked"
    reference.deployment_id = None
    return _decided(
        session,
        viewer,
        reference,
        "reference-revoked",
        "{org} revoked its reference for {offering}",
        "{org} no longer confirms that it uses {offering}.",
    )


def _decided(session: Session, viewer: Viewer, reference: Reference, topic: str, subject: str, body: str) -> Reference:
    """Stamp who decided and when, and tell the supplier's members; `subject` and `body` name
    `{org}` and `{offering}`, filled with the organisation's and the offering's names."""
    reference.decided_by_id = viewer.user_id
    reference.decided_at = utcnow()
    session.add(reference)
    offering = session.get(Offering, reference.offering_id)
    org = session.get(Organisation, reference.organisation_id)
    names = {"org": org.name, "offering": offering.name}
    notifications.notify(
        session,
        _members(session, offering.supplier_id),
        subject.format(**names),
        body.format(**names),
        f"/offerings/{offering.ref}/references",
        record=offering,
        kind="offering",
        topic=topic,
    )
    return reference
