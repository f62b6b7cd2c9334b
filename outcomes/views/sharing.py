"""Co-sponsor requests and the owner's answers to co-sponsors and partnerships."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.errors import saved
from catalogue.forms import form_to_dict, load_form
from outcomes import services
from outcomes.schemas import CoSponsorRequestSchema
from outcomes.views.common import _challenge, _manage, _signed_in, bp

# --- co-sponsors ---------------------------------------------------------------------------------


@bp.route("/challenges/<ref>/co-sponsor", methods=["GET", "POST"])
def co_sponsor(ref: str):
    _signed_in()
    challenge = _challenge(ref)
    viewer = current_viewer()
    if not access.can_co_sponsor(viewer, challenge):
        abort(403)
    context = {"title": "Ask to co-sponsor this challenge", "challenge": challenge}
    if request.method == "GET":
        return render_template("outcomes/co_sponsor.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(CoSponsorRequestSchema(), raw)
    if not errors:
        session = get_session()
        errors = saved(
            session, lambda: services.request_co_sponsor(session, viewer, challenge, data.get("note")), "note"
        )
    if errors:
        return render_template("outcomes/co_sponsor.html", data=raw, errors=errors, **context)
    flash("Your request has been sent to the challenge owner", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.post("/challenges/<ref>/co-sponsors/<int:request_id>")
def decide_co_sponsor(ref: str, request_id: int):
    challenge = _manage(ref)
    session = get_session()
    approve = request.form.get("decision") == "approve"
    if saved(session, lambda: services.decide_co_sponsor(session, current_viewer(), challenge, request_id, approve)):
        abort(404)  # no such request for this challenge
    flash("Co-sponsor decision saved", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.post("/challenges/<ref>/programme-requests/<int:request_id>")
def decide_programme_request(ref: str, request_id: int):
    challenge = _manage(ref)
    session = get_session()
    accept = request.form.get("decision") == "accept"
    errors = saved(
        session, lambda: services.decide_programme_request(session, current_viewer(), challenge, request_id, accept)
    )
    if errors:
        flash(next(iter(errors.values())), "error")
        return redirect(url_for("challenges.show", ref=ref), code=303)
    flash("Your answer to the partnership has been saved", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)
