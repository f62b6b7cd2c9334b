"""Keeping a partnership up to date: the lead removes a member authority, a challenge or a cohort
supplier. Each removal is audited (on the partnership's trail and on the removed organisation's),
told through the outbox to the organisation it concerns, and takes effect at once: what a removed
member could read as a member (drafts and results of the partnership's challenges) is decided by
catalogue.access from the accepted members only (outcomes.services.sharing.programme_member_ids),
so the next page, search or API answer already leaves it out.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.notifications.services import notify
from outcomes.models import Challenge, Programme, ProgrammeChallengeRequest, ProgrammeMember, ProgrammeSupplier
from outcomes.services.base import _refuse_personal_data, _require

ACTIVE = ("invited", "accepted")


def _audit(session: Session, programme: Programme, organisation_id: int | None, changes: dict[str, Any]) -> None:
    """One row on the partnership's trail (the lead's administrators see it) and one on the
    organisation's it concerns (its administrators see it)."""
    from catalogue.changes import AuditEvent, current_actor_id  # the audit trail's own table

    for owner in dict.fromkeys((programme.lead_id, organisation_id)):
        if owner is None:
            continue
        session.add(
            AuditEvent(
                actor_id=current_actor_id.get(),
                organisation_id=owner,
                record_type="programme",
                record_id=programme.id,
                record_ref=programme.ref,
                action="update",
                changes=changes,
            )
        )


def _tell(session: Session, programme: Programme, organisation_id: int, what: str, detail: str, url: str) -> None:
    users = session.exec(select(User).where(User.organisation_id == organisation_id, User.status == "approved")).all()
    lead = session.get(Organisation, programme.lead_id)
    body = f"{programme.name}\n\nWhat happened: {what}.\n\n" + (f"{detail}\n\n" if detail else "")
    body += f"Next: nothing is needed from you; ask {lead.name if lead else 'the lead'} if this is a mistake."
    notify(session, users, f"{programme.name}: {what}", body, url, about="partnership-change")


def _reason(reason: str | None) -> str:
    _refuse_personal_data({"reason": reason})
    return f"The lead's reason: {reason}" if reason else ""


def _organisation_by_ref(session: Session, ref: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.ref == ref)).first() if ref else None


def _mark_removed(
    session: Session,
    viewer: Viewer,
    programme: Programme,
    model: type[ProgrammeMember] | type[ProgrammeSupplier],
    ref: str,
    reason: str | None,
    missing: Invalid,
) -> tuple[Any, Organisation, str, str]:
    """The lead takes out a member or a cohort supplier (accepted or still invited): the row,
    its organisation, the status it had, and the checked reason. `missing` when it is neither."""
    _require(access.can_manage_programme(viewer, programme))
    org = _organisation_by_ref(session, ref)
    row = session.get(model, (programme.id, org.id)) if org else None
    if row is None or row.status not in ACTIVE:
        raise missing
    detail = _reason(reason)
    before = row.status
    row.status, row.responded_at = "removed", utcnow()
    session.add(row)
    return row, org, before, detail


def remove_member(
    session: Session, viewer: Viewer, programme: Programme, organisation_ref: str, reason: str | None = None
) -> ProgrammeMember:
    """An authority leaves the partnership (or its invitation is withdrawn). Its challenges run
    under the partnership leave with it (their owner's consent came with membership) and the
    requests to run them are withdrawn."""
    row, org, before, detail = _mark_removed(
        session,
        viewer,
        programme,
        ProgrammeMember,
        organisation_ref,
        reason,
        Invalid("Choose a member or an invited authority of the partnership", "member"),
    )
    left = []
    for challenge in session.exec(
        select(Challenge).where(Challenge.programme_id == programme.id, Challenge.owner_id == org.id)
    ).all():
        challenge.programme_id = None
        session.add(challenge)
        left.append(challenge.ref)
    for request in session.exec(
        select(ProgrammeChallengeRequest)
        .join(Challenge, Challenge.id == ProgrammeChallengeRequest.challenge_id)
        .where(
            ProgrammeChallengeRequest.programme_id == programme.id,
            ProgrammeChallengeRequest.status == "requested",
            Challenge.owner_id == org.id,
        )
    ).all():
        request.status, request.decided_at = "withdrawn", utcnow()
        session.add(request)
    _audit(session, programme, org.id, {f"member:{org.ref}": [before, "removed"], "challenges_left": [left, []]})
    what = f"{org.name} was removed from the partnership" if before == "accepted" else "your invitation was withdrawn"
    if left:
        detail = (detail + "\n\n" if detail else "") + "Your challenges run under it have left it with you."
    _tell(session, programme, org.id, what, detail, f"/partnerships/{programme.ref}")
    return row


def remove_challenge(
    session: Session, viewer: Viewer, programme: Programme, challenge_ref: str, reason: str | None = None
) -> Challenge:
    """A challenge stops running under the partnership; its owner is told."""
    _require(access.can_manage_programme(viewer, programme))
    challenge = session.exec(select(Challenge).where(Challenge.ref == challenge_ref)).first() if challenge_ref else None
    if challenge is None or challenge.programme_id != programme.id:
        raise Invalid("Choose a challenge of the partnership", "challenge")
    detail = _reason(reason)
    challenge.programme_id = None
    session.add(challenge)
    _audit(session, programme, challenge.owner_id, {f"challenge:{challenge.ref}": ["attached", "removed"]})
    _tell(
        session,
        programme,
        challenge.owner_id,
        f"{challenge.title} no longer runs under the partnership",
        detail,
        f"/challenges/{challenge.ref}",
    )
    return challenge


def remove_cohort_supplier(
    session: Session, viewer: Viewer, programme: Programme, supplier_ref: str, reason: str | None = None
) -> ProgrammeSupplier:
    """A supplier leaves the cohort (or its invitation is withdrawn); it is told."""
    row, org, before, detail = _mark_removed(
        session,
        viewer,
        programme,
        ProgrammeSupplier,
        supplier_ref,
        reason,
        Invalid("Choose a supplier of the cohort", "supplier"),
    )
    _audit(session, programme, org.id, {f"cohort:{org.ref}": [before, "removed"]})
    what = (
        f"{org.name} was removed from the supplier cohort" if before == "accepted" else "your invitation was withdrawn"
    )
    _tell(session, programme, org.id, what, detail, f"/partnerships/{programme.ref}")
    return row
