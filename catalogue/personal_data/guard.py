"""The one personal-data check every write path calls, and the writer's "this is not about a real
person".

`guard` is what a service runs on the text it is about to store. The writer's confirmation is
read from the request itself (the form's checkbox or the API body's boolean, both named
`CONFIRM_FIELD`), so a page and its API twin, which call the same service, agree without either
passing it on by hand; a command or an importer has no request and so can never confirm. What
the check found during a request is kept on `flask.g`: the shared form macro shows the checkbox
from it (only when every finding may be confirmed) and the API's 422 lists it.
`record_override` writes the confirmation to the audit trail once the record has its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, request
from marshmallow import ValidationError, fields

from catalogue.personal_data import CONFIRM_FIELD, Review, review_fields, text_fields

_BOOLEAN = fields.Boolean()


def writer_confirmed() -> bool:
    """True when this request says "this is not about a real person" (form checkbox or API boolean)."""
    if not has_request_context():
        return False
    value = request.form.get(CONFIRM_FIELD) if request.form else None
    if value is None and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, Mapping):
            value = body.get(CONFIRM_FIELD)
    if value in (None, ""):
        return False
    try:
        return bool(_BOOLEAN.deserialize(value))
    except ValidationError:
        return False


@dataclass(frozen=True)
class Guarded:
    """`problems` ({field: message}) refuse the write; `override` is what the writer confirmed,
    to be recorded with `record_override` once the record is saved."""

    problems: dict[str, str]
    override: Review | None = None


def guard(
    data: Mapping[str, Any],
    fields: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    *,
    confirmed: bool | None = None,
    can_confirm: bool = True,
    prefix: str = "",
) -> Guarded:
    """Check the named `fields` of `data` (every free-text value but `skip` when not named).
    `confirmed` None means "as this request says"; importers pass `can_confirm=False`."""
    names = list(fields) if fields is not None else text_fields(data, skip)
    review = review_fields(data, names)
    if not review.findings:
        return Guarded({})
    if confirmed is None:
        confirmed = writer_confirmed()
    allowed = bool(confirmed and can_confirm and review.overridable)
    _note(Review({f"{prefix}{k}": v for k, v in review.findings.items()}), can_confirm)
    if allowed:
        return Guarded({}, review)
    return Guarded({f"{prefix}{k}": v for k, v in review.messages(can_confirm).items()})


def _note(review: Review, can_confirm: bool) -> None:
    """Remember this request's findings for the form's checkbox and the API's answer."""
    if not has_request_context():
        return
    found = dict(g.get("personal_data_findings") or {})
    found.update(review.findings)
    g.personal_data_findings = found
    g.personal_data_can_confirm = g.get("personal_data_can_confirm", True) and can_confirm


def request_review() -> tuple[Review, bool] | None:
    """What the check found in this request, and whether the writer may confirm it, or None."""
    if not has_request_context() or not g.get("personal_data_findings"):
        return None
    review = Review(dict(g.personal_data_findings))
    return review, bool(g.get("personal_data_can_confirm", True) and review.overridable)


def confirmation_field() -> dict[str, bool] | None:
    """For the form macro: {"checked": ...} when the "not about a real person" box is to be
    shown (something was found and every finding may be confirmed), else None."""
    found = request_review()
    if found is None or not found[1]:
        return None
    return {"checked": writer_confirmed()}


def api_findings() -> dict[str, Any] | None:
    """The findings as the API's 422 lists them: each masked, with whether it can be confirmed."""
    found = request_review()
    if found is None:
        return None
    review, can_confirm = found
    return {
        "can_confirm": can_confirm,
        "confirm_with": CONFIRM_FIELD,
        "findings": {
            field: [{**f.as_dict(), "can_confirm": can_confirm and f.overridable} for f in items]
            for field, items in review.findings.items()
        },
    }


def record_override(session: Any, review: Review | None, record: Any, record_type: str | None = None) -> None:
    """Write "the writer confirmed this is not about a real person" to the audit trail, with what
    the check had found (masked), against the saved record's id, in the record's transaction."""
    if review is None or not review.findings:
        return
    from catalogue.changes import AuditEvent, current_actor_id  # the audit trail's own table

    if getattr(record, "id", None) is None:
        session.add(record)
        session.flush()
    session.add(
        AuditEvent(
            actor_id=current_actor_id.get(),
            organisation_id=getattr(record, "organisation_id", None) or getattr(record, "supplier_id", None),
            record_type=(record_type or record.__tablename__)[:40],
            record_id=record.id,
            record_ref=getattr(record, "ref", None),
            action="override",
            changes={"personal_data_not_real_person": review.as_audit()},
        )
    )
