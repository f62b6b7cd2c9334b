"""Keeping the matching index ready without a page ever waiting for it: a process's first request
starts a background build (or the load of a saved snapshot); pages ask `ready_index`, which
replays the change log when that is cheap and otherwise answers None (or the stale index) while
the build runs, so a challenge page says its matches are being prepared instead of timing out."""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.engine import Engine

from catalogue.changes import ChangeLog
from catalogue.db import reading
from catalogue.records.models import Deployment
from outcomes.matching.index import (
    _INDEXES,
    _INDEXES_LOCK,
    REPLAY_LIMIT,
    MatchIndex,
    _catch_up,
    _load,
    _save,
    _snapshot_path,
)
from suppliers.models import Offering

log = logging.getLogger(__name__)

# Background builds under way, by database URL (one at a time per database in this process).
_BUILDING: dict[str, threading.Thread] = {}
# A cold index over fewer records than this is built inside the caller (well under a second
# with long texts); a larger one only in the background, and pages say the matches are being prepared meanwhile.
INLINE_BUILD_MAX_RECORDS = 500


def _needs_build(index: MatchIndex | None, conn: sa.Connection) -> bool:
    """Would catching up mean a full build (no index yet, or too far behind to replay)?"""
    if index is None:
        return True
    latest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(ChangeLog.id), 0))).scalar_one()
    return (
        index.seen_change < 0
        or latest < index.seen_change
        or latest - index.seen_change > REPLAY_LIMIT
        or index.offerings.dead + index.deployments.dead > (index.offerings.live + index.deployments.live) // 3 + 100
    )


def _small(conn: sa.Connection) -> bool:
    count = sa.select(sa.func.count()).select_from
    records = conn.execute(count(Offering)).scalar_one() + conn.execute(count(Deployment)).scalar_one()
    return records < INLINE_BUILD_MAX_RECORDS


def ready_index(engine: Engine) -> MatchIndex | None:
    """The index for pages: caught up by replaying the change log when that is cheap, or None
    while a full build runs in the background (started here if need be). A page never waits for
    a build: a stale index, when there is one, is served while its replacement is built."""
    key = str(engine.url)
    with reading():
        building = _BUILDING.get(key)
        if building is not None and building.is_alive():
            return _INDEXES.get(key)
        # Another request may be replaying: wait a little for it, never for a build.
        if not _INDEXES_LOCK.acquire(timeout=1.0):
            return _INDEXES.get(key)
        try:
            with engine.connect() as conn:
                index = _INDEXES.get(key)
                needs_build = _needs_build(index, conn)
                # A saved snapshot of a large index takes seconds to load: in the background too.
                small = needs_build and _small(conn)
            if not needs_build or small:
                return _catch_up(engine, key)
        finally:
            _INDEXES_LOCK.release()
        start_building(engine)
        return index


def current_index(engine: Engine) -> MatchIndex | None:
    """This process's index for the database as it stands, if it has one: no build, no catch-up."""
    return _INDEXES.get(str(engine.url))


def warm(engine: Engine) -> None:
    """Start building this database's index in the background unless the process has one."""
    if str(engine.url) not in _INDEXES:
        start_building(engine)


def start_building(engine: Engine) -> None:
    """Build this database's index in a background thread (once at a time), then swap it in:
    from a saved snapshot when there is a current one, else from the database."""
    key = str(engine.url)
    app = current_app._get_current_object() if has_app_context() else None
    with _INDEXES_LOCK:
        running = _BUILDING.get(key)
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(target=_build_in_background, args=(engine, key, app), daemon=True)
        thread.name = "matching-index-build"
        _BUILDING[key] = thread
        thread.start()


def _build_in_background(engine: Engine, key: str, app: Any) -> None:
    try:
        if app is not None:
            with app.app_context(), reading():
                _build_and_swap(engine, key)
        else:
            with reading():
                _build_and_swap(engine, key)
    except Exception:  # a failed build leaves pages saying "being prepared"; the next page retries
        log.exception("building the matching index failed")


@contextlib.contextmanager
def _one_builder() -> Iterator[None]:
    """One build at a time per instance folder: the other workers of a server wait, then load
    the snapshot the first one saved instead of building the same index again."""
    path = _snapshot_path()
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_and_swap(engine: Engine, key: str) -> None:
    with _one_builder(), engine.connect() as conn:
        index = _load(conn, key)
        if index is None or _needs_build(index, conn):
            index = MatchIndex()
            index.build(conn)
            _save(index, conn, key)
        else:
            index.refresh(conn)
    with _INDEXES_LOCK:
        _INDEXES[key] = index
        gc.collect()
        gc.freeze()


def wait_until_built(engine: Engine, timeout: float | None = None) -> bool:
    """Wait for a background build of this database's index (commands and tests)."""
    thread = _BUILDING.get(str(engine.url))
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True
