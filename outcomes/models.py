"""Outcome-based challenges (problem statements) posted by authorities, providers and partnerships,
and everything that happens to them: status changes, co-sponsors, clarification questions,
expressions of interest and proposals, phases, and the partnerships (programmes) that run them."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow


class Challenge(SQLModel, table=True):
    __tablename__ = "challenge"
    __search_kind__ = "challenge"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=80, unique=True, index=True)
    owner_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=200)
    problem: str = Field(default="", sa_type=sa.Text)
    # Catalogue categories the problem falls under (for browsing and matching); not in the bundle.
    categories: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # Topics matching read the statement as being about that the owner struck out (category codes):
    # matching ignores them until the owner ticks them in `categories` again. Not in the bundle
    # (bundle-v1 has no place for either).
    topics_removed: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    users: str | None = Field(default=None, sa_type=sa.Text)
    # [{"outcome", "measure", "baseline", "target"}]
    outcomes: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    constraints: str | None = Field(default=None, sa_type=sa.Text)
    # {"data", "information_governance", "hosting", "case_management_system"}: the form's parts,
    # joined into `constraints` (the bundle's and search's text).
    constraint_details: dict = Field(default_factory=dict, sa_type=sa.JSON)
    tried_before: str | None = Field(default=None, sa_type=sa.Text)
    # Deployments (own and peers') linked as "tried before"; shown only to viewers who may see each.
    tried_deployment_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    budget_min: float | None = Field(default=None)
    budget_max: float | None = Field(default=None)
    route: str | None = Field(default=None, max_length=40)
    status: str = Field(default="draft", max_length=30, index=True)
    closes: date | None = Field(default=None)
    # Clarification questions close before proposals do (default: 7 days before `closes`).
    questions_close: date | None = Field(default=None)
    timetable: str | None = Field(default=None, sa_type=sa.Text)
    # Document links added by amendment: [{"title", "url", "added_at": ISO date and time}]
    documents: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # [{"criterion", "weight"}], weights add up to 100
    evaluation_criteria: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # [{"requirement", "essential": bool}]
    requirements: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # Closed without award: no-suitable-proposals | cancelled | budget-withdrawn | other
    closed_reason: str | None = Field(default=None, max_length=40)
    closed_detail: str | None = Field(default=None, sa_type=sa.Text)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    # After award: [{"outcome": index into outcomes, "actual", "note"}]
    results: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    result_deployment_id: int | None = Field(default=None, foreign_key="deployment.id")
    awarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The contract the award leads to (entered after the standstill period).
    contract_value: float | None = Field(default=None)
    contract_starts: date | None = Field(default=None)
    contract_ends: date | None = Field(default=None)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    is_demo: bool = Field(default=False)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def organisation_id(self) -> int:
        return self.owner_id

    @property
    def shown_status(self) -> str:
        """The status a person sees (outcomes.clock): open past its closing date is evaluating."""
        from outcomes.clock import effective_status

        return effective_status(self)

    @property
    def essential_requirements(self) -> list[str]:
        return [r["requirement"] for r in self.requirements or [] if r.get("essential")]

    @property
    def nice_to_have_requirements(self) -> list[str]:
        return [r["requirement"] for r in self.requirements or [] if not r.get("essential")]


class ChallengeStatusChange(SQLModel, table=True):
    """Each move through the lifecycle, with who made it and when."""

    __tablename__ = "challenge_status_change"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    from_status: str = Field(max_length=30)
    to_status: str = Field(max_length=30)
    reason: str | None = Field(default=None, max_length=40)
    detail: str | None = Field(default=None, sa_type=sa.Text)
    changed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChallengeAmendment(SQLModel, table=True):
    """A published change to an open challenge: a later closing date, a corrected or added
    statement, a document link. Kept with its date and reason (the challenge's history, the API
    and the OCDS tender.amendments)."""

    __tablename__ = "challenge_amendment"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    reason: str = Field(sa_type=sa.Text)
    # [{"field": "closes", "from": ISO date, "to": ISO date}, {"field": "problem", "from", "to"},
    #  {"field": "document", "title", "url"}]
    changes: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    made_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChallengeCoSponsor(SQLModel, table=True):
    """Another authority asking to join a challenge; the owner approves or declines."""

    __tablename__ = "challenge_co_sponsor"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="requested", max_length=20)  # requested | approved | declined
    note: str | None = Field(default=None, sa_type=sa.Text)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ClarificationQuestion(SQLModel, table=True):
    """A supplier's question; the owner answers and publishes the pair, never the asker's name.
    A question raised at a market-engagement event is added by the owner (`event_id` set, no
    supplier: who asked aloud is not recorded)."""

    __tablename__ = "clarification_question"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    supplier_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="challenge_event.id", index=True)
    asked_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    question: str = Field(sa_type=sa.Text)
    answer: str | None = Field(default=None, sa_type=sa.Text)
    status: str = Field(default="asked", max_length=20)  # asked | published
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChallengeResponse(SQLModel, table=True):
    """An expression of interest (market engagement) or a proposal (while open). Seen only by the
    supplier that wrote it, the owner and co-sponsors (catalogue.access.can_view_response)."""

    __tablename__ = "challenge_response"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "supplier_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    supplier_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=20)  # interest | proposal
    approach: str = Field(default="", sa_type=sa.Text)
    offering_id: int | None = Field(default=None, foreign_key="offering.id")
    # [{"requirement", "how"}] for each essential requirement
    requirements_met: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # [{"requirement", "how"}] for each nice-to-have requirement (answers optional)
    nice_to_have_met: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # [{"criterion", "answer"}] for each evaluation criterion
    criteria_answers: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # Links to the supplier's documents (web addresses, catalogue.web_address)
    documents: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # The receipt: a reference that changes with each saved version, and its time (updated_at)
    receipt: str | None = Field(default=None, max_length=120)
    version: int = Field(default=0)
    price: float | None = Field(default=None)
    evidence: str | None = Field(default=None, sa_type=sa.Text)
    # submitted | shortlisted | unsuccessful | awarded | withdrawn (by the supplier, before closing)
    status: str = Field(default="submitted", max_length=20)
    # The moderated score (what ranks and what the assessment summary shows), set by the owner
    # from the evaluators' scores (ResponseScore): {criterion index (as text): score 0-10};
    # total is weighted out of 100; reasons are {criterion index: why}.
    scores: dict = Field(default_factory=dict, sa_type=sa.JSON)
    score_reasons: dict = Field(default_factory=dict, sa_type=sa.JSON)
    score_total: float | None = Field(default=None)
    moderation_note: str | None = Field(default=None, sa_type=sa.Text)
    feedback: str | None = Field(default=None, sa_type=sa.Text)
    submitted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResponseScore(SQLModel, table=True):
    """One evaluator's scores for a proposal (the owner's or a co-sponsor's staff); the owner then
    sets the moderated score on the response. Seen only by the owner and co-sponsors."""

    __tablename__ = "response_score"
    __table_args__ = (sa.UniqueConstraint("response_id", "evaluator_id"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="challenge_response.id", index=True, ondelete="CASCADE")
    evaluator_id: int = Field(foreign_key="user_account.id")
    organisation_id: int = Field(foreign_key="organisation.id")
    # {criterion index (as text): score 0-10}
    scores: dict = Field(default_factory=dict, sa_type=sa.JSON)
    total: float | None = Field(default=None)
    note: str | None = Field(default=None, sa_type=sa.Text)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # {criterion index (as text): why that score}, the evaluator's own reasons
    reasons: dict | None = Field(default=None, sa_type=sa.JSON)


class ChallengePhase(SQLModel, table=True):
    """A pre-commercial phase (feasibility, prototype, pilot) with its own budget and dates."""

    __tablename__ = "challenge_phase"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=30)  # feasibility | prototype | pilot
    budget: float | None = Field(default=None)
    starts: date | None = Field(default=None)
    ends: date | None = Field(default=None)
    # An award per phase (a lot): the winning proposal and its contract value.
    awarded_response_id: int | None = Field(default=None, foreign_key="challenge_response.id")
    contract_value: float | None = Field(default=None)


class PhaseShortlist(SQLModel, table=True):
    __tablename__ = "phase_shortlist"

    phase_id: int = Field(foreign_key="challenge_phase.id", primary_key=True, ondelete="CASCADE")
    response_id: int = Field(foreign_key="challenge_response.id", primary_key=True, ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Programme(SQLModel, table=True):
    """A partnership or programme led by a regional lead organisation (a partnership or an LA)."""

    __tablename__ = "programme"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200)
    lead_id: int = Field(foreign_key="organisation.id", index=True)
    description: str = Field(default="", sa_type=sa.Text)
    phases: str | None = Field(default=None, sa_type=sa.Text)
    # [{"date": "YYYY-MM-DD", "milestone"}]
    milestones: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    evaluation_plan: str | None = Field(default=None, sa_type=sa.Text)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def organisation_id(self) -> int:
        return self.lead_id


class ProgrammeMember(SQLModel, table=True):
    """A member authority of a programme: invited by the lead, then accepted or declined (by an
    administrator of the authority); the lead may remove it later."""

    __tablename__ = "programme_member"

    programme_id: int = Field(foreign_key="programme.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="organisation.id", primary_key=True)
    status: str = Field(default="invited", max_length=20)  # invited | accepted | declined | removed
    invited_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProgrammeSupplier(SQLModel, table=True):
    """The programme's cohort of suppliers: invited by the lead, in the cohort once an
    administrator of the supplier accepts (rows from before invitations are accepted)."""

    __tablename__ = "programme_supplier"

    programme_id: int = Field(foreign_key="programme.id", primary_key=True, ondelete="CASCADE")
    supplier_id: int = Field(foreign_key="organisation.id", primary_key=True)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # invited | accepted | declined | removed
    status: str = Field(default="invited", max_length=20, sa_column_kwargs={"server_default": "accepted"})
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProgrammeChallengeRequest(SQLModel, table=True):
    """A programme lead asks to run a member's published challenge under the programme: the
    challenge joins (and every member sees it) only once its owner's organisation accepts."""

    __tablename__ = "programme_challenge_request"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True, ondelete="CASCADE")
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    status: str = Field(default="requested", max_length=20)  # requested | accepted | declined
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OcdsRelease(SQLModel, table=True):
    """Each OCDS release as it was published (one per notice: UK2, UK4, UK6, UK7, UK12), kept so
    the record holds every release of a challenge, not only its current state."""

    __tablename__ = "ocds_release"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    ocid: str = Field(max_length=120, index=True)
    release_id: str = Field(max_length=200, unique=True)
    notice_type: str | None = Field(default=None, max_length=10)
    tag: str = Field(max_length=40)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    document: dict = Field(default_factory=dict, sa_type=sa.JSON)


class ChallengeEvent(SQLModel, table=True):
    """A market-engagement event on a challenge: a supplier day, a webinar or one-to-one slots,
    run by the owner (and approved co-sponsors). After it, notes and slides links are published
    to every interested supplier."""

    __tablename__ = "challenge_event"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=20)  # supplier-day | webinar | one-to-one
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=sa.Text)
    day: date
    # Times of day in England (Europe/London).
    starts: time
    ends: time
    place: str | None = Field(default=None, max_length=500)
    link: str | None = Field(default=None, max_length=500)  # a web address (http or https)
    # Places; for one-to-one slots, the number of slots (from the times and the slot length).
    capacity: int
    slot_minutes: int | None = Field(default=None)
    status: str = Field(default="scheduled", max_length=20)  # scheduled | cancelled
    cancel_reason: str | None = Field(default=None, sa_type=sa.Text)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    # [{"title", "url"}]
    slides: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    notes_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChallengeEventSignup(SQLModel, table=True):
    """A supplier's place at an event, or its place on the waiting list (promoted in order of
    signing up when a place frees). Seen by that supplier, the owner and co-sponsors."""

    __tablename__ = "challenge_event_signup"
    __table_args__ = (sa.UniqueConstraint("event_id", "supplier_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="challenge_event.id", index=True, ondelete="CASCADE")
    supplier_id: int = Field(foreign_key="organisation.id", index=True)
    signed_up_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    status: str = Field(default="booked", max_length=20)  # booked | waiting | cancelled
    # One-to-one events: which slot (0 = the first) the supplier has.
    slot: int | None = Field(default=None)
    # The waiting list's order: when the supplier (last) signed up.
    signed_up_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Stored match results live with matching; imported here so the models load with the feature's.
from outcomes.matching.results_model import StoredMatches as StoredMatches  # noqa: E402
