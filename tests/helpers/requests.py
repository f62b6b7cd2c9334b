"""Shared by the notifications and suppliers tests (no tests here).

The `db` fixture keeps an app context pushed for the whole test, and Flask reuses a pushed app
context for test-client requests: `g` (and the request's session and write intent) would then
outlive each request and leak into the test's own session. Running each request in an empty
contextvars context gives it its own app context and teardown, as in production.

The test's own session (the one factories write through) ends its transaction around each
request, so it neither holds a snapshot from before the request nor stale attribute values.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.db import write_intent
from tests import factories


class IsolatedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        session = factories._session
        if session is not None:
            session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            if session is not None:
                session.expire_all()


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> Iterator[None]:
    # A request or command run earlier in this thread may have left write intent set; the test's
    # own reads would then hold SQLite's write lock.
    token = write_intent.set(False)
    app.test_client_class = IsolatedClient
    yield
    write_intent.reset(token)


def fresh(session: Any) -> None:
    """End the test session's read snapshot so it sees what other connections committed."""
    session.commit()
    session.expire_all()
