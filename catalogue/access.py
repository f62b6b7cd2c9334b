"""Who may see and change what: the one policy that pages, search, API, exports, matching and
notifications all ask. Nothing else in the code base decides visibility on its own.

Records authored by an authority or provider carry a visibility:
- public: everyone, suppliers and anonymous visitors included;
- authorities: approved members of local authorities, providers, partnerships and government;
- private: approved members of the owning organisation only.
Only approved members of the owning organisation change its records; site admins moderate.

An organisation registered at sign-up starts unverified (`verification` 'pending', or 'rejected'
once a site admin turns it down) and stays out of sight until a site admin verifies it: the
organisation itself and every record it owns (offerings, deployments, single views, challenges,
tools it sells or built) are seen only by its own members and site admins, in every list, page,
search hit, facet count, API answer, export, match and email. Each check below folds that in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from catalogue.vocabulary import AUTHORITY_KINDS


@dataclass(frozen=True)
class Viewer:
    """What the policy needs to know about whoever is asking."""

    user_id: int | None = None
    organisation_id: int | None = None
    organisation_kind: str | None = None
    approved: bool = False
    org_admin: bool = False
    site_admin: bool = False
    # The admin who registered a supplier still waiting for verification: may prepare its profile
    # and offerings (which `_sees_owner` keeps from everyone else until a site admin verifies it).
    preparing: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def member_org_id(self) -> int | None:
        """The organisation whose private records this viewer may see and change: once approved,
        or, for a supplier's founding admin, while the organisation waits for verification."""
        return self.organisation_id if self.approved or self.preparing else None

    @property
    def is_authority_staff(self) -> bool:
        return self.site_admin or (self.approved and self.organisation_kind in AUTHORITY_KINDS)

    @property
    def is_supplier(self) -> bool:
        return self.approved and self.organisation_kind == "supplier"

    @property
    def keeps_supplier(self) -> bool:
        """May prepare a supplier's profile and offerings: an approved member, or the founding
        admin while the organisation waits for verification (`preparing`)."""
        return self.member_org_id is not None and self.organisation_kind == "supplier"


ANONYMOUS = Viewer()


def viewer_for(user: Any, organisation_kind: str | None = None) -> Viewer:
    """Build a Viewer from a signed-in user (or Flask-Login's anonymous user, or None)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    kind = organisation_kind
    if kind is None and user.organisation_id is not None:
        kind = _organisation_kind(user.organisation_id)
    preparing = (
        user.status == "pending"
        and user.role == "admin"
        and kind == "supplier"
        and user.organisation_id is not None
        and _organisation_awaits_verification(user.organisation_id)
    )
    return Viewer(
        user_id=user.id,
        organisation_id=user.organisation_id,
        organisation_kind=kind,
        approved=user.status == "approved",
        org_admin=user.status == "approved" and user.role == "admin",
        site_admin=bool(user.is_site_admin),
        preparing=preparing,
    )


def viewer_as_member_of(organisation_id: int, organisation_kind: str) -> Viewer:
    """An approved member of an organisation: how matching and notifications see on its behalf."""
    return Viewer(user_id=-1, organisation_id=organisation_id, organisation_kind=organisation_kind, approved=True)


def _organisation_awaits_verification(organisation_id: int) -> bool:
    from catalogue.accounts.models import Organisation
    from catalogue.db import get_session

    org = get_session().get(Organisation, organisation_id)
    return org is not None and org.verification == "pending"


def _organisation_kind(organisation_id: int) -> str | None:
    from catalogue.accounts.models import Organisation
    from catalogue.db import get_session

    org = get_session().get(Organisation, organisation_id)
    return org.kind if org else None


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


def can_view_tool(viewer: Viewer, tool: Any) -> bool:
    """Tools are public catalogue entries, unless sold or built by an unverified organisation, or
    first known through a private or authorities-only record (`tool.restricted`): such a tool is
    seen only by those who may see one of its deployments or single views, and by the members of
    the organisations named as its supplier or builder, until a public record (a public
    deployment or single view, a verified supplier's published offering) makes it public."""
    if not (
        _sees_owner(viewer, getattr(tool, "supplier_id", None))
        and _sees_owner(viewer, getattr(tool, "developed_by_id", None))
    ):
        return False
    if viewer.site_admin or not getattr(tool, "restricted", False):
        return True
    org = viewer.member_org_id
    if org is not None and org in (getattr(tool, "supplier_id", None), getattr(tool, "developed_by_id", None)):
        return True
    if getattr(tool, "id", None) is None:
        return False
    from catalogue.db import get_session

    # The same clause the lists use, so a page and a list never disagree.
    query = sa.select(_TOOL.c.id).where(_TOOL.c.id == tool.id, _tool_records_clause(viewer, _TOOL.c))
    return get_session().execute(query).first() is not None


# Alias: the name the tool-visibility rule goes by in the issue and its tests.
can_see_tool = can_view_tool

_TOOL = sa.table("tool", sa.column("id"), sa.column("supplier_id"), sa.column("developed_by_id"))
_DEPLOYMENT = sa.table("deployment", sa.column("tool_id"), sa.column("visibility"), sa.column("organisation_id"))
_SINGLE_VIEW = sa.table("single_view", sa.column("tool_id"), sa.column("visibility"), sa.column("organisation_id"))
_OFFERING = sa.table("offering", sa.column("tool_id"), sa.column("status"), sa.column("supplier_id"))


def _tool_records_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """A restricted tool this viewer may see: one of its records is visible to the viewer (a
    public one is visible to all), a verified supplier offers it, or the viewer's organisation is
    named as its supplier or builder."""
    parts: list[sa.ColumnElement[bool]] = []
    for table in (_DEPLOYMENT, _SINGLE_VIEW):
        record = table.alias()
        parts.append(sa.exists().where(record.c.tool_id == model.id, visible_clause(viewer, record.c)))
    offering = _OFFERING.alias()
    parts.append(
        sa.exists().where(
            offering.c.tool_id == model.id,
            offering.c.status == "published",
            _owner_clause(ANONYMOUS, offering.c.supplier_id),
        )
    )
    if viewer.member_org_id is not None:
        parts += [model.supplier_id == viewer.member_org_id, model.developed_by_id == viewer.member_org_id]
    return sa.or_(*parts)


def tool_visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """`can_view_tool` as a query filter: lists, counts, exports, the API and pickers."""
    clause = _owner_clause(viewer, model.supplier_id, model.developed_by_id)
    if viewer.site_admin:
        return clause
    return sa.and_(clause, sa.or_(sa.not_(model.restricted), _tool_records_clause(viewer, model)))


def tool_index_visibility(
    tool: Any, records: list[tuple[str, int]], offered: bool, unverified: frozenset[int] | set[int]
) -> tuple[str, tuple[int, ...]]:
    """Where a restricted tool stands in the search index: (visibility, owner ids), a document
    being visible to grant (level, org) when level matches and org is None or among the owners.
    `records` are (visibility, owner) of its deployments and single views; `offered` says a
    verified supplier publishes an offering of it."""
    named = {o for o in (tool.supplier_id, tool.developed_by_id) if o is not None}
    # A record of an unverified organisation is seen by its own members only.
    records = [("private", org) if org in unverified else (vis, org) for vis, org in records]
    if offered or any(vis == "public" for vis, _ in records):
        return "public", ()
    owners = tuple(sorted(named | {org for _, org in records}))
    return ("authorities" if any(vis == "authorities" for vis, _ in records) else "private"), owners


# --- records with a visibility (deployments, single views) ------------------------------------


def visible_levels(viewer: Viewer) -> tuple[str, ...]:
    """Visibility levels this viewer sees for every organisation's records."""
    if viewer.site_admin:
        return ("public", "authorities", "private")
    if viewer.is_authority_staff:
        return ("public", "authorities")
    return ("public",)


def visibility_grants(viewer: Viewer) -> list[tuple[str, int | None]]:
    """The policy as data, for engines that cannot take a SQL clause (the search index):
    a record is visible when (visibility, None) or (visibility, its owner id) is in the list."""
    grants: list[tuple[str, int | None]] = [(level, None) for level in visible_levels(viewer)]
    if viewer.member_org_id is not None and not viewer.site_admin:
        grants.append(("private", viewer.member_org_id))
        if not viewer.is_authority_staff:
            # A supplier's own records marked 'authorities' are still its own.
            grants.append(("authorities", viewer.member_org_id))
    return grants


def can_view(viewer: Viewer, record: Any) -> bool:
    visibility = getattr(record, "visibility", "public")
    owner = getattr(record, "organisation_id", None)
    if not any(level == visibility and (org is None or org == owner) for level, org in visibility_grants(viewer)):
        return False
    return _sees_owner(viewer, owner)


def visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    """SQL filter for a model with `visibility` and `organisation_id` columns."""
    parts = []
    for level, org in visibility_grants(viewer):
        if org is None:
            parts.append(model.visibility == level)
        else:
            parts.append(sa.and_(model.visibility == level, model.organisation_id == org))
    return sa.and_(sa.or_(*parts), _owner_clause(viewer, model.organisation_id))


def can_change(viewer: Viewer, record: Any) -> bool:
    """Approved members of the owning organisation, or a site admin moderating."""
    if viewer.site_admin:
        return True
    owner = getattr(record, "organisation_id", None)
    return viewer.member_org_id is not None and owner is not None and owner == viewer.member_org_id


# Partnerships (regional alliances, adoption agencies, care cooperatives) pilot tools for their
# members and record them like authorities do, under the same visibility rules.
EVIDENCE_AUTHOR_KINDS = ("local-authority", "provider", "partnership")


def can_author_evidence(viewer: Viewer) -> bool:
    """May record deployments and single views: approved staff of an authority, provider or partnership."""
    return viewer.approved and viewer.organisation_kind in EVIDENCE_AUTHOR_KINDS


# --- tools: public catalogue entries ----------------------------------------------------------


def can_change_tool(viewer: Viewer, tool: Any) -> bool:
    """The supplier that sells it, the organisation that built it, the organisation that added it
    to the catalogue (`added_by_id`: an authority recording a deployment), or a site admin. Other
    authorities do not: a supplier claims a tool through `can_claim_tool`, never by being handed
    it; the audit trail keeps every change."""
    if viewer.site_admin:
        return True
    org = viewer.member_org_id
    if org is None:
        return False
    return org in {o for o in (tool.supplier_id, tool.developed_by_id, getattr(tool, "added_by_id", None)) if o}


def can_change_tool_supplier(viewer: Viewer) -> bool:
    """Who sells a tool is set when it is added, or by a site admin (approving a claim)."""
    return viewer.site_admin


def can_claim_tool(viewer: Viewer, tool: Any) -> bool:
    """Ask a site admin to record that this supplier sells a tool: approved suppliers, for a
    tool nobody sells and no organisation built itself."""
    return viewer.is_supplier and tool.supplier_id is None and tool.developed_by_id is None


def can_decide_tool_claims(viewer: Viewer) -> bool:
    return viewer.site_admin


def can_sell_tool(supplier_id: int | None, tool: Any) -> bool:
    """May an offering of this supplier name the tool it sells? Only a tool nobody has claimed
    (no supplier, and not built by an organisation itself), or one this supplier sells: linking
    a competitor's tool, or a tool an authority built, would borrow its deployments and let the
    supplier ask for references on them."""
    if supplier_id is not None and tool.supplier_id == supplier_id:
        return True
    return tool.supplier_id is None and tool.developed_by_id is None


# --- offerings: drafts belong to the supplier; published ones are public ------------------------


def can_view_offering(viewer: Viewer, offering: Any) -> bool:
    if offering.status == "published":
        return _sees_owner(viewer, offering.supplier_id)
    return viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == offering.supplier_id)


def offering_visible_clause(viewer: Viewer, model: Any) -> sa.ColumnElement[bool]:
    if viewer.site_admin:
        return sa.true()
    clause = sa.and_(model.status == "published", _owner_clause(viewer, model.supplier_id))
    if viewer.member_org_id is not None:
        clause = sa.or_(clause, model.supplier_id == viewer.member_org_id)
    return clause


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
    from outcomes.clock import effective_status

    return effective_status(challenge, on) == "open"


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


# --- organisations and the audit trail ------------------------------------------------------


def can_see_contact(viewer: Viewer, organisation: Any) -> bool:
    """An organisation's contact details (name, role, email): only where it agreed to be contacted.

    - Its own approved members and site admins (who broker introductions) always see them, so the
      organisation can check what it would share.
    - With consent, a supplier's contact is the business contact it publishes: every approved
      signed-in user sees it. An authority's, provider's, partnership's or government body's
      contact agreed to be contacted by peers about its experience: approved staff of those kinds
      of organisation see it (is_authority_staff), never suppliers or anonymous visitors.
    - Without consent, nobody else: no page, search, API or export carries contact details."""
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


# --- the policy as stored beside each search document ------------------------------------------


def index_visibility(
    kind: str,
    record: Any,
    unverified: frozenset[int] | set[int] = frozenset(),
    tool_records: list[tuple[str, int]] | None = None,
    offered: bool = False,
) -> tuple[str, int | None | tuple[int, ...]]:
    """(visibility, owner organisation id) to store with a record in the search index, so that
    `visibility_grants(viewer)` filters hits and facet counts exactly as `can_view*` does.
    Drafts (offerings, challenges) are stored as private to their owner, and so is every record
    of an organisation in `unverified` (the ids of unverified organisations among its owners):
    verifying the organisation re-indexes them (search.documents.dependents). A restricted tool
    stands with its records (`tool_records`, `offered`: see `tool_index_visibility`)."""
    if kind == "tool":
        owners = [o for o in (record.supplier_id, record.developed_by_id) if o is not None and o in unverified]
        if owners:
            return "private", owners[0]
        if getattr(record, "restricted", False):
            return tool_index_visibility(record, tool_records or [], offered, unverified)
        return "public", None
    owner = {"offering": "supplier_id", "challenge": "owner_id"}.get(kind, "organisation_id")
    if getattr(record, owner, None) in unverified:
        return "private", getattr(record, owner)
    if kind in ("deployment", "single_view"):
        return record.visibility, record.organisation_id
    if kind == "offering":
        return ("public", record.supplier_id) if record.status == "published" else ("private", record.supplier_id)
    if kind == "challenge":
        published = challenge_is_public(record)
        return ("public", record.owner_id) if published else ("private", record.owner_id)
    return "public", None


# --- notifications and supplier references ------------------------------------------------------


def can_view_kind(viewer: Viewer, kind: str | None, record: Any, co_sponsor_ids: frozenset[int] = frozenset()) -> bool:
    """May this viewer see `record` of this kind (the search kinds: tool, deployment, single_view,
    offering, challenge)? Notifications ask this for every recipient; no record means nothing to hide."""
    if record is None:
        return True
    if kind in ("deployment", "single_view"):
        return can_view(viewer, record)
    if kind == "offering":
        return can_view_offering(viewer, record)
    if kind == "challenge":
        return can_view_challenge(viewer, record, co_sponsor_ids)
    if kind == "tool":
        return can_view_tool(viewer, record)
    if kind == "organisation":
        return can_view_organisation(viewer, record)
    raise ValueError(f"no visibility rule for records of kind {kind!r}")


def can_answer_reference(viewer: Viewer, reference: Any) -> bool:
    """Confirm or decline a supplier's reference: approved members of the cited organisation only
    (not site admins: a reference is that organisation's own word)."""
    return viewer.member_org_id is not None and viewer.member_org_id == reference.organisation_id


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
