"""Who shares a challenge: co-sponsors and partnership members, what each may see, and the
co-sponsor requests that make an authority a co-sponsor."""

from __future__ import annotations

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.personal_data import record_override
from outcomes.models import Challenge, ChallengeCoSponsor, Programme, ProgrammeMember
from outcomes.services import news
from outcomes.services.base import _refuse_personal_data, _require

# --- who shares a challenge ---------------------------------------------------------------------


def co_sponsor_ids(session: Session, challenge: Challenge) -> frozenset[int]:
    """Approved co-sponsors: they share the owner's view of proposals."""
    rows = session.exec(
        select(ChallengeCoSponsor.organisation_id).where(
            ChallengeCoSponsor.challenge_id == challenge.id, ChallengeCoSponsor.status == "approved"
        )
    ).all()
    return frozenset(rows)


def programme_member_ids(session: Session, programme_id: int | None) -> frozenset[int]:
    """Accepted members of a programme, and its lead."""
    if programme_id is None:
        return frozenset()
    programme = session.get(Programme, programme_id)
    rows = session.exec(
        select(ProgrammeMember.member_id).where(
            ProgrammeMember.programme_id == programme_id, ProgrammeMember.status == "accepted"
        )
    ).all()
    return frozenset(rows) | ({programme.lead_id} if programme else frozenset())


def sharing_ids(session: Session, challenge: Challenge) -> frozenset[int]:
    """Organisations (besides the owner) that see the challenge even as a draft."""
    return co_sponsor_ids(session, challenge) | programme_member_ids(session, challenge.programme_id)


def can_view(session: Session, viewer: Viewer, challenge: Challenge) -> bool:
    shared = co_sponsor_ids(session, challenge)
    members = programme_member_ids(session, challenge.programme_id)
    if access.programme_member_sees(viewer, members):
        shared = shared | {viewer.member_org_id}
    return access.can_view_challenge(viewer, challenge, shared)


def shared_challenge_ids(session: Session, viewer: Viewer) -> frozenset[int]:
    """Challenges shared with the viewer's organisation as co-sponsor or programme member."""
    org = viewer.member_org_id
    if org is None:
        return frozenset()
    ids = set(
        session.exec(
            select(ChallengeCoSponsor.challenge_id).where(
                ChallengeCoSponsor.organisation_id == org, ChallengeCoSponsor.status == "approved"
            )
        ).all()
    )
    if viewer.is_authority_staff:
        programmes = set(
            session.exec(
                select(ProgrammeMember.programme_id).where(
                    ProgrammeMember.member_id == org, ProgrammeMember.status == "accepted"
                )
            ).all()
        )
        programmes |= set(session.exec(select(Programme.id).where(Programme.lead_id == org)).all())
        if programmes:
            ids |= set(session.exec(select(Challenge.id).where(Challenge.programme_id.in_(sorted(programmes)))).all())
    return frozenset(ids)


def get_challenge(session: Session, viewer: Viewer, ref: str) -> Challenge | None:
    """The challenge if this viewer may see it; None otherwise (the caller answers 404)."""
    challenge = session.exec(select(Challenge).where(Challenge.ref == ref)).first()
    if challenge is None or not can_view(session, viewer, challenge):
        return None
    return challenge


# --- co-sponsors --------------------------------------------------------------------------------


def request_co_sponsor(session: Session, viewer: Viewer, challenge: Challenge, note: str | None) -> ChallengeCoSponsor:
    _require(
        access.can_co_sponsor(viewer, challenge), "Only another authority can ask to co-sponsor a published challenge"
    )
    existing = session.exec(
        select(ChallengeCoSponsor).where(
            ChallengeCoSponsor.challenge_id == challenge.id, ChallengeCoSponsor.organisation_id == viewer.member_org_id
        )
    ).first()
    if existing is not None:
        raise Invalid("Your organisation has already asked to co-sponsor this challenge")
    override = _refuse_personal_data({"note": note})
    row = ChallengeCoSponsor(
        challenge_id=challenge.id,
        organisation_id=viewer.member_org_id,
        note=note,
        requested_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(row)
    session.flush()
    record_override(session, override, row)
    news.co_sponsor_requested(session, challenge, row)
    return row


def decide_co_sponsor(session: Session, viewer: Viewer, challenge: Challenge, request_id: int, approve: bool) -> None:
    _require(access.can_manage_challenge(viewer, challenge))
    row = session.get(ChallengeCoSponsor, request_id)
    if row is None or row.challenge_id != challenge.id:
        raise Invalid("That request is not for this challenge")
    row.status = "approved" if approve else "declined"
    row.decided_at = utcnow()
    session.add(row)


def co_sponsors(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ChallengeCoSponsor, Organisation]]:
    """Approved co-sponsors for everyone; pending and declined requests for the owner and the asker."""
    rows = session.exec(
        select(ChallengeCoSponsor, Organisation)
        .join(Organisation, Organisation.id == ChallengeCoSponsor.organisation_id)
        .where(ChallengeCoSponsor.challenge_id == challenge.id)
        .order_by(ChallengeCoSponsor.requested_at)
    ).all()
    manager = access.can_manage_challenge(viewer, challenge)
    return [
        (row, org)
        for row, org in rows
        if row.status == "approved" or manager or (viewer.member_org_id is not None and viewer.member_org_id == org.id)
    ]
