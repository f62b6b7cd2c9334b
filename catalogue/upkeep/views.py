"""Pages: "Still true" (a button on the record's page, and the signed link in the digest),
withdrawing a record with a reason (a site admin deletes the same way), and the notice its owner
finds once it is withdrawn."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.changes import current_actor_id
from catalogue.db import get_session
from catalogue.errors import NotAllowed, NotFound
from catalogue.forms import form_to_dict
from catalogue.upkeep import reminders, services

bp = Blueprint("upkeep", __name__)


def _sign_in_first() -> Any:
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")), code=303)


@bp.post("/records/<kind>/<ref>/confirm")
def confirm(kind: str, ref: str):
    if not current_user.is_authenticated:
        return _sign_in_first()
    session = get_session()
    try:
        services.confirm(session, current_viewer(), kind, ref)
    except NotAllowed:
        abort(403)
    session.commit()
    flash("Thank you: the record is confirmed as still true", "success")
    return redirect(services.page_url(kind, ref), code=303)


@bp.route("/records/<kind>/<ref>/withdraw", methods=["GET", "POST"])
def withdraw(kind: str, ref: str):
    """A confirmation page with a required reason; a site admin who is not the owner deletes."""
    if not current_user.is_authenticated:
        return _sign_in_first()
    session, viewer = get_session(), current_viewer()
    record = services.find(session, kind, ref)
    if not access.can_view_kind(viewer, kind, record):
        raise NotFound(ref)
    delete = viewer.site_admin and viewer.member_org_id != record.organisation_id
    if not (access.can_delete(viewer) if delete else access.can_withdraw(viewer, record)):
        abort(403)
    context = {
        "kind": kind,
        "record": record,
        "what": services.label(kind),
        "record_title": services.title(session, kind, record),
        "delete": delete,
        "back": services.page_url(kind, ref),
    }
    if request.method == "GET":
        return render_template("upkeep/withdraw.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    try:
        done, errors = services.withdraw(session, viewer, kind, ref, raw.get("reason"), delete=delete)
    except NotAllowed:
        abort(403)
    if errors:
        return render_template("upkeep/withdraw.html", data=raw, errors=errors, **context), 422
    session.commit()
    flash(f"The {services.label(kind)} was {'deleted' if delete else 'withdrawn'}", "success")
    return redirect(url_for("upkeep.withdrawn", kind=kind, ref=ref), code=303)


@bp.get("/records/<kind>/<ref>/withdrawn")
def withdrawn(kind: str, ref: str):
    """The notice a withdrawn record's owner (and site admins) find: what, when, why. Everyone
    else gets the same 404 as for a record that never existed."""
    session, viewer = get_session(), current_viewer()
    record = services.find(session, kind, ref)
    if not access.can_see_withdrawn(viewer, record):
        raise NotFound(ref)
    return render_template(
        "upkeep/withdrawn.html",
        record=record,
        what=services.label(kind),
        record_title=services.title(session, kind, record),
    )


@bp.route("/still-true/<token>", methods=["GET", "POST"])
def still_true(token: str):
    """The digest's link. It shows the record and one "Still true" button (a link checker that
    opens every link in an email must not confirm anything); the button confirms it, as the user
    the link was sent to, whether or not they are signed in here."""
    session = get_session()
    found = reminders.token_record(session, token)
    if found is None:
        return render_template("upkeep/still_true_invalid.html"), 404
    record, user, viewer, kind = found
    context = {
        "record": record,
        "kind": kind,
        "what": services.label(kind),
        "record_title": services.title(session, kind, record),
        "page": services.page_url(kind, record.ref),
        "edit": services.edit_url(kind, record.ref),
    }
    if request.method == "GET":
        return render_template("upkeep/still_true.html", **context)
    # The audit trail names the user the link was for.
    reset = current_actor_id.set(user.id)
    try:
        services.confirm(session, viewer, kind, record.ref)
        session.commit()
    finally:
        current_actor_id.reset(reset)
    return render_template("upkeep/still_true.html", confirmed=True, **context)


def freshness(kind: str, record: Any) -> dict[str, Any]:
    """What a record's page shows about its freshness, and which buttons its viewer gets."""
    viewer = current_viewer()
    session = get_session()
    confirmed = record.last_confirmed_at or record.updated_at
    return {
        "confirmed": confirmed,
        "by": services.organisation_name(session, record.last_confirmed_by_id),
        "stale": record.stale,
        "can_confirm": access.can_confirm(viewer, record),
        "can_withdraw": access.can_withdraw(viewer, record) or access.can_delete(viewer),
        "withdraw_url": url_for("upkeep.withdraw", kind=kind, ref=record.ref),
        "confirm_url": url_for("upkeep.confirm", kind=kind, ref=record.ref),
        "delete": viewer.site_admin and viewer.member_org_id != record.organisation_id,
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        freshness=freshness,
        freshness_choices=services.FRESHNESS,
        stale_tag=_stale_tag,
        stale_card_tag=_stale_card_tag,
    )


def _stale_card_tag(confirmed_ms: int | None) -> Any:
    """The tag on a search result card, from the index's confirmed time (milliseconds)."""
    from datetime import UTC, datetime

    from markupsafe import Markup

    from catalogue.upkeep.models import stale_before

    if not confirmed_ms or confirmed_ms >= stale_before().timestamp() * 1000:
        return Markup("")
    confirmed = datetime.fromtimestamp(confirmed_ms / 1000, UTC)
    return Markup(' <strong class="govuk-tag govuk-tag--grey">Not confirmed since {}</strong>').format(
        confirmed.strftime("%B %Y")
    )


def _stale_tag(record: Any) -> Any:
    """The "Not confirmed since <month year>" tag of lists and cards (empty while current)."""
    from markupsafe import Markup

    if not getattr(record, "stale", False):
        return Markup("")
    confirmed = record.last_confirmed_at or record.updated_at
    return Markup(' <strong class="govuk-tag govuk-tag--grey">Not confirmed since {}</strong>').format(
        confirmed.strftime("%B %Y")
    )
