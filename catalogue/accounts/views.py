"""Sign up, sign in and out, your account, membership approval and the audit trail."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlmodel import select

from catalogue.access import audit_clause, can_verify_organisations, owner_is_verified, verified_clause
from catalogue.accounts import services, tokens
from catalogue.accounts.auth import act_for_request, current_viewer, is_safe_next
from catalogue.accounts.models import Organisation
from catalogue.accounts.passwords import hash_password
from catalogue.accounts.schemas import (
    ChangePasswordSchema,
    ForgottenPasswordSchema,
    ResetPasswordSchema,
    SignInSchema,
    SignUpSchema,
)
from catalogue.audit_trail import audit_rows
from catalogue.changes import AuditEvent
from catalogue.db import get_session, reading, writing
from catalogue.forms import form_to_dict, load_form
from catalogue.ratelimit import limiter

bp = Blueprint("accounts", __name__, url_prefix="/account")

SIGN_IN_FAILED = "Enter a correct email address and password"


def _account_key() -> str:
    """Throttle per account named in the form, whether or not it exists."""
    return "sign-in:" + services.normalise_email(request.form.get("email", ""))[:320]


def _email_key() -> str:
    """Throttle emails to one address (sign-up, reset), whoever asks for them."""
    return f"mail:{request.endpoint}:" + services.normalise_email(request.form.get("email", ""))[:320]


def _failed(response) -> bool:
    # Only failed attempts count: a successful sign-in redirects.
    return response.status_code != 303


def _reads_first(view):
    """The view reads without write intent and marks its own write with `writing()`, so that on
    SQLite it holds the write lock only while it writes (not while it renders or hashes)."""

    @functools.wraps(view)
    def wrapper(*args: object, **kwargs: object):
        with reading():
            return view(*args, **kwargs)

    return wrapper


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"], deduct_when=_failed, error_message="Too many attempts")
@limiter.limit("5 per 15 minutes", key_func=_account_key, methods=["POST"], deduct_when=_failed)
@_reads_first
def sign_in():
    next_url = request.values.get("next")
    if request.method == "GET":
        return render_template("accounts/sign_in.html", title="Sign in", data={}, errors={}, next=next_url)
    data, errors = load_form(SignInSchema(), form_to_dict(request.form))
    user = None
    if not errors:
        db = get_session()
        user = services.authenticate(db, data["email"], data["password"])
        if user is None:
            # End the (write-intent) transaction now: the limiter counts this failure after the
            # view returns, on its own connection, and on SQLite would wait for our lock.
            db.rollback()
            errors = {"email": SIGN_IN_FAILED}
        else:
            db.commit()
    if errors:
        data.pop("password", None)
        return render_template("accounts/sign_in.html", title="Sign in", data=data, errors=errors, next=next_url), 200
    # A fresh session on sign-in closes session fixation.
    session.clear()
    login_user(user, remember=bool(data.get("remember")))
    flash("You are signed in", "success")
    return redirect(next_url if is_safe_next(next_url) else url_for("core.home"), code=303)


@bp.post("/sign-out")
@_reads_first
def sign_out():
    if current_user.is_authenticated:
        # A signed cookie cannot be taken back, so the token it embeds is: every copy of the old
        # cookie (a replayed one, another device's) stops working.
        user_id = current_user.id
        db = get_session()
        db.rollback()
        with writing():
            services.end_all_sessions(db, user_id)
            db.commit()
    # Clear first: logout_user() leaves a note in the session telling Flask-Login to delete the
    # remember cookie, and clearing after it would drop that note (and keep the user signed in).
    session.clear()
    logout_user()
    flash("You have signed out on every device", "success")
    return redirect(url_for("core.home"), code=303)


def _sign_up_choices() -> tuple[list[Organisation], list[Organisation]]:
    db = get_session()
    orgs = db.exec(
        select(Organisation)
        .where(Organisation.kind != "government", verified_clause(Organisation))
        .order_by(Organisation.name)
    ).all()
    authorities = [o for o in orgs if o.kind == "local-authority"]
    others = [o for o in orgs if o.kind != "local-authority"]
    return authorities, others


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_email_key, methods=["POST"])
@_reads_first
def sign_up():
    authorities, others = _sign_up_choices()
    context = {"title": "Create an account", "authorities": authorities, "others": others}
    if request.method == "GET":
        return render_template("accounts/sign_up.html", data={}, errors={}, **context)
    data, errors = load_form(SignUpSchema(), form_to_dict(request.form))
    if not errors:
        # Hash before the write transaction starts (see services.authenticate), whether or not
        # the address has an account, so both answers take the same time.
        password_hash = hash_password(data["password"])
        db = get_session()
        # End the read transaction (the organisation list): a write cannot upgrade an old read
        # snapshot on SQLite, it has to begin as a write.
        db.rollback()
        try:
            with writing():
                services.sign_up(db, data, password_hash=password_hash)
                db.commit()
        except services.AccountError as exc:
            db.rollback()
            field = "organisation_ref" if data["organisation_choice"] == "existing" else "new_organisation_name"
            errors = {field: str(exc)}
    if errors:
        data.pop("password", None)
        return render_template("accounts/sign_up.html", data=data, errors=errors, **context), 200
    # The same answer whether the account is new or the address already had one.
    return redirect(url_for("accounts.check_email", sent="confirm"), code=303)


@bp.get("/check-email")
def check_email():
    sent = "reset" if request.args.get("sent") == "reset" else "confirm"
    return render_template("accounts/check_email.html", title="Check your email", sent=sent)


def _expired(purpose: str):
    return render_template("accounts/link_expired.html", title="This link has expired", purpose=purpose), 400


def _use_link(token: str, purpose: str, change) -> object | None:
    """Run change(session, user) in one write, checking the link again inside it so that of two
    uses at once only one succeeds. Returns the expired-link page when it no longer works."""
    db = get_session()
    db.rollback()  # the read that showed the form ends: the write begins as a write
    with writing():
        user = tokens.user_for(db, token, purpose)
        if user is None:
            db.rollback()
            return _expired(purpose)
        act_for_request(user.id)
        change(db, user)
        db.commit()
    return None


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@_reads_first
def confirm_email(token: str):
    if tokens.user_for(get_session(), token, tokens.CONFIRM) is None:
        return _expired("confirm")
    if request.method == "GET":
        # A button, not the link itself, confirms: mail scanners that prefetch links change nothing.
        return render_template("accounts/confirm_email.html", title="Confirm your email address")
    expired = _use_link(token, tokens.CONFIRM, services.confirm_email)
    if expired is not None:
        return expired
    flash("Your email address is confirmed. Sign in to continue.", "success")
    return redirect(url_for("accounts.sign_in"), code=303)


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_email_key, methods=["POST"])
@_reads_first
def forgotten_password():
    title = "Forgotten your password?"
    if request.method == "GET":
        return render_template("accounts/forgotten_password.html", title=title, data={}, errors={})
    data, errors = load_form(ForgottenPasswordSchema(), form_to_dict(request.form))
    if errors:
        return render_template("accounts/forgotten_password.html", title=title, data=data, errors=errors), 200
    db = get_session()
    db.rollback()
    with writing():
        services.request_password_reset(db, data["email"])
        db.commit()
    # The same answer for any address: whether it has an account stays unsaid.
    return redirect(url_for("accounts.check_email", sent="reset"), code=303)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@_reads_first
def reset_password(token: str):
    user = tokens.user_for(get_session(), token, tokens.RESET)
    if user is None:
        return _expired("reset")
    title = "Choose a new password"
    if request.method == "GET":
        return render_template("accounts/reset_password.html", title=title, errors={})
    data, errors = load_form(ResetPasswordSchema(user.email), form_to_dict(request.form))
    if errors:
        return render_template("accounts/reset_password.html", title=title, errors=errors), 200
    password_hash = hash_password(data["new_password"])  # outside the write (see authenticate)
    expired = _use_link(token, tokens.RESET, lambda db, u: services.reset_password(db, u, password_hash))
    if expired is not None:
        return expired
    flash("Your password is changed and every device is signed out. Sign in with your new password.", "success")
    return redirect(url_for("accounts.sign_in"), code=303)


@bp.get("")
@login_required
def account():
    db = get_session()
    org = db.get(Organisation, current_user.organisation_id) if current_user.organisation_id else None
    viewer = current_viewer()
    pending = services.pending_members(db, viewer)
    return render_template("accounts/account.html", title="Your account", org=org, pending=pending, errors={}, data={})


@bp.post("/password")
@login_required
def change_password():
    data, errors = load_form(ChangePasswordSchema(), form_to_dict(request.form))
    db = get_session()
    if not errors:
        try:
            services.change_password(db, current_user, data["current_password"], data["new_password"])
            db.commit()
        except services.AccountError as exc:
            db.rollback()
            field = "current_password" if "current" in str(exc) else "new_password"
            errors = {field: str(exc)}
    if errors:
        org = db.get(Organisation, current_user.organisation_id) if current_user.organisation_id else None
        return render_template(
            "accounts/account.html",
            title="Your account",
            org=org,
            errors=errors,
            data={},
            pending=services.pending_members(db, current_viewer()),
        ), 200
    # The token rotated: sign in again on this device with the new one.
    login_user(current_user)
    flash("Your password is changed. Other devices have been signed out.", "success")
    return redirect(url_for("accounts.account"), code=303)


@bp.get("/members")
@login_required
def members():
    viewer = current_viewer()
    if not (viewer.org_admin or viewer.site_admin):
        abort(403)
    db = get_session()
    pending = services.pending_members(db, viewer)
    people = services.organisation_members(db, viewer.member_org_id) if viewer.member_org_id else []
    # First members of organisations registered at sign-up: approving one verifies its organisation.
    unverified = {u.organisation_id for u in pending if u.organisation_id and not owner_is_verified(u.organisation_id)}
    return render_template(
        "accounts/members.html", title="Members", pending=pending, people=people, unverified=unverified
    )


@bp.post("/members/<int:user_id>/<any(approve, reject):decision>")
@login_required
def decide(user_id: int, decision: str):
    db = get_session()
    try:
        user = services.decide_membership(db, current_viewer(), user_id, decision == "approve")
    except services.AccountError:
        abort(403)
    db.commit()
    flash(f"{user.email} is {'approved' if decision == 'approve' else 'rejected'}", "success")
    return redirect(url_for("accounts.members"), code=303)


@bp.get("/organisations/pending")
@login_required
def pending_organisations():
    """Organisations registered at sign-up, waiting for a site admin to verify or reject them."""
    viewer = current_viewer()
    if not can_verify_organisations(viewer):
        abort(403)
    rows = services.pending_organisations(get_session(), viewer)
    return render_template("accounts/pending_organisations.html", title="Organisations to verify", rows=rows)


@bp.post("/organisations/<int:organisation_id>/<any(verify, reject):decision>")
@login_required
def decide_organisation(organisation_id: int, decision: str):
    viewer = current_viewer()
    if not can_verify_organisations(viewer):
        abort(403)
    db = get_session()
    try:
        org = services.decide_organisation(db, viewer, organisation_id, decision == "verify")
    except services.AccountError:
        db.rollback()
        abort(404)
    db.commit()
    flash(f"{org.name} is {'verified' if decision == 'verify' else 'rejected'}", "success")
    return redirect(url_for("accounts.pending_organisations"), code=303)


@bp.get("/audit")
@login_required
def audit():
    viewer = current_viewer()
    if not (viewer.org_admin or viewer.site_admin):
        abort(403)
    db = get_session()
    page = max(request.args.get("page", 1, type=int), 1)
    events = db.exec(
        select(AuditEvent)
        .where(audit_clause(viewer, AuditEvent))
        .order_by(AuditEvent.id.desc())
        .offset((page - 1) * 50)
        .limit(51)
    ).all()
    return render_template(
        "accounts/audit.html",
        title="Audit trail",
        rows=audit_rows(db, events[:50]),
        page=page,
        has_next=len(events) > 50,
    )
