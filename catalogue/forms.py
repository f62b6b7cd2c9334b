"""Turning marshmallow errors into a GOV.UK error summary and inline messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten_errors(errors: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """{'field': ['msg']} or nested {'outcomes': {0: {'measure': [...]}}} -> {'outcomes-0-measure': 'msg'}."""
    flat: dict[str, str] = {}
    for key, value in errors.items():
        name = f"{prefix}{key}" if not prefix else f"{prefix}-{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_errors(value, name))
        elif isinstance(value, list | tuple) and value and isinstance(value[0], str):
            flat[name] = value[0]
        elif isinstance(value, str):
            flat[name] = value
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, Mapping):
                    flat.update(flatten_errors(item, name))
    return flat


def error_summary(errors: Mapping[str, str], order: list[str] | None = None) -> list[dict[str, str]]:
    """The errorList for govukErrorSummary, each linking to the field's id."""
    keys = list(errors)
    if order:
        keys.sort(key=lambda k: order.index(k) if k in order else len(order))
    return [{"text": errors[k], "href": f"#{k}"} for k in keys]


def error_message(errors: Mapping[str, str], field: str) -> dict[str, str] | None:
    """The errorMessage parameter for a GOV.UK macro, or None."""
    return {"text": errors[field]} if field in errors else None


def split_lines(value: str | None) -> list[str]:
    """A textarea of one item a line -> a list without blanks."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def load_form(schema: Any, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate with a marshmallow schema: (clean data, {}) or (raw data, flat errors)."""
    from marshmallow import EXCLUDE, ValidationError

    try:
        return schema.load(data, unknown=EXCLUDE), {}
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, Mapping) else {"_schema": exc.messages}
        return dict(data), flatten_errors(messages)


def form_to_dict(form: Any, multi: tuple[str, ...] = ()) -> dict[str, Any]:
    """request.form -> a dict, with the named fields as lists (checkboxes) and others stripped."""
    data: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        if key in multi:
            data[key] = [v for v in form.getlist(key) if v]
        else:
            value = form.get(key, "")
            data[key] = value.strip() if isinstance(value, str) else value
    for key in multi:
        data.setdefault(key, [])
    return data
