"""A compact in-memory term index of offerings and deployments, kept in step with the database.

Why not the whoosh index: one OR query over every word of a challenge is far too slow at 50k
records, and matching needs per-record facts (categories, case management systems, tool,
visibility) beside the text. This index keeps, per record kind, postings (term -> record slots
and weighted term frequencies) for cheap candidate generation and a forward list per record for
exact scoring of a few hundred candidates. It is built from the database (or loaded from its
saved snapshot) in a background thread that a process's first request starts, and then caught up
from the change log (the same log the search indexer replays), so a fresh process on a fresh
database needs nothing prepared in advance. Pages ask `background.ready_index`, which never builds
a large index in the request: until it is ready they say the matches are being prepared.

The term store is `corpus`, the records as read are `documents`; their names are importable
here too.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import os
import pickle
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.engine import Engine

from catalogue.accounts.models import Organisation
from catalogue.changes import ChangeLog
from catalogue.db import reading
from catalogue.records.models import Deployment, Tool
from outcomes.matching.corpus import K1 as K1
from outcomes.matching.corpus import B as B
from outcomes.matching.corpus import Corpus as Corpus
from outcomes.matching.corpus import DocMeta as DocMeta
from outcomes.matching.corpus import norm_cms as norm_cms
from outcomes.matching.documents import _DEPLOYMENT_COLUMNS, _OFFERING_COLUMNS, _TOOL_COLUMNS
from outcomes.matching.documents import DEPLOYMENT_FIELDS as DEPLOYMENT_FIELDS
from outcomes.matching.documents import OFFERING_FIELDS as OFFERING_FIELDS
from outcomes.matching.documents import deployment_doc as deployment_doc
from outcomes.matching.documents import offering_doc as offering_doc
from outcomes.matching.documents import tool_analysis as tool_analysis
from outcomes.matching.text import Analysed, analyse
from suppliers.models import Offering

REPLAY_LIMIT = 2000


_GENERATIONS = itertools.count(1)


class MatchIndex:
    """Offerings, deployments and challenges, indexed; `refresh(conn)` catches up with the change log."""

    def __init__(self) -> None:
        self.offerings = Corpus()
        self.deployments = Corpus()
        # Challenges, for the supplier's side: which challenges might an offering fit.
        self.challenges = Corpus()
        self.seen_change = -1
        self.lock = threading.Lock()
        # Unique per index object, so results remembered against one index never answer for
        # another (a database truncated by tests starts its change log again).
        self.generation = next(_GENERATIONS)

    # --- loading ------------------------------------------------------------------------------

    def _tools(self, conn: sa.Connection, ids: Iterable[int] | None = None) -> dict[int, Any]:
        query = sa.select(*_TOOL_COLUMNS)
        if ids is not None:
            query = query.where(Tool.id.in_(list(ids)))
        return {row.id: row for row in conn.execute(query)}

    def _load_offerings(self, conn: sa.Connection, ids: list[int] | None = None) -> None:
        query = sa.select(*_OFFERING_COLUMNS, Organisation.name.label("supplier_name")).join(
            Organisation, Organisation.id == Offering.supplier_id
        )
        if ids is not None:
            query = query.where(Offering.id.in_(ids))
        found = set()
        for row in conn.execute(query.order_by(Offering.id)):
            found.add(row.id)
            self.offerings.add(*offering_doc(row, row.supplier_name))
        for missing in set(ids or ()) - found:
            self.offerings.remove(missing)

    def _load_deployments(
        self, conn: sa.Connection, ids: list[int] | None = None, tool_ids: list[int] | None = None
    ) -> None:
        query = sa.select(*_DEPLOYMENT_COLUMNS)
        if ids is not None:
            query = query.where(Deployment.id.in_(ids))
        if tool_ids is not None:
            query = query.where(Deployment.tool_id.in_(tool_ids))
        rows = list(conn.execute(query.order_by(Deployment.id)))
        tools = self._tools(conn, {r.tool_id for r in rows}) if ids is not None or tool_ids is not None else None
        if tools is None:
            tools = self._tools(conn)
        found = set()
        tool_analyses: dict[int, Analysed] = {}
        for row in rows:
            found.add(row.id)
            tool = tools.get(row.tool_id)
            if tool is not None and tool.id not in tool_analyses:
                tool_analyses[tool.id] = tool_analysis(tool)
            self.deployments.add(*deployment_doc(row, tool, tool_analyses.get(row.tool_id)))
        for missing in set(ids or ()) - found:
            self.deployments.remove(missing)

    def _load_challenges(self, conn: sa.Connection, ids: list[int] | None = None) -> None:
        from outcomes.models import Challenge

        query = sa.select(
            Challenge.id,
            Challenge.ref,
            Challenge.title,
            Challenge.problem,
            Challenge.outcomes,
            Challenge.owner_id,
            Challenge.status,
        )
        if ids is not None:
            query = query.where(Challenge.id.in_(ids))
        found = set()
        for row in conn.execute(query.order_by(Challenge.id)):
            found.add(row.id)
            outcomes = " ".join(o.get("outcome", "") for o in row.outcomes or [] if isinstance(o, dict))
            analysed = analyse([(row.title, 2.0), (row.problem, 1.0), (outcomes, 1.5)])
            meta = DocMeta(
                id=row.id,
                ref=row.ref,
                name=row.title,
                owner_id=row.owner_id,
                tool_id=None,
                categories=(),
                status=row.status,
            )
            self.challenges.add(meta, analysed)
        for missing in set(ids or ()) - found:
            self.challenges.remove(missing)

    def build(self, conn: sa.Connection) -> None:
        self.offerings = Corpus()
        self.deployments = Corpus()
        self.challenges = Corpus()
        self.seen_change = conn.execute(sa.select(sa.func.coalesce(sa.func.max(ChangeLog.id), 0))).scalar_one()
        self._load_offerings(conn)
        self._load_deployments(conn)
        self._load_challenges(conn)

    def refresh(self, conn: sa.Connection) -> bool:
        """Catch up with writes since the last look: replay the change log, or rebuild (True)."""
        latest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(ChangeLog.id), 0))).scalar_one()
        if latest == self.seen_change:
            return False
        with self.lock:
            if latest == self.seen_change:
                return False
            pending = latest - self.seen_change
            too_stale = (
                self.seen_change < 0
                or latest < self.seen_change
                or pending > REPLAY_LIMIT
                or self.offerings.dead + self.deployments.dead
                > (self.offerings.live + self.deployments.live) // 3 + 100
            )
            if too_stale:
                self.build(conn)
                return True
            rows = conn.execute(
                sa.select(ChangeLog.kind, ChangeLog.record_id)
                .where(ChangeLog.id > self.seen_change, ChangeLog.id <= latest)
                .where(ChangeLog.kind.in_(("offering", "deployment", "tool", "challenge")))
            ).all()
            by_kind: dict[str, set[int]] = {"offering": set(), "deployment": set(), "tool": set(), "challenge": set()}
            for kind, record_id in rows:
                by_kind[kind].add(record_id)
            if by_kind["offering"]:
                self._load_offerings(conn, sorted(by_kind["offering"]))
            if by_kind["deployment"]:
                self._load_deployments(conn, ids=sorted(by_kind["deployment"]))
            if by_kind["challenge"]:
                self._load_challenges(conn, sorted(by_kind["challenge"]))
            if by_kind["tool"]:
                # A deployment's text includes its tool's: re-read every deployment of a changed tool.
                self._load_deployments(conn, tool_ids=sorted(by_kind["tool"]))
            self.seen_change = latest
            return False


# A built index is saved beside the search index (derived data, like it) once it is big enough
# that rebuilding hurts, so a restarted or second app process loads it and replays the log.
SNAPSHOT_MIN_RECORDS = 5000
SNAPSHOT_VERSION = 3


def _fingerprint() -> str:
    """Changes to the analysis, the thesaurus or the index's code (this module, its term store
    and its documents) invalidate saved snapshots."""
    from catalogue import thesaurus
    from outcomes.matching import corpus, documents, text

    digest = hashlib.sha256()
    for module in (text, thesaurus, corpus, documents, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _snapshot_path() -> Path | None:
    if not has_app_context():
        return None
    folder = current_app.config.get("SEARCH_INDEX_DIR")
    return Path(folder) / "matching-index.pickle" if folder else None


def _change_at(conn: sa.Connection, change_id: int) -> str:
    at = conn.execute(sa.select(ChangeLog.at).where(ChangeLog.id == change_id)).scalar()
    return str(at)


def _save(index: MatchIndex, conn: sa.Connection, url: str) -> None:
    path = _snapshot_path()
    if path is None or index.offerings.live + index.deployments.live < SNAPSHOT_MIN_RECORDS:
        return
    header = (SNAPSHOT_VERSION, _fingerprint(), url, index.seen_change, _change_at(conn, index.seen_change))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump(
            (header, index.offerings, index.deployments, index.challenges), fh, protocol=pickle.HIGHEST_PROTOCOL
        )
    os.replace(tmp, path)


def _load(conn: sa.Connection, url: str) -> MatchIndex | None:
    path = _snapshot_path()
    if path is None or not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            # Our own file in the instance's index folder, written by _save above.
            header, offerings, deployments, challenges = pickle.load(fh)  # noqa: S301
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    version, fingerprint, saved_url, seen, at = header
    # The same database at the same point of its change log, analysed by the same code.
    if (version, fingerprint, saved_url) != (SNAPSHOT_VERSION, _fingerprint(), url):
        return None
    if _change_at(conn, seen) != at:
        return None
    index = MatchIndex()
    index.offerings, index.deployments, index.challenges = offerings, deployments, challenges
    index.seen_change = seen
    return index


_INDEXES: dict[str, MatchIndex] = {}
_INDEXES_LOCK = threading.Lock()


def index_for(engine: Engine) -> MatchIndex:
    """The process's index for this database, caught up with its change log (blocks while it
    builds: for commands, tests and benchmarks; pages use background.ready_index)."""
    key = str(engine.url)
    # Only reads: inside a write request this must not queue behind the request's own write lock.
    with reading():
        return _index_for(engine, key)


def _index_for(engine: Engine, key: str) -> MatchIndex:
    with _INDEXES_LOCK:
        return _catch_up(engine, key)


def _catch_up(engine: Engine, key: str) -> MatchIndex:
    """Load or replay (called with _INDEXES_LOCK held)."""
    index = _INDEXES.get(key)
    fresh = index is None
    with engine.connect() as conn:
        if fresh:
            index = _load(conn, key) or MatchIndex()
            _INDEXES[key] = index
        rebuilt = index.refresh(conn)
        if rebuilt:
            _save(index, conn, key)
        if rebuilt or fresh:
            # Millions of long-lived index objects: keep the cyclic garbage collector from
            # re-scanning them on every collection (it made matching twice as slow at 50k).
            gc.collect()
            gc.freeze()
    return index


def forget(engine: Engine) -> None:
    """Drop a database's index (tests that reuse a URL for a different database)."""
    with _INDEXES_LOCK:
        _INDEXES.pop(str(engine.url), None)
