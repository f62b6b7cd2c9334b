"""Write intent (BEGIN IMMEDIATE on SQLite) lasts exactly as long as the request that set it."""

from __future__ import annotations

from catalogue import create_app
from catalogue.db import write_intent


def test_write_intent_ends_with_each_request_inside_a_shared_app_context(app_config: dict) -> None:
    # A plain (not isolated) client, with an app context already pushed: every request reuses
    # that context, so the app-context teardown runs once, after all of them.
    app = create_app(app_config)
    client = app.test_client()
    try:
        with app.app_context():
            client.post("/account/sign-in", data={"email": "x", "password": "y"})
            assert write_intent.get() is False
            client.post("/account/sign-in", data={"email": "x", "password": "y"})
            assert write_intent.get() is False
            client.get("/")
            assert write_intent.get() is False
        assert write_intent.get() is False
    finally:
        app.extensions["catalogue.engine"].dispose()


def test_a_get_inside_a_write_does_not_end_it(app_config: dict) -> None:
    from catalogue.db import writing

    app = create_app(app_config)
    try:
        with writing():
            app.test_client().get("/")
            assert write_intent.get() is True
        assert write_intent.get() is False
    finally:
        app.extensions["catalogue.engine"].dispose()


def test_reading_inside_writing_is_a_plain_read_and_restores_the_write() -> None:
    from catalogue.db import reading, writing

    with writing():
        with reading():
            assert write_intent.get() is False
        assert write_intent.get() is True
        try:
            with reading():
                raise RuntimeError("a failure inside still restores the intent")
        except RuntimeError:
            pass
        assert write_intent.get() is True
    assert write_intent.get() is False
