"""The per-kind term store of the matching index: postings for cheap candidate generation and
a forward list per record for exact scoring (BM25 parameters K1 and B), and each record's facts."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from outcomes.matching.text import Analysed

K1 = 1.2
B = 0.75


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
