"""Partnerships (programmes): lead, members and invitations, the supplier cohort, and the
challenges run under a partnership with their owners' consent."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.notifications.services import notify
from catalogue.personal_data import record_override
from catalogue.refs import new_ref
from outcomes.models import Challenge, Programme, ProgrammeChallengeRequest, ProgrammeMember, ProgrammeSupplier
from outcomes.services.base import _refuse_personal_data, _require
from outcomes.services.responses import results_view
from outcomes.services.sharing import can_view, get_challenge, programme_member_ids

# --- partnerships (programmes) -------------------------------------------------------------------


def list_programmes(session: Session) -> list[tuple[Programme, Organisation]]:
    return [
        (p, o)
        for p, o in session.exec(
            select(Programme, Organisation)
            .join(Organisation, Organisation.id == Programme.lead_id)
            .order_by(Programme.name)
        ).all()
    ]


def get_programme(session: Session, ref: str) -> Programme | None:
    return session.exec(select(Programme).where(Programme.ref == ref)).first()


def _milestones(lines: list[str]) -> list[dict[str, str]]:
    result = []
    for line in lines:
        day, text = line.split(" ", 1)
        result.append({"date": day, "milestone": text.strip()})
    return sorted(result, key=lambda m: m["date"])


def create_programme(session: Session, viewer: Viewer, data: dict[str, Any]) -> Programme:
    _require(
        access.can_create_programme(viewer),
        "Only approved members of a partnership or local authority can lead a partnership",
    )
    override = _refuse_personal_data(data)
    programme = Programme(
        ref=new_ref(session, Programme, data["name"]),
        name=data["name"],
        lead_id=viewer.member_org_id,
        description=data["description"],
        phases=data.get("phases"),
        milestones=_milestones(data.get("milestones") or []),
        evaluation_plan=data.get("evaluation_plan"),
        created_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(programme)
    session.flush()
    record_override(session, override, programme)
    return programme


def update_programme(session: Session, viewer: Viewer, programme: Programme, data: dict[str, Any]) -> None:
    _require(access.can_manage_programme(viewer, programme))
    override = _refuse_personal_data(data)
    programme.name = data["name"]
    programme.description = data["description"]
    programme.phases = data.get("phases")
    programme.milestones = _milestones(data.get("milestones") or [])
    programme.evaluation_plan = data.get("evaluation_plan")
    session.add(programme)
    record_override(session, override, programme)


def programme_form_data(programme: Programme) -> dict[str, Any]:
    return {
        "name": programme.name,
        "description": programme.description,
        "phases": programme.phases or "",
        "milestones": "\n".join(f"{m['date']} {m['milestone']}" for m in programme.milestones or []),
        "evaluation_plan": programme.evaluation_plan or "",
    }


def _organisation(session: Session, ref: str | None, kinds: tuple[str, ...]) -> Organisation | None:
    if not ref:
        return None
    # Only verified organisations can be invited or named: an unverified one is not public.
    return session.exec(
        select(Organisation).where(
            Organisation.ref == ref, Organisation.kind.in_(kinds), access.verified_clause(Organisation)
        )
    ).first()


def _invite(
    session: Session, programme: Programme, org: Organisation, row: Any, subject: str, what: str, next_step: str
) -> None:
    """Store an invitation and tell the invited organisation's members what happened and what next."""
    session.add(row)
    session.flush()
    lead = session.get(Organisation, programme.lead_id)
    notify(
        session,
        _approved_members(session, org.id),
        f"{programme.name}: {lead.name} invites {org.name} {subject}",
        f"{programme.name}\n\nWhat happened: {lead.name} invited {org.name} {what}.\n\nNext: {next_step}",
        f"/partnerships/{programme.ref}",
        about="partnership-invitation",
    )


def invite_member(session: Session, viewer: Viewer, programme: Programme, organisation_ref: str) -> ProgrammeMember:
    _require(access.can_manage_programme(viewer, programme))
    org = _organisation(session, organisation_ref, ("local-authority",))
    if org is None:
        raise Invalid("Choose a local authority from the list", "member")
    if org.id == programme.lead_id:
        raise Invalid("The lead organisation is already part of the partnership", "member")
    row = session.get(ProgrammeMember, (programme.id, org.id))
    if row is not None and row.status not in ("declined", "removed"):
        raise Invalid(f"{org.name} has already been invited", "member")
    if row is None:
        row = ProgrammeMember(programme_id=programme.id, member_id=org.id)
    row.status, row.invited_at, row.responded_at = "invited", utcnow(), None
    _invite(
        session,
        programme,
        org,
        row,
        "to join",
        "to join the partnership",
        "accept or decline on the partnership's page; once you accept, your organisation sees "
        "the challenges run under it.",
    )
    return row


def who_can_answer(session: Session, organisation_id: int) -> str:
    """The refusal a member of staff who is not an administrator sees: who can answer instead."""
    org = session.get(Organisation, organisation_id)
    admins = session.exec(
        select(User.display_name)
        .where(User.organisation_id == organisation_id, User.status == "approved", User.role == "admin")
        .order_by(User.display_name)
    ).all()
    name = org.name if org else "your organisation"
    if not admins:
        return (
            f"Only an administrator of {name} can answer this invitation, and it has none yet: ask a site administrator"
        )
    return f"Only an administrator of {name} can answer this invitation: ask {', '.join(n for n in admins if n)}"


def _answer(session: Session, viewer: Viewer, row: Any, accept: bool, not_invited: str) -> None:
    """The viewer's organisation answers its invitation (`row`, None when it has none it may
    answer): only an administrator may, and only once."""
    _require(row is not None, not_invited)
    if row.status != "invited":
        raise Invalid("Your organisation has already answered this invitation")
    # The row is keyed by the viewer's organisation, so that is the one answering.
    _require(access.can_answer_invitation(viewer, viewer.member_org_id), who_can_answer(session, viewer.member_org_id))
    row.status = "accepted" if accept else "declined"
    row.responded_at = utcnow()
    session.add(row)


def respond_to_invitation(session: Session, viewer: Viewer, programme: Programme, accept: bool) -> None:
    """An administrator of the invited authority accepts or declines for it."""
    row = session.get(ProgrammeMember, (programme.id, viewer.member_org_id)) if viewer.member_org_id else None
    _answer(
        session,
        viewer,
        row if viewer.is_authority_staff else None,
        accept,
        "Your organisation has not been invited to this partnership",
    )


def add_cohort_supplier(session: Session, viewer: Viewer, programme: Programme, supplier_ref: str) -> None:
    """The lead invites a supplier to the cohort: it joins when an administrator of the supplier
    accepts (`respond_to_cohort_invitation`), never silently."""
    _require(access.can_manage_programme(viewer, programme))
    org = _organisation(session, supplier_ref, ("supplier",))
    if org is None:
        raise Invalid("Choose a supplier from the list", "supplier")
    row = session.get(ProgrammeSupplier, (programme.id, org.id))
    if row is not None and row.status == "accepted":
        raise Invalid(f"{org.name} is already in the cohort", "supplier")
    if row is not None and row.status == "invited":
        raise Invalid(f"{org.name} has already been invited to the cohort", "supplier")
    row = row or ProgrammeSupplier(programme_id=programme.id, supplier_id=org.id)
    row.status, row.added_at, row.responded_at = "invited", utcnow(), None
    _invite(
        session,
        programme,
        org,
        row,
        "to its supplier cohort",
        "to join the partnership's supplier cohort",
        "an administrator of your organisation accepts or declines on the partnership's page; you are "
        "in the cohort only once you accept.",
    )


def respond_to_cohort_invitation(session: Session, viewer: Viewer, programme: Programme, accept: bool) -> None:
    """An administrator of the invited supplier accepts (it joins the cohort) or declines."""
    org_id = viewer.member_org_id
    row = session.get(ProgrammeSupplier, (programme.id, org_id)) if org_id else None
    _answer(
        session,
        viewer,
        row if viewer.is_supplier else None,
        accept,
        "Your organisation has not been invited to this partnership's cohort",
    )


def attach_challenge(
    session: Session, viewer: Viewer, programme: Programme, challenge_ref: str
) -> Challenge | ProgrammeChallengeRequest:
    """The lead runs a published challenge under the programme: its own joins at once; a
    member's needs that member's consent, so the lead asks and the owner's organisation is told
    (the challenge joins when it accepts: `decide_programme_request`). A draft never joins: every
    member would read what its owner has not published."""
    _require(access.can_manage_programme(viewer, programme))
    members = programme_member_ids(session, programme.id)
    challenge = get_challenge(session, viewer, challenge_ref)
    if challenge is None or challenge.owner_id not in members:
        raise Invalid("Choose a challenge posted by the lead or a member of the partnership", "challenge")
    if not access.challenge_is_public(challenge):
        raise Invalid("Only a published challenge can join a partnership", "challenge")
    if challenge.programme_id == programme.id:
        raise Invalid("That challenge is already part of the partnership", "challenge")
    if challenge.owner_id == programme.lead_id:
        challenge.programme_id = programme.id
        session.add(challenge)
        return challenge
    if _open_request(session, programme.id, challenge.id) is not None:
        raise Invalid("The challenge's owner has already been asked", "challenge")
    row = ProgrammeChallengeRequest(
        programme_id=programme.id,
        challenge_id=challenge.id,
        requested_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(row)
    session.flush()
    lead = session.get(Organisation, programme.lead_id)
    notify(
        session,
        _approved_members(session, challenge.owner_id),
        f"{lead.name} asks to run {challenge.title} in {programme.name}",
        f"{lead.name} asks to run your challenge {challenge.title} as part of the partnership "
        f"{programme.name}. If you accept, every member of the partnership sees it and its results. "
        "Accept or decline on the challenge's page.",
        f"/challenges/{challenge.ref}",
        record=challenge,
        kind="challenge",
        topic="programme-request",
    )
    return row


def _open_request(session: Session, programme_id: int, challenge_id: int) -> ProgrammeChallengeRequest | None:
    return session.exec(
        select(ProgrammeChallengeRequest).where(
            ProgrammeChallengeRequest.programme_id == programme_id,
            ProgrammeChallengeRequest.challenge_id == challenge_id,
            ProgrammeChallengeRequest.status == "requested",
        )
    ).first()


def _approved_members(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.exec(select(User).where(User.organisation_id == organisation_id, User.status == "approved")).all()
    )


def programme_requests(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ProgrammeChallengeRequest, Programme]]:
    """Partnerships waiting for the owner's answer: shown to the owner's members only."""
    if not access.can_manage_challenge(viewer, challenge):
        return []
    return [
        (r, p)
        for r, p in session.exec(
            select(ProgrammeChallengeRequest, Programme)
            .join(Programme, Programme.id == ProgrammeChallengeRequest.programme_id)
            .where(
                ProgrammeChallengeRequest.challenge_id == challenge.id, ProgrammeChallengeRequest.status == "requested"
            )
            .order_by(ProgrammeChallengeRequest.requested_at)
        ).all()
    ]


def decide_programme_request(
    session: Session, viewer: Viewer, challenge: Challenge, request_id: int, accept: bool
) -> None:
    """The owner's members accept (the challenge joins the programme) or decline; the lead is told."""
    _require(access.can_manage_challenge(viewer, challenge))
    row = session.get(ProgrammeChallengeRequest, request_id)
    if row is None or row.challenge_id != challenge.id or row.status != "requested":
        raise Invalid("That request is not waiting for an answer")
    programme = session.get(Programme, row.programme_id)
    if accept and challenge.owner_id not in programme_member_ids(session, programme.id):
        raise Invalid("Your organisation is no longer a member of that partnership")
    row.status = "accepted" if accept else "declined"
    row.decided_at = utcnow()
    row.decided_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    session.add(row)
    if accept:
        challenge.programme_id = programme.id
        session.add(challenge)
    owner = session.get(Organisation, challenge.owner_id)
    answer = "accepted" if accept else "declined"
    notify(
        session,
        _approved_members(session, programme.lead_id),
        f"{owner.name} {answer} running {challenge.title} in {programme.name}",
        f"{owner.name} {answer} your request to run {challenge.title} as part of {programme.name}.",
        f"/partnerships/{programme.ref}",
        record=challenge,
        kind="challenge",
        topic="programme-request-answered",
    )


def attachable_challenges(session: Session, viewer: Viewer, programme: Programme) -> list[Challenge]:
    """The pick list: published challenges of the lead and accepted members that the lead may
    see, not yet in the programme and not already asked for."""
    if not access.can_manage_programme(viewer, programme):
        return []
    members = programme_member_ids(session, programme.id)
    asked = select(ProgrammeChallengeRequest.challenge_id).where(
        ProgrammeChallengeRequest.programme_id == programme.id, ProgrammeChallengeRequest.status == "requested"
    )
    return list(
        session.exec(
            select(Challenge)
            .where(Challenge.owner_id.in_(sorted(members)))
            .where(access.challenge_public_clause(Challenge), access.challenge_visible_clause(viewer, Challenge))
            .where(sa.or_(Challenge.programme_id.is_(None), Challenge.programme_id != programme.id))
            .where(Challenge.id.not_in(asked))
            .order_by(Challenge.title)
        ).all()
    )


def programme_view(session: Session, viewer: Viewer, programme: Programme) -> dict[str, Any]:
    """Everything the partnership page shows this viewer."""
    member_rows = session.exec(
        select(ProgrammeMember, Organisation)
        .join(Organisation, Organisation.id == ProgrammeMember.member_id)
        .where(ProgrammeMember.programme_id == programme.id)
        .order_by(Organisation.name)
    ).all()
    manager = access.can_manage_programme(viewer, programme)
    members = [
        (row, org)
        for row, org in member_rows
        if row.status == "accepted"
        or (manager and row.status != "removed")
        or (viewer.member_org_id == org.id and row.status != "removed")
    ]
    challenges = [
        c
        for c in session.exec(
            select(Challenge).where(Challenge.programme_id == programme.id).order_by(Challenge.title)
        ).all()
        if can_view(session, viewer, c)
    ]
    cohort_rows = session.exec(
        select(ProgrammeSupplier, Organisation)
        .join(Organisation, Organisation.id == ProgrammeSupplier.supplier_id)
        .where(ProgrammeSupplier.programme_id == programme.id, ProgrammeSupplier.status.in_(("invited", "accepted")))
        .order_by(Organisation.name)
    ).all()
    # Everyone sees the cohort; invitations only the lead (and each invited supplier, its own).
    cohort = [(row, org) for row, org in cohort_rows if row.status == "accepted" or manager]
    invitation = cohort_invitation = None
    if viewer.member_org_id is not None:
        invitation = session.get(ProgrammeMember, (programme.id, viewer.member_org_id))
        cohort_invitation = session.get(ProgrammeSupplier, (programme.id, viewer.member_org_id))
    return {
        "lead": session.get(Organisation, programme.lead_id),
        "members": members,
        "challenges": challenges,
        "results": {c.id: results_view(session, viewer, c) for c in challenges if c.results},
        "cohort": cohort,
        "manager": manager,
        "invitation": invitation if invitation is not None and invitation.status == "invited" else None,
        "cohort_invitation": (
            cohort_invitation if cohort_invitation is not None and cohort_invitation.status == "invited" else None
        ),
        # Only an administrator answers for the organisation; everyone else is told who can.
        "can_answer": access.can_answer_invitation(viewer, viewer.member_org_id),
        "who_can_answer": who_can_answer(session, viewer.member_org_id) if viewer.member_org_id else None,
    }
