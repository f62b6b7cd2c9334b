"""Requests in their own app context, for the notifications and suppliers tests (the
`isolated_requests` fixture in tests/conftest.py installs IsolatedClient).

The `db` fixture keeps an app context pushed for the whole test, and Flask reuses a pushed app
context for test-client requests: `g` (and the request's session and write intent) would then
outlive each request and leak into the test's own session. Running each request in an empty
contextvars context gives it its own app context and teardown, as in production.

The test's own session (the one factories write through) ends its transaction around each
request, so it neither holds a snapshot from before the request nor stale attribute values.
"""

from __future__ import annotations

import contextvars
from typing import Any

from flask.testing import FlaskClient

from tests.helpers import factories_base


class IsolatedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        session = factories_base._session
        if session is not None:
            session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            if session is not None:
                session.expire_all()


def fresh(session: Any) -> None:
    """End the test session's read snapshot so it sees what other connections committed."""
    session.commit()
    session.expire_all()
