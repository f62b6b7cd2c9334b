"""Calling the JSON API with a bearer token, in the request's own app context; every answer is
checked against the OpenAPI document (tests.helpers.api_contract)."""

from __future__ import annotations

from tests.helpers import api_contract


def call(client, method: str, url: str, token: str | None = None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with client.application.app_context():
        response = client.open(url, method=method, headers=headers, **kwargs)
    # Every answer is one the OpenAPI document promises (status, content type, body).
    api_contract.check(client.application, method, url, response)
    return response


def errors_by_field(body: dict) -> dict[str, list[str]]:
    """A problem-details body's field errors by top-level field (the pointer's first token)."""
    assert body["type"] and body["title"] and body["status"] >= 400 and body["detail"], body
    found: dict[str, list[str]] = {}
    for error in body.get("errors", []):
        name = error["pointer"].split("/")[1] if error.get("pointer") else error.get("parameter", "")
        found.setdefault(name, []).append(error["detail"])
    return found
