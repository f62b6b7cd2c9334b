"""Supplier offerings. Supplier profiles live on the organisation (kind 'supplier')."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow
from catalogue.upkeep.models import Kept


class Offering(Kept, table=True):
    __tablename__ = "offering"
    __search_kind__ = "offering"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=80, unique=True, index=True)
    supplier_id: int = Field(foreign_key="organisation.id", index=True)
    tool_id: int | None = Field(default=None, foreign_key="tool.id", index=True)
    name: str = Field(max_length=200)
    summary: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, sa_type=sa.Text)
    categories: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    outcomes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    delivery: str | None = Field(default=None, max_length=20)
    case_management_systems: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    accreditations: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # The accreditations as written (a bundle's "ISO 27001", or the codes ticked on the form), in
    # order: `accreditations` holds their codes for the filter, the bundle export writes these.
    accreditations_as_written: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    hosting: str | None = Field(default=None, max_length=500)
    pricing: str | None = Field(default=None, max_length=2000)
    links: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # draft | published: drafts are seen only by the supplier's members.
    status: str = Field(default="published", max_length=20, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    is_demo: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def organisation_id(self) -> int:
        return self.supplier_id


class Reference(SQLModel, table=True):
    """A supplier cites an organisation as a user of an offering's tool; that organisation's
    members confirm it (choosing which of their own deployments it is) or decline it.

    The supplier names only the organisation, so citing reveals nothing about deployments the
    supplier cannot see; the deployment is chosen by the organisation when it confirms.
    status: pending | confirmed | declined. Only confirmed references show on the offering.
    """

    __tablename__ = "offering_reference"
    __table_args__ = (sa.UniqueConstraint("offering_id", "organisation_id", name="uq_reference_offering_org"),)
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    deployment_id: int | None = Field(default=None, foreign_key="deployment.id", index=True, ondelete="SET NULL")
    status: str = Field(default="pending", max_length=20, index=True)
    note: str | None = Field(default=None, max_length=1000)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
