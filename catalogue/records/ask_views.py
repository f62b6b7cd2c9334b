"""Pages for asking a peer about their experience (catalogue.records.ask_peer)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.records import ask_peer
from catalogue.records.views import _abort, _read_only, _sign_in_first, bp


def _ask_page(target: ask_peer.AskTarget, data: dict, errors: dict, status: int = 200):
    title = f"Ask {target.organisation.name} about {target.tool.name}"
    page = render_template("records/ask.html", title=title, target=target, data=data, errors=errors)
    return _read_only(get_session(), page), status


@bp.route("/deployments/<ref>/ask", methods=["GET", "POST"])
def ask_peer_page(ref: str):
    if not current_user.is_authenticated:
        return _sign_in_first()
    session = get_session()
    viewer = current_viewer()
    try:
        # A record the viewer may not see raises NotFound, answered 404 by catalogue.errors.
        target = ask_peer.ask_target(session, viewer, ref)
    except ask_peer.AskRefused as exc:
        page = render_template("records/ask_refused.html", title="You cannot ask about this record", reason=str(exc))
        return _read_only(session, page), 403
    if request.method == "GET":
        return _ask_page(target, {}, {})
    data = {"message": request.form.get("message", "")}
    question, errors = ask_peer.ask(session, viewer, target, data["message"])
    if errors:
        session.rollback()
        return _ask_page(target, data, errors, 422 if "24 hours" not in errors.get("message", "") else 429)
    session.commit()
    flash(f"Your question was sent to {target.organisation.name}. Their reply will come to your email.", "success")
    return redirect(url_for("records.deployment", ref=ref), code=303)


@bp.route("/ask/reply/<token>", methods=["GET", "POST"])
def peer_reply(token: str):
    """Reached from the question's email: the signed token stands for the recipient's address."""
    session = get_session()
    context = ask_peer.reply_context(session, token)
    if context is None:
        _abort(404)
    data = {"reply": request.form.get("reply", "")} if request.method == "POST" else {}
    errors: dict = {}
    if request.method == "POST":
        errors = ask_peer.send_reply(session, context, data["reply"])
        if not errors:
            session.commit()
            flash("Your reply was sent, with your email address so they can write back", "success")
            return redirect(url_for("records.peer_reply", token=token), code=303)
        session.rollback()
        context = ask_peer.reply_context(session, token)
    page = render_template(
        "records/ask_reply.html", title="Reply to a question", context=context, data=data, errors=errors
    )
    return _read_only(session, page), (422 if errors else 200)
