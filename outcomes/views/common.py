"""What the challenge and partnership pages share: the two blueprints, the labels, finding the
record (404/403) and reading GOV.UK date inputs and repeatable rows.

Every page works without JavaScript: repeatable rows (outcomes, criteria) are added and removed
by buttons that post the form back.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.errors import saved  # noqa: F401  (views written against this name keep working)
from outcomes import services
from outcomes.models import Challenge

bp = Blueprint("challenges", __name__)
pbp = Blueprint("partnerships", __name__)

SECTION_TITLES: dict[str, str] = {
    "problem": "The problem",
    "users": "Users and their needs",
    "outcomes": "Outcomes",
    "constraints": "Constraints",
    "tried-before": "What has been tried before",
    "budget": "Budget and procurement route",
    "timetable": "Timetable and closing date",
    "evaluation": "Evaluation criteria",
    "requirements": "Requirements",
}
STATUS_TAGS: dict[str, str] = {
    "draft": "govuk-tag--grey",
    "market-engagement": "govuk-tag--purple",
    "open": "govuk-tag--green",
    "evaluating": "govuk-tag--yellow",
    "awarded": "govuk-tag--blue",
    "closed": "govuk-tag--red",
    "withdrawn": "govuk-tag--red",
}


# --- helpers ------------------------------------------------------------------------------------


def _challenge(ref: str) -> Challenge:
    challenge = services.get_challenge(get_session(), current_viewer(), ref)
    if challenge is None:
        abort(404)
    return challenge


def _manage(ref: str) -> Challenge:
    challenge = _challenge(ref)
    if not access.can_manage_challenge(current_viewer(), challenge):
        abort(403)
    return challenge


def _signed_in() -> None:
    if current_viewer().is_anonymous:
        abort(redirect(url_for("accounts.sign_in", next=request.path), code=303))


def _date_from_parts(form: MultiDict, name: str) -> str | None:
    """GOV.UK date input (day, month, year) -> 'YYYY-MM-DD' for the schema; junk stays junk so the
    schema's message shows."""
    parts = [form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    day, month, year = parts
    if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return "-".join(parts) or None


def _date_parts(value: Any) -> dict[str, str]:
    if hasattr(value, "day"):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    return {"day": "", "month": "", "year": ""}


def _rows(form: MultiDict, prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Repeatable rows named prefix-N-key, in N order, blank rows dropped."""
    indexes = sorted({int(m.group(1)) for k in form for m in [re.match(rf"^{prefix}-(\d+)-", k)] if m})
    rows = []
    for i in indexes:
        row = {key: form.get(f"{prefix}-{i}-{key}", "").strip() for key in keys}
        if any(row.values()):
            rows.append(row)
    return rows
