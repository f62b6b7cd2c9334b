"""Every 4xx and 5xx under /api/ as RFC 9457 problem details (application/problem+json):
`type`, `title`, `status`, `detail`, and `errors`, a list of {pointer, detail} naming each field
by JSON pointer (/outcomes/0/measure), or {parameter, detail} for a query parameter.

Views keep raising flask-smorest's `abort(status, message=..., errors=...)` (webargs puts its
validation messages in `messages`); this module turns whatever they carried into the one shape.
Extension members: `personal_data` (what the personal-data check found, masked) and
`retry_after` (seconds, on a 429)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

MEDIA_TYPE = "application/problem+json"

# A service's form-style key ("requirements_met-0", "outcomes-1-measure") names a list item.
_FORM_KEY = re.compile(r"^[A-Za-z_][\w]*(?:-\d+(?:-[A-Za-z_]\w*)?)+$")
# Where webargs says the bad value was; the query and headers are parameters, not the body.
_PARAMETER_LOCATIONS = {"query", "querystring", "headers", "cookies", "path", "view_args"}


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _key_tokens(key: Any) -> list[str]:
    if key in ("_schema", None):
        return []
    text = str(key)
    if _FORM_KEY.match(text):
        return text.split("-")
    return [text]


def _walk(messages: Any, tokens: list[str], out: list[tuple[list[str], str]]) -> None:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            _walk(value, tokens + _key_tokens(key), out)
    elif isinstance(messages, list | tuple):
        for item in messages:
            _walk(item, tokens, out)
    elif messages is not None:
        out.append((tokens, str(messages)))


def field_errors(messages: Any, location: str = "json") -> list[dict[str, str]]:
    """marshmallow/webargs messages ({field: [msg], nested: {0: {field: [msg]}}}) as a flat list:
    {"pointer": "/nested/0/field", "detail": msg} for the body, {"parameter": name, ...} else."""
    found: list[tuple[list[str], str]] = []
    _walk(messages, [], found)
    errors = []
    for tokens, detail in found:
        if location in _PARAMETER_LOCATIONS:
            errors.append({"parameter": tokens[0] if tokens else "", "detail": detail})
        else:
            errors.append({"pointer": "".join("/" + _escape(t) for t in tokens), "detail": detail})
    return errors


def _errors_of(carried: Any) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The field errors and extension members of what a view or webargs passed to abort."""
    errors: list[dict[str, str]] = []
    extensions: dict[str, Any] = {}
    if not isinstance(carried, Mapping):
        return errors, extensions
    for location, messages in carried.items():
        if location == "personal_data":
            extensions["personal_data"] = messages
        else:
            errors.extend(field_errors(messages, location))
    return errors, extensions


def problem(error: HTTPException) -> Response:
    """The problem-details response for an HTTP error raised under /api/."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors, extensions = _errors_of(data.get("errors", data.get("messages")))
    if "message" in data:
        detail = str(data["message"])
    elif errors:
        detail = "Check the fields named in errors"
    elif status >= 500:
        detail = "Something went wrong on our side; nothing you sent was at fault"
    else:
        detail = error.description or HTTP_STATUS_CODES.get(status, "Error")
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extensions)
    body.update(data.get("extensions", {}))
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    headers = data.get("headers") or {}
    if not headers and hasattr(error, "get_headers"):
        # werkzeug's own (Allow on a 405, WWW-Authenticate, Retry-After) but not its content type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    for name, value in dict(headers).items():
        response.headers[name] = value
    return response


class FieldErrorSchema(Schema):
    pointer = fields.String(
        metadata={"description": "JSON pointer to the value in the request body", "example": "/outcomes/0/measure"}
    )
    parameter = fields.String(metadata={"description": "the query parameter at fault", "example": "per_page"})
    detail = fields.String(required=True, metadata={"example": "Say how the outcome will be measured"})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Unprocessable Entity"})
    status = fields.Integer(required=True, metadata={"example": 422})
    detail = fields.String(required=True, metadata={"example": "Check the fields named in errors"})
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={"description": "every field error at once"})
    personal_data = fields.Dict(
        metadata={"description": "what the personal-data check found, masked; resend with the confirm field"}
    )
    retry_after = fields.Integer(metadata={"description": "on a 429: seconds until you may try again"})
