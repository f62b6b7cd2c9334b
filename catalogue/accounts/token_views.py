"""Your API tokens (/account/tokens): make a named token with a scope and an expiry (its secret
shown on this one answer, never again), see when each was last used, revoke one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue.accounts import token_services
from catalogue.accounts.schemas import ApiTokenSchema
from catalogue.accounts.views import bp
from catalogue.db import get_session
from catalogue.forms import form_to_dict, load_form


def _page(data: dict, errors: dict, secret: str | None = None, made: object | None = None, status: int = 200):
    tokens = token_services.user_tokens(get_session(), current_user)
    body = render_template(
        "accounts/tokens.html",
        title="API tokens",
        tokens=tokens,
        scopes=token_services.SCOPES,
        expiries=token_services.EXPIRY_DAYS,
        is_expired=token_services.is_expired,
        data=data,
        errors=errors,
        secret=secret,
        made=made,
    )
    # The secret is on this answer only: never stored by a cache or the browser's history.
    return body, status, {"Cache-Control": "no-store"}


@bp.get("/tokens")
@login_required
def api_tokens():
    return _page({"scope": "read", "expires_in_days": "90"}, {})


@bp.post("/tokens")
@login_required
def create_api_token():
    raw = form_to_dict(request.form)
    data, errors = load_form(ApiTokenSchema(), raw)
    if errors:
        return _page(raw, errors)
    db = get_session()
    secret, token = token_services.create_token(db, current_user, data["label"], data["scope"], data["expires_in_days"])
    db.commit()
    return _page({"scope": "read", "expires_in_days": "90"}, {}, secret=secret, made=token)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    db = get_session()
    try:
        token = token_services.revoke_token(db, current_user, token_id)
    except token_services.TokenNotFound:
        abort(404)
    db.commit()
    flash(f"‘{token.label or 'Unnamed token'}’ is revoked: it no longer works.", "success")
    return redirect(url_for("accounts.api_tokens"), code=303)
