"""Calling the JSON API with a bearer token, in the request's own app context."""

from __future__ import annotations


def call(client, method: str, url: str, token: str | None = None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with client.application.app_context():
        return client.open(url, method=method, headers=headers, **kwargs)
