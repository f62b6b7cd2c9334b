"""Scoring a challenge's query against the index: BM25 candidates, pseudo-relevance feedback,
field-weighted BM25 for deployments, and the other signals of a match (outcomes, focus, case
management fit, sector, peer evidence). Pure functions over the index; outcomes.matching.engine
combines them."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from catalogue import access
from catalogue.access import Viewer
from catalogue.thesaurus import BY_NAME
from outcomes.matching.index import K1, Corpus, DocMeta, MatchIndex
from outcomes.matching.query import Query
from outcomes.matching.text import CONCEPT_PREFIX

CANDIDATES = 150
CANDIDATE_TERMS = 32  # the most telling query terms choose the candidates
POSTINGS_BUDGET = 60_000  # postings read to choose them, at most (plus one list)
# A term found in more than this share of records is scored only on the candidates.
COMMON_SHARE = 0.25


# Set by hand on the development set, then checked one judged set against the other with
# scripts/fit_match_weights.py (coordinate ascent on nDCG@10 + recall@10): no other setting of
# these weights did better on both sets, so they stand.
@dataclass(frozen=True)
class Weights:
    text: float = 0.50
    category: float = 0.15
    outcome: float = 0.20
    peer: float = 0.04
    peer_relevance: float = 0.20  # peers used this offering's tool on a problem like this
    cms_mismatch: float = 0.55  # embedded in a system the owner does not use
    cms_unknown: float = 0.60  # embedded, and the owner's system is not recorded
    cms_match: float = 0.05
    sector: float = 0.25  # per unit of another sector's vocabulary
    sector_floor: float = 0.45
    focus: float = 0.2
    dep_focus: float = 0.20
    dep_text: float = 1.0
    dep_tool_text: float = 0.40
    dep_pooled: float = 0.40  # peers' own accounts of the tool, pooled (mean)


WEIGHTS = Weights()


def _dense(corpus: Corpus, weights: dict[int, float]) -> np.ndarray:
    """Term weights as a vector over the corpus's term ids (zero for terms not asked about)."""
    dense = np.zeros(len(corpus.terms))
    if weights:
        dense[np.fromiter(weights.keys(), dtype=np.intp, count=len(weights))] = np.fromiter(
            weights.values(), dtype=np.float64, count=len(weights)
        )
    return dense


def _ranked_slots(scores: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Slots best first; ties by slot, so a ranking is the same wherever the index was built."""
    return slots[np.lexsort((slots, -scores))]


def text_scores(corpus: Corpus, qweights: dict[int, float], keep: callable, limit: int) -> dict[int, float]:
    """BM25 over the corpus for the query; exact for the returned slots."""
    if not qweights or corpus.live == 0:
        return {}
    ranked_terms = sorted(((w * corpus.idf(t), t) for t, w in qweights.items()), reverse=True)
    common_df = max(50, int(corpus.live * COMMON_SHARE))
    telling: list[tuple[float, int]] = []
    deferred: list[tuple[float, int]] = []
    budget = POSTINGS_BUDGET
    for n, (weight, tid) in enumerate(ranked_terms):
        df = corpus.df[tid]
        # Common words, and the weakest words once the most telling ones have chosen the
        # candidates, are scored on the candidates only (the cost of an OR over every word).
        if df > common_df or (n >= CANDIDATE_TERMS and telling) or (df > budget and telling):
            deferred.append((weight, tid))
            continue
        budget -= df
        telling.append((weight, tid))
    if not telling:
        # Nothing but common words: let the best of them choose the candidates.
        telling.append(deferred.pop(0))
    sat = corpus.saturation()
    k1p = K1 + 1
    slots, tfs, which = corpus.postings([tid for _, tid in telling])
    if deferred and len(np.unique(slots)) < limit and sum(corpus.df[tid] for _, tid in deferred) <= POSTINGS_BUDGET:
        # Fewer records share a telling word than are wanted (a small catalogue, or a challenge in
        # rare words): the rest of the words choose candidates too, within the same budget, so a
        # record that shares only common words with the challenge is still ranked, not missed.
        telling += deferred
        deferred = []
        slots, tfs, which = corpus.postings([tid for _, tid in telling])
    wk = np.array([w * k1p for w, _ in telling])[which]
    acc = np.bincount(slots, weights=wk * tfs / (tfs + sat[slots]), minlength=len(corpus.meta))
    touched = np.flatnonzero(acc)
    chosen: dict[int, float] = {}
    # Usually the best few times `limit` hold enough the viewer may see; sort everything only if not.
    few = limit * 3
    best = touched[np.argpartition(-acc[touched], few)[:few]] if len(touched) > few else touched
    for ranked in (best, None):
        if ranked is None:
            if len(best) == len(touched):
                break
            chosen.clear()
            ranked = touched
        for slot in _ranked_slots(acc[ranked], ranked).tolist():
            meta = corpus.meta[slot]
            if meta is None or not keep(meta):
                continue
            chosen[slot] = float(acc[slot])
            if len(chosen) >= limit:
                break
        if len(chosen) >= limit:
            break
    if deferred and chosen:
        extra = _forward_bm25(corpus, list(chosen), {tid: weight * k1p for weight, tid in deferred})
        for slot, add in extra.items():
            chosen[slot] += add
    return chosen


def _forward_bm25(corpus: Corpus, order: list[int], weights: dict[int, float]) -> dict[int, float]:
    """Each slot's sum of weight x tf / (tf + its norm) over the weighted terms, read from the
    slots' forward lists (a few hundred candidates, not the postings of common words)."""
    ids, tfs, _, which = corpus.forwards(order)
    w = _dense(corpus, weights)[ids]
    hit = w > 0
    norms = corpus.saturation()[np.array(order, dtype=np.intp)]
    which = which[hit]
    extra = np.bincount(which, weights=w[hit] * tfs[hit] / (tfs[hit] + norms[which]), minlength=len(order))
    return dict(zip(order, extra.tolist(), strict=True))


FEEDBACK_DOCS = 3  # best records per kind whose words feed back into the query
FEEDBACK_TERMS = 10
FEEDBACK_WEIGHT = 1.0


def feedback_terms(pairs: tuple, query: Query, sources: list[str] | None = None) -> dict[str, float]:
    """RM3-style expansion: terms that carry the best candidates' text (tf share x idf, weighted
    by how well each matched), as {term: weight}, scaled to FEEDBACK_WEIGHT of the query.
    The names of the records the words came from are appended to `sources`, for explanations."""
    dist: Counter = Counter()
    for corpus, scores in pairs:
        if not scores:
            continue
        top = heapq.nlargest(FEEDBACK_DOCS, scores.items(), key=itemgetter(1))
        best = top[0][1] or 1.0
        for slot, score in top:
            if sources is not None and corpus.meta[slot].name not in sources:
                sources.append(corpus.meta[slot].name)
            share = (score / best) / corpus.length[slot]
            for tid, tf in zip(corpus.fwd_terms[slot], corpus.fwd_tfs[slot], strict=True):
                dist[corpus.terms[tid]] += share * tf * corpus.idf(tid)
    if not dist:
        return {}
    chosen = dist.most_common(FEEDBACK_TERMS)
    total = sum(v for _, v in chosen) or 1.0
    q_total = sum(math.log1p(v) for v in query.analysed.terms.values()) or 1.0
    return {term: FEEDBACK_WEIGHT * q_total * v / total for term, v in chosen}


def add_feedback(corpus: Corpus, scores: dict[int, float], expansion: dict[str, float]) -> dict[int, float]:
    """Add the expansion terms' BM25 to each candidate's score, in place; returns what was added."""
    weights = {}
    for term, w in expansion.items():
        tid = corpus.term_id(term)
        if tid is not None and corpus.df[tid] > 0:
            weights[tid] = w * corpus.idf(tid) * (K1 + 1)
    if not weights or not scores:
        return {}
    added = _forward_bm25(corpus, [slot for slot in scores if corpus.fwd_terms[slot] is not None], weights)
    for slot, add in added.items():
        scores[slot] += add
    return added


# A deployment is scored on two fields (BM25F): its own account (what this organisation did, found
# and learnt) and its tool's description, shared by every deployment of the tool. Each field has
# its own weight and length normalisation, so a short account that answers the challenge is not
# drowned by a long product description, and two accounts of one tool are told apart by their own words.
OWN_FIELD = 1.0
TOOL_FIELD = 0.6
OWN_B = 0.5
TOOL_B = 0.5


def bm25f(
    corpus: Corpus, slots: Iterable[int], weights: dict[int, list[float]]
) -> dict[int, tuple[float, float, float]]:
    """Field-weighted BM25 of each slot for {term id: [query weight x idf, expansion weight x idf]}:
    (query part, expansion part, both on the record's own field alone)."""
    order = [slot for slot in slots if corpus.fwd_terms[slot] is not None]
    if not weights or not order:
        return {}
    ids, tfs, owns, which = corpus.forwards(order)
    wq = _dense(corpus, {tid: w[0] for tid, w in weights.items()})[ids]
    we = _dense(corpus, {tid: w[1] for tid, w in weights.items()})[ids]
    hit = (wq + we) > 0
    tfs, owns, which, wq, we = tfs[hit], owns[hit], which[hit], wq[hit], we[hit]
    at = np.array(order, dtype=np.intp)
    own_len = np.frombuffer(corpus.own_length, dtype=np.float32)[at].astype(np.float64)
    tool_len = np.frombuffer(corpus.length, dtype=np.float32)[at] - own_len
    own_norm = OWN_FIELD / (1 - OWN_B + OWN_B * own_len / corpus.avg_own_length())
    tool_norm = TOOL_FIELD / (1 - TOOL_B + TOOL_B * tool_len / corpus.avg_other_length())
    own_tf = owns * own_norm[which]
    tf = own_tf + (tfs - owns) * tool_norm[which]
    k1p = K1 + 1
    sat = k1p * tf / (tf + K1)
    n = len(order)
    q = np.bincount(which, weights=wq * sat, minlength=n).tolist()
    e = np.bincount(which, weights=we * sat, minlength=n).tolist()
    own = np.bincount(which, weights=(wq + we) * k1p * own_tf / (own_tf + K1), minlength=n).tolist()
    return {slot: (q[i], e[i], own[i]) for i, slot in enumerate(order)}


def pooled_own(corpus: Corpus, own: dict[int, float], keep: callable) -> dict[int, float]:
    """Per tool, the mean over its deployments the viewers may see of how well each one's own
    account answers the challenge (relative to the best account): high when peers generally used
    the tool for this problem, low when one account among many mentions it."""
    seen = {slot: score for slot, score in own.items() if keep(corpus.meta[slot])}
    top = max(seen.values(), default=0.0) or 1.0
    sums: dict[int, float] = {}
    for slot, score in seen.items():
        tid = corpus.meta[slot].tool_id
        if tid is not None:
            sums[tid] = sums.get(tid, 0.0) + score / top
    out = {}
    for tid, total in sums.items():
        accounts = sum(
            1 for slot in corpus.by_tool.get(tid, ()) if corpus.meta[slot] is not None and keep(corpus.meta[slot])
        )
        out[tid] = total / max(accounts, 1)
    return out


def idf_weights(corpus: Corpus, qweights: dict[int, float], expansion: dict[str, float]) -> dict[int, list[float]]:
    """{term id: [query weight x idf, expansion weight x idf]}."""
    out: dict[int, list[float]] = {tid: [w * corpus.idf(tid), 0.0] for tid, w in qweights.items()}
    for term, w in expansion.items():
        tid = corpus.term_id(term)
        if tid is not None and corpus.df[tid] > 0:
            out.setdefault(tid, [0.0, 0.0])[1] += w * corpus.idf(tid)
    return out


FEEDBACK_EXPLAINED = 0.25  # share of a record's text score from feedback worth a sentence


def resembles(added: float, raw: float, name: str, sources: list[str]) -> list[str]:
    """The best matches a record resembles, when that resemblance made a good part of its score."""
    if raw <= 0 or added / raw < FEEDBACK_EXPLAINED:
        return []
    return [s for s in sources if s != name][:2]


SPECIFIC_SHARE = 0.08  # a word in more than this share of records is too common to be a reason
SPECIFIC_MIN = 5  # ...and in a small catalogue, in more than this many (document frequency says little there)


def shared_terms(corpus: Corpus, slot: int, qweights: dict[int, float], query: Query, n: int = 8) -> list[str]:
    """The challenge's words the record shares, best first: only words specific to a problem,
    i.e. found in few records (document frequency), so common English and generic service words
    ("support", "day", "less") never stand as a reason."""
    fwd = corpus.forward(slot)
    shared = []
    common = max(SPECIFIC_MIN, int(corpus.live * SPECIFIC_SHARE))
    for tid, w in qweights.items():
        tf = fwd.get(tid)
        term = corpus.terms[tid]
        if tf and not term.startswith(CONCEPT_PREFIX) and corpus.df[tid] <= common and len(term) > 2:
            shared.append((w * corpus.idf(tid) * tf / (tf + K1), query.analysed.surface.get(term, term)))
    shared.sort(reverse=True)
    return [word for _, word in shared[:n]]


def bridges(query: Query, meta: DocMeta) -> list[tuple[str, str, str]]:
    """Concepts both sides name, in different words: the thesaurus doing its job."""
    out = []
    for name, phrase in query.analysed.phrases.items():
        theirs = meta.concepts.get(name)
        concept = BY_NAME[name]
        if theirs and not concept.sector:
            out.append((concept.label, phrase, theirs))
    # Bridges where the words differ first: those are the ones plain search would miss.
    out.sort(key=lambda b: (b[1] == b[2], -query.analysed.concepts.get(_concept_by_label(b[0]), 0)))
    return out


def _concept_by_label(label: str) -> str:
    return next((c.name for c in BY_NAME.values() if c.label == label), "")


def outcome_match(query: Query, meta: DocMeta, corpus: Corpus) -> tuple[float, tuple[str, str, float] | None]:
    if not query.outcomes or not meta.outcomes:
        return 0.0, None

    weight = corpus.term_weight
    best_overall = None
    total = 0.0
    for text, terms in query.outcomes:
        norm_q = math.sqrt(sum(weight(t) ** 2 for t in terms)) or 1.0
        best = (0.0, "")
        for otext, oterms in meta.outcomes:
            shared = set(terms) & set(oterms)
            if not shared:
                continue
            norm_o = math.sqrt(sum(weight(t) ** 2 for t in oterms)) or 1.0
            sim = sum(weight(t) ** 2 for t in shared) / (norm_q * norm_o)
            if sim > best[0]:
                best = (sim, otext)
        total += best[0]
        if best[0] > 0 and (best_overall is None or best[0] > best_overall[2]):
            best_overall = (text, best[1], best[0])
    return total / len(query.outcomes), best_overall


OUTCOME_CLAIM = 0.6  # similarity of two outcomes' words above which they are about the same measure


def outcome_claim(query: Query, meta: DocMeta, corpus: Corpus) -> tuple[str, str, float] | None:
    """(challenge outcome, record outcome, similarity) when one of the record's stated outcomes is
    about the same measure as one of the challenge's: the outcome and its measure together against
    the record's outcome, idf-weighted cosine, sharing at least two specific words."""
    if not query.measures or not meta.outcomes:
        return None
    weight = corpus.term_weight
    common = max(SPECIFIC_MIN, int(corpus.live * SPECIFIC_SHARE))
    best = None
    for text, terms in query.measures:
        norm_q = math.sqrt(sum(weight(t) ** 2 for t in terms)) or 1.0
        for otext, oterms in meta.outcomes:
            shared = set(terms) & set(oterms)
            specific = [t for t in shared if (tid := corpus.term_id(t)) is not None and corpus.df[tid] <= common]
            if len(shared) < 2 or not specific:
                continue
            norm_o = math.sqrt(sum(weight(t) ** 2 for t in oterms)) or 1.0
            sim = sum(weight(t) ** 2 for t in shared) / (norm_q * norm_o)
            if sim >= OUTCOME_CLAIM and (best is None or sim > best[2]):
                best = (text, otext, sim)
    return best


def focus_coverage(query: Query, meta: DocMeta, corpus: Corpus) -> float:
    """Share of what a record is mainly for (its name and summary) that the challenge asks about:
    a sibling product that shares the supplier's words but not its purpose scores low."""
    total = covered = 0.0
    terms = query.analysed.terms
    weight = corpus.term_weight
    for term in meta.focus:
        w = weight(term)
        total += w
        if term in terms:
            covered += w
    return covered / total if total else 0.0


def cms_fit(meta: DocMeta, owner_cms: str) -> tuple[str | None, float]:
    """(fit, multiplier): an embedded tool only works inside the systems it lists."""
    if "case-management" in meta.categories:
        # A case management system itself replaces the owner's; it does not run inside it.
        return None, 1.0
    listed = meta.cms
    uses = bool(owner_cms) and any(owner_cms == c or owner_cms in c or c in owner_cms for c in listed)
    if meta.delivery == "embedded":
        if uses:
            return "match", 1.0 + WEIGHTS.cms_match
        if not owner_cms:
            return "unknown", WEIGHTS.cms_unknown
        return "mismatch", WEIGHTS.cms_mismatch
    if uses:
        return "match", 1.0 + WEIGHTS.cms_match
    return None, 1.0


def sector_penalty(query: Query, meta: DocMeta) -> tuple[str | None, float]:
    """A tool whose own words are about another sector (adult care, housing, schools, ...)."""
    foreign = {s: v for s, v in meta.sectors.items() if s not in query.sectors}
    if not foreign:
        return None, 1.0
    sector, strength = max(foreign.items(), key=lambda kv: kv[1])
    if strength < 1.0:
        return None, 1.0
    mult = max(WEIGHTS.sector_floor, 1.0 / (1.0 + WEIGHTS.sector * strength))
    if sector in query.mentions:
        # The challenge draws on that sector itself (schools' data, council-wide HR): such a
        # tool may serve part of it, so the discount is halved (on a log scale).
        mult = math.sqrt(mult)
    return sector, mult


def grant_set(viewer: Viewer) -> frozenset[tuple[str, int | None]]:
    return frozenset(access.visibility_grants(viewer))


def visible(grants: frozenset, meta: DocMeta) -> bool:
    # The policy's own data form (catalogue.access.visibility_grants), applied to index entries.
    return (meta.visibility, None) in grants or (meta.visibility, meta.owner_id) in grants


def peer_evidence(index: MatchIndex, tool_id: int | None, viewers: list[Viewer], owner_id: int) -> dict | None:
    """How many other organisations use a tool and at which stage, and how many dropped it:
    counting only deployments every viewer may see."""
    if tool_id is None:
        return None
    corpus = index.deployments
    grants = [grant_set(v) for v in viewers]
    stages: Counter = Counter()
    own_stage = None
    for slot in corpus.by_tool.get(tool_id, ()):
        meta = corpus.meta[slot]
        if meta is None or not all(visible(g, meta) for g in grants):
            continue
        if meta.owner_id == owner_id:
            own_stage = meta.stage
            continue
        stages[meta.stage] += 1
    return {
        "organisations": sum(stages.values()),
        "stages": dict(stages),
        "dropped": stages.get("dropped", 0),
        "owner_stage": own_stage,
    }


def peer_prior(peer: dict | None) -> float:
    if not peer:
        return 0.0
    using = peer["organisations"] - peer["dropped"]
    return math.log1p(using) / math.log(10) - 0.5 * math.log1p(peer["dropped"]) / math.log(10)
