"""In-app notifications, the email outbox, follows and challenge alerts.

Emails are written to the outbox in the same transaction as the change that caused them, then
sent after the response (or by `flask mail send-pending`): an SMTP failure never loses a write.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """A message shown on /notifications to one user."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    subject: str = Field(max_length=300)
    body: str = Field(default="", sa_type=sa.Text)
    url: str | None = Field(default=None, max_length=500)
    # What it is about and why it was sent, so a topic is not announced twice.
    topic: str | None = Field(default=None, max_length=60)
    record_kind: str | None = Field(default=None, max_length=40)
    record_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxEmail(SQLModel, table=True):
    """An email waiting to be sent, sent, or given up on after too many attempts.

    status: pending (to send at next_attempt_at) | sending (claimed by one worker) | sent | failed.
    """

    __tablename__ = "outbox_email"
    __table_args__ = (sa.Index("ix_outbox_email_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    unsubscribe_token: str = Field(max_length=500)
    status: str = Field(default="pending", max_length=10)
    # What the email is about (catalogue.notifications.kinds), for the user's preference; None for
    # account emails and follows. status 'digest' waits for the daily digest, 'digested' went in one.
    kind: str | None = Field(default=None, max_length=40)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=1000)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Follow(SQLModel, table=True):
    """A user follows a record (kind 'tool' or 'challenge') to hear about new activity on it."""

    __tablename__ = "follow"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", "record_id", name="uq_follow_user_target"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)
    record_id: int = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AlertSubscription(SQLModel, table=True):
    """A user's alert for new challenges: any of these categories or keywords."""

    __tablename__ = "alert_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    categories: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    keywords: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmailPreference(SQLModel, table=True):
    """Set when a user unsubscribes from emails that come from no follow or alert (direct messages).
    In-app notifications continue."""

    __tablename__ = "email_preference"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    emails_off: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NotificationPreference(SQLModel, table=True):
    """How a user wants emails of one kind (catalogue.notifications.kinds): 'now', 'digest' (one
    email a day) or 'off'. No row means the kind's default."""

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True, max_length=40)
    choice: str = Field(default="now", max_length=10)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
