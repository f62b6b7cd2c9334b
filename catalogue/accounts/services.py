"""Rules for accounts and memberships: plain functions that take a session, no request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, g, has_request_context, url_for
from sqlmodel import Session, select

from catalogue.access import VERIFIED, Viewer, can_administer_org, can_verify_organisations, verified_clause
from catalogue.accounts import tokens
from catalogue.accounts.models import ApiToken, Organisation, User, new_session_token
from catalogue.accounts.passwords import hash_password, needs_rehash, verify_password
from catalogue.db import reading, utcnow, writing
from catalogue.refs import new_ref


class AccountError(Exception):
    """A rule was broken; the message is safe to show."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user when the password is right; None otherwise, taking the same time either way.

    argon2 takes a noticeable time on purpose, so it runs outside any write transaction: on
    SQLite a write transaction holds the one database-wide write lock, and every other sign-in,
    sign-up and form would queue behind the hashing (under load, past the busy timeout)."""
    with reading():
        user = find_user(session, email)
        stored = user.password_hash if user else None
        user_id, status = (user.id, user.status) if user else (None, None)
        confirmed = bool(user and user.email_confirmed_at)
        session.rollback()
    # An unconfirmed account fails like a wrong password, so sign-in never tells them apart.
    if not verify_password(stored, password) or user_id is None or status == "rejected" or not confirmed:
        return None
    new_hash = hash_password(password) if needs_rehash(stored) else None
    with writing():
        user = session.get(User, user_id)
        if user is None or user.status == "rejected":
            return None
        if new_hash and user.password_hash == stored:
            user.password_hash = new_hash
        user.last_sign_in_at = utcnow()
        session.add(user)
    return user


def create_organisation(
    session: Session, name: str, kind: str, website: str | None = None, *, verification: str = "verified"
) -> Organisation:
    org = Organisation(
        ref=new_ref(session, Organisation, name),
        name=name.strip(),
        kind=kind,
        website=website or None,
        verification=verification,
    )
    session.add(org)
    session.flush()
    return org


def create_user(
    session: Session,
    email: str,
    password: str,
    organisation: Organisation | None,
    *,
    display_name: str = "",
    role: str = "member",
    approved: bool = False,
    site_admin: bool = False,
    password_hash: str | None = None,
    confirmed: bool = True,
) -> User:
    email = normalise_email(email)
    if find_user(session, email) is not None:
        raise AccountError("An account with that email address already exists")
    user = User(
        email=email,
        display_name=display_name or email.split("@")[0],
        password_hash=password_hash or hash_password(password),
        organisation_id=organisation.id if organisation else None,
        role=role,
        status="approved" if approved else "pending",
        is_site_admin=site_admin,
        approved_at=utcnow() if approved else None,
    )
    if not confirmed:
        # Set after construction: SQLModel's constructor fills a default_factory field given None.
        user.email_confirmed_at = None
    session.add(user)
    session.flush()
    return user


def sign_up(session: Session, data: dict, password_hash: str | None = None) -> User | None:
    """A new account, unconfirmed and pending until an admin of the organisation (or a site
    admin) approves it; its owner is emailed a confirmation link. The first person to register
    a new supplier or provider becomes its admin, still pending, and the organisation itself is
    pending (unseen outside its members and site admins) until a site admin verifies it
    (`decide_organisation`, which approves that first member in the same step).

    When the address already has an account, nothing is created and its owner is emailed
    instead (returns None): the caller answers both the same way, so sign-up never reveals
    whether an account exists."""
    if data["organisation_choice"] == "existing":
        org = session.exec(
            select(Organisation).where(Organisation.ref == data["organisation_ref"], verified_clause(Organisation))
        ).first()
        if org is None or org.kind == "government":
            raise AccountError("Choose your organisation from the list")
    else:
        # Verified organisations are listed publicly, so saying a name is taken reveals nothing.
        # Unverified ones are not compared: that would reveal them, and a squatter's pending
        # "Northmoor Council" must not stop the real one registering (a site admin picks).
        existing = session.exec(
            select(Organisation).where(
                sa.func.lower(Organisation.name) == data["new_organisation_name"].strip().lower(),
                verified_clause(Organisation),
            )
        ).first()
        if existing is not None:
            raise AccountError("An organisation with that name is already listed: choose it from the list")
        org = None
    owner = find_user(session, data["email"])
    if owner is not None:
        _queue_account_email(
            session,
            owner,
            "Someone tried to create an account with your email address",
            "Someone tried to create a new account with this email address, which already has one.\n\n"
            f"If it was you, sign in: {_absolute('accounts.sign_in')}\n"
            f"If you have forgotten your password, reset it: {_absolute('accounts.forgotten_password')}\n\n"
            "If it was not you, you need do nothing: no account was created.",
        )
        return None
    if org is None:
        org = create_organisation(
            session,
            data["new_organisation_name"],
            data["new_organisation_kind"],
            data.get("new_organisation_website"),
            verification="pending",
        )
        role = "admin"
    else:
        role = "member"
    user = create_user(
        session,
        data["email"],
        data["password"],
        org,
        display_name=data["display_name"],
        role=role,
        approved=False,
        password_hash=password_hash,
        confirmed=False,
    )
    link = _absolute("accounts.confirm_email", token=tokens.make_token(user, tokens.CONFIRM))
    _queue_account_email(
        session,
        user,
        "Confirm your email address",
        f"Follow this link to confirm your email address and finish creating your account:\n\n{link}\n\n"
        "The link works for 3 days. If you did not ask for an account, you need do nothing.",
    )
    return user


def confirm_email(session: Session, user: User) -> None:
    first_time = user.email_confirmed_at is None
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if first_time and org is not None and org.verification == "pending":
        _tell_site_admins(session, org)
    # The confirmation link binds the old token: it works once.
    user.session_token = new_session_token()
    session.add(user)


def _tell_site_admins(session: Session, org: Organisation) -> None:
    """A new organisation waits for verification once its first member confirmed their address."""
    from catalogue.notifications.services import notify

    admins = session.exec(select(User).where(User.is_site_admin.is_(True), User.status == "approved")).all()
    notify(
        session,
        admins,
        f"{org.name} is waiting for verification",
        f"{org.name}\n\nWhat happened: a new organisation ({org.kind}) registered and its first member "
        "confirmed their email address.\n\nNext: verify or reject it on the organisations waiting page; "
        "its members cannot do anything until then.",
        "/account/organisations/pending",
        record=org,
        kind="organisation",
        about="organisation-verification",
    )


def request_password_reset(session: Session, email: str) -> None:
    """Email a reset link when the address has a usable account; do nothing otherwise (the
    caller answers the same either way)."""
    user = find_user(session, email)
    if user is None or user.status == "rejected":
        return
    link = _absolute("accounts.reset_password", token=tokens.make_token(user, tokens.RESET))
    _queue_account_email(
        session,
        user,
        "Reset your password",
        f"Follow this link to choose a new password:\n\n{link}\n\n"
        "The link works for one hour, once. If you did not ask to reset your password, you need do nothing: "
        "your password has not changed.",
    )


def reset_password(session: Session, user: User, password_hash: str) -> None:
    """Set a new password (already hashed): the reset link and every session die with the old one.
    Following the emailed link also proves the address, so the account is confirmed."""
    user.password_hash = password_hash
    user.session_token = new_session_token()
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    session.add(user)


def _absolute(endpoint: str, **values: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, _external=False, **values)


def _queue_account_email(session: Session, user: User, subject: str, body: str) -> None:
    """Into the outbox with the alert emails (sent after the request, retried on failure)."""
    from catalogue.notifications.models import OutboxEmail

    product = current_app.config["PRODUCT_NAME"]
    session.add(
        OutboxEmail(
            user_id=user.id,
            to_address=user.email,
            subject=f"{subject} – {product}",
            body=f"{body}\n\n-- \n{product}",
            unsubscribe_token="",
        )
    )
    if has_request_context():
        g.outbox_dirty = True


def pending_members(session: Session, viewer: Viewer) -> list[User]:
    query = select(User).where(User.status == "pending").order_by(User.created_at)
    if not viewer.site_admin:
        if not viewer.org_admin:
            return []
        query = query.where(User.organisation_id == viewer.member_org_id)
    return list(session.exec(query))


def organisation_members(session: Session, organisation_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.organisation_id == organisation_id).order_by(User.email)))


def decide_membership(session: Session, viewer: Viewer, user_id: int, approve: bool) -> User:
    user = session.get(User, user_id)
    if user is None or not can_administer_org(viewer, user.organisation_id):
        raise AccountError("You cannot approve members of that organisation")
    if user.id == viewer.user_id:
        # An admin rejecting themselves could leave the organisation with no admin at all.
        raise AccountError("You cannot decide your own membership")
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if org is not None and org.verification != VERIFIED:
        # The first member of an organisation registered at sign-up: approving them verifies the
        # organisation (one step, whichever page the site admin uses); rejecting them rejects it.
        decide_organisation(session, viewer, org.id, approve)
        return user
    user.status = "approved" if approve else "rejected"
    user.approved_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    user.approved_at = utcnow()
    if not approve:
        user.session_token = new_session_token()
    session.add(user)
    return user


def pending_organisations(session: Session, viewer: Viewer) -> list[tuple[Organisation, list[User]]]:
    """Organisations registered at sign-up that wait for a site admin, oldest first, each with
    its members (the first is the person who registered it)."""
    if not can_verify_organisations(viewer):
        return []
    orgs = session.exec(
        select(Organisation).where(Organisation.verification == "pending").order_by(Organisation.created_at)
    ).all()
    return [(org, organisation_members(session, org.id)) for org in orgs]


def decide_organisation(session: Session, viewer: Viewer, organisation_id: int, verify: bool) -> Organisation:
    """Verify (or reject) an organisation registered at sign-up: site admins only. Verifying
    approves its waiting members (the person who registered it becomes its admin) and makes it
    and its records visible (the search index re-indexes them from the change log, through
    search.documents.dependents); rejecting rejects its waiting members and signs them out.
    Either way its members are emailed. The audit trail records the organisation's change."""
    if not can_verify_organisations(viewer):
        raise AccountError("Only site admins verify organisations")
    org = session.get(Organisation, organisation_id)
    if org is None or org.verification != "pending":
        raise AccountError("That organisation is not waiting for verification")
    org.verification = VERIFIED if verify else "rejected"
    org.updated_at = utcnow()
    session.add(org)
    decider = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    members = organisation_members(session, org.id)
    for user in members:
        if user.status != "pending":
            continue
        user.status = "approved" if verify else "rejected"
        user.approved_by_id = decider
        user.approved_at = utcnow()
        if not verify:
            user.session_token = new_session_token()
        session.add(user)
    product = current_app.config["PRODUCT_NAME"]
    for user in members:
        if verify:
            _queue_account_email(
                session,
                user,
                f"{org.name} is verified",
                f"A site admin has verified {org.name} on {product}. The organisation and what it publishes "
                f"are now visible to others, and you can use your account in full.\n\n"
                f"Sign in: {_absolute('accounts.sign_in')}",
            )
        else:
            _queue_account_email(
                session,
                user,
                f"{org.name} was not verified",
                f"A site admin could not verify {org.name} on {product}, so it will not be listed and "
                "its account cannot be used. If you think this is a mistake, reply to this email.",
            )
    session.flush()
    return org


def end_all_sessions(session: Session, user_id: int) -> None:
    """A new session token: every session and remember cookie of the user stops working."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_token = new_session_token()
        session.add(user)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    from catalogue.accounts.passwords import password_problem

    if not verify_password(user.password_hash, current):
        raise AccountError("Your current password is not right")
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    # Rotating the token signs out every other session and remember cookie.
    user.session_token = new_session_token()
    session.add(user)


def issue_api_token(
    session: Session, user: User, label: str = "", scope: str = "write", expires_at: datetime | None = None
) -> str:
    """A new bearer token; only its hash is kept, so this is the one time it is shown. The
    operators' command makes read-and-write tokens that never expire; the tokens page chooses."""
    raw = "sp_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(raw), label=label, scope=scope, expires_at=expires_at))
    return raw


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_token(session: Session, raw: str) -> User | None:
    """The user of a usable token (not revoked, not expired), else None."""
    from catalogue.accounts.token_services import token_access

    found, _why = token_access(session, raw)
    return found.user if found is not None else None


def revoke_api_tokens(session: Session, user: User) -> int:
    tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
        session.add(token)
    return len(tokens)
