"""Amending an open challenge: a later closing date, a corrected statement, a document link."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, ValidationError

from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.errors import Invalid, saved
from catalogue.forms import flatten_errors, form_to_dict
from outcomes import services
from outcomes.schemas import AmendmentSchema
from outcomes.views.common import _date_from_parts, _date_parts, _manage, bp


@bp.route("/challenges/<ref>/amend", methods=["GET", "POST"])
def amend(ref: str):
    challenge = _manage(ref)
    context = {
        "title": "Amend the challenge",
        "challenge": challenge,
        "amendments": services.amendments_of(get_session(), challenge),
        "open": challenge.shown_status == "open",
    }
    if request.method == "GET":
        data = {"problem": challenge.problem, "closes_parts": _date_parts(challenge.closes)}
        return render_template("outcomes/amend.html", data=data, errors={}, **context)
    raw = form_to_dict(request.form)
    raw["closes_parts"] = {p: request.form.get(f"closes-{p}", "").strip() for p in ("day", "month", "year")}
    for p in ("day", "month", "year"):
        raw.pop(f"closes-{p}", None)
    given = {k: v for k, v in raw.items() if k != "closes_parts"}
    closes = _date_from_parts(request.form, "closes")
    if closes is not None:
        given["closes"] = closes
    # Every problem at once: the fields the form accepted go on to the service's own checks.
    try:
        checked, errors = AmendmentSchema().load(given, unknown=EXCLUDE), {}
    except ValidationError as exc:
        checked, errors = exc.valid_data or {}, flatten_errors(exc.messages)
    session = get_session()

    def write() -> None:
        services.amend(session, current_viewer(), challenge, checked)
        if errors:
            raise Invalid.of_fields(errors)  # the service's checks passed; the form's still stop it

    refused = saved(session, write)
    if refused:
        session.refresh(challenge)
        errors = {**refused, **errors}
    if errors:
        return render_template("outcomes/amend.html", data=raw, errors=errors, **context)
    flash("The amendment is published and every interested supplier has been told", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)
