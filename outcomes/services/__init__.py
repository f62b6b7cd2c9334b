"""The rules for challenges and partnerships: plain functions taking a session and a viewer.

This package's facade is its API: callers write `from outcomes import services` and call
`services.create_challenge(...)`, never a module inside, so the rooms below can move without
touching a caller. Views parse and render; everything that decides (who may do what, when, and
what follows) is here, and every visibility question goes to catalogue.access. Refusals are
catalogue.errors' Invalid (a form error, 422), NotAllowed (403) and NotFound (404).

    sharing      who shares a challenge (co-sponsors, partnership members) and co-sponsor requests
    challenges   browsing, authoring the statement, the statement check before publishing
    lifecycle    status changes and their history
    questions    clarification questions and answers
    responses    interest, proposals, scoring, shortlists, phases, the award, results
    programmes   partnerships: members, cohort, challenges run under them
"""

from outcomes.services.base import UK, today
from outcomes.services.challenges import (
    CONSTRAINT_PARTS,
    EDITABLE_STATUSES,
    PERSONAL_DATA_FIELDS,
    TECH_WORDS,
    Advice,
    challenges_page,
    create_challenge,
    list_challenges,
    personal_data_problems,
    save_section,
    section_data,
    sections_done,
    statement_advice,
    visible_deployments,
)
from outcomes.services.lifecycle import (
    STATUS_NEWS,
    TRANSITIONS,
    allowed_transitions,
    change_status,
    status_history,
    status_history_view,
)
from outcomes.services.programmes import (
    add_cohort_supplier,
    attach_challenge,
    attachable_challenges,
    create_programme,
    decide_programme_request,
    get_programme,
    invite_member,
    list_programmes,
    programme_form_data,
    programme_requests,
    programme_view,
    respond_to_invitation,
    update_programme,
)
from outcomes.services.questions import answer_question, ask_question, questions_open, visible_questions
from outcomes.services.responses import (
    RESPONSE_KINDS,
    add_phase,
    award,
    awarded_response,
    awarded_to,
    get_response,
    own_response,
    own_responses,
    phases,
    record_results,
    response_window,
    results_view,
    save_response,
    score_response,
    shortlist,
    supplier_offerings,
    tried_deployments,
    visible_responses,
    weighted_total,
)
from outcomes.services.sharing import (
    can_view,
    co_sponsor_ids,
    co_sponsors,
    decide_co_sponsor,
    get_challenge,
    programme_member_ids,
    request_co_sponsor,
    shared_challenge_ids,
    sharing_ids,
)

__all__ = [
    "CONSTRAINT_PARTS",
    "EDITABLE_STATUSES",
    "PERSONAL_DATA_FIELDS",
    "RESPONSE_KINDS",
    "STATUS_NEWS",
    "TECH_WORDS",
    "TRANSITIONS",
    "UK",
    "Advice",
    "add_cohort_supplier",
    "add_phase",
    "allowed_transitions",
    "answer_question",
    "ask_question",
    "attach_challenge",
    "attachable_challenges",
    "award",
    "awarded_response",
    "awarded_to",
    "can_view",
    "change_status",
    "co_sponsor_ids",
    "co_sponsors",
    "create_challenge",
    "create_programme",
    "decide_co_sponsor",
    "decide_programme_request",
    "get_challenge",
    "get_programme",
    "get_response",
    "invite_member",
    "challenges_page",
    "list_challenges",
    "list_programmes",
    "own_response",
    "own_responses",
    "personal_data_problems",
    "phases",
    "programme_form_data",
    "programme_member_ids",
    "programme_requests",
    "programme_view",
    "questions_open",
    "record_results",
    "request_co_sponsor",
    "respond_to_invitation",
    "response_window",
    "results_view",
    "save_response",
    "save_section",
    "score_response",
    "section_data",
    "sections_done",
    "shared_challenge_ids",
    "sharing_ids",
    "shortlist",
    "statement_advice",
    "status_history",
    "status_history_view",
    "supplier_offerings",
    "today",
    "tried_deployments",
    "update_programme",
    "visible_deployments",
    "visible_questions",
    "visible_responses",
    "weighted_total",
]
