"""What every kept record (deployment, single view, offering) carries to stay true: when it was
last confirmed and by which organisation, and whether its owner withdrew it (and why).

`Kept` is a base the record models inherit, so the columns and the computed `stale` are the
same everywhere; who may see a withdrawn record is decided in catalogue.access."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow

# A record nobody has confirmed for this long is tagged "Not confirmed since <month year>".
STALE_AFTER = timedelta(days=365)


def stale_before(now: datetime | None = None) -> datetime:
    """Records last confirmed before this moment are stale."""
    return (now or utcnow()) - STALE_AFTER


class Kept(SQLModel):
    last_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_confirmed_by_id: int | None = Field(default=None, foreign_key="organisation.id")
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    withdrawn_reason: str | None = Field(default=None, sa_type=sa.Text)
    withdrawn_by_id: int | None = Field(default=None, foreign_key="user_account.id")

    @property
    def stale(self) -> bool:
        confirmed = self.last_confirmed_at or getattr(self, "updated_at", None)
        return confirmed is not None and _aware(confirmed) < stale_before()

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FreshnessReminder(SQLModel, table=True):
    """When a record's owners were last reminded to confirm it: one reminder per period."""

    __tablename__ = "freshness_reminder"
    __table_args__ = (sa.UniqueConstraint("kind", "record_id", name="uq_freshness_reminder_record"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    record_id: int
    reminded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
