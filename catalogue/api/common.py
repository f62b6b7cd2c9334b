"""What every API endpoint shares: token authentication, errors in flask-smorest's shape,
pagination, and turning records into bundle-shaped JSON through the shared schemas."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import g, request
from flask_smorest import abort
from markupsafe import Markup
from marshmallow import Schema, ValidationError, fields, validate

from catalogue.access import ANONYMOUS, Viewer, viewer_for
from catalogue.db import get_session, reading

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
WRITE_LIMIT = "60 per minute"


def authenticate() -> None:
    """Bearer tokens only: a cookie never authenticates an API call (so CSRF cannot reach it)."""
    from catalogue.accounts.auth import act_for_request
    from catalogue.accounts.services import user_for_token

    g.api_user = None
    g.viewer = ANONYMOUS
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw or len(raw) > 200:
        abort(401, message="Send your API token as ‘Authorization: Bearer <token>’", headers=_challenge())
    # The lookup only reads. Under the write request's intent it would begin with BEGIN
    # IMMEDIATE on SQLite and hold the write lock while flask-limiter (its own connection to the
    # same database) counts the hit, which then waits for it until the busy timeout: a 500.
    # The read transaction ends here, so the view's write begins afresh, after the limiter's.
    session = get_session()
    with reading():
        user = user_for_token(session, raw)
        viewer = viewer_for(user) if user is not None else ANONYMOUS
        user_id = user.id if user is not None else None
        session.rollback()
    if user is None:
        abort(401, message="That API token is not valid or has been revoked", headers=_challenge())
    g.api_user = user
    g.viewer = viewer
    act_for_request(user_id)


def end_transaction(response: Any) -> Any:
    """Writes have committed by now; whatever is left open (a refused write, a read) ends here,
    so no lock outlives the view while later after-request work (the search sync) runs."""
    session = g.get("db_session")
    if session is not None and session.in_transaction():
        session.rollback()
    return response


def install(blueprint: Any) -> None:
    """Token authentication before, and the transaction closed after, every view of a blueprint."""
    blueprint.before_request(authenticate_and_require_for_writes)
    blueprint.after_request(end_transaction)


def authenticate_and_require_for_writes() -> None:
    authenticate()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        require_token()


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="signpost"'}


def viewer() -> Viewer:
    return g.get("viewer", ANONYMOUS)


def require_token() -> Viewer:
    if g.get("api_user") is None:
        abort(401, message="Writing needs an API token: ‘Authorization: Bearer <token>’", headers=_challenge())
    return viewer()


def rate_key() -> str:
    """Writes are limited per token (or per address without one)."""
    from catalogue.accounts.services import hash_token

    header = request.headers.get("Authorization", "")
    return "api:" + (hash_token(header)[:32] if header else (request.remote_addr or "unknown"))


def write_limit() -> Any:
    """A rate limit on a view's writes (POST, PATCH), counted per token."""
    from catalogue.ratelimit import limiter

    return limiter.limit(WRITE_LIMIT, key_func=rate_key, methods=["POST", "PATCH", "PUT", "DELETE"])


def _plain(message: Any) -> Any:
    """A form message written as HTML (a link to a record) in plain text: 'text (/path)'."""
    if not isinstance(message, Markup):
        return message
    linked = re.sub(r'<a\b[^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", str(message))
    return Markup(linked).striptags()  # noqa: S704 - already-safe HTML, only its tags removed


def field_errors(errors: Mapping[str, str] | Mapping[str, list[str]], status: int = 422) -> None:
    """Abort with {"errors": {"json": {field: [message]}}}, the shape flask-smorest gives."""
    from catalogue.personal_data.guard import api_findings

    shaped = {k: [_plain(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()}
    body: dict[str, Any] = {"json": shaped}
    personal = api_findings()  # what the personal-data check found in this request, masked
    if personal is not None:
        body["personal_data"] = personal
    abort(status, errors=body, message="Check the fields named in errors")


def abort_conflict(message: str) -> None:
    """The request was understood, but the record's state refuses it (e.g. a closed window)."""
    abort(409, message=message)


def not_found(what: str = "record") -> None:
    abort(404, message=f"No {what} with that reference, or not one you may see")


def forbidden(message: str = "You may not change this record") -> None:
    abort(403, message=message)


# --- pagination ------------------------------------------------------------------------------


class PageArgs(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100000, error="Give the page as a whole number from 1"),
        error_messages={"invalid": "Give the page as a whole number from 1"},
    )
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(
            min=1, max=MAX_PER_PAGE, error=f"Give per_page as a whole number from 1 to {MAX_PER_PAGE}"
        ),
        error_messages={"invalid": f"Give per_page as a whole number from 1 to {MAX_PER_PAGE}"},
    )


def choice_arg(options: Sequence[str], message: str) -> fields.String:
    return fields.String(validate=validate.OneOf(list(options), error=message), error_messages={"invalid": message})


def text_arg(max_length: int = 200) -> fields.String:
    message = f"Give at most {max_length} characters"
    return fields.String(validate=validate.Length(max=max_length, error=message), error_messages={"invalid": message})


def envelope(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of an already-filtered list: {"items", "page", "per_page", "total", "pages"}."""
    total = len(items)
    pages = max(1, math.ceil(total / per_page))
    start = (page - 1) * per_page
    return {
        "items": items[start : start + per_page],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": pages,
    }


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
            "pages": fields.Integer(),
        },
        name=name,
    )


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty values, as the bundle does."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def service_slice(fetch: Callable[[int], Any], page: int, per_page: int, size: int) -> tuple[list[Any], int]:
    """One API page from a service that pages by `size`: only the service pages it needs."""
    start = (page - 1) * per_page
    first = start // size + 1
    last = max(first, (start + per_page - 1) // size + 1)
    items: list[Any] = []
    total = 0
    for number in range(first, last + 1):
        result = fetch(number)
        total = result.total
        if result.page != number:  # past the end: the service gave its last page again
            break
        items.extend(result.items)
    offset = start - (first - 1) * size
    return items[offset : offset + per_page], total


def paged(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total, "pages": max(1, -(-total // per_page))}


def json_body() -> dict[str, Any]:
    """The request's JSON object as sent (a PATCH merges only the fields given), {} when none."""
    body = request.get_json(silent=True)
    return dict(body) if isinstance(body, dict) else {}


def load_or_422(schema: Schema, data: Any) -> dict[str, Any]:
    """Data loaded through the schema, or a 422 with every field error."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        field_errors(messages)
        raise  # unreachable: field_errors aborts
