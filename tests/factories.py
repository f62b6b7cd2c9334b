"""factory-boy factories for every record type, writing through one bound SQLModel session."""

from __future__ import annotations

import factory
from sqlmodel import Session

from catalogue.accounts.models import Organisation, User
from catalogue.accounts.passwords import hash_password
from catalogue.records.models import Deployment, SingleView, Tool
from outcomes.models import Challenge
from suppliers.models import Offering

PASSWORD = "a long test password 1"
_PASSWORD_HASH = hash_password(PASSWORD)
_session: Session | None = None


def bind(session: Session | None) -> None:
    global _session
    _session = session


class SessionFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
        if _session is None:
            raise RuntimeError("use the `db` fixture: factories need a session")
        obj = model_class(*args, **kwargs)
        _session.add(obj)
        _session.commit()
        return obj


class OrganisationFactory(SessionFactory):
    class Meta:
        model = Organisation

    ref = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    kind = "local-authority"
    region = "North West"


class UserFactory(SessionFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = _PASSWORD_HASH
    organisation_id = None
    role = "member"
    status = "approved"


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

    ref = factory.Sequence(lambda n: f"dep-{n}")
    stage = "pilot"
    started = "2025-01"
    summary = "Piloted with two assessment teams."
    impact = "Social workers saved time on write-ups."
    learnings = "Train staff before go-live."
    visibility = "authorities"


class SingleViewFactory(SessionFactory):
    class Meta:
        model = SingleView

    ref = factory.Sequence(lambda n: f"sv-{n}")
    status = "live"
    sources = factory.LazyFunction(lambda: ["childrens-social-care", "education"])
    documentation = "Data model and list of sources are kept by the data team."
    visibility = "authorities"


class OfferingFactory(SessionFactory):
    class Meta:
        model = Offering

    ref = factory.Sequence(lambda n: f"off-{n}")
    name = factory.Sequence(lambda n: f"Offering {n}")
    summary = "AI transcription for social work visits."
    categories = factory.LazyFunction(lambda: ["transcription"])
    status = "published"


class ChallengeFactory(SessionFactory):
    class Meta:
        model = Challenge

    ref = factory.Sequence(lambda n: f"challenge-{n}")
    title = factory.Sequence(lambda n: f"Challenge {n}")
    problem = "Social workers write up visits at home in the evening."
    status = "draft"
