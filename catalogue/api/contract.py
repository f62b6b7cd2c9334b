"""The OpenAPI document as the contract: every operation says who may call it (security) and
every answer it can give, errors as problem details (application/problem+json); vocabulary
fields list their codes (enum)."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin

from catalogue.api.problems import MEDIA_TYPE

BEARER = "bearer"

# Each error status an operation may answer, what it means here.
PROBLEMS = {
    400: ("BadRequest", "A query parameter the operation does not take, or a body that is not JSON"),
    401: ("Unauthorized", "The token is missing (writes), not valid, or revoked"),
    403: ("Forbidden", "Your organisation may not do this to this record"),
    404: ("NotFound", "No record with that reference, or not one you may see"),
    409: ("Conflict", "The record's state refuses this now (e.g. the challenge is not open)"),
    410: ("Gone", "The cursor is older than the change log keeps: read the lists again, then the feed"),
    412: ("PreconditionFailed", "If-Match named a version the record no longer has: GET it again"),
    415: ("UnsupportedMediaType", "The body must be application/json"),
    422: ("UnprocessableContent", "Every field error at once, each with a JSON pointer"),
    429: ("TooManyRequests", "Too many writes: retry_after (and Retry-After) say when to try again"),
    500: ("InternalServerError", "Something went wrong on our side"),
}


def problem_responses() -> dict[str, dict[str, Any]]:
    """The response components, one per status, each a problem document."""
    return {
        name: {
            "description": description,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for name, description in PROBLEMS.values()
    }


def _statuses(method: str, path: str, operation: dict[str, Any]) -> list[int]:
    statuses = [400, 401, 500]
    if "{" in path:
        statuses.append(404)
    if operation.get("parameters") or "requestBody" in operation:
        statuses.append(422)
    if method != "get":
        statuses += [403, 415, 422, 429]
        if method == "post" and "{" in path:
            statuses.append(409)
    if method == "patch":
        statuses.append(412)
    return sorted(set(statuses))


class ContractPlugin(BasePlugin):
    """Adds security and the problem responses to every operation as flask-smorest documents it."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            # Reads answer anyone (public records) and more to a token; writes need one.
            operation["security"] = [{BEARER: []}, {}] if method == "get" else [{BEARER: []}]
            # flask-smorest keys its responses by int, apispec's by str: one key per status, as str.
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            operation["responses"] = responses
            responses.pop("default", None)
            for status in _statuses(method, path or "", operation):
                responses[str(status)] = {"$ref": f"#/components/responses/{PROBLEMS[status][0]}"}
            if method == "get":
                responses["304"] = {"description": "Not modified: the ETag you sent in If-None-Match is current"}
            if method == "post" and "201" in responses:
                responses["201"] = {**responses["201"]}
                responses["201"].setdefault("headers", {})["Location"] = {
                    "description": "the new record's address",
                    "schema": {"type": "string"},
                }


def codes_to_enum(plugin: MarshmallowPlugin) -> None:
    """Codes fields (a list of vocabulary codes) as arrays of an enum, not empty schemas."""
    from catalogue.schemas import Codes

    def codes(self: Any, field: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(field, Codes):
            return {}
        return {"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": list(field.vocab)}}

    plugin.converter.add_attribute_function(codes)
