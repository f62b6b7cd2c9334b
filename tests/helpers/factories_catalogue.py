"""Factories for every table of the core (catalogue): organisations and people, tokens, tools,
deployments, single views, claims, peer questions, follows and notifications, audit and change
log, call-for-evidence responses, rate-limit counters."""

from __future__ import annotations

import factory

from catalogue.accounts.models import ApiToken, Organisation, PartnershipMember, User
from catalogue.cfe_models import CfeResponse
from catalogue.changes import AuditEvent, ChangeLog
from catalogue.notifications.models import (
    AlertSubscription,
    EmailPreference,
    Follow,
    Notification,
    NotificationPreference,
    OutboxEmail,
)
from catalogue.ratelimit import RateLimitCounter
from catalogue.records.models import Deployment, PeerQuestion, SingleView, Tool, ToolClaim
from catalogue.upkeep.models import FreshnessReminder
from tests.helpers.factories_base import PASSWORD_HASH, SessionFactory, id_of

# --- organisations, people, tokens ---------------------------------------------------------------


class OrganisationFactory(SessionFactory):
    class Meta:
        model = Organisation

    ref = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    kind = "local-authority"
    region = "North West"


class SupplierFactory(OrganisationFactory):
    """A verified supplier organisation."""

    ref = factory.Sequence(lambda n: f"supplier-{n}")
    name = factory.Sequence(lambda n: f"Test Supplier {n} Ltd")
    kind = "supplier"
    region = None


class UserFactory(SessionFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = PASSWORD_HASH
    organisation_id = None
    role = "member"
    status = "approved"


class PartnershipMemberFactory(SessionFactory):
    class Meta:
        model = PartnershipMember

    class Params:
        partnership = None
        member = None

    partnership_id = id_of("partnership", lambda: OrganisationFactory(kind="partnership"))
    member_id = id_of("member", OrganisationFactory)
    status = "accepted"


class ApiTokenFactory(SessionFactory):
    """A token row (its hash only: tests that call the API use the `users token` path)."""

    class Meta:
        model = ApiToken

    class Params:
        user = None

    user_id = id_of("user", UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    label = "test token"


# --- tools and evidence ---------------------------------------------------------------------------


class ToolFactory(SessionFactory):
    class Meta:
        model = Tool

    ref = factory.Sequence(lambda n: f"tool-{n}")
    name = factory.Sequence(lambda n: f"Tool {n}")
    summary = "Records conversations and drafts case notes for review."
    description = "A transcription tool that listens to visits and drafts notes for the social worker to check."
    uses_ai = True
    categories = factory.LazyFunction(lambda: ["transcription"])
    delivery = "standalone"


class DeploymentFactory(SessionFactory):
    class Meta:
        model = Deployment

    class Params:
        organisation = None
        tool = None

    ref = factory.Sequence(lambda n: f"dep-{n}")
    organisation_id = id_of("organisation", OrganisationFactory)
    tool_id = id_of("tool", ToolFactory)
    stage = "pilot"
    started = "2025-01"
    summary = "Piloted with two assessment teams."
    impact = "Social workers saved time on write-ups."
    learnings = "Train staff before go-live."
    visibility = "authorities"


class SingleViewFactory(SessionFactory):
    class Meta:
        model = SingleView

    class Params:
        organisation = None

    ref = factory.Sequence(lambda n: f"sv-{n}")
    organisation_id = id_of("organisation", OrganisationFactory)
    status = "live"
    sources = factory.LazyFunction(lambda: ["childrens-social-care", "education"])
    documentation = "Data model and list of sources are kept by the data team."
    visibility = "authorities"


class ToolClaimFactory(SessionFactory):
    class Meta:
        model = ToolClaim

    class Params:
        tool = None
        supplier = None

    tool_id = id_of("tool", ToolFactory)
    supplier_id = id_of("supplier", SupplierFactory)
    status = "requested"
    note = "We sell this tool."


class PeerQuestionFactory(SessionFactory):
    """A question about a deployment from another authority's member to its owner."""

    class Meta:
        model = PeerQuestion

    class Params:
        deployment = None
        sender = None

    deployment_id = id_of("deployment", DeploymentFactory)
    organisation_id = factory.LazyAttribute(lambda o: _deployment_org(o.deployment_id))
    sender_id = id_of("sender", lambda: UserFactory(organisation_id=OrganisationFactory().id))
    sender_organisation_id = factory.LazyAttribute(lambda o: _user_org(o.sender_id))
    message = "How did your teams find the transcription accuracy?"


def _deployment_org(deployment_id: int) -> int:
    from tests.helpers.factories_base import session

    return session().get(Deployment, deployment_id).organisation_id


def _user_org(user_id: int) -> int:
    from tests.helpers.factories_base import session

    return session().get(User, user_id).organisation_id


# --- follows, notifications, email ----------------------------------------------------------------


class FollowFactory(SessionFactory):
    """A user following a tool (pass kind="challenge" and record_id for a challenge)."""

    class Meta:
        model = Follow

    class Params:
        user = None
        tool = None

    user_id = id_of("user", UserFactory)
    kind = "tool"
    record_id = id_of("tool", ToolFactory)


class NotificationFactory(SessionFactory):
    class Meta:
        model = Notification

    class Params:
        user = None

    user_id = id_of("user", UserFactory)
    subject = factory.Sequence(lambda n: f"Something changed {n}")
    body = "A record you follow was changed."


class OutboxEmailFactory(SessionFactory):
    class Meta:
        model = OutboxEmail

    to_address = factory.Sequence(lambda n: f"reader{n}@example.org")
    subject = "A record you follow was changed"
    body = "See what changed."
    unsubscribe_token = factory.Sequence(lambda n: f"unsubscribe-{n}")


class EmailPreferenceFactory(SessionFactory):
    class Meta:
        model = EmailPreference

    class Params:
        user = None

    user_id = id_of("user", UserFactory)
    emails_off = False


class AlertSubscriptionFactory(SessionFactory):
    class Meta:
        model = AlertSubscription

    class Params:
        user = None

    user_id = id_of("user", UserFactory)
    categories = factory.LazyFunction(lambda: ["transcription"])
    keywords = factory.LazyFunction(lambda: ["case notes"])


class NotificationPreferenceFactory(SessionFactory):
    class Meta:
        model = NotificationPreference

    class Params:
        user = None

    user_id = id_of("user", UserFactory)
    kind = "tool"
    choice = "daily"


# --- audit, change log, imports, rate limits -------------------------------------------------------


class AuditEventFactory(SessionFactory):
    class Meta:
        model = AuditEvent

    record_type = "tool"
    record_id = 1
    action = "update"
    changes = factory.LazyFunction(lambda: {"name": ["Old name", "New name"]})


class ChangeLogFactory(SessionFactory):
    class Meta:
        model = ChangeLog

    kind = "tool"
    record_id = 1
    op = "upsert"


class CfeResponseFactory(SessionFactory):
    class Meta:
        model = CfeResponse

    class Params:
        organisation = None

    key = factory.Sequence(lambda n: f"cfe-{n}")
    organisation_id = id_of("organisation", OrganisationFactory)
    respondent_kind = "local-authority"
    what_helped = "Peer support from a neighbouring authority."


class RateLimitCounterFactory(SessionFactory):
    class Meta:
        model = RateLimitCounter

    key = factory.Sequence(lambda n: f"test/limit/{n}")
    count = 1
    expires_at = 0.0


class FreshnessReminderFactory(SessionFactory):
    class Meta:
        model = FreshnessReminder

    class Params:
        deployment = None

    kind = "deployment"
    record_id = id_of("deployment", DeploymentFactory)
