"""Every API response a test makes, checked against the app's own OpenAPI document: a status
the operation does not list, a content type or a body the document does not describe fails the
test that made it (schemathesis's response validation)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import schemathesis
from flask import Flask

_SCHEMAS: dict[int, Any] = {}


def _schema(app: Flask) -> Any:
    key = id(app)
    if key not in _SCHEMAS:
        spec = app.extensions["catalogue.api"].spec.to_dict()
        _SCHEMAS.clear()  # one app at a time: the last one's document
        _SCHEMAS[key] = schemathesis.openapi.from_dict(spec)
    return _SCHEMAS[key]


def check(app: Flask, method: str, url: str, response: Any) -> None:
    """Fail unless the response is one the document promises for this operation."""
    path = urlsplit(url).path
    if not path.startswith("/api/v1/") or path.startswith(("/api/v1/openapi.json", "/api/v1/docs")):
        return
    operation = _schema(app).find_operation_by_path(method.upper(), path)
    if operation is None:
        # No such operation: the answer must still be a problem document (404 or 405).
        assert response.status_code in (404, 405), (method, path, response.status_code)
        assert response.mimetype == "application/problem+json", (method, path)
        return
    definition = operation.responses.find_by_status_code(response.status_code)
    assert definition is not None, f"{method} {path} answered {response.status_code}, which the document does not list"
    documented = operation.definition.raw["responses"].get(str(response.status_code), {})
    documented = _resolve(operation, documented)
    if documented.get("content"):
        assert response.mimetype in documented["content"], (method, path, response.status_code, response.mimetype)
    operation.validate_response(response)  # the body against the documented schema


def _resolve(operation: Any, item: dict) -> dict:
    ref = item.get("$ref")
    if not ref:
        return item
    node: Any = operation.schema.raw_schema
    for token in ref.removeprefix("#/").split("/"):
        node = node[token]
    return node
