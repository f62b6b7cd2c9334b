"""Outcome-based challenges (problem statements) posted by authorities, providers and partnerships."""

from __future__ import annotations

from datetime import date, datetime

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
    users: str | None = Field(default=None, sa_type=sa.Text)
    # [{"outcome", "measure", "baseline", "target"}]
    outcomes: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    constraints: str | None = Field(default=None, sa_type=sa.Text)
    tried_before: str | None = Field(default=None, sa_type=sa.Text)
    budget_min: float | None = Field(default=None)
    budget_max: float | None = Field(default=None)
    route: str | None = Field(default=None, max_length=40)
    status: str = Field(default="draft", max_length=30, index=True)
    closes: date | None = Field(default=None)
    timetable: str | None = Field(default=None, sa_type=sa.Text)
    # [{"criterion", "weight"}], weights add up to 100
    evaluation_criteria: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    # [{"requirement", "essential": bool}]
    requirements: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    is_demo: bool = Field(default=False)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def organisation_id(self) -> int:
        return self.owner_id
