"""Keeping the index in step with the database by replaying the change log.

Layout of SEARCH_INDEX_DIR (one per app server; servers share only the database):

    sync.lock        flock held by whoever is writing to the index right now
    current  ->      symlink to the live generation, swapped atomically by a rebuild
    gen-<hex>/       a whoosh index plus state.json: how far into the change log it got

The watermark lives beside the index it describes, so a fresh server (or one restored from
an old copy) catches up from the log; if the log no longer reaches back to the watermark
(pruned, or the database was restored), the index is rebuilt from the database.

Concurrency: only the holder of sync.lock writes. A worker that finds the lock busy leaves
its entries to the holder, which re-reads the log after releasing the lock and goes round
again if anything arrived meanwhile; the entries of a worker that failed to get the lock
were committed before it tried, so the holder's re-read sees them.

Writing segments (codec, writer, parallel build) is catalogue.search.writing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from catalogue.changes import ChangeLog
from catalogue.db import reading
from catalogue.search import documents
from catalogue.search.schema import build_schema
from catalogue.search.writing import CODEC, WRITER_OPTIONS, _build_parallel, _writer

log = logging.getLogger(__name__)


STATE_FILE = "state.json"
LOCK_FILE = "sync.lock"
CURRENT = "current"
# Out-of-order commits (PostgreSQL sequences) leave ids that may still appear; a hole older
# than this is a rolled-back transaction and is forgotten.
HOLE_TTL_SECONDS = 600
APPLY_BATCH = 5000
LOCK_WAIT_SECONDS = 120.0


# Bump when the schema or what documents say changes: older generations are then rebuilt.
SCHEMA_VERSION = 7  # 7: when kept records were last confirmed (freshness)


@dataclass
class State:
    last: int = 0
    holes: dict[int, float] = field(default_factory=dict)
    version: int = SCHEMA_VERSION

    @classmethod
    def load(cls, gen_dir: Path) -> State | None:
        try:
            raw = json.loads((gen_dir / STATE_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return None
        return cls(
            last=int(raw.get("last", 0)),
            holes={int(k): float(v) for k, v in raw.get("holes", {}).items()},
            version=int(raw.get("version", 0)),
        )

    def save(self, gen_dir: Path) -> None:
        tmp = gen_dir / f".{STATE_FILE}.{secrets.token_hex(4)}"
        holes = {str(k): v for k, v in self.holes.items()}
        tmp.write_text(json.dumps({"last": self.last, "holes": holes, "version": self.version}))
        os.replace(tmp, gen_dir / STATE_FILE)


# --- where the live index is --------------------------------------------------------------------


def current_dir(base: str | Path) -> Path | None:
    """The live generation directory (resolved, so a later swap cannot pull files from under
    an open index), or None when no index has been built here yet."""
    link = Path(base) / CURRENT
    if not link.exists():
        return None
    target = Path(os.path.realpath(link))
    if target in _COMPLETE:
        return target
    if not whoosh_index.exists_in(str(target)):
        return None
    # A generation holds an index from the moment the link names it; remembering that saves
    # reading its table of contents on every search (a whole generation never reverts).
    if len(_COMPLETE) > 64:
        _COMPLETE.clear()
    _COMPLETE.add(target)
    return target


_COMPLETE: set[Path] = set()


def open_index(gen_dir: Path) -> whoosh_index.Index:
    return FileStorage(str(gen_dir)).open_index(schema=build_schema())


@contextlib.contextmanager
def sync_lock(base: str | Path, blocking: bool = False, timeout: float = LOCK_WAIT_SECONDS) -> Iterator[bool]:
    """flock on base/sync.lock: yields True when held. flock (not lockf) so that two threads
    of one process exclude each other as well as two processes."""
    Path(base).mkdir(parents=True, exist_ok=True)
    fd = os.open(str(Path(base) / LOCK_FILE), os.O_CREAT | os.O_RDWR, 0o644)
    held = False
    try:
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if not blocking or time.monotonic() >= deadline:
                    break
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        yield held
    finally:
        if held:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --- reading the log ----------------------------------------------------------------------------


def _log_bounds(conn: Connection) -> tuple[int | None, int | None]:
    t = ChangeLog.__table__
    # Two subqueries: SQLite answers a lone min() or max() from the index, both at once by a scan.
    low = sa.select(sa.func.min(t.c.id)).scalar_subquery()
    high = sa.select(sa.func.max(t.c.id)).scalar_subquery()
    row = conn.execute(sa.select(low, high)).one()
    return row[0], row[1]


def max_log_id(engine: Engine) -> int:
    with reading(), engine.connect() as conn:
        return _log_bounds(conn)[1] or 0


def pending(engine: Engine, base: str | Path) -> bool:
    """Is there anything in the log this index has not applied (or no index at all)?"""
    gen = current_dir(base)
    state = State.load(gen) if gen else None
    if state is None or state.version != SCHEMA_VERSION:
        return True
    with reading(), engine.connect() as conn:
        top = _log_bounds(conn)[1] or 0
        if top != state.last:
            return True
        if state.holes:
            t = ChangeLog.__table__
            found = conn.execute(sa.select(sa.func.count()).where(t.c.id.in_(list(state.holes)))).scalar_one()
            return bool(found) or any(time.time() - v > HOLE_TTL_SECONDS for v in state.holes.values())
    return False


def _note_holes(state: State, ids: list[int], now: float) -> None:
    """ids are sorted and all > the old watermark: any gap before or between them may be a
    transaction that has not committed yet."""
    previous = state.last
    for i in ids:
        if i > previous + 1 and i - previous < 10_000:
            for missing in range(previous + 1, i):
                state.holes.setdefault(missing, now)
        previous = max(previous, i)


# --- applying the log -----------------------------------------------------------------------------


class NeedsRebuild(Exception):
    """The log no longer reaches back to this index's watermark."""


def _apply_once(engine: Engine, gen_dir: Path) -> int:
    """Apply one batch of log entries to the index in gen_dir (caller holds the lock).
    Returns the number of entries applied (0: nothing left)."""
    state = State.load(gen_dir) or State()
    if state.version != SCHEMA_VERSION:
        raise NeedsRebuild(f"index schema version {state.version}, this code writes {SCHEMA_VERSION}")
    now = time.time()
    with engine.connect() as conn:
        rows = _next_batch(conn, state)
        expired = [h for h, seen in state.holes.items() if now - seen > HOLE_TTL_SECONDS]
        if not rows:
            if expired:
                for h in expired:
                    state.holes.pop(h, None)
                state.save(gen_dir)
            return 0
        _write_batch(conn, gen_dir, rows)
    new_ids = [r.id for r in rows if r.id > state.last]
    for r in rows:
        state.holes.pop(r.id, None)
    _note_holes(state, new_ids, now)
    for h in expired:
        state.holes.pop(h, None)
    if new_ids:
        state.last = new_ids[-1]
    state.save(gen_dir)
    return len(rows)


def _next_batch(conn: Any, state: State) -> list[Any]:
    """The log entries after the watermark, and the holes still open, oldest first; NeedsRebuild
    when the log no longer joins up with the index."""
    t = ChangeLog.__table__
    low, high = _log_bounds(conn)
    if high is not None and high < state.last:
        raise NeedsRebuild(f"change log ends at {high}, before the index's watermark {state.last}")
    if low is not None and low > state.last + 1 and state.last > 0:
        raise NeedsRebuild(f"change log starts at {low}, after the index's watermark {state.last}")
    condition = t.c.id > state.last
    if state.holes:
        condition = sa.or_(condition, t.c.id.in_(list(state.holes)))
    return list(
        conn.execute(
            sa.select(t.c.id, t.c.kind, t.c.record_id).where(condition).order_by(t.c.id).limit(APPLY_BATCH)
        ).all()
    )


def _write_batch(conn: Any, gen_dir: Path, rows: list[Any]) -> None:
    """Rebuild the documents of the records the entries name; delete those no longer there."""
    targets: dict[str, set[int]] = {}
    known = documents.kinds()
    for row in rows:
        if row.kind in known:
            targets.setdefault(row.kind, set()).add(row.record_id)
    ix = open_index(gen_dir)
    writer = _writer(ix, timeout=30.0, delay=0.05, codec=CODEC, compound=False)
    try:
        for kind, ids in targets.items():
            seen: set[int] = set()
            for doc in documents.build_documents(conn, kind, ids):
                seen.add(doc["rid"])
                writer.update_document(**doc)
            for gone in ids - seen:
                writer.delete_by_term("uid", f"{kind}:{gone}")
    except BaseException:
        writer.cancel()
        raise
    _commit(writer)
    ix.close()


def _commit(writer: Any) -> None:
    """Commit, and if that fails release whoosh's write lock anyway: a failed writer kept alive
    by its traceback would otherwise hold the lock and every later write would wait on it."""
    try:
        writer.commit()
    except BaseException:
        if not writer.is_closed and writer.writelock:
            with contextlib.suppress(Exception):
                writer.writelock.release()
        raise


def _catch_up(engine: Engine, gen_dir: Path) -> int:
    applied = 0
    while True:
        n = _apply_once(engine, gen_dir)
        applied += n
        if n < APPLY_BATCH:
            return applied


def sync(engine: Engine, base: str | Path, blocking: bool = False) -> int:
    """Apply pending log entries; build the index first if there is none. Returns how many
    entries were applied. When another worker holds the lock, returns at once (it will see our
    entries); with blocking=True waits for it instead."""
    with reading():
        return _sync(engine, base, blocking)


def _sync(engine: Engine, base: str | Path, blocking: bool) -> int:
    applied = 0
    while True:
        with sync_lock(base, blocking=blocking) as held:
            if not held:
                return applied
            gen = current_dir(base)
            try:
                if gen is None:
                    rebuild(engine, base, locked=True)
                else:
                    applied += _catch_up(engine, gen)
            except NeedsRebuild as why:
                log.warning("search index: %s; rebuilding from the database", why)
                rebuild(engine, base, locked=True)
        # Entries committed while we held the lock belong to workers that gave up on it.
        if not pending(engine, base):
            return applied


# --- rebuilding -----------------------------------------------------------------------------------
def build_generation(
    engine: Engine, base: str | Path, progress: Callable[[int], None] | None = None, procs: int = 1
) -> Path:
    """Build a complete new index from the database into a fresh generation directory (not
    yet live). The watermark is read before the records, so anything written during the
    build is replayed afterwards (applying an entry twice is harmless)."""
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    gen = base / f"gen-{int(time.time())}-{secrets.token_hex(4)}"
    gen.mkdir()
    ix = FileStorage(str(gen)).create_index(build_schema())
    state = State()
    try:
        with engine.connect() as conn:
            state.last = _log_bounds(conn)[1] or 0
            # Recent ids missing from the log may be transactions still in flight.
            t = ChangeLog.__table__
            recent = set(conn.execute(sa.select(t.c.id).where(t.c.id > state.last - 1000)).scalars())
            now = time.time()
            state.holes = {i: now for i in range(max(1, state.last - 999), state.last + 1) if i not in recent}
            if procs <= 1:
                writer = _writer(ix, **WRITER_OPTIONS)
                try:
                    for doc in documents.all_documents(conn):
                        writer.add_document(**doc)
                        if progress:
                            progress(1)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
        if procs > 1:
            _build_parallel(engine, ix, gen, procs, progress)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    ix.close()
    state.save(gen)
    return gen


def _swap(base: Path, gen: Path) -> None:
    tmp = base / f".{CURRENT}.{secrets.token_hex(4)}"
    os.symlink(gen.name, tmp)
    os.replace(tmp, base / CURRENT)


def _remove_old_generations(base: Path, keep: set[str]) -> None:
    """Keep the live generation and the one before it (a worker may still be reading it)."""
    gens = sorted((p for p in base.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for gen in gens[:-2]:
        if gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)


def rebuild(
    engine: Engine,
    base: str | Path,
    locked: bool = False,
    progress: Callable[[int], None] | None = None,
    procs: int = 1,
) -> Path:
    """Build a new generation, catch it up with the log under the lock, and make it live."""
    with reading():
        return _rebuild(engine, Path(base), locked, progress, procs)


def _rebuild(engine: Engine, base: Path, locked: bool, progress: Callable[[int], None] | None, procs: int) -> Path:
    gen = build_generation(engine, base, progress=progress, procs=procs)
    with contextlib.ExitStack() as stack:
        if not locked:
            held = stack.enter_context(sync_lock(base, blocking=True))
            if not held:
                shutil.rmtree(gen, ignore_errors=True)
                raise TimeoutError("another process held the search index lock for too long")
        _catch_up(engine, gen)
        _swap(base, gen)
    _remove_old_generations(base, keep={gen.name})
    return gen
