"""A compact in-memory term index of offerings and deployments, kept in step with the database.

Why not the whoosh index: one OR query over every word of a challenge is far too slow at 50k
records, and matching needs per-record facts (categories, case management systems, tool,
visibility) beside the text. This index keeps, per record kind, postings (term -> record slots
and weighted term frequencies) for cheap candidate generation and a forward list per record for
exact scoring of a few hundred candidates. It is built from the database (or loaded from its
saved snapshot) in a background thread that a process's first request starts, and then caught up
from the change log (the same log the search indexer replays), so a fresh process on a fresh
database needs nothing prepared in advance. Pages ask `background.ready_index`, which never builds a large
index in the request: until it is ready they say the matches are being prepared.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import math
import os
import pickle
import sys
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.engine import Engine

from catalogue.accounts.models import Organisation
from catalogue.changes import ChangeLog
from catalogue.db import reading
from catalogue.records.models import Deployment, Tool
from catalogue.vocabulary import CATEGORIES, DELIVERY, DROPPED_REASONS
from outcomes.matching.text import Analysed, analyse, merged
from suppliers.models import Offering

K1 = 1.2
B = 0.75

# How much each field of a record says about what it is for.
OFFERING_FIELDS = {
    "name": 2.5,
    "summary": 2.0,
    "outcomes": 1.5,
    "description": 1.0,
    "categories": 1.0,
    "delivery": 1.0,
    "supplier": 0.3,
}
DEPLOYMENT_FIELDS = {
    "tool_name": 1.5,
    "tool_summary": 1.5,
    "tool_description": 0.8,
    "tool_categories": 0.8,
    "delivery": 0.8,
    "summary": 2.0,
    "impact": 1.0,
    "learnings": 0.6,
    "barriers": 0.5,
    "dropped_detail": 0.8,
    "dropped_reasons": 0.8,
    "evaluation_findings": 0.6,
}


def norm_cms(name: str | None) -> str:
    return " ".join((name or "").lower().replace("\u2019", "'").split())


@dataclass(slots=True)
class DocMeta:
    """What ranking and explaining need to know about a record, beside its terms."""

    id: int
    ref: str
    name: str
    owner_id: int
    tool_id: int | None
    categories: tuple[str, ...]
    visibility: str = "public"  # deployments
    status: str = "published"  # offerings
    stage: str | None = None  # deployments
    delivery: str | None = None
    cms: tuple[str, ...] = ()
    outcomes: tuple[tuple[str, dict[str, float]], ...] = ()  # offerings: (text, terms)
    sectors: dict[str, float] = field(default_factory=dict)
    concepts: dict[str, str] = field(default_factory=dict)  # concept -> phrase that named it
    focus: tuple[str, ...] = ()  # terms of its name and summary: what it is mainly for

    # The policy reads these names (catalogue.access.can_view / can_view_offering).
    @property
    def organisation_id(self) -> int:
        return self.owner_id

    @property
    def supplier_id(self) -> int:
        return self.owner_id


class Corpus:
    """One record kind's term statistics: postings, forward lists, lengths and metadata."""

    def __init__(self) -> None:
        self.term_ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.post_slots: list[array] = []
        self.post_tfs: list[array] = []
        self.df: list[int] = []
        self.fwd_terms: list[array | None] = []
        self.fwd_tfs: list[array | None] = []
        self.length: array = array("f")
        # Deployments only: the record's own share of each term and of its length (the rest is
        # its tool's), so ranking can weigh and normalise the two fields apart (BM25F).
        self.fwd_own: list[array | None] = []
        self.own_length: array = array("f")
        self.total_own_length = 0.0
        self.meta: list[DocMeta | None] = []
        self.slot_of: dict[int, int] = {}
        self.by_tool: dict[int, set[int]] = {}
        self.live = 0
        self.total_length = 0.0
        self.df_version = 0  # bumped on every add or remove, so cached idfs stay true
        self._idf_cache: dict[int, float] = {}
        self._term_weights: dict[str, float] = {}
        self._idf_live = -1
        self._idf_df_version = -1
        self._norms: np.ndarray = np.zeros(0)
        self._norm_version = -1

    @property
    def dead(self) -> int:
        return len(self.meta) - self.live

    def avg_length(self) -> float:
        return self.total_length / self.live if self.live else 1.0

    def avg_own_length(self) -> float:
        return max(self.total_own_length / self.live, 1.0) if self.live else 1.0

    def avg_other_length(self) -> float:
        return max((self.total_length - self.total_own_length) / self.live, 1.0) if self.live else 1.0

    def _reset_caches(self) -> None:
        """Forget cached idfs after a write."""
        self._idf_cache = {}
        self._term_weights = {}
        self._idf_live, self._idf_df_version = self.live, self.df_version

    def idf(self, term_id: int) -> float:
        if self._idf_live != self.live or self._idf_df_version != self.df_version:
            self._reset_caches()
        value = self._idf_cache.get(term_id)
        if value is None:
            df = self.df[term_id]
            value = self._idf_cache[term_id] = math.log(1 + (self.live - df + 0.5) / (df + 0.5))
        return value

    def term_weight(self, term: str) -> float:
        """A term's idf by its text, 1.0 for a term no live record has (cached until a write)."""
        if self._idf_live != self.live or self._idf_df_version != self.df_version:
            self._reset_caches()
        value = self._term_weights.get(term)
        if value is None:
            tid = self.term_ids.get(term)
            value = self.idf(tid) if tid is not None and self.df[tid] > 0 else 1.0
            self._term_weights[term] = value
        return value

    def saturation(self) -> np.ndarray:
        """K1 * length normalisation per slot (BM25's denominator term), cached until a write."""
        if self._norm_version != self.df_version:
            avg = self.avg_length()
            self._norms = K1 * (1 - B + B * np.frombuffer(self.length, dtype=np.float32).astype(np.float64) / avg)
            self._norm_version = self.df_version
        return self._norms

    def postings(self, term_ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The postings of several terms end to end: (slots, term frequencies, which term)."""
        slots = [np.frombuffer(self.post_slots[t], dtype=np.intc) for t in term_ids]
        tfs = [np.frombuffer(self.post_tfs[t], dtype=np.float32) for t in term_ids]
        which = np.repeat(np.arange(len(term_ids)), [len(a) for a in slots])
        return np.concatenate(slots), np.concatenate(tfs).astype(np.float64), which

    def forwards(self, slots: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The forward lists of several live slots end to end: (term ids, term frequencies, the
        record's own share of them, which slot: an index into `slots`)."""
        if not slots:
            empty = np.zeros(0)
            return np.zeros(0, dtype=np.intc), empty, empty, np.zeros(0, dtype=np.intp)
        ids = [np.frombuffer(self.fwd_terms[s], dtype=np.intc) for s in slots]
        tfs = [np.frombuffer(self.fwd_tfs[s], dtype=np.float32) for s in slots]
        owns = [
            np.frombuffer(own, dtype=np.float32) if (own := self.fwd_own[s]) is not None else tf
            for s, tf in zip(slots, tfs, strict=True)
        ]
        which = np.repeat(np.arange(len(slots)), [len(a) for a in ids])
        return (
            np.concatenate(ids),
            np.concatenate(tfs).astype(np.float64),
            np.concatenate(owns).astype(np.float64),
            which,
        )

    def term_id(self, term: str) -> int | None:
        return self.term_ids.get(term)

    def add(self, meta: DocMeta, analysed: Analysed, own: Analysed | None = None) -> None:
        """Index a record; `own` is the part of `analysed` that is the record's own text (the rest
        its tool's), kept for field-wise scoring."""
        self.remove(meta.id)
        slot = len(self.meta)
        ids = array("i")
        tfs = array("f")
        own_tfs = array("f") if own is not None else None
        for term, tf in analysed.terms.items():
            tid = self.term_ids.get(term)
            if tid is None:
                tid = len(self.terms)
                self.term_ids[term] = tid
                self.terms.append(term)
                self.post_slots.append(array("i"))
                self.post_tfs.append(array("f"))
                self.df.append(0)
            self.post_slots[tid].append(slot)
            self.post_tfs[tid].append(tf)
            self.df[tid] += 1
            ids.append(tid)
            tfs.append(tf)
            if own_tfs is not None:
                own_tfs.append(own.terms.get(term, 0.0))
        self.fwd_terms.append(ids)
        self.fwd_tfs.append(tfs)
        self.fwd_own.append(own_tfs)
        self.length.append(max(analysed.length, 1.0))
        own_len = min(own.length, analysed.length) if own is not None else analysed.length
        self.own_length.append(own_len)
        self.total_own_length += own_len
        self.meta.append(meta)
        self.slot_of[meta.id] = slot
        if meta.tool_id is not None:
            self.by_tool.setdefault(meta.tool_id, set()).add(slot)
        self.live += 1
        self.df_version += 1
        self.total_length += self.length[slot]

    def remove(self, record_id: int) -> None:
        slot = self.slot_of.pop(record_id, None)
        if slot is None:
            return
        meta = self.meta[slot]
        for tid in self.fwd_terms[slot] or ():
            self.df[tid] -= 1
        if meta is not None and meta.tool_id is not None:
            self.by_tool.get(meta.tool_id, set()).discard(slot)
        self.total_length -= self.length[slot]
        self.total_own_length -= self.own_length[slot]
        self.meta[slot] = None
        self.fwd_terms[slot] = None
        self.fwd_tfs[slot] = None
        self.fwd_own[slot] = None
        self.live -= 1
        self.df_version += 1

    def forward(self, slot: int) -> dict[int, float]:
        ids, tfs = self.fwd_terms[slot], self.fwd_tfs[slot]
        return dict(zip(ids, tfs, strict=True)) if ids is not None else {}


def _labels(codes: Iterable[str], vocabulary: dict[str, str] = CATEGORIES) -> str:
    return " ".join(vocabulary.get(c, c) for c in codes or () if c != "other")


def _delivery(delivery: str | None) -> str | None:
    """Built into a case management system is something a challenge may ask for; a standalone
    tool's being standalone is not, so only the first becomes words."""
    return DELIVERY.get("embedded") if delivery == "embedded" else None


def _outcome_terms(text: str) -> dict[str, float]:
    return dict(analyse([(text, 1.0)]).terms)


def _focus(*texts: str | None) -> tuple[str, ...]:
    return tuple(sys.intern(t) for t in analyse([(t, 1.0) for t in texts]).terms)


def offering_doc(row: Any, supplier_name: str | None) -> tuple[DocMeta, Analysed]:
    w = OFFERING_FIELDS
    outcomes = [o for o in (row.outcomes or []) if isinstance(o, str) and o.strip()]
    analysed = analyse(
        [
            (row.name, w["name"]),
            (row.summary, w["summary"]),
            ("\n".join(outcomes), w["outcomes"]),
            (row.description, w["description"]),
            (_labels(row.categories), w["categories"]),
            (_delivery(row.delivery), w["delivery"]),
            (supplier_name, w["supplier"]),
        ]
    )
    meta = DocMeta(
        id=row.id,
        ref=row.ref,
        name=row.name,
        owner_id=row.supplier_id,
        tool_id=row.tool_id,
        categories=tuple(row.categories or ()),
        status=row.status,
        delivery=row.delivery,
        cms=tuple(norm_cms(c) for c in (row.case_management_systems or ()) if c),
        outcomes=tuple((o, _outcome_terms(o)) for o in outcomes),
        sectors=dict(analysed.sectors),
        concepts=dict(analysed.phrases),
        focus=_focus(row.name, row.summary),
    )
    return meta, analysed


def tool_analysis(tool: Any) -> Analysed:
    w = DEPLOYMENT_FIELDS
    return analyse(
        [
            (tool.name, w["tool_name"]),
            (tool.summary, w["tool_summary"]),
            (tool.description, w["tool_description"]),
            (_labels(tool.categories), w["tool_categories"]),
            (_delivery(tool.delivery), w["delivery"]),
        ]
    )


def deployment_doc(row: Any, tool: Any, tool_analysed: Analysed | None = None) -> tuple[DocMeta, Analysed, Analysed]:
    """A deployment's index entry: its metadata, its text with its tool's, and its own text alone."""
    w = DEPLOYMENT_FIELDS
    own = analyse(
        [
            (row.summary, w["summary"]),
            (row.impact, w["impact"]),
            (row.learnings, w["learnings"]),
            (row.barriers, w["barriers"]),
            (row.dropped_detail, w["dropped_detail"]),
            (_labels(row.dropped_reasons, DROPPED_REASONS), w["dropped_reasons"]),
            (row.evaluation_findings, w["evaluation_findings"]),
        ]
    )
    if tool is not None and tool_analysed is None:
        tool_analysed = tool_analysis(tool)
    analysed = merged(tool_analysed, own) if tool_analysed is not None else own
    meta = DocMeta(
        id=row.id,
        ref=row.ref,
        name=tool.name if tool else row.ref,
        owner_id=row.organisation_id,
        tool_id=row.tool_id,
        categories=tuple(tool.categories or ()) if tool else (),
        visibility=row.visibility,
        stage=row.stage,
        delivery=tool.delivery if tool else None,
        cms=tuple(norm_cms(c) for c in (tool.case_management_systems or ()) if c) if tool else (),
        sectors=dict(analysed.sectors),
        concepts=dict(analysed.phrases),
        focus=_focus(tool.name if tool else None, tool.summary if tool else None, row.summary),
    )
    return meta, analysed, own


_TOOL_COLUMNS = (
    Tool.id,
    Tool.name,
    Tool.summary,
    Tool.description,
    Tool.categories,
    Tool.delivery,
    Tool.case_management_systems,
)
_OFFERING_COLUMNS = (
    Offering.id,
    Offering.ref,
    Offering.name,
    Offering.summary,
    Offering.description,
    Offering.outcomes,
    Offering.categories,
    Offering.supplier_id,
    Offering.tool_id,
    Offering.status,
    Offering.delivery,
    Offering.case_management_systems,
)
_DEPLOYMENT_COLUMNS = (
    Deployment.id,
    Deployment.ref,
    Deployment.organisation_id,
    Deployment.tool_id,
    Deployment.stage,
    Deployment.visibility,
    Deployment.summary,
    Deployment.impact,
    Deployment.learnings,
    Deployment.barriers,
    Deployment.dropped_detail,
    Deployment.dropped_reasons,
    Deployment.evaluation_findings,
)
# Past this many changes since the last look, rebuilding is cheaper than replaying.
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
    """Changes to the analysis or the thesaurus invalidate saved snapshots."""
    from outcomes.matching import text, thesaurus

    digest = hashlib.sha256()
    for module in (text, thesaurus, sys.modules[__name__]):
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
