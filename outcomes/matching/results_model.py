"""The table of stored match results (outcomes.matching.stored): kept apart from the module that
computes them so the models load without the matching engine."""

from __future__ import annotations

import json
import zlib
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow


class StoredMatches(SQLModel, table=True):
    """A challenge's ranked matches (kind "matches") or lessons (kind "lessons") as one audience
    may see them, computed outside requests. Derived data: rebuilt by `flask matching build`,
    refreshed by `flask matching refresh`; pages filter every entry by their own viewer again."""

    __tablename__ = "stored_matches"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "audience", "kind", name="uq_stored_matches"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    audience: str = Field(max_length=20)  # owner | authorities | public (stored.audience_of)
    kind: str = Field(max_length=20)  # matches | lessons
    seen_change: int = Field(default=0)  # the change-log position the results reflect
    challenge_updated_at: datetime = Field(sa_type=UTCDateTime)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # The result as zlib-compressed JSON (a stored result is read whole, never queried inside).
    packed: bytes = Field(sa_column=sa.Column("payload", sa.LargeBinary, nullable=False))

    @property
    def payload(self) -> dict:
        return json.loads(zlib.decompress(self.packed))

    @staticmethod
    def pack(payload: dict) -> bytes:
        return zlib.compress(json.dumps(payload, separators=(",", ":")).encode(), 6)


class StoredFit(SQLModel, table=True):
    """An offering among the first of a challenge's stored matches as its owner sees them: the
    supplier side's "challenges that fit this offering", looked up by offering without an index."""

    __tablename__ = "stored_fit"

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True, ondelete="CASCADE")
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    rank: int = Field(default=0)  # 0 for the owner's best match
    score: float = Field(default=0.0)
