"""Searching the catalogue: the interface the rest of the code calls. whoosh stays behind it.

Visibility: every result set is intersected with the documents the viewer may see, built
from `catalogue.access.visibility_grants(viewer)` and the (visibility, owner) pair stored
with each document by `catalogue.access.index_visibility`. Hits, totals, snippets and every
facet count are computed from that intersection, never from the raw matches.

Speed: matching, the visibility filter and facet counts are set operations on postings,
cached per index segment (segments never change once written, so the big segment of a
rebuilt index keeps its cache while small new segments come and go with each write). whoosh
scores only the visible matches, and snippets are cut for the displayed page only.

The parts: query (reading what people type), segments (the live index and its per-segment
caches), snippets (marking the matched words); this module puts them together.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup
from whoosh import query as wq
from whoosh.searching import Searcher

from catalogue.access import Viewer, visibility_grants
from catalogue.search import documents, expand
from catalogue.search.documents import KIND_LABELS, record_url
from catalogue.search.query import SCHEMA, clean_query, parse_query, plain_query, positive_stems
from catalogue.search.schema import FACETS, TEXT_FIELDS, stem
from catalogue.search.segments import STALE_READ, Leaf, packed, sync, with_index
from catalogue.search.snippets import mark

# The interface the rest of the code calls: search, matching_ids, raw_search, sync, mark.
__all__ = ["Hit", "SearchResults", "mark", "matching_ids", "raw_search", "search", "sync"]

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100
SORTS = ("relevance", "date")


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
    card: dict = field(default_factory=dict)  # organisation, region, stage (see documents._card)

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
    # "Did you mean": the typed words corrected from the index's own, when that finds something.
    suggestion: str | None = None
    # Set when the typed words found nothing and these results are for `query`, the correction.
    corrected_from: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


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
    freshness = [str(v) for v in (filters or {}).get(FRESHNESS_FILTER, ()) or () if v]
    if freshness:  # an unknown value narrows to nothing, like an unknown facet value
        chosen[FRESHNESS_FILTER] = [freshness[0][:20]]
    return chosen


# Not a facet: kept records confirmed in the last 12 months ("current") or not ("stale").
FRESHNESS_FILTER = "freshness"


def _freshness_mask(leaf: Leaf, value: str) -> np.ndarray:
    from catalogue.upkeep.models import stale_before

    confirmed = leaf.confirmed()
    cutoff = stale_before().timestamp() * 1000  # the column holds milliseconds
    if value == "current":
        return confirmed >= cutoff
    if value == "stale":
        return (confirmed > 0) & (confirmed < cutoff)
    return np.zeros(leaf.size, dtype=bool)


@dataclass
class _Matched:
    """Per segment: visible matches (base), each chosen facet's documents, and the result."""

    leaf: Leaf
    base: np.ndarray
    per_filter: dict[str, np.ndarray]
    result: np.ndarray


def _match(leaves: list[Leaf], q: wq.Query, viewer: Viewer, chosen: dict[str, list[str]]) -> list[_Matched]:
    grants = visibility_grants(viewer)
    out = []
    for leaf in leaves:
        base = leaf.docmask(q) & leaf.visible(grants)
        per_filter = {}
        for name, values in chosen.items():
            if name == FRESHNESS_FILTER:
                per_filter[name] = _freshness_mask(leaf, values[0])
                continue
            docs = np.zeros(leaf.size, dtype=bool)
            for v in values:
                docs |= leaf.mask(name, v)
            per_filter[name] = docs
        result = base.copy()
        for docs in per_filter.values():
            result &= docs
        out.append(_Matched(leaf, base, per_filter, result))
    return out


def _facet_counts(matched: list[_Matched], chosen: dict[str, list[str]]) -> dict[str, list[tuple[str, int]]]:
    facets: dict[str, list[tuple[str, int]]] = {}
    unfiltered = [packed(m.base) if m.base.any() else None for m in matched]
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
                pool = packed(narrowed)
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


def _scores(searcher: Searcher, leaf: Leaf, terms: dict[tuple[str, str], float]) -> np.ndarray:
    scores = np.zeros(leaf.size, dtype=np.float32)
    for (fieldname, text), weight in terms.items():
        ids, weights = leaf.postings(fieldname, text)
        if not len(ids):
            continue
        idf = searcher.idf(fieldname, text)
        avg = searcher.avg_field_length(fieldname) or 1.0
        lengths = leaf.lengths(fieldname)[ids]
        scores[ids] += weight * idf * (weights * (_K1 + 1)) / (weights + _K1 * ((1 - _B) + _B * lengths / avg))
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


def scoring_terms(q: wq.Query) -> dict[tuple[str, str], float]:
    """(field, term) pairs that add to a document's score, with their weight (the product of the
    boosts above them; synonyms count less than the typed words): every text term outside a NOT."""
    found: dict[tuple[str, str], float] = {}

    def add(key: tuple[str, str], weight: float) -> None:
        found[key] = max(found.get(key, 0.0), weight)

    def walk(node: wq.Query, weight: float) -> None:
        if isinstance(node, wq.Not):
            return
        weight *= float(getattr(node, "boost", 1.0) or 1.0)
        if isinstance(node, wq.AndNot):
            walk(node.a, weight)
            return
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS:
            add((node.fieldname, str(node.text)), weight)
        if isinstance(node, wq.Phrase) and node.fieldname in TEXT_FIELDS:
            for w in node.words:
                add((node.fieldname, str(w)), weight)
        for child in node.children():
            walk(child, weight)

    walk(q, 1.0)
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
    correct: bool = True,
) -> SearchResults:
    """Search every kind of record the viewer may see. Never raises on what the user typed.
    With `correct`, a word no record holds (or a rare one with a far commoner neighbour) is
    corrected: as a suggestion when the typed words find something, else in their place."""
    text = clean_query(q)
    chosen = _clean_filters(kinds, filters)
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, int(page))
    sort = sort if sort in SORTS else "relevance"
    empty = SearchResults(text, [], 0, page, per_page, sort, {name: [] for name in FACETS}, chosen)

    def work(searcher: Searcher, leaves: list[Leaf]) -> SearchResults:
        parsed, matched, doubtful = _parse_and_match(searcher, leaves, text, viewer, chosen)
        shown, total = text, _total(matched)
        suggestion = corrected_from = None
        better = _correction(searcher, leaves, text, doubtful, viewer, chosen) if correct else None
        if better is not None:
            if total:
                suggestion = better[0]
            else:  # nothing for the typed words: show the correction's results, and say so
                corrected_from, (shown, parsed, matched) = text, better
                total = _total(matched)
        facets = _facet_counts(matched, chosen)
        top = _top(searcher, parsed, matched, sort, page * per_page)[(page - 1) * per_page :]
        stems = positive_stems(parsed)
        hits = [_hit(searcher, docnum, score, stems) for docnum, score in top]
        return SearchResults(shown, hits, total, page, per_page, sort, facets, chosen, suggestion, corrected_from)

    key = ("search", text, tuple(sorted((k, tuple(v)) for k, v in chosen.items())), page, per_page, sort, correct)
    return with_index(work, empty, cache_key=key + (tuple(visibility_grants(viewer)),))


def _total(matched: list[_Matched]) -> int:
    return sum(int(np.count_nonzero(m.result)) for m in matched)


def _correction(
    searcher: Searcher,
    leaves: list[Leaf],
    text: str,
    doubtful: list[str],
    viewer: Viewer,
    chosen: dict[str, list[str]],
) -> tuple[str, wq.Query, list[_Matched]] | None:
    """The typed words with the ones no document holds corrected from the index's own words, if
    that finds something the viewer may see (so a suggestion never reveals a hidden record)."""
    if not doubtful:
        return None
    # Only words the viewer may see in some record (never one from a hidden record's text).
    corrections = {
        typed: word
        for typed, word in expand.correct(doubtful, searcher).items()
        if (s := stem(word)) and _total(_match(leaves, expand.words_query([s]), viewer, {}))
    }
    fixed = expand.corrected_text(text, corrections)
    if fixed == text:
        return None
    parsed, matched, _ = _parse_and_match(searcher, leaves, fixed, viewer, chosen)
    return (fixed, parsed, matched) if _total(matched) else None


def _parse_and_match(
    searcher: Searcher, leaves: list[Leaf], text: str, viewer: Viewer, chosen: dict[str, list[str]]
) -> tuple[wq.Query, list[_Matched], list[str]]:
    """The user's words read (a plain query generously, see expand) and matched; whatever the
    parser let through that the matcher cannot take, plain words still work. An index changed
    under the reader is not that: it goes up to with_index, which reopens."""
    try:
        reading = expand.read(text, searcher)
    except STALE_READ:
        raise
    except Exception:  # user queries never fail
        log.warning("query %r could not be expanded", text, exc_info=True)
        reading = None
    parsed = reading.query if reading is not None else parse_query(text)
    doubtful = reading.doubtful if reading is not None else []
    try:
        return parsed, _match(leaves, parsed, viewer, chosen), doubtful
    except STALE_READ:
        raise
    except Exception:  # user queries never fail
        log.warning("query %r failed; searching plain words", text, exc_info=True)
        parsed = plain_query(text)
        return parsed, _match(leaves, parsed, viewer, chosen), doubtful


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
        card=stored.get("card") or {},
    )


def matching_ids(viewer: Viewer, q: str | None, kind: str, limit: int | None = None) -> list[int]:
    """Record ids of one kind matching the user's text, best first, that the viewer may see.
    For browse pages' free-text boxes: intersect with their own SQL filters."""
    if kind not in documents.kinds():
        raise ValueError(f"unknown kind {kind!r}")

    def work(searcher: Searcher, leaves: list[Leaf]) -> list[int]:
        parsed, matched, _ = _parse_and_match(searcher, leaves, clean_query(q), viewer, {"kind": [kind]})
        return [_rid(leaves, d) for d, _ in _top(searcher, parsed, matched, "relevance", limit)]

    return with_index(work, [])


def _rid(leaves: list[Leaf], docnum: int) -> int:
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

    def work(searcher: Searcher, leaves: list[Leaf]) -> list[tuple[int, float]]:
        allowed: set[int] = set()
        for leaf in leaves:
            local = np.flatnonzero(leaf.visible(grants) & leaf.mask("kind", kind)) + leaf.offset
            allowed.update(local.tolist())
        if not allowed:
            return []
        results = searcher.search(whoosh_query, filter=allowed, limit=limit)
        return [(_rid(leaves, d), float(s)) for d, s in results.items()]

    return with_index(work, [])


def schema_fields() -> tuple[str, ...]:
    """Field names that raw_search queries may use."""
    return tuple(SCHEMA.names())
