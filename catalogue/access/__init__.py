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

The package: `viewer` (who asks), `organisations`, `records` (tools, deployments, single views),
`market` (offerings, challenges, responses) and `kinds` (the policy by kind of record, for the
search index and notifications). Everyone asks it as `from catalogue import access`.
"""

from __future__ import annotations

from catalogue.access.kinds import can_answer_reference, can_view_kind, index_visibility
from catalogue.access.market import (
    CHALLENGE_AUTHOR_KINDS,
    PUBLISHED_CHALLENGE_STATUSES,
    can_add_offering,
    can_author_challenge,
    can_change_offering,
    can_co_sponsor,
    can_create_programme,
    can_manage_challenge,
    can_manage_programme,
    can_respond_to_challenges,
    can_score_response,
    can_see_asker,
    can_see_assessment,
    can_see_responses,
    can_view_challenge,
    can_view_offering,
    can_view_question,
    can_view_response,
    challenge_is_public,
    challenge_public_clause,
    challenge_shared_clause,
    challenge_visible_clause,
    offering_visible_clause,
    programme_member_sees,
    proposals_sealed,
)
from catalogue.access.organisations import (
    VERIFIED,
    audit_clause,
    can_administer_org,
    can_see_cfe_answers,
    can_see_contact,
    can_verify_organisations,
    can_view_organisation,
    organisation_is_verified,
    organisation_visible_clause,
    owner_is_verified,
    unverified_organisations,
    verified_clause,
)
from catalogue.access.records import (
    EVIDENCE_AUTHOR_KINDS,
    can_ask_peer,
    can_author_evidence,
    can_change,
    can_change_tool,
    can_change_tool_supplier,
    can_claim_tool,
    can_decide_tool_claims,
    can_see_tool,
    can_sell_tool,
    can_view,
    can_view_tool,
    grants_allow,
    tool_index_visibility,
    tool_visible_clause,
    visibility_grants,
    visible_clause,
    visible_levels,
)
from catalogue.access.viewer import ANONYMOUS, Viewer, viewer_as_member_of, viewer_for

__all__ = [
    "ANONYMOUS",
    "CHALLENGE_AUTHOR_KINDS",
    "EVIDENCE_AUTHOR_KINDS",
    "PUBLISHED_CHALLENGE_STATUSES",
    "VERIFIED",
    "Viewer",
    "audit_clause",
    "can_add_offering",
    "can_administer_org",
    "can_answer_reference",
    "can_author_challenge",
    "can_author_evidence",
    "can_ask_peer",
    "can_change",
    "can_change_offering",
    "can_change_tool",
    "can_change_tool_supplier",
    "can_claim_tool",
    "can_co_sponsor",
    "can_create_programme",
    "can_decide_tool_claims",
    "can_manage_challenge",
    "can_manage_programme",
    "can_respond_to_challenges",
    "can_see_asker",
    "can_see_cfe_answers",
    "can_see_contact",
    "can_see_responses",
    "can_see_tool",
    "can_sell_tool",
    "can_verify_organisations",
    "can_view",
    "can_view_challenge",
    "can_view_kind",
    "can_view_offering",
    "can_view_organisation",
    "can_view_question",
    "can_view_response",
    "can_score_response",
    "can_see_assessment",
    "proposals_sealed",
    "can_view_tool",
    "grants_allow",
    "challenge_is_public",
    "challenge_public_clause",
    "challenge_shared_clause",
    "challenge_visible_clause",
    "index_visibility",
    "offering_visible_clause",
    "organisation_is_verified",
    "organisation_visible_clause",
    "owner_is_verified",
    "programme_member_sees",
    "tool_index_visibility",
    "tool_visible_clause",
    "unverified_organisations",
    "verified_clause",
    "viewer_as_member_of",
    "viewer_for",
    "visibility_grants",
    "visible_clause",
    "visible_levels",
]
