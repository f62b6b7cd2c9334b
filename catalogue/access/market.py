"""The market: offerings, challenges, their responses, authoring and co-sponsoring."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from catalogue import calendar
from catalogue.access.organisations import _owner_clause, _sees_owner, owner_is_verified
from catalogue.access.records import is_withdrawn, not_withdrawn_clause
from catalogue.access.viewer import Viewer

# --- offerings: drafts belong to the supplier; published ones are public ------------------------


def can_view_offering(viewer: Viewer, offering: Any) -> bool:
    if is_withdrawn(offering):
        return False  # its supplier's members and site admins get a notice (can_see_withdrawn)
    if offering.status == "published":
        return _sees_owner(viewer, offering.supplier_id)
    return viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == offering.supplier_id)


def offering_visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    if viewer.site_admin:
        return not_withdrawn_clause(model)
    clause = sa.and_(model.status == "published", _owner_clause(viewer, model.supplier_id))
    if viewer.member_org_id is not None:
        clause = sa.or_(clause, model.supplier_id == viewer.member_org_id)
    return sa.and_(clause, not_withdrawn_clause(model))


def can_change_offering(viewer: Viewer, offering: Any) -> bool:
    return viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == offering.supplier_id)


# --- challenges: drafts belong to the owner (and co-sponsors); published ones are public -------

PUBLISHED_CHALLENGE_STATUSES = ("market-engagement", "open", "evaluating", "awarded", "closed", "withdrawn")


def challenge_is_public(challenge: Any) -> bool:
    """Published, and never a draft withdrawn before anyone saw it (that stays private: it was
    never checked for personal data, and withdrawing must not publish it)."""
    if challenge.status == "withdrawn":
        return challenge.published_at is not None
    return challenge.status in PUBLISHED_CHALLENGE_STATUSES


def challenge_public_clause(model: Any) -> sa.ColumnElement[bool]:
    """`challenge_is_public` as a query filter."""
    return sa.and_(
        model.status.in_(PUBLISHED_CHALLENGE_STATUSES),
        sa.or_(model.status != "withdrawn", model.published_at.is_not(None)),
    )


def can_view_challenge(viewer: Viewer, challenge: Any, co_sponsor_ids: frozenset[int] = frozenset()) -> bool:
    if viewer.site_admin:
        return True
    if challenge_is_public(challenge) and _sees_owner(viewer, challenge.owner_id):
        return True
    org = viewer.member_org_id
    return org is not None and (org == challenge.owner_id or org in co_sponsor_ids)


def challenge_visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    if viewer.site_admin:
        return sa.true()
    clause = sa.and_(challenge_public_clause(model), _owner_clause(viewer, model.owner_id))
    if viewer.member_org_id is not None:
        clause = sa.or_(clause, model.owner_id == viewer.member_org_id)
    return clause


def can_manage_challenge(viewer: Viewer, challenge: Any) -> bool:
    """Change the statement, move it through its lifecycle, score and award: the owner's members."""
    return viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == challenge.owner_id)


def can_see_responses(viewer: Viewer, challenge: Any, co_sponsor_ids: frozenset[int] = frozenset()) -> bool:
    """See every proposal and expression of interest: owner and approved co-sponsors."""
    org = viewer.member_org_id
    return can_manage_challenge(viewer, challenge) or (org is not None and org in co_sponsor_ids)


def proposals_sealed(challenge: Any, on: Any = None) -> bool:
    """Proposals stay sealed until the closing date has passed: while the challenge is (shown as)
    open nobody but each proposal's own supplier reads one, not even the owner or a site admin."""
    return challenge.status == "open" and not calendar.closing_passed(challenge.closes, on)


def can_view_response(
    viewer: Viewer, response: Any, challenge: Any, co_sponsor_ids: frozenset[int] = frozenset()
) -> bool:
    """A proposal or expression of interest: its supplier, the owner and co-sponsors only, and
    a proposal not even they until the closing date (they see only how many arrived)."""
    if viewer.member_org_id is not None and viewer.member_org_id == response.supplier_id:
        return True
    if response.status == "withdrawn":
        return False
    if response.kind == "proposal" and proposals_sealed(challenge):
        return False
    return can_see_responses(viewer, challenge, co_sponsor_ids)


def can_score_response(
    viewer: Viewer, response: Any, challenge: Any, co_sponsor_ids: frozenset[int] = frozenset()
) -> bool:
    """Evaluate (give one's own scores): the owner's and approved co-sponsors' staff, once they
    may read the response. Moderating, shortlisting and awarding stay with the owner."""
    if viewer.user_id is None or viewer.user_id <= 0:
        return False
    return can_see_responses(viewer, challenge, co_sponsor_ids) and can_view_response(
        viewer, response, challenge, co_sponsor_ids
    )


def can_see_assessment(viewer: Viewer, response: Any, challenge: Any) -> bool:
    """The assessment summary of a proposal: its supplier and the owner, once awarded."""
    if challenge.status != "awarded" or response.kind != "proposal" or response.status == "withdrawn":
        return False
    return can_manage_challenge(viewer, challenge) or (
        viewer.member_org_id is not None and viewer.member_org_id == response.supplier_id
    )


# --- challenge authoring, clarification questions and partnerships (programmes) ----------------

CHALLENGE_AUTHOR_KINDS = ("local-authority", "provider", "partnership")


def can_author_challenge(viewer: Viewer) -> bool:
    """Post a challenge: approved members of authorities, providers and partnerships."""
    return viewer.approved and viewer.organisation_kind in CHALLENGE_AUTHOR_KINDS


def can_co_sponsor(viewer: Viewer, challenge: Any) -> bool:
    """Ask to join a published challenge as co-sponsor: approved members of another authority."""
    return (
        viewer.approved
        and viewer.organisation_kind in CHALLENGE_AUTHOR_KINDS
        and viewer.member_org_id != challenge.owner_id
        and challenge_is_public(challenge)
    )


def can_respond_to_challenges(viewer: Viewer) -> bool:
    """Ask clarification questions, express interest, propose: approved suppliers."""
    return viewer.is_supplier


def challenge_shared_clause(viewer: Viewer, model: Any, shared_ids: frozenset[int]) -> sa.ColumnElement[bool]:
    """`challenge_visible_clause`, widened to the challenges shared with the viewer's organisation
    (as an approved co-sponsor, or a member of the programme that runs them): `shared_ids` are
    the ids the caller found for `viewer.member_org_id`."""
    clause = challenge_visible_clause(viewer, model)
    if viewer.member_org_id is not None and shared_ids:
        clause = sa.or_(clause, model.id.in_(sorted(shared_ids)))
    return clause


def can_view_question(
    viewer: Viewer, question: Any, challenge: Any, co_sponsor_ids: frozenset[int] = frozenset()
) -> bool:
    """A published question and answer: whoever sees the challenge. Before that: the supplier who
    asked, the owner and co-sponsors."""
    if not can_view_challenge(viewer, challenge, co_sponsor_ids):
        return False
    if question.status == "published":
        return True
    return can_see_responses(viewer, challenge, co_sponsor_ids) or (
        viewer.member_org_id is not None and viewer.member_org_id == question.supplier_id
    )


def can_see_asker(viewer: Viewer, challenge: Any, co_sponsor_ids: frozenset[int] = frozenset()) -> bool:
    """Who asked a clarification question: the owner and co-sponsors only; other suppliers never."""
    return can_see_responses(viewer, challenge, co_sponsor_ids)


def can_create_programme(viewer: Viewer) -> bool:
    """Lead a partnership or programme: approved members of a partnership or a local authority."""
    return viewer.approved and viewer.organisation_kind in ("partnership", "local-authority")


def can_manage_programme(viewer: Viewer, programme: Any) -> bool:
    return viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == programme.lead_id)


def programme_member_sees(viewer: Viewer, member_ids: frozenset[int]) -> bool:
    """Members (accepted) of a programme see all its challenges, drafts included, and results."""
    return viewer.member_org_id is not None and viewer.is_authority_staff and viewer.member_org_id in member_ids


def can_add_offering(viewer: Viewer, supplier: Any) -> bool:
    """List a new offering for a supplier organisation: its approved members, or a site admin."""
    if getattr(supplier, "kind", None) != "supplier":
        return False
    return viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == supplier.id)


# --- market-engagement events and partnership invitations ----------------------------------------


def can_run_events(viewer: Viewer, challenge: Any, co_sponsor_ids: frozenset[int] = frozenset()) -> bool:
    """Create, change and cancel a challenge's events, see who signed up, publish the notes and
    add questions raised there: the owner's and approved co-sponsors' staff."""
    return can_see_responses(viewer, challenge, co_sponsor_ids)


def can_sign_up_to_events(viewer: Viewer) -> bool:
    """Take a place at an event: approved members of a verified supplier."""
    return viewer.is_supplier and owner_is_verified(viewer.member_org_id)


def can_answer_invitation(viewer: Viewer, organisation_id: int | None) -> bool:
    """Accept or decline, for an organisation, an invitation to join a partnership (as a member or
    in its supplier cohort): that organisation's administrators only."""
    return viewer.org_admin and organisation_id is not None and viewer.member_org_id == organisation_id
