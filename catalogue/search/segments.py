"""The live index in this process: per-segment caches of postings, visibility and facet sets
(segments never change once written), catching up with the change log, and running work on a
fresh searcher."""

from __future__ import annotations

import atexit
import logging
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from flask import current_app
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import ReaderClosed
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from catalogue import db
from catalogue.search import indexer
from catalogue.search.query import SCHEMA
from catalogue.search.schema import TEXT_FIELDS

log = logging.getLogger(__name__)


# --- the live index in this process, with per-segment set caches ---------------------------------


class _SegmentCache:
    """Arrays for one segment, indexed by segment-local document number. A written segment's
    postings never change, and deleted documents are masked out by `alive`, so everything
    here lives as long as the segment does."""

    TEXT_CACHE = 2048
    TEXT_POSTINGS = 4_000_000

    def __init__(self) -> None:
        self.keyword: dict[tuple[str, str], np.ndarray] = {}
        self.text: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.text_size = 0
        self.lexicons: dict[str, list[str]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.updated: np.ndarray | None = None
        self.confirmed: np.ndarray | None = None
        self.rids: np.ndarray | None = None
        self.alive: tuple[int, np.ndarray] | None = None
        self.visible: dict[tuple, np.ndarray] = {}
        self.facets: dict[str, tuple[list[str], np.ndarray | None]] = {}


def _read_postings(reader: Any, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(doc ids, weights) of one term, a whole block at a time where whoosh allows."""
    m = reader.postings(fieldname, btext)
    # Deleted documents are masked later; skip the per-posting deletion filter.
    while not hasattr(m, "_read_ids") and hasattr(m, "child"):
        m = m.child
    if hasattr(m, "_read_data") and hasattr(m, "_next_block") and not getattr(m, "_byteids", True):
        try:
            return _read_blocks(m)
        except (AttributeError, TypeError, ValueError):  # a codec we do not know: the slow way
            m = reader.postings(fieldname, btext)
            while not hasattr(m, "_read_ids") and hasattr(m, "child"):
                m = m.child
    ids: list[int] = []
    weights: list[float] = []
    if hasattr(m, "_read_ids") and hasattr(m, "_read_weights") and hasattr(m, "_next_block"):
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            ids.extend(m._ids[m._i :])
            weights.extend(m._weights[m._i :])
            m._next_block()
    else:  # any other matcher: one posting at a time
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def _read_blocks(m: Any) -> tuple[np.ndarray, np.ndarray]:
    """whoosh 2.7's block format read with numpy: each block holds delta-encoded ids and
    weights (None when all are 1, one float when all are equal)."""
    id_blocks: list[np.ndarray] = []
    weight_blocks: list[np.ndarray] = []
    while m.is_active():
        if m._data is None:
            m._read_data()
        raw_ids, raw_weights = m._data[0], m._data[1]
        count = m._blocklength
        ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64))  # deltas from 0 in each block
        if len(ids) != count:
            raise ValueError("unexpected block layout")
        id_blocks.append(ids)
        if raw_weights is None:
            weight_blocks.append(np.ones(count, dtype=np.float32))
        elif isinstance(raw_weights, float | int):
            weight_blocks.append(np.full(count, raw_weights, dtype=np.float32))
        else:
            weight_blocks.append(np.asarray(raw_weights, dtype=np.float32))
        m._next_block()
    if not id_blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


# Field lengths are stored as one byte each; this is whoosh's byte-to-length table as an array.
_BYTE_TO_LENGTH = np.array([byte_to_length(b) if b else 0 for b in range(256)], dtype=np.float32)


def _fixed_width_column(reader: Any, name: str, column: Any, dtype: Any, size: int) -> np.ndarray | None:
    """A fixed-width whoosh column (field lengths, numbers) read in one go; whoosh reads such
    columns a value at a time, which costs a second per field on a 50k-document segment.
    None when the layout is not the one expected (another codec): callers then read slowly."""
    try:
        perdoc = reader._perdoc
        if not perdoc.has_column(name):
            return np.zeros(size, dtype=dtype)
        col = perdoc._cached_reader(name, column)
        width = np.dtype(dtype).itemsize
        if col._fixedlen != width:
            return None
        raw = col._dbfile.get(col._basepos, col._count * width)
        values = np.frombuffer(raw, dtype=dtype)
        out = np.frombuffer(col._defaultbytes * size, dtype=dtype).copy()
        out[: min(len(values), size)] = values[:size]
        return out
    except (AttributeError, TypeError, ValueError):
        return None


class Leaf:
    """One segment of the live index, with its cached arrays."""

    def __init__(self, searcher: Searcher, offset: int, cache: _SegmentCache) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.offset = offset
        self.cache = cache
        self.size = self.reader.doc_count_all()

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        key = (fieldname, text)
        cache = self.cache.text
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
        btext = SCHEMA[fieldname].to_bytes(text)
        if (fieldname, btext) in self.reader:
            found = _read_postings(self.reader, fieldname, btext)
        else:
            found = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        cache[key] = found
        self.cache.text_size += len(found[0])
        # Bounded by postings held, not terms: a common word's postings are large.
        while len(cache) > 1 and (
            len(cache) > _SegmentCache.TEXT_CACHE or self.cache.text_size > _SegmentCache.TEXT_POSTINGS
        ):
            _, (ids, _w) = cache.popitem(last=False)
            self.cache.text_size -= len(ids)
        return found

    def mask(self, fieldname: str, text: str) -> np.ndarray:
        """Boolean array: which documents of this segment have the term."""
        if fieldname in TEXT_FIELDS:
            out = np.zeros(self.size, dtype=bool)
            out[self.postings(fieldname, text)[0]] = True
            return out
        key = (fieldname, text)
        found = self.cache.keyword.get(key)
        if found is None:
            found = np.zeros(self.size, dtype=bool)
            btext = SCHEMA[fieldname].to_bytes(text)
            if (fieldname, btext) in self.reader:
                found[_read_postings(self.reader, fieldname, btext)[0]] = True
            self.cache.keyword[key] = found
        return found

    def values(self, fieldname: str) -> list[str]:
        if fieldname not in self.cache.lexicons:
            fieldobj = SCHEMA[fieldname]
            try:
                terms = [fieldobj.from_bytes(b) for b in self.reader.lexicon(fieldname)]
            except Exception:  # a field with no terms in this segment
                terms = []
            self.cache.lexicons[fieldname] = terms
        return self.cache.lexicons[fieldname]

    def facet_matrix(self, fieldname: str) -> tuple[list[str], np.ndarray | None]:
        """A facet's values and, for each value, which documents have it as packed bits (one
        row of 64-bit words per value): counting every value among a set of documents is then
        one AND and one population count over a few kilobytes."""
        found = self.cache.facets.get(fieldname)
        if found is None:
            values = self.values(fieldname)
            matrix = np.stack([packed(self.mask(fieldname, value)) for value in values]) if values else None
            found = self.cache.facets[fieldname] = (values, matrix)
        return found

    def alive(self) -> np.ndarray:
        deleted: list[int] = []
        if self.reader.has_deletions():
            found = self.reader.deleted_docs_set
            deleted = list(found() if callable(found) else found)
        if self.cache.alive is None or self.cache.alive[0] != len(deleted):
            mask = np.ones(self.size, dtype=bool)
            mask[np.asarray(deleted, dtype=np.int64)] = False
            self.cache.alive = (len(deleted), mask)
        return self.cache.alive[1]

    def lengths(self, fieldname: str) -> np.ndarray:
        found = self.cache.lengths.get(fieldname)
        if found is None:
            codes = _fixed_width_column(self.reader, f"_{fieldname}_len", LENGTHS_COLUMN, np.uint8, self.size)
            if codes is not None:
                found = _BYTE_TO_LENGTH[codes]
            else:
                dfl = self.reader.doc_field_length
                found = np.fromiter(
                    (dfl(d, fieldname, 0) or 0 for d in range(self.size)), dtype=np.float32, count=self.size
                )
            self.cache.lengths[fieldname] = found
        return found

    def _numbers(self, name: str) -> np.ndarray:
        column = SCHEMA[name].column_type
        found = _fixed_width_column(self.reader, name, column, np.dtype(">i8"), self.size)
        if found is not None:
            return found.astype(np.int64)
        return np.fromiter((int(v or 0) for v in self.reader.column_reader(name)), dtype=np.int64, count=self.size)

    def rids(self) -> np.ndarray:
        if self.cache.rids is None:
            self.cache.rids = self._numbers("rid_col")
        return self.cache.rids

    def updated(self) -> np.ndarray:
        if self.cache.updated is None:
            self.cache.updated = self._numbers("updated")
        return self.cache.updated

    def confirmed(self) -> np.ndarray:
        if self.cache.confirmed is None:
            self.cache.confirmed = self._numbers("confirmed")
        return self.cache.confirmed

    def docmask(self, q: wq.Query) -> np.ndarray:
        """Which live documents of this segment match q (set algebra on postings)."""
        if isinstance(q, wq.Term):
            return self.mask(q.fieldname, str(q.text)) & self.alive()
        if isinstance(q, wq.Every):
            return self.alive()
        if isinstance(q, wq.And):
            out = self.alive().copy()
            for c in q.subqueries:
                out &= ~self.docmask(c.query) if isinstance(c, wq.Not) else self.docmask(c)
                if not out.any():
                    break
            return out
        if isinstance(q, wq.Or):
            out = np.zeros(self.size, dtype=bool)
            for c in q.subqueries:
                out |= (self.alive() & ~self.docmask(c.query)) if isinstance(c, wq.Not) else self.docmask(c)
            return out
        if isinstance(q, wq.Not):
            return self.alive() & ~self.docmask(q.query)
        if isinstance(q, wq.AndNot):
            return self.docmask(q.a) & ~self.docmask(q.b)
        if isinstance(q, wq.AndMaybe):
            return self.docmask(q.a)
        out = np.zeros(self.size, dtype=bool)
        if q is wq.NullQuery:
            return out
        # Phrases and anything else: let whoosh match it in this segment.
        ids = np.fromiter(q.docs(self.searcher), dtype=np.int64)
        out[ids] = True
        return out & self.alive()

    def visible(self, grants: Sequence[tuple[str, int | None]]) -> np.ndarray:
        """The documents this viewer may see: the grants from catalogue.access, as arrays."""
        key = tuple(grants)
        found = self.cache.visible.get(key)
        if found is None:
            found = np.zeros(self.size, dtype=bool)
            for level, org in grants:
                docs = self.mask("visibility", level)
                if org is not None:
                    docs = docs & self.mask("owner", str(org))
                found |= docs
            if len(self.cache.visible) > 256:
                self.cache.visible.clear()
            self.cache.visible[key] = found
        return found & self.alive()


# Searcher warming (as Lucene and Solr do): a big segment's most frequent terms are read when
# it is first opened. Those are the costly reads (whoosh unpickles a block's positions along
# with its ids) and nearly every query has one. Small segments from single writes are cheap to
# read and are not warmed, so a write stays searchable at once; the time budget bounds the wait.
WARM_MIN_DOCS = 5000
WARM_TERMS = 300
WARM_SECONDS = 2.0


def _warm(leaf: Leaf) -> None:
    deadline = time.monotonic() + WARM_SECONDS
    for fieldname in TEXT_FIELDS:
        try:
            terms = leaf.reader.most_frequent_terms(fieldname, WARM_TERMS)
        except Exception:  # warming is an optimisation, never a failure
            log.debug("warming %s failed", fieldname, exc_info=True)
            continue
        for _weight, btext in terms:
            if time.monotonic() > deadline:
                return
            leaf.postings(fieldname, SCHEMA[fieldname].from_bytes(btext))


class _Live:
    """The open index of this process: reopened when a rebuild swaps generations, refreshed
    when another writer commits."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.gen: Path | None = None
        self.ix: Any = None
        self.searcher: Searcher | None = None
        self.segments: dict[str, _SegmentCache] = {}
        self.leaves: list[Leaf] = []
        # Whole results of recent searches on this searcher, keyed by everything that shapes them
        # (words, filters, page, sort and the viewer's visibility grants). Emptied whenever the
        # searcher changes, so a result is never older than the index it came from.
        self.results: OrderedDict[tuple, Any] = OrderedDict()
        # When a search last asked the change log for entries this index lacks.
        self.caught_up_at = -float("inf")

    def current(self, base: str) -> tuple[Searcher, list[Leaf]] | None:
        with self.lock:
            gen = indexer.current_dir(base)
            if gen is None:
                return None
            if gen != self.gen or self.searcher is None:
                self._close()
                self.ix = indexer.open_index(gen)
                self.searcher = self.ix.searcher()
                self.gen = gen
                self._leaves()
            elif not self.searcher.up_to_date():
                # A fresh searcher, not refresh(): whoosh's refresh reuses a segment's reader
                # even when the segment has gained deletions. Our arrays survive by segment id.
                old, self.searcher = self.searcher, self.ix.searcher()
                old.close()
                self._leaves()
            return self.searcher, self.leaves

    def _leaves(self) -> None:
        assert self.searcher is not None
        leaves, keep = [], {}
        for sub, offset in self.searcher.leaf_searchers():
            segment = sub.reader().segment()
            if segment is None:  # an index with no documents yet
                continue
            segid = segment.segment_id()
            known = self.segments.get(segid)
            cache = known or _SegmentCache()
            keep[segid] = cache
            leaf = Leaf(sub, offset, cache)
            if known is None and leaf.size >= WARM_MIN_DOCS:
                _warm(leaf)
            leaves.append(leaf)
        self.segments = keep
        self.results.clear()
        self.leaves = leaves

    def _close(self) -> None:
        if self.searcher is not None:
            try:
                self.searcher.close()
            except Exception:  # closing a stale searcher is best effort
                log.debug("closing old searcher failed", exc_info=True)
        self.searcher, self.ix, self.gen, self.segments, self.leaves = None, None, None, {}, []
        self.results.clear()


# One open index per index directory (an app normally has one; tests make many).
_LIVE: OrderedDict[str, _Live] = OrderedDict()
_LIVE_LOCK = threading.Lock()
_MAX_LIVE = 4


def _live(base: str) -> _Live:
    with _LIVE_LOCK:
        live = _LIVE.get(base)
        if live is None:
            live = _LIVE[base] = _Live()
            while len(_LIVE) > _MAX_LIVE:
                _, old = _LIVE.popitem(last=False)
                with old.lock:
                    old._close()
        _LIVE.move_to_end(base)
        return live


@atexit.register
def _close_all() -> None:
    """Close open index files at exit rather than leaving them to the garbage collector."""
    with _LIVE_LOCK:
        for live in _LIVE.values():
            live._close()
        _LIVE.clear()


def _base() -> str:
    return str(current_app.config["SEARCH_INDEX_DIR"])


# --- keeping up with the database ----------------------------------------------------------------


def sync(blocking: bool = False) -> int:
    """Apply pending change-log entries to this server's index (builds it if missing)."""
    return indexer.sync(db.engine(), _base(), blocking=blocking)


def catch_up() -> None:
    """Before a search: apply anything pending. A busy lock means another worker is on it.
    Asking costs a query and a file read, so a busy server asks at most every
    SEARCH_CATCH_UP_SECONDS; its own writes were applied when their request ended."""
    live = _live(_base())
    now = time.monotonic()
    if now - live.caught_up_at < current_app.config.get("SEARCH_CATCH_UP_SECONDS", 0):
        return
    live.caught_up_at = now  # before asking too, so a burst of searches asks once
    try:
        if indexer.pending(db.engine(), _base()):
            indexer.sync(db.engine(), _base())
    except Exception:  # searching a slightly stale index beats failing
        log.exception("search index catch-up failed")
    live.caught_up_at = time.monotonic()


# What a reader sees when the index changed under it: a searcher closed by a refresh, or a segment
# file merged away by another process's writer. The search is then run again on a fresh searcher.
STALE_READ = (ReaderClosed, OSError, EOFError, KeyError, struct.error)
# Searches whose results each process keeps (SEARCH_RESULTS_CACHED in the config; 0 turns it off).
RESULTS_CACHED = 256
T = TypeVar("T")


def with_index(work: Callable[[Searcher, list[Leaf]], T], default: T, cache_key: tuple | None = None) -> T:
    """Run `work` on the live index. Searches in one process take turns: whoosh's readers share
    file positions between threads, a refresh closes the searcher another thread may be using,
    and the work is CPU-bound under the GIL anyway. With a cache_key, a repeat of a recent search
    on the same searcher (the next page and back, a popular query) is answered from memory."""
    catch_up()
    base = _base()
    live = _live(base)
    cached = current_app.config.get("SEARCH_RESULTS_CACHED", RESULTS_CACHED) if cache_key is not None else 0
    with live.lock:
        for attempt in (1, 2):
            opened = live.current(base)
            if opened is None:
                return default
            if cached and cache_key in live.results:
                live.results.move_to_end(cache_key)
                return live.results[cache_key]
            try:
                found = work(*opened)
            except STALE_READ:
                if attempt == 2:
                    raise
                log.warning("search index changed under a reader; reopening", exc_info=True)
                live._close()
                continue
            if cached:
                live.results[cache_key] = found
                while len(live.results) > cached:
                    live.results.popitem(last=False)
            return found
    return default


def packed(mask: np.ndarray) -> np.ndarray:
    """A boolean array as bits in 64-bit words (zero-padded), for population counts."""
    bits = np.packbits(mask)
    padded = np.zeros(-(-len(bits) // 8) * 8, dtype=np.uint8)
    padded[: len(bits)] = bits
    return padded.view(np.uint64)
