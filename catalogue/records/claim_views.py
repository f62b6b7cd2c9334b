"""Pages for tool claims (catalogue.records.tool_claims): a supplier's claim button on the tool
page posts here; site admins answer at /tools/claims. Every form carries the CSRF token."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.errors import saved
from catalogue.records import tool_claims
from catalogue.records.models import Tool
from catalogue.records.views import bp


@bp.get("/tools/claims")
def tool_claims_page():
    if not current_user.is_authenticated:
        abort(404)
    rows = tool_claims.pending_claims(get_session(), current_viewer())  # NotAllowed: 403
    return render_template("records/tool_claims.html", title="Tool claims", rows=rows)


@bp.post("/tools/claims/<int:claim_id>")
def decide_tool_claim(claim_id: int):
    session = get_session()
    approve = request.form.get("decision") == "approve"
    errors = saved(session, lambda: tool_claims.decide_claim(session, current_viewer(), claim_id, approve))
    if errors:
        flash(next(iter(errors.values())), "error")
        return redirect(url_for("records.tool_claims_page"), code=303)
    flash("Claim answered", "success")
    return redirect(url_for("records.tool_claims_page"), code=303)


@bp.post("/tools/<ref>/claim")
def claim_tool(ref: str):
    session = get_session()
    tool = session.exec(select(Tool).where(Tool.ref == ref)).first()
    if tool is None:
        abort(404)
    note = (request.form.get("note") or "").strip() or None
    errors = saved(session, lambda: tool_claims.claim_tool(session, current_viewer(), tool, note))
    if errors:
        flash(next(iter(errors.values())), "error")
        return redirect(url_for("records.tool", ref=ref), code=303)
    flash("Your claim has been sent to a site administrator", "success")
    return redirect(url_for("records.tool", ref=ref), code=303)
