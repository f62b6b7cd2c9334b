"""Factories for every table of the outcomes package: challenges and what happens to them
(status changes, questions, co-sponsors, amendments, OCDS releases, phases, responses, scores,
shortlists) and programmes (partnerships) with their members, cohort and requests."""

from __future__ import annotations

from datetime import date, time, timedelta

import factory

from catalogue.db import utcnow
from outcomes.matching.results_model import StoredFit, StoredMatches
from outcomes.models import (
    Challenge,
    ChallengeAmendment,
    ChallengeCoSponsor,
    ChallengeEvent,
    ChallengeEventSignup,
    ChallengePhase,
    ChallengeResponse,
    ChallengeStatusChange,
    ClarificationQuestion,
    OcdsRelease,
    PhaseShortlist,
    Programme,
    ProgrammeChallengeRequest,
    ProgrammeMember,
    ProgrammeSupplier,
    ResponseScore,
)
from tests.helpers.factories_base import SessionFactory, id_of
from tests.helpers.factories_catalogue import OrganisationFactory, SupplierFactory, UserFactory
from tests.helpers.factories_suppliers import OfferingFactory

# --- challenges -----------------------------------------------------------------------------------


class ChallengeFactory(SessionFactory):
    class Meta:
        model = Challenge

    class Params:
        owner = None

    ref = factory.Sequence(lambda n: f"challenge-{n}")
    owner_id = id_of("owner", OrganisationFactory)
    title = factory.Sequence(lambda n: f"Challenge {n}")
    problem = "Social workers write up visits at home in the evening."
    status = "draft"


class ChallengeStatusChangeFactory(SessionFactory):
    class Meta:
        model = ChallengeStatusChange

    class Params:
        challenge = None

    challenge_id = id_of("challenge", ChallengeFactory)
    from_status = "draft"
    to_status = "open"


class ClarificationQuestionFactory(SessionFactory):
    class Meta:
        model = ClarificationQuestion

    class Params:
        challenge = None
        supplier = None

    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="open"))
    supplier_id = id_of("supplier", SupplierFactory)
    question = "Which case management system do your teams use?"
    status = "asked"


class ChallengeCoSponsorFactory(SessionFactory):
    class Meta:
        model = ChallengeCoSponsor

    class Params:
        challenge = None
        organisation = None

    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="open"))
    organisation_id = id_of("organisation", OrganisationFactory)
    status = "requested"


class ChallengeAmendmentFactory(SessionFactory):
    class Meta:
        model = ChallengeAmendment

    class Params:
        challenge = None

    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="open"))
    reason = "The closing date moves back a week."
    changes = factory.LazyFunction(list)


class OcdsReleaseFactory(SessionFactory):
    class Meta:
        model = OcdsRelease

    class Params:
        challenge = None

    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="open"))
    ocid = factory.Sequence(lambda n: f"ocds-test-{n}")
    release_id = factory.Sequence(lambda n: f"ocds-test-{n}-tender-1")
    tag = "tender"


class ChallengePhaseFactory(SessionFactory):
    class Meta:
        model = ChallengePhase

    class Params:
        challenge = None

    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="open"))
    name = "feasibility"
    budget = 20000.0


class ChallengeResponseFactory(SessionFactory):
    """A supplier's expression of interest (kind="proposal" for a proposal)."""

    class Meta:
        model = ChallengeResponse

    class Params:
        challenge = None
        supplier = None

    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="open"))
    supplier_id = id_of("supplier", SupplierFactory)
    kind = "interest"
    approach = "We would pilot with one team, then scale across the service."


class ResponseScoreFactory(SessionFactory):
    class Meta:
        model = ResponseScore

    class Params:
        response = None
        evaluator = None

    response_id = id_of("response", lambda: ChallengeResponseFactory(kind="proposal"))
    evaluator_id = id_of("evaluator", lambda: UserFactory(organisation_id=OrganisationFactory().id))
    organisation_id = factory.LazyAttribute(lambda o: _user_org(o.evaluator_id))
    scores = factory.LazyFunction(lambda: {"0": 7})
    total = 7.0


def _user_org(user_id: int) -> int:
    from catalogue.accounts.models import User
    from tests.helpers.factories_base import session

    return session().get(User, user_id).organisation_id


class PhaseShortlistFactory(SessionFactory):
    class Meta:
        model = PhaseShortlist

    class Params:
        phase = None
        response = None

    phase_id = id_of("phase", ChallengePhaseFactory)
    response_id = id_of("response", lambda: ChallengeResponseFactory(kind="proposal"))


# --- market-engagement events ---------------------------------------------------------------------


class ChallengeEventFactory(SessionFactory):
    class Meta:
        model = ChallengeEvent

    class Params:
        challenge = None

    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="market-engagement"))
    kind = "supplier-day"
    title = factory.Sequence(lambda n: f"Supplier day {n}")
    day = factory.LazyFunction(lambda: date.today() + timedelta(days=14))
    starts = time(10, 0)
    ends = time(12, 0)
    place = "Council offices, committee room 2"
    capacity = 20


class ChallengeEventSignupFactory(SessionFactory):
    class Meta:
        model = ChallengeEventSignup

    class Params:
        event = None
        supplier = None

    event_id = id_of("event", ChallengeEventFactory)
    supplier_id = id_of("supplier", SupplierFactory)


# --- programmes (partnerships) --------------------------------------------------------------------


class ProgrammeFactory(SessionFactory):
    class Meta:
        model = Programme

    class Params:
        lead = None

    ref = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Partnership {n}")
    lead_id = id_of("lead", OrganisationFactory)
    description = "Authorities in the region commissioning together."


class ProgrammeMemberFactory(SessionFactory):
    class Meta:
        model = ProgrammeMember

    class Params:
        programme = None
        member = None

    programme_id = id_of("programme", ProgrammeFactory)
    member_id = id_of("member", OrganisationFactory)
    status = "accepted"


class ProgrammeSupplierFactory(SessionFactory):
    class Meta:
        model = ProgrammeSupplier

    class Params:
        programme = None
        supplier = None

    programme_id = id_of("programme", ProgrammeFactory)
    supplier_id = id_of("supplier", SupplierFactory)


class ProgrammeChallengeRequestFactory(SessionFactory):
    class Meta:
        model = ProgrammeChallengeRequest

    class Params:
        programme = None
        challenge = None

    programme_id = id_of("programme", ProgrammeFactory)
    challenge_id = id_of("challenge", lambda: ChallengeFactory(status="open"))
    status = "requested"


# --- stored match results (derived data, rebuilt by `flask matching build`) ------------------------


class StoredMatchesFactory(SessionFactory):
    class Meta:
        model = StoredMatches

    class Params:
        challenge = None

    challenge_id = id_of("challenge", ChallengeFactory)
    audience = "public"
    kind = "matches"
    challenge_updated_at = factory.LazyFunction(utcnow)
    packed = factory.LazyFunction(lambda: StoredMatches.pack({"offerings": [], "deployments": []}))


class StoredFitFactory(SessionFactory):
    class Meta:
        model = StoredFit

    class Params:
        challenge = None
        offering = None

    offering_id = id_of("offering", OfferingFactory)
    challenge_id = id_of("challenge", ChallengeFactory)
