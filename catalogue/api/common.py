"""What every API endpoint shares: token authentication, errors in flask-smorest's shape,
pagination, and turning records into bundle-shaped JSON through the shared schemas."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import g, request
from flask_smorest import abort
from markupsafe import Markup
from marshmallow import Schema, ValidationError, fields, validate

from catalogue import errors
from catalogue.access import ANONYMOUS, Viewer, viewer_for
from catalogue.api import http
from catalogue.db import get_session, reading, writing

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
WRITE_LIMIT = "60 per minute"


def authenticate() -> None:
    """Bearer tokens only: a cookie never authenticates an API call (so CSRF cannot reach it)."""
    from catalogue.accounts.auth import act_for_request
    from catalogue.accounts.token_services import mark_used, needs_last_used, token_access

    g.api_user = None
    g.api_may_write = False
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
        found, why = token_access(session, raw)
        user = found.user if found is not None else None
        viewer = viewer_for(user) if user is not None else ANONYMOUS
        user_id = user.id if user is not None else None
        token_id = found.token.id if found is not None else None
        may_write = found.may_write if found is not None else False
        stale = found is not None and needs_last_used(found.token)
        session.rollback()
    if user is None:
        abort(401, message=why, headers=_challenge())
    if stale:
        # When it was last used, at most once a minute: its own short write, committed at once.
        with writing():
            mark_used(session, token_id)
            session.commit()
    g.api_user = user
    g.api_may_write = may_write
    g.viewer = viewer
    act_for_request(user_id)


def install(blueprint: Any) -> None:
    """Token authentication, the body's type and the query's names checked before every view of
    a blueprint; versions, Link and 304 (api.http.finish) after (the app ends any transaction
    still open: db.end_open_transaction)."""
    blueprint.before_request(authenticate_and_require_for_writes)
    blueprint.after_request(http.finish)


def authenticate_and_require_for_writes() -> None:
    authenticate()
    if request.method in http.WRITES:
        require_token()
    http.check_content_type()
    http.check_query()


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="signpost"'}


def viewer() -> Viewer:
    return g.get("viewer", ANONYMOUS)


def require_token() -> Viewer:
    if g.get("api_user") is None:
        abort(401, message="Writing needs an API token: ‘Authorization: Bearer <token>’", headers=_challenge())
    if request.method in http.WRITES and not g.get("api_may_write", False):
        abort(403, message="This token may only read: make a read-and-write token to change records")
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


def refused(exc: errors.Refused) -> None:
    """A service's refusal: NotAllowed 403; one about the record's state (no field) 409; field
    errors 422 with every one."""
    if isinstance(exc, errors.NotAllowed):
        forbidden(exc.message)
    if exc.field == "_schema":
        abort_conflict(exc.message)
    field_errors(exc.errors)


def not_found(what: str = "record") -> None:
    abort(404, message=f"No {what} with that reference, or not one you may see")


# The largest id any database here stores (a 32-bit integer column on PostgreSQL); a bigger
# number in a path names nothing, and SQLite cannot even be asked about it.
MAX_ID = 2**31 - 1


def id_or_404(value: int, what: str = "record") -> int:
    """An id from the path, or 404 when no record could have it."""
    if not 0 < value <= MAX_ID:
        not_found(what)
    return value


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
    updated_since = fields.AwareDateTime(
        default_timezone=UTC,
        error_messages={"invalid": "Give updated_since as an ISO 8601 date and time, e.g. 2025-01-31T09:00:00Z"},
        metadata={"description": "only records changed at or after this moment"},
    )


def choice_arg(options: Sequence[str], message: str) -> fields.String:
    return fields.String(validate=validate.OneOf(list(options), error=message), error_messages={"invalid": message})


def text_arg(max_length: int = 200) -> fields.String:
    message = f"Give at most {max_length} characters"
    return fields.String(validate=validate.Length(max=max_length, error=message), error_messages={"invalid": message})


def changed_since(rows: list[Any], since: datetime | None, stamp: Callable[[Any], Any] | None = None) -> list[Any]:
    """The rows changed at or after `since` (`stamp` finds a row's updated_at)."""
    if since is None:
        return rows
    read = stamp or (lambda row: row.updated_at)
    return [row for row in rows if read(row) is not None and _aware(read(row)) >= since]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def links(page: int, pages: int) -> dict[str, str | None]:
    """First, last, next and previous pages of this list, the query otherwise as asked."""

    def url(number: int) -> str:
        query = request.args.to_dict(flat=False)
        query["page"] = [str(number)]
        return request.base_url + "?" + urlencode(query, doseq=True)

    return {
        "self": url(page),
        "first": url(1),
        "last": url(pages),
        "next": url(page + 1) if page < pages else None,
        "prev": url(min(page - 1, pages)) if page > 1 else None,
    }


def envelope(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of an already-filtered list: {"items", "page", "per_page", "total", "pages", "links"}."""
    start = (page - 1) * per_page
    return paged(items[start : start + per_page], len(items), page, per_page)


class PageLinks(Schema):
    self = fields.String(metadata={"description": "this page"})
    first = fields.String()
    last = fields.String()
    next = fields.String(allow_none=True, metadata={"description": "null on the last page"})
    prev = fields.String(allow_none=True, metadata={"description": "null on the first page"})


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(metadata={"description": "how many items in all pages"}),
            "pages": fields.Integer(),
            "links": fields.Nested(PageLinks, metadata={"description": "also sent as the Link header"}),
        },
        name=name,
    )


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty values, as the bundle does."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def service_slice(
    fetch: Callable[[int], Any],
    page: int,
    per_page: int,
    size: int,
    since: datetime | None = None,
    stamp: Callable[[Any], Any] | None = None,
) -> tuple[list[Any], int]:
    """One API page from a service that pages by `size`: only the service pages it needs, or,
    with `since`, all of them filtered to the rows changed since (`stamp` reads a row's time)."""
    if since is not None:
        rows: list[Any] = []
        number = 1
        while True:
            result = fetch(number)
            if result.page != number:
                break
            rows.extend(result.items)
            if number * size >= result.total:
                break
            number += 1
        kept = changed_since(rows, since, stamp)
        start = (page - 1) * per_page
        return kept[start : start + per_page], len(kept)
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
    pages = max(1, math.ceil(total / per_page))
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": pages,
        "links": links(page, pages),
    }


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
