"""The evidence catalogue: tools, deployments (an organisation's experience of a tool), single views."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow
from catalogue.upkeep.models import Kept


class Tool(SQLModel, table=True):
    __tablename__ = "tool"
    __search_kind__ = "tool"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    summary: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, sa_type=sa.Text)
    uses_ai: bool | None = Field(default=None)
    categories: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    supplier_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    developed_by_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    delivery: str | None = Field(default=None, max_length=20)
    case_management_systems: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # The organisation that added it to the catalogue (access.can_change_tool).
    added_by_id: int | None = Field(default=None, foreign_key="organisation.id")
    is_demo: bool = Field(default=False)
    # First known through a private or authorities-only record: seen only by those who see one of
    # its records until a public record makes it public (catalogue.access.can_view_tool).
    restricted: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    # Tools are catalogue entries; who may see and edit them is in catalogue.access.
    visibility: ClassVar[str] = "public"


class Deployment(Kept, table=True):
    __tablename__ = "deployment"
    __search_kind__ = "deployment"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=80, unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    stage: str = Field(max_length=30, index=True)
    started: str | None = Field(default=None, max_length=7)
    ended: str | None = Field(default=None, max_length=7)
    summary: str | None = Field(default=None, max_length=500)
    impact: str | None = Field(default=None, sa_type=sa.Text)
    learnings: str | None = Field(default=None, sa_type=sa.Text)
    barriers: str | None = Field(default=None, sa_type=sa.Text)
    dropped_reasons: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    dropped_detail: str | None = Field(default=None, sa_type=sa.Text)
    risk_assessment: str | None = Field(default=None, sa_type=sa.Text)
    ethics_checks: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    safeguards: str | None = Field(default=None, sa_type=sa.Text)
    evaluation: str | None = Field(default=None, max_length=30)
    evaluator: str | None = Field(default=None, max_length=200)
    evaluation_findings: str | None = Field(default=None, sa_type=sa.Text)
    develop_fte: float | None = Field(default=None)
    develop_gbp: float | None = Field(default=None)
    implement_fte: float | None = Field(default=None)
    implement_gbp: float | None = Field(default=None)
    maintain_fte: float | None = Field(default=None)
    maintain_gbp: float | None = Field(default=None)
    visibility: str = Field(default="authorities", max_length=20, index=True)
    # Provenance of an imported record (catalogue.importers): the public source it was read from,
    # the address of that record (the importer's key: re-importing updates, never duplicates), the
    # date the source published it (YYYY-MM-DD) and when Signpost last read it. None when typed in.
    source_name: str | None = Field(default=None, max_length=200)
    source_url: str | None = Field(default=None, max_length=500, unique=True, index=True)
    source_published: str | None = Field(default=None, max_length=10)
    source_retrieved: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    is_demo: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def source_published_on(self) -> date | None:
        """The source's publication date as a date, for pages (stored as the text it gave)."""
        try:
            return date.fromisoformat(self.source_published) if self.source_published else None
        except ValueError:
            return None


class SingleView(Kept, table=True):
    __tablename__ = "single_view"
    __search_kind__ = "single_view"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=80, unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(max_length=30)
    sources: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    other_sources: str | None = Field(default=None, max_length=2000)
    tool_id: int | None = Field(default=None, foreign_key="tool.id", index=True)
    documentation: str | None = Field(default=None, sa_type=sa.Text)
    visibility: str = Field(default="authorities", max_length=20, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    is_demo: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ToolClaim(SQLModel, table=True):
    """A supplier asks to be recorded as the seller of a tool nobody sells; a site admin
    approves (the tool becomes the supplier's) or rejects it."""

    __tablename__ = "tool_claim"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", index=True, ondelete="CASCADE")
    supplier_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="requested", max_length=20)  # requested | approved | rejected
    note: str | None = Field(default=None, sa_type=sa.Text)
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def organisation_id(self) -> int:
        return self.supplier_id


# A signed-in authority member's question about a peer's deployment (catalogue.records.ask_peer).
class PeerQuestion(SQLModel, table=True):
    __tablename__ = "peer_question"
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    deployment_id: int = Field(foreign_key="deployment.id", index=True, ondelete="CASCADE")
    # The recipient organisation (the record's owner): its admins see this in their audit trail.
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    sender_id: int = Field(foreign_key="user_account.id", index=True)
    sender_organisation_id: int = Field(foreign_key="organisation.id")
    message: str = Field(sa_type=sa.Text)
    reply: str | None = Field(default=None, sa_type=sa.Text)
    replied_by: str | None = Field(default=None, max_length=320)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
