"""A flask-limiter storage kept in the application's own database, so every app server and
worker shares one count (an in-memory store would give each process its own allowance)."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlmodel import Field, SQLModel

from catalogue.db import make_engine, write_intent


class RateLimitCounter(SQLModel, table=True):
    __tablename__ = "rate_limit_counter"

    key: str = Field(primary_key=True, max_length=300)
    count: int = Field(default=0)
    expires_at: float = Field(default=0.0)


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limit_counter` table (`database://` in RATELIMIT_STORAGE_URI)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: object) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._engine = make_engine(str(options["database_url"]))
        self._table = RateLimitCounter.__table__

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        t = self._table
        token = write_intent.set(True)
        try:
            with self._engine.begin() as conn:
                row = conn.execute(sa.select(t.c.count, t.c.expires_at).where(t.c.key == key)).first()
                if row is None:
                    conn.execute(sa.insert(t).values(key=key, count=amount, expires_at=now + expiry))
                    return amount
                if row.expires_at <= now:
                    conn.execute(sa.update(t).where(t.c.key == key).values(count=amount, expires_at=now + expiry))
                    return amount
                conn.execute(sa.update(t).where(t.c.key == key).values(count=t.c.count + amount))
                return row.count + amount
        finally:
            write_intent.reset(token)

    def get(self, key: str) -> int:
        t = self._table
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(t.c.count, t.c.expires_at).where(t.c.key == key)).first()
        return row.count if row and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        t = self._table
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(t.c.expires_at).where(t.c.key == key)).first()
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        token = write_intent.set(True)
        try:
            with self._engine.begin() as conn:
                return conn.execute(sa.delete(self._table)).rowcount
        finally:
            write_intent.reset(token)

    def clear(self, key: str) -> None:
        token = write_intent.set(True)
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.delete(self._table).where(self._table.c.key == key))
        finally:
            write_intent.reset(token)


limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "database://")
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"database_url": app.config["DATABASE_URL"]})
    # Announced on every limited answer: the IETF RateLimit fields (limit, remaining, and reset as
    # seconds from now, added by `announce`) and Retry-After on a 429. flask-limiter's own reset
    # is a moment (epoch seconds), so it keeps its X- name.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADER_LIMIT", "RateLimit-Limit")
    app.config.setdefault("RATELIMIT_HEADER_REMAINING", "RateLimit-Remaining")
    app.config.setdefault("RATELIMIT_HEADER_RESET", "X-RateLimit-Reset")
    app.config.setdefault("RATELIMIT_HEADER_RETRY_AFTER_VALUE", "delta-seconds")
    limiter.init_app(app)
    app.after_request(announce)


def retry_after() -> int:
    """Seconds until the limit this request met opens again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    # Rounded as flask-limiter rounds its Retry-After, so the body and the header agree.
    return max(1, int(current.reset_at - time.time()))


def announce(response: Response) -> Response:
    """RateLimit-Reset (seconds from now) and RateLimit-Policy beside flask-limiter's headers."""
    # Flask runs after-request hooks last-registered first: this runs before flask-limiter's own.
    current = limiter.current_limit if limiter.enabled else None
    if current is not None and current_app.config["RATELIMIT_HEADERS_ENABLED"]:
        window = current.limit.get_expiry()
        response.headers["RateLimit-Reset"] = str(retry_after())
        response.headers["RateLimit-Policy"] = f"{current.limit.amount};w={window}"
    return response
