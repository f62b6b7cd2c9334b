"""Organisations, their members and the people who sign in."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    __search_kind__ = None
    __audited__ = True

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    kind: str = Field(max_length=40, index=True)
    region: str | None = Field(default=None, max_length=60)
    ons_code: str | None = Field(default=None, max_length=20, unique=True)
    website: str | None = Field(default=None, max_length=500)
    case_management_system: str | None = Field(default=None, max_length=200)
    # Supplier details (issue: suppliers); empty for other kinds.
    company_number: str | None = Field(default=None, max_length=20)
    is_sme: bool | None = Field(default=None)
    accreditations: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    data_hosting: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    # Contact: shown only when the organisation agreed to be contacted.
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=320)
    contact_role: str | None = Field(default=None, max_length=200)
    contact_consent: bool = Field(default=False)
    # Set when the contact came from an import (a call-for-evidence respondent who agreed to be
    # contacted by DfE, which is not consent to be contacted by peers): where it came from. Such a
    # contact is shown to nobody as the organisation's contact until one of its admins confirms
    # it (catalogue.access.can_see_contact, catalogue.records.services.confirm_imported_contact).
    contact_pending: str | None = Field(default=None, max_length=200)
    is_reference: bool = Field(default=False, description="one of the 153 reference authorities")
    is_demo: bool = Field(default=False)
    # verified | pending | rejected. Sign-up registers an organisation as pending: until a site
    # admin verifies it, it and its records are seen only by its members and site admins
    # (catalogue.access). Reference, demo, imported and operator-made organisations are verified.
    verification: str = Field(
        default="verified", max_length=20, index=True, sa_column_kwargs={"server_default": "verified"}
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def organisation_id(self) -> int | None:
        """Organisations own themselves, so the policy treats them like any owned record."""
        return self.id


class PartnershipMember(SQLModel, table=True):
    """A member organisation of a partnership or programme: invited, then accepted."""

    __tablename__ = "partnership_member"

    partnership_id: int = Field(foreign_key="organisation.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="organisation.id", primary_key=True, ondelete="CASCADE")
    status: str = Field(default="accepted", max_length=20)
    invited_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    __search_kind__ = None
    # Sign-ups, approvals, rejections, role and password changes reach the audit trail; sign-ins
    # and session rotations do not, and the hash itself never does (only that it changed).
    __audited__ = True
    # Names and addresses stay out of the trail (personal data kept in one place only).
    __audit_fields__ = frozenset({"password_hash", "organisation_id", "role", "status", "is_site_admin"})
    __audit_secret__ = frozenset({"password_hash"})

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=500)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    role: str = Field(default="member", max_length=20)  # member | admin (of the organisation)
    status: str = Field(default="pending", max_length=20)  # pending | approved | rejected
    is_site_admin: bool = Field(default=False)
    # Part of the Flask-Login id: rotating it signs the user out everywhere (remember cookies too).
    session_token: str = Field(default_factory=new_session_token, max_length=64)
    approved_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # None until the owner follows the link emailed at sign-up; an unconfirmed account cannot
    # sign in. Operator-made and demo accounts are confirmed when created.
    # (No column default: the ORM would fill it on insert when sign-up leaves it None.)
    email_confirmed_at: datetime | None = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"default": None}
    )
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.status != "rejected"

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "read" (GET only) or "write" (read and write); tokens from before scopes are "write".
    scope: str = Field(default="write", max_length=10, sa_column_kwargs={"server_default": "write"})
    # None: never expires (the operators' command); the tokens page always sets one.
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
