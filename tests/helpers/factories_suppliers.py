"""Factories for every table of the suppliers package: offerings and their references."""

from __future__ import annotations

import factory

from suppliers.models import Offering, Reference
from tests.helpers.factories_base import SessionFactory, id_of
from tests.helpers.factories_catalogue import OrganisationFactory, SupplierFactory


class OfferingFactory(SessionFactory):
    class Meta:
        model = Offering

    class Params:
        supplier = None

    ref = factory.Sequence(lambda n: f"off-{n}")
    supplier_id = id_of("supplier", SupplierFactory)
    name = factory.Sequence(lambda n: f"Offering {n}")
    summary = "AI transcription for social work visits."
    categories = factory.LazyFunction(lambda: ["transcription"])
    status = "published"


class ReferenceFactory(SessionFactory):
    """A supplier cites an authority as a user of its offering (pending until it answers)."""

    class Meta:
        model = Reference

    class Params:
        offering = None
        organisation = None

    offering_id = id_of("offering", OfferingFactory)
    organisation_id = id_of("organisation", OrganisationFactory)
    status = "pending"
