"""Organisations: unverified ones seen by their own members and site admins only; contacts,
kept answers, administration and the audit trail."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from catalogue.access.viewer import Viewer

# --- unverified organisations: seen by their own members and site admins only -----------------

VERIFIED = "verified"

_ORG = sa.table("organisation", sa.column("id"), sa.column("verification"))


def organisation_is_verified(organisation: Any) -> bool:
    return getattr(organisation, "verification", VERIFIED) == VERIFIED


# The ids of unverified organisations, read once per database session: the policy asks about a
# record's owner for every record it checks (matching asks for thousands), and there are few.
_UNVERIFIED = "access.unverified_organisations"


def unverified_organisations() -> frozenset[int]:
    from catalogue.db import get_session

    session = get_session()
    found = session.info.get(_UNVERIFIED)
    if found is None:
        rows = session.execute(sa.select(_ORG.c.id).where(_ORG.c.verification != VERIFIED))
        found = session.info[_UNVERIFIED] = frozenset(rows.scalars())
    return found


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _organisations_flushed(session: sa.orm.Session, _context: Any) -> None:
    from catalogue.accounts.models import Organisation

    if any(isinstance(o, Organisation) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_UNVERIFIED, None)


@sa.event.listens_for(sa.orm.Session, "after_commit")
@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _transaction_ended(session: sa.orm.Session, *_args: Any) -> None:
    # Another session may have verified an organisation meanwhile; a new transaction reads afresh.
    session.info.pop(_UNVERIFIED, None)


def owner_is_verified(owner_id: int | None) -> bool:
    """No owner, or an owner a site admin verified (operator-made and reference ones are)."""
    return owner_id is None or owner_id not in unverified_organisations()


def _sees_owner(viewer: Viewer, owner_id: int | None) -> bool:
    """May this viewer see records owned by this organisation at all?"""
    if viewer.site_admin or owner_id is None:
        return True
    if viewer.member_org_id is not None and viewer.member_org_id == owner_id:
        return True
    return owner_is_verified(owner_id)


def _owner_clause(viewer: Viewer, *owner_cols: Any) -> sa.ColumnElement[bool]:
    """SQL form of `_sees_owner`, for every owner column given (a tool has two)."""
    if viewer.site_admin:
        return sa.true()
    # An alias, never correlated: the outer query may itself read the organisation table.
    org = _ORG.alias("unverified_org")
    unverified = sa.select(org.c.id).where(org.c.verification != VERIFIED).correlate(None)
    parts = []
    for col in owner_cols:
        ok = sa.or_(col.is_(None), col.not_in(unverified))
        if viewer.member_org_id is not None:
            ok = sa.or_(ok, col == viewer.member_org_id)
        parts.append(ok)
    return sa.and_(*parts)


def can_view_organisation(viewer: Viewer, organisation: Any) -> bool:
    """A verified organisation: anyone. An unverified one: site admins and the people who belong
    to it (its first member, still pending, sees it too: they registered it)."""
    if organisation_is_verified(organisation) or viewer.site_admin:
        return True
    return viewer.organisation_id is not None and viewer.organisation_id == organisation.id


def verified_clause(model: Any) -> sa.ColumnElement[bool]:
    """Organisations anyone may see and name: lists to choose from (sign-up, invitations,
    references, co-sponsors, a tool's supplier) offer only these, and every reference to an
    organisation (a ref typed or crafted into a form, an API body or a bundle record) is resolved
    through this same filter, so nothing can name what the pick list would not offer."""
    return model.verification == VERIFIED


def can_verify_organisations(viewer: Viewer) -> bool:
    """Site admins verify or reject organisations registered at sign-up."""
    return viewer.site_admin


def organisation_visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """`can_view_organisation` as a query filter on the organisation table."""
    if viewer.site_admin:
        return sa.true()
    clause = verified_clause(model)
    if viewer.organisation_id is not None:
        clause = sa.or_(clause, model.id == viewer.organisation_id)
    return clause


# --- organisations and the audit trail ------------------------------------------------------


def can_see_contact(viewer: Viewer, organisation: Any) -> bool:
    """An organisation's contact details (name, role, email): only where it agreed to be contacted.

    - Its own approved members and site admins (who broker introductions) always see them, so the
      organisation can check what it would share.
    - With consent, a supplier's contact is the business contact it publishes: every approved
      signed-in user sees it. An authority's, provider's, partnership's or government body's
      contact agreed to be contacted by peers about its experience: approved staff of those kinds
      of organisation see it (is_authority_staff), never suppliers or anonymous visitors.
    - Without consent, nobody else: no page, search, API or export carries contact details.
    - A contact an import proposed (a call-for-evidence respondent: contact_pending) is nobody's
      contact until one of the organisation's admins confirms it: its admins see it only as a
      proposal to confirm (catalogue.records.services.confirm_imported_contact)."""
    if organisation.contact_pending:
        return False
    if viewer.site_admin:
        return True
    if viewer.member_org_id is not None and viewer.member_org_id == organisation.id:
        return True
    if not organisation.contact_consent or viewer.is_anonymous:
        return False
    if organisation.kind == "supplier":
        return viewer.approved
    return viewer.is_authority_staff


def can_see_cfe_answers(viewer: Viewer, organisation_id: int | None) -> bool:
    """What an organisation told the call for evidence beyond its records (Q11a–c, Q16–18: help it
    needs, what helped, asks of government): told to government, not to the sector, so only its
    approved members and site admins. No other role, and no search, export or API, ever has them."""
    if viewer.site_admin:
        return True
    return viewer.member_org_id is not None and organisation_id is not None and viewer.member_org_id == organisation_id


def can_administer_org(viewer: Viewer, organisation_id: int | None) -> bool:
    return viewer.site_admin or (
        viewer.org_admin and organisation_id is not None and viewer.member_org_id == organisation_id
    )


def audit_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """Organisation admins see their organisation's trail; site admins see all."""
    if viewer.site_admin:
        return sa.true()
    if viewer.org_admin and viewer.member_org_id is not None:
        return model.organisation_id == viewer.member_org_id
    return sa.false()
