"""HTTP as integrators expect it, for every API blueprint: a body that is not JSON is a 415, an
unknown query parameter a 400; records carry ETag and Last-Modified (304 on If-None-Match, 412
on a PATCH whose If-Match is stale); pages carry a Link header; creations a Location."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, request
from flask_smorest import abort

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def check_content_type() -> None:
    """A write's body must be JSON (an empty body with no type is read as {})."""
    if request.method not in WRITES:
        return
    has_body = bool(request.content_length) or bool(request.get_data(cache=True))
    if (has_body or request.content_type) and not request.is_json:
        abort(415, message="Send the body as JSON, with ‘Content-Type: application/json’")


def _declared_queries(app: Flask) -> dict[tuple[str, str], frozenset[str]]:
    """The query parameters the OpenAPI document declares, by (path template, method); worked
    out once per app (kept with it, so an app let go takes it along)."""
    known = app.extensions.get("catalogue.api.queries")
    if known is None:
        known = app.extensions["catalogue.api.queries"] = _read_queries(app)
    return known


def _read_queries(app: Flask) -> dict[tuple[str, str], frozenset[str]]:
    spec = app.extensions["catalogue.api"].spec.to_dict()
    declared: dict[tuple[str, str], frozenset[str]] = {}
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if isinstance(operation, dict):
                names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
                declared[(path, method.upper())] = frozenset(names)
    return declared


def check_query() -> None:
    """An unknown query parameter is refused (a misspelt filter must not silently match all)."""
    if not request.args or request.url_rule is None:
        return
    path = request.url_rule.rule.replace("<", "{").replace(">", "}")
    for converter in ("{int:", "{string:", "{path:"):
        path = path.replace(converter, "{")
    method = "GET" if request.method == "HEAD" else request.method
    declared = _declared_queries(current_app._get_current_object()).get((path, method))
    if declared is None:
        return
    unknown = sorted(set(request.args) - declared)
    if unknown:
        takes = ", ".join(sorted(declared)) or "no query parameters"
        abort(
            400,
            message="Unknown query parameter: " + ", ".join(unknown),
            errors={"query": {name: [f"Not a parameter of this operation; it takes {takes}"] for name in unknown}},
        )


def etag_of(data: Any) -> str:
    """The version of a JSON body: a digest of its canonical form, the same however it was sent."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def check_if_match(current: Callable[[], Response]) -> None:
    """412 when the PATCH's If-Match names a version other than the record's current one (what
    a GET would answer now); no If-Match, no check."""
    if "If-Match" not in request.headers:
        return
    now = etag_of(current().get_json())
    if not request.if_match.contains(now) and not request.if_match.star_tag:
        abort(
            412,
            message="The record has changed since you read it: GET it again, reapply your change, "
            "and send its new ETag in If-Match",
            headers={"ETag": f'"{now}"'},
        )


def created(body: dict[str, Any], path: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A 201 with the new record's address."""
    return body, 201, {"Location": request.host_url.rstrip("/") + path}


def finish(response: Response) -> Response:
    """ETag and Last-Modified on a record or page, 304 when the client has it; Link on a page."""
    if response.status_code not in (200, 201) or not response.is_json or response.direct_passthrough:
        return response
    data = response.get_json(silent=True)
    if not isinstance(data, dict):
        return response
    if isinstance(data.get("links"), dict):
        links = [f'<{url}>; rel="{rel}"' for rel, url in data["links"].items() if url and rel != "self"]
        if links:
            response.headers["Link"] = ", ".join(links)
    response.set_etag(etag_of(data))
    modified = _moment(data.get("updated_at")) if "ref" in data else None
    if modified is not None:  # a record's; a page's newest item says nothing of what left it
        response.last_modified = modified
    if request.method in ("GET", "HEAD"):
        response.make_conditional(request)
    return response
