"""Searching the catalogue: the interface the rest of the code calls. whoosh stays behind it.

Visibility: every result set is intersected with the documents the viewer may see, built
from `catalogue.access.visibility_grants(viewer)` and the (visibility, owner) pair stored
with each document by `catalogue.access.index_visibility`. Hits, totals, snippets and every
facet count are computed from that intersection, never from the raw matches.

Speed: matching, the visibility filter and facet counts are set operations on postings,
cached per index segment (segments never change once written, so the big segment of a
rebuilt index keeps its cache while small new segments come and go with each write). whoosh
scores only the visible matches, and snippets are cut for the displayed page only.
"""

from __future__ import annotations

import atexit
import html
import logging
import re
import struct
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from flask import current_app
from markupsafe import Markup
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.qparser import MultifieldParser, plugins
from whoosh.reading import ReaderClosed
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from catalogue import db
from catalogue.access import Viewer, visibility_grants
from catalogue.search import documents, indexer
from catalogue.search.documents import KIND_LABELS, record_url
from catalogue.search.schema import FACETS, PHRASE_FIELDS, TEXT_FIELDS, build_schema, stem

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 24
MAX_PER_PAGE = 100
SNIPPET_CHARS = 240
SORTS = ("relevance", "date")
_WORD = re.compile(r"\w+(?:\.?\w+)*")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class Hit:
    kind: str
    id: int
    ref: str
    title: Markup
    url: str
    snippet: Markup
    score: float
    is_demo: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class SearchResults:
    query: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    sort: str
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# --- query parsing: never raises -----------------------------------------------------------------

_schema = build_schema()


def _parser() -> MultifieldParser:
    parser = MultifieldParser(list(TEXT_FIELDS), _schema)
    # No field:, wildcards, ranges, boosts, 'single quotes' or *:* from users: only words,
    # "phrases", (groups) and AND / OR / NOT.
    for plugin in (
        plugins.FieldsPlugin,
        plugins.WildcardPlugin,
        plugins.RangePlugin,
        plugins.BoostPlugin,
        plugins.SingleQuotePlugin,
        plugins.EveryPlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser


_PARSER = _parser()


def clean_query(text: str | None) -> str:
    """What we are willing to parse: printable, normalised, and not too long."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)[: MAX_QUERY_CHARS * 4])
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def _plain_query(text: str) -> wq.Query:
    """The fallback: every word must appear (stop words dropped)."""
    stems: list[str] = []
    for word in _WORD.findall(text.lower()):
        s = stem(word)
        if s and s not in stems:
            stems.append(s)
    stems = stems[:MAX_QUERY_TERMS]
    if not stems:
        return wq.NullQuery
    return wq.And([wq.Or([wq.Term(f, s) for f in TEXT_FIELDS]) for s in stems])


def _term_count(q: wq.Query) -> int:
    return sum(1 for _ in q.leaves())


def parse_query(text: str) -> wq.Query:
    """A whoosh query for the user's words; on anything odd, plain terms instead."""
    text = clean_query(text)
    if not text:
        return wq.Every()
    try:
        q = _PARSER.parse(text)
        if q is None or q is wq.NullQuery:
            return wq.NullQuery
        if _term_count(q) > MAX_QUERY_TERMS * len(TEXT_FIELDS) or not _supported(q):
            return _plain_query(text)
        return q.accept(_no_phrase_without_positions)
    except Exception:  # noqa: BLE001 - user queries never raise
        return _plain_query(text)


_SUPPORTED = (wq.Term, wq.And, wq.Or, wq.Not, wq.AndNot, wq.AndMaybe, wq.Phrase, wq.Every, wq.NullQuery.__class__)


def _no_phrase_without_positions(node: wq.Query) -> wq.Query:
    # `related` keeps no positions (smaller, faster index): a phrase there is all its words.
    if isinstance(node, wq.Phrase) and node.fieldname not in PHRASE_FIELDS:
        return wq.And([wq.Term(node.fieldname, w) for w in node.words])
    return node


def _supported(q: wq.Query) -> bool:
    if not isinstance(q, _SUPPORTED):
        return False
    if isinstance(q, wq.Term) and q.fieldname not in TEXT_FIELDS:
        return False
    return all(_supported(c) for c in q.children())


def positive_stems(q: wq.Query) -> set[str]:
    """The words to mark in snippets: every term outside a NOT."""
    found: set[str] = set()

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS:
            found.add(str(node.text))
        if isinstance(node, wq.Phrase):
            found.update(str(w) for w in node.words)
        for child in node.children():
            walk(child)

    walk(q)
    return found


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


class _Leaf:
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
        btext = _schema[fieldname].to_bytes(text)
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
            btext = _schema[fieldname].to_bytes(text)
            if (fieldname, btext) in self.reader:
                found[_read_postings(self.reader, fieldname, btext)[0]] = True
            self.cache.keyword[key] = found
        return found

    def values(self, fieldname: str) -> list[str]:
        if fieldname not in self.cache.lexicons:
            fieldobj = _schema[fieldname]
            try:
                terms = [fieldobj.from_bytes(b) for b in self.reader.lexicon(fieldname)]
            except Exception:  # noqa: BLE001 - a field with no terms in this segment
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
            matrix = np.stack([_packed(self.mask(fieldname, value)) for value in values]) if values else None
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
        column = _schema[name].column_type
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


def _warm(leaf: _Leaf) -> None:
    deadline = time.monotonic() + WARM_SECONDS
    for fieldname in TEXT_FIELDS:
        try:
            terms = leaf.reader.most_frequent_terms(fieldname, WARM_TERMS)
        except Exception:  # noqa: BLE001 - warming is an optimisation, never a failure
            log.debug("warming %s failed", fieldname, exc_info=True)
            continue
        for _weight, btext in terms:
            if time.monotonic() > deadline:
                return
            leaf.postings(fieldname, _schema[fieldname].from_bytes(btext))


class _Live:
    """The open index of this process: reopened when a rebuild swaps generations, refreshed
    when another writer commits."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.gen: Path | None = None
        self.ix: Any = None
        self.searcher: Searcher | None = None
        self.segments: dict[str, _SegmentCache] = {}
        self.leaves: list[_Leaf] = []
        # Whole results of recent searches on this searcher, keyed by everything that shapes them
        # (words, filters, page, sort and the viewer's visibility grants). Emptied whenever the
        # searcher changes, so a result is never older than the index it came from.
        self.results: OrderedDict[tuple, Any] = OrderedDict()
        # When a search last asked the change log for entries this index lacks.
        self.caught_up_at = -float("inf")

    def current(self, base: str) -> tuple[Searcher, list[_Leaf]] | None:
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
            leaf = _Leaf(sub, offset, cache)
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
            except Exception:  # noqa: BLE001 - closing a stale searcher is best effort
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
    except Exception:  # noqa: BLE001 - searching a slightly stale index beats failing
        log.exception("search index catch-up failed")
    live.caught_up_at = time.monotonic()


# What a reader sees when the index changed under it: a searcher closed by a refresh, or a segment
# file merged away by another process's writer. The search is then run again on a fresh searcher.
_STALE_READ = (ReaderClosed, OSError, EOFError, KeyError, struct.error)
# Searches whose results each process keeps (SEARCH_RESULTS_CACHED in the config; 0 turns it off).
RESULTS_CACHED = 256
T = TypeVar("T")


def _with_index(work: Callable[[Searcher, list[_Leaf]], T], default: T, cache_key: tuple | None = None) -> T:
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
            except _STALE_READ:
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


# --- searching -----------------------------------------------------------------------------------


def _clean_filters(kinds: Iterable[str] | None, filters: dict[str, Iterable[str]] | None) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for name, values in (filters or {}).items():
        if name in FACETS:
            vals = [str(v)[:100] for v in values or () if v]
            if vals:
                chosen[name] = list(dict.fromkeys(vals))[:50]
    if kinds:
        wanted = [k for k in kinds if k in documents.kinds()]
        chosen["kind"] = wanted or ["-none-"]
    return chosen


@dataclass
class _Matched:
    """Per segment: visible matches (base), each chosen facet's documents, and the result."""

    leaf: _Leaf
    base: np.ndarray
    per_filter: dict[str, np.ndarray]
    result: np.ndarray


def _match(leaves: list[_Leaf], q: wq.Query, viewer: Viewer, chosen: dict[str, list[str]]) -> list[_Matched]:
    grants = visibility_grants(viewer)
    out = []
    for leaf in leaves:
        base = leaf.docmask(q) & leaf.visible(grants)
        per_filter = {}
        for name, values in chosen.items():
            docs = np.zeros(leaf.size, dtype=bool)
            for v in values:
                docs |= leaf.mask(name, v)
            per_filter[name] = docs
        result = base.copy()
        for docs in per_filter.values():
            result &= docs
        out.append(_Matched(leaf, base, per_filter, result))
    return out


def _packed(mask: np.ndarray) -> np.ndarray:
    """A boolean array as bits in 64-bit words (zero-padded), for population counts."""
    bits = np.packbits(mask)
    padded = np.zeros(-(-len(bits) // 8) * 8, dtype=np.uint8)
    padded[: len(bits)] = bits
    return padded.view(np.uint64)


def _facet_counts(matched: list[_Matched], chosen: dict[str, list[str]]) -> dict[str, list[tuple[str, int]]]:
    facets: dict[str, list[tuple[str, int]]] = {}
    unfiltered = [_packed(m.base) if m.base.any() else None for m in matched]
    for name in FACETS:
        counts: dict[str, int] = {}
        for m, packed_base in zip(matched, unfiltered, strict=True):
            if packed_base is None:
                continue
            # Within a facet the choices are OR'd, so its counts ignore its own choice.
            others = [docs for other, docs in m.per_filter.items() if other != name]
            pool = packed_base
            if others:
                narrowed = m.base.copy()
                for docs in others:
                    narrowed &= docs
                if not narrowed.any():
                    continue
                pool = _packed(narrowed)
            values, matrix = m.leaf.facet_matrix(name)
            if not values:
                continue
            per_value = np.bitwise_count(matrix & pool).sum(axis=1, dtype=np.int64).tolist()
            for value, n in zip(values, per_value, strict=True):
                if n:
                    counts[value] = counts.get(value, 0) + n
        for value in chosen.get(name, ()):
            counts.setdefault(value, 0)
        facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return facets


# BM25F, as whoosh's default weighting computes it (B=0.75, K1=1.2), over whole arrays.
_B, _K1 = 0.75, 1.2


def _scores(searcher: Searcher, leaf: _Leaf, terms: set[tuple[str, str]]) -> np.ndarray:
    scores = np.zeros(leaf.size, dtype=np.float32)
    for fieldname, text in terms:
        ids, weights = leaf.postings(fieldname, text)
        if not len(ids):
            continue
        idf = searcher.idf(fieldname, text)
        avg = searcher.avg_field_length(fieldname) or 1.0
        lengths = leaf.lengths(fieldname)[ids]
        scores[ids] += idf * (weights * (_K1 + 1)) / (weights + _K1 * ((1 - _B) + _B * lengths / avg))
    return scores


def _top(
    searcher: Searcher, q: wq.Query, matched: list[_Matched], sort: str, limit: int | None
) -> list[tuple[int, float]]:
    """(global docnum, score) of the best `limit` visible matches, best first."""
    by_date = sort == "date" or isinstance(q, wq.Every)
    terms = scoring_terms(q)
    found: list[tuple[float, int, float]] = []  # (sort key, global docnum, score)
    for m in matched:
        docs = np.flatnonzero(m.result)
        if not len(docs):
            continue
        scores = _scores(searcher, m.leaf, terms)[docs] if terms else np.zeros(len(docs), dtype=np.float32)
        keys = m.leaf.updated()[docs].astype(np.float64) if by_date else scores.astype(np.float64)
        if limit is not None and len(docs) > limit:
            best = np.argpartition(-keys, limit - 1)[:limit]
            docs, scores, keys = docs[best], scores[best], keys[best]
        found.extend(zip(keys.tolist(), (docs + m.leaf.offset).tolist(), scores.tolist(), strict=True))
    found.sort(key=lambda t: (-t[0], t[1]))
    if limit is not None:
        found = found[:limit]
    return [(doc, score) for _, doc, score in found]


def scoring_terms(q: wq.Query) -> set[tuple[str, str]]:
    """(field, term) pairs that add to a document's score: every text term outside a NOT."""
    found: set[tuple[str, str]] = set()

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS:
            found.add((node.fieldname, str(node.text)))
        if isinstance(node, wq.Phrase) and node.fieldname in TEXT_FIELDS:
            found.update((node.fieldname, str(w)) for w in node.words)
        for child in node.children():
            walk(child)

    walk(q)
    return found


def search(
    viewer: Viewer,
    q: str | None,
    *,
    kinds: Iterable[str] | None = None,
    filters: dict[str, Iterable[str]] | None = None,
    page: int = 1,
    per_page: int = 20,
    sort: str = "relevance",
) -> SearchResults:
    """Search every kind of record the viewer may see. Never raises on what the user typed."""
    text = clean_query(q)
    chosen = _clean_filters(kinds, filters)
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, int(page))
    sort = sort if sort in SORTS else "relevance"
    empty = SearchResults(text, [], 0, page, per_page, sort, {name: [] for name in FACETS}, chosen)

    def work(searcher: Searcher, leaves: list[_Leaf]) -> SearchResults:
        parsed, matched = _parse_and_match(leaves, text, viewer, chosen)
        total = sum(int(np.count_nonzero(m.result)) for m in matched)
        facets = _facet_counts(matched, chosen)
        top = _top(searcher, parsed, matched, sort, page * per_page)[(page - 1) * per_page :]
        stems = positive_stems(parsed)
        hits = [_hit(searcher, docnum, score, stems) for docnum, score in top]
        return SearchResults(text, hits, total, page, per_page, sort, facets, chosen)

    key = ("search", text, tuple(sorted((k, tuple(v)) for k, v in chosen.items())), page, per_page, sort)
    return _with_index(work, empty, cache_key=key + (tuple(visibility_grants(viewer)),))


def _parse_and_match(
    leaves: list[_Leaf], text: str, viewer: Viewer, chosen: dict[str, list[str]]
) -> tuple[wq.Query, list[_Matched]]:
    """The user's words parsed and matched; whatever the parser let through that the matcher
    cannot take, plain words still work. An index changed under the reader is not that: it goes
    up to _with_index, which reopens."""
    parsed = parse_query(text)
    try:
        return parsed, _match(leaves, parsed, viewer, chosen)
    except _STALE_READ:
        raise
    except Exception:  # noqa: BLE001 - user queries never fail
        log.warning("query %r failed; searching plain words", text, exc_info=True)
        parsed = _plain_query(text)
        return parsed, _match(leaves, parsed, viewer, chosen)


def _hit(searcher: Searcher, docnum: int, score: float, stems: set[str]) -> Hit:
    stored = searcher.stored_fields(docnum)
    kind, ref = stored["kind"], stored["ref"]
    title = stored.get("title") or ref
    return Hit(
        kind=kind,
        id=int(stored["rid"]),
        ref=ref,
        title=mark(title, stems, limit=None),
        url=record_url(kind, ref),
        snippet=mark(stored.get("body") or "", stems),
        score=round(score, 4),
        is_demo=bool(stored.get("demo")),
    )


def matching_ids(viewer: Viewer, q: str | None, kind: str, limit: int | None = None) -> list[int]:
    """Record ids of one kind matching the user's text, best first, that the viewer may see.
    For browse pages' free-text boxes: intersect with their own SQL filters."""
    if kind not in documents.kinds():
        raise ValueError(f"unknown kind {kind!r}")

    def work(searcher: Searcher, leaves: list[_Leaf]) -> list[int]:
        parsed, matched = _parse_and_match(leaves, clean_query(q), viewer, {"kind": [kind]})
        return [_rid(leaves, d) for d, _ in _top(searcher, parsed, matched, "relevance", limit)]

    return _with_index(work, [])


def _rid(leaves: list[_Leaf], docnum: int) -> int:
    for leaf in reversed(leaves):
        if docnum >= leaf.offset:
            return int(leaf.rids()[docnum - leaf.offset])
    raise IndexError(docnum)


def raw_search(viewer: Viewer, whoosh_query: wq.Query, kind: str, limit: int | None = 50) -> list[tuple[int, float]]:
    """For matching: run a whoosh query built in code (fields: title, body, related, category,
    ...) over one kind, restricted to what the viewer may see. Returns (record id, score)."""
    if kind not in documents.kinds():
        raise ValueError(f"unknown kind {kind!r}")
    grants = visibility_grants(viewer)

    def work(searcher: Searcher, leaves: list[_Leaf]) -> list[tuple[int, float]]:
        allowed: set[int] = set()
        for leaf in leaves:
            local = np.flatnonzero(leaf.visible(grants) & leaf.mask("kind", kind)) + leaf.offset
            allowed.update(local.tolist())
        if not allowed:
            return []
        results = searcher.search(whoosh_query, filter=allowed, limit=limit)
        return [(_rid(leaves, d), float(s)) for d, s in results.items()]

    return _with_index(work, [])


def schema_fields() -> tuple[str, ...]:
    """Field names that raw_search queries may use."""
    return tuple(_schema.names())


# --- snippets ------------------------------------------------------------------------------------


def mark(text: str, stems: set[str], limit: int | None = SNIPPET_CHARS) -> Markup:
    """HTML-escaped text with the query's words in <mark>: the whole text (limit=None) or the
    best window of about `limit` characters. User text is untrusted: only <mark> is ours."""
    spans: list[tuple[int, int, str]] = []
    if stems:
        # Lower-cased once, the scan needs no case folding; a text whose lower case changes
        # length (a handful of characters do) is scanned as it is, so offsets stay true.
        lowered = text.lower()
        folded = len(lowered) == len(text)
        # A window holding every query word is as good as a snippet gets: once one is found,
        # the scan stops past its end instead of reading the rest of a long text.
        in_window: dict[str, int] = {}
        first = 0
        stop_after = None if limit is None else len(text)
        for m in _candidates(frozenset(stems), not folded).finditer(lowered if folded else text):
            if stop_after is not None and m.start() > stop_after:
                break
            s = stem(m.group().lower())
            if s not in stems:
                continue
            spans.append((m.start(), m.end(), s))
            if len(spans) >= 400:
                break
            if limit is None or stop_after < len(text):
                continue
            in_window[s] = in_window.get(s, 0) + 1
            while m.end() - spans[first][0] > limit - 40:
                dropped = spans[first][2]
                in_window[dropped] -= 1
                if not in_window[dropped]:
                    del in_window[dropped]
                first += 1
            if len(in_window) == len(stems):
                stop_after = spans[first][0] + limit
    start, end = 0, len(text)
    if limit is not None and len(text) > limit:
        start = _best_window(spans, limit)
        start = max(0, start - 40)
        if start:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 30 else start
        end = min(len(text), start + limit)
        if end < len(text):
            space = text.find(" ", end)
            end = space if 0 <= space < end + 30 else end
    pieces: list[str] = ["… " if start else ""]
    cursor = start
    for a, b, _ in spans:
        if a < start or b > end:
            continue
        pieces.append(_flat(text[cursor:a]))
        pieces.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    pieces.append(_flat(text[cursor:end]))
    if end < len(text):
        pieces.append(" …")
    return Markup("".join(pieces).strip())  # noqa: S704 - every piece of user text is escaped


@lru_cache(maxsize=1024)
def _candidates(stems: frozenset[str], ignore_case: bool = False) -> re.Pattern[str]:
    """Words that could stem to one of `stems`: Porter stems keep a word's first two letters,
    so the regex engine skips every other word without Python looking at it. On lower-cased
    text the pattern starts with the letters themselves (the engine then jumps between their
    first letters in C) and a look-behind checks that they start a word."""
    heads = sorted({s[:2] for s in stems if s})
    if ignore_case or not heads:
        return re.compile(r"\b(?:" + "|".join(map(re.escape, heads)) + r")\w*(?:\.?\w+)*", re.IGNORECASE)
    starts = []
    for width, behind in ((2, r"(?<!\w..)"), (1, r"(?<!\w.)")):
        same = [re.escape(h) for h in heads if len(h) == width]
        if same:
            starts.append("(?:" + "|".join(same) + ")" + behind)
    return re.compile("(?:" + "|".join(starts) + r")\w*(?:\.?\w+)*")


def _flat(text: str) -> str:
    return html.escape(_SPACES.sub(" ", text))


def _best_window(spans: list[tuple[int, int, str]], width: int) -> int:
    """Start of the window holding the most distinct query words (first such window)."""
    if not spans:
        return 0
    best, best_score, j = spans[0][0], 0, 0
    for i in range(len(spans)):
        while j < len(spans) and spans[j][1] - spans[i][0] <= width - 40:
            j += 1
        score = len({s for _, _, s in spans[i:j]})
        if score > best_score:
            best, best_score = spans[i][0], score
    return best
