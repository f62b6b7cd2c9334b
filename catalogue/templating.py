"""What every template can use: the product name, the viewer, labels for codes, safe text."""

from __future__ import annotations

from collections import ChainMap
from datetime import date, datetime
from typing import Any

from flask import Flask, g, render_template, request
from flask.templating import Environment
from flask_login import current_user
from werkzeug.exceptions import Forbidden, HTTPException

from catalogue import vocabulary
from catalogue.forms import error_message, error_summary
from catalogue.text import excerpt, render_markdown
from catalogue.web_address import web_link


def format_month(value: str | None) -> str:
    """'2025-03' -> 'March 2025'."""
    if not value:
        return ""
    try:
        return datetime.strptime(value, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return value


def format_money(value: float | None) -> str:
    if value is None:
        return ""
    return f"£{value:,.0f}"


def format_date(value: date | datetime | str | None) -> str:
    """The one date format on every page: '15 January 2027'. Dates stored as text (milestones
    in JSON: '2027-01-15', or a month '2027-01') read the same; other text is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return format_month(value.strip())
    return value.strftime("%-d %B %Y")


class _Globals(ChainMap):
    """A template's globals. Jinja subtracts their keys from the importing template's on every
    `{% from ... import %}` (a GOV.UK page runs thirty-odd); ChainMap's keys view answers that one
    key at a time in Python, a dict's keys view in C. Same contents, same lookups."""

    def keys(self):  # a dict_keys, as from a dict
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class SignpostEnvironment(Environment):
    def make_globals(self, d: dict[str, Any] | None) -> ChainMap:
        return _Globals(d if d is not None else {}, self.globals)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=render_markdown,
        excerpt=excerpt,
        month=format_month,
        money=format_money,
        date=format_date,
        # Every stored web address is linked through this (http and https only; else plain text).
        web_link=web_link,
    )
    # Macros imported by `{% from ... import ... %}` see the environment's globals but not the
    # context processor's values, so what the form macros call must be a global too.
    from catalogue.personal_data.guard import confirmation_field

    app.jinja_env.globals.update(
        error_message=error_message,
        error_summary=error_summary,
        personal_data_confirmation=confirmation_field,
        label=vocabulary.label,
        vocab=vocabulary,
    )

    def _awaits_verification(viewer: Any) -> bool:
        """The signed-in user's organisation was registered at sign-up and no site admin has
        verified it yet: the layout says so on every page."""
        if viewer.organisation_id is None:
            return False
        from catalogue.access import owner_is_verified

        return not owner_is_verified(viewer.organisation_id)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        from catalogue.accounts.auth import current_viewer

        viewer = current_viewer()
        from catalogue import access

        return {
            "product_name": app.config["PRODUCT_NAME"],
            "viewer": viewer,
            # Templates offer only the links their viewer may follow, asking the one policy.
            "access": access,
            # A form posts back to this page's address, never to one with a #fragment (after the
            # skip link, #main-content would take focus from the error summary).
            "form_action": request.full_path.rstrip("?") if request else "",
            "organisation_awaits_verification": _awaits_verification(viewer),
            "current_user": current_user,
            "vocab": vocabulary,
            "label": vocabulary.label,
            "cspNonce": g.get("csp_nonce"),
            "error_summary": error_summary,
            "error_message": error_message,
        }

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return {"code": exc.code, "status": exc.name, "message": exc.description}, exc.code
        # A 403's own description (abort(403, "why")) is shown; werkzeug's generic one is not.
        return render_template("core/error.html", error=exc, default_403=Forbidden.description), exc.code
