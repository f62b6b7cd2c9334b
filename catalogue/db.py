"""Engine, one session per request, SQLite pragmas, and the column types every package shares."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_app_context, request
from sqlalchemy.engine import Engine
from sqlmodel import Session

# Set for requests and commands that intend to write: on SQLite their transaction
# starts with BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of
# one failing with "database is locked" when it upgrades a read lock.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_WRITE_INTENT_KEY = "catalogue.write_intent"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware datetime on every database: stored as UTC, read back as aware UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use catalogue.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **options: object) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **options)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # Let SQLAlchemy's "begin" event below own the transaction start.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, **options)


def engine() -> Engine:
    return current_app.extensions["catalogue.engine"]


def get_session() -> Session:
    """The session of the current request or command; opened on first use, closed on teardown."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


@contextmanager
def _intent(is_write: bool) -> Iterator[None]:
    token = write_intent.set(is_write)
    try:
        yield
    finally:
        write_intent.reset(token)


def writing() -> AbstractContextManager[None]:
    """Mark the enclosed work as a write (BEGIN IMMEDIATE on SQLite)."""
    return _intent(True)


def reading() -> AbstractContextManager[None]:
    """Mark the enclosed work as reads only, even inside a write request or `writing()`: on
    SQLite its connections then begin as plain readers instead of queueing for the write lock
    (which the enclosing request may itself hold, or should not hold while hashing or rendering)."""
    return _intent(False)


def init_app(app: Flask) -> None:
    app.extensions["catalogue.engine"] = make_engine(app.config["DATABASE_URL"])

    # The flag belongs to the request, not to the application context: several requests can
    # share one application context (a request made while one is already pushed reuses it, and
    # the app-context teardown then runs once, after the last of them). Kept in `g`, each request
    # overwrote the previous one's token and only the last was reset, so an earlier POST's True
    # outlived its request in the calling thread. The token now lives in the request's environ
    # and is reset when that request is torn down.
    @app.before_request
    def _mark_write_intent() -> None:
        request.environ[_WRITE_INTENT_KEY] = write_intent.set(request.method in UNSAFE_METHODS)

    @app.teardown_request
    def _end_write_intent(_exc: BaseException | None) -> None:
        token = request.environ.pop(_WRITE_INTENT_KEY, None)
        if token is not None:
            try:
                write_intent.reset(token)
            except ValueError:  # torn down in another context (streamed responses)
                write_intent.set(False)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def end_open_transaction(response: Response) -> Response:
    session = g.get("db_session")
    if session is not None and session.in_transaction():
        session.rollback()
    return response


def dialect_name() -> str:
    return engine().dialect.name if has_app_context() else "sqlite"
