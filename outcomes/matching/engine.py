"""Matching a challenge to the offerings that could solve it and the peer experience worth reading.

Two steps, so a challenge costs tens of milliseconds at 50k records:
1. candidates: the challenge's most telling terms (stems weighted by where they appear, plus
   thesaurus concepts) are looked up in the in-memory index (outcomes.matching.index); terms
   so common they say little are left to the second step. A few hundred best go on.
2. ranking: BM25-style text relevance over weighted fields, plus the categories inferred from
   the challenge, how well the offering's stated outcomes answer the challenge's, fit with the
   owner's case management system, peer evidence, and a discount for tools built for another
   sector. A deployment is scored BM25F-style on its own account and its tool's description as
   two fields, plus how well peers' accounts of the same tool answer the challenge, pooled.
   Each match keeps the facts that made its score, for the explanation.

Everything is seen as a member of the challenge's owner (catalogue.access.viewer_as_member_of);
pages add the current viewer too, so nobody is shown a record the policy hides from them.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from operator import itemgetter

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.records.models import Deployment, Tool
from catalogue.vocabulary import CATEGORIES
from outcomes.matching.index import K1, Corpus, DocMeta, MatchIndex, index_for, norm_cms
from outcomes.matching.text import CONCEPT_PREFIX, Analysed, analyse
from outcomes.matching.thesaurus import BY_NAME
from outcomes.models import Challenge
from suppliers.models import Offering

# Where in a challenge a word appears says how much it matters.
QUERY_FIELDS = {
    "title": 3.0,
    "outcome": 2.0,
    "problem": 0.5,
    "users": 0.4,
    "measure": 0.4,
    "requirements": 0.5,
    "tried_before": 0.5,
    "constraints": 0.3,
}
CANDIDATES = 150
CANDIDATE_TERMS = 32  # the most telling query terms choose the candidates
POSTINGS_BUDGET = 60_000  # postings read to choose them, at most (plus one list)
QUERY_POWER = 1.0
CONCEPT_BOOST = 1.0
# A term found in more than this share of records is scored only on the candidates.
COMMON_SHARE = 0.25
CATEGORY_FLOOR = 0.3  # inferred categories below this share of the strongest are ignored


@dataclass(frozen=True)
class Weights:
    text: float = 0.50
    category: float = 0.15
    outcome: float = 0.20
    peer: float = 0.04
    peer_relevance: float = 0.20  # peers used this offering's tool on a problem like this
    cms_mismatch: float = 0.35  # embedded in a system the owner does not use
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


@dataclass
class Query:
    analysed: Analysed
    weights: dict[int, float]  # term id -> query weight, per corpus
    categories: dict[str, float]  # inferred category -> confidence in (0, 1]
    outcomes: list[tuple[str, dict[str, float]]]
    sectors: set[str]
    mentions: set[str] = field(default_factory=set)  # sectors the challenge names in passing


@dataclass
class Match:
    kind: str  # offering | deployment
    meta: DocMeta
    score: float
    text: float = 0.0
    terms: list[str] = field(default_factory=list)  # challenge words it shares, best first
    bridges: list[tuple[str, str, str]] = field(default_factory=list)  # (concept label, challenge phrase, its phrase)
    categories: list[str] = field(default_factory=list)
    outcome: tuple[str, str, float] | None = None  # (challenge outcome, offering outcome, similarity)
    cms: str | None = None  # match | mismatch | unknown | None
    cms_detail: str = ""
    sector: str | None = None
    peer: dict | None = None
    why: list[str] = field(default_factory=list)
    record: object | None = None
    parts: dict[str, float] = field(default_factory=dict)  # the score's components, for tuning and tests
    resembles: list[str] = field(default_factory=list)  # best matches whose words it shares (feedback)

    @property
    def ref(self) -> str:
        return self.meta.ref


@dataclass
class MatchResult:
    challenge: Challenge
    offerings: list[Match]
    deployments: list[Match]
    categories: dict[str, float]
    elapsed_ms: float

    def as_json(self) -> dict:
        def row(m: Match) -> dict:
            out = {"ref": m.ref, "score": round(m.score, 4), "why": m.why, "categories": m.categories}
            if m.kind == "deployment":
                out["stage"] = m.meta.stage
            if m.cms:
                out["cms_fit"] = m.cms
            if m.peer is not None:
                out["peer"] = m.peer
            return out

        return {
            "challenge": self.challenge.ref,
            "offerings": [row(m) for m in self.offerings],
            "deployments": [row(m) for m in self.deployments],
            "inferred_categories": {c: round(v, 2) for c, v in self.categories.items()},
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


# --- the challenge as a query -------------------------------------------------------------------


def challenge_fields(challenge: Challenge) -> list[tuple[str | None, float]]:
    w = QUERY_FIELDS
    fields: list[tuple[str | None, float]] = [
        (challenge.title, w["title"]),
        (challenge.problem, w["problem"]),
        (challenge.users, w["users"]),
        (challenge.constraints, w["constraints"]),
        (challenge.tried_before, w["tried_before"]),
    ]
    for o in challenge.outcomes or []:
        if isinstance(o, dict):
            fields.append((o.get("outcome"), w["outcome"]))
            fields.append((o.get("measure"), w["measure"]))
    for r in challenge.requirements or []:
        if isinstance(r, dict):
            fields.append((r.get("requirement"), w["requirements"]))
    return fields


def infer_categories(analysed: Analysed) -> dict[str, float]:
    """Categories the challenge is about, from the thesaurus concepts it names and the words of
    the vocabulary's own labels; confidences relative to the strongest."""
    scores: Counter = Counter()
    for name, weight in analysed.concepts.items():
        concept = BY_NAME[name]
        for code in concept.categories:
            scores[code] += math.sqrt(weight) / len(concept.categories)
    for code, words in _LABEL_STEMS.items():
        hits = sum(1 for s in words if s in analysed.terms)
        if hits:
            scores[code] += 0.3 * hits
    scores.pop("other", None)
    if not scores:
        return {}
    top = max(scores.values())
    return {c: v / top for c, v in scores.most_common() if v / top >= CATEGORY_FLOOR}


def _label_stems() -> dict[str, set[str]]:
    """Words that appear in one category's label only: "sufficiency", "chronologies", ..."""
    stems = {code: set(analyse([(label, 1.0)]).terms) for code, label in CATEGORIES.items() if code != "other"}
    counts = Counter(s for words in stems.values() for s in words)
    return {
        code: {s for s in words if counts[s] == 1 and not s.startswith(CONCEPT_PREFIX)} for code, words in stems.items()
    }


_LABEL_STEMS = _label_stems()


def build_query(challenge: Challenge) -> Query:
    analysed = analyse(challenge_fields(challenge), keep_surface=True)
    outcomes = []
    for o in challenge.outcomes or []:
        if isinstance(o, dict) and o.get("outcome"):
            outcomes.append((o["outcome"], dict(analyse([(o["outcome"], 1.0)]).terms)))
    categories = infer_categories(analysed)
    # Categories the owner chose for the challenge are certain; inferred ones fill the gaps.
    for code in getattr(challenge, "categories", None) or []:
        if code in CATEGORIES and code != "other":
            categories[code] = 1.0
    return Query(
        analysed=analysed,
        weights={},
        categories=categories,
        outcomes=outcomes,
        sectors=set(analysed.sectors),
        mentions=set(analysed.mentions) | set(analysed.sectors),
    )


def _query_weights(query: Query, corpus: Corpus) -> dict[int, float]:
    weights = {}
    for term, raw in query.analysed.terms.items():
        tid = corpus.term_id(term)
        if tid is None or corpus.df[tid] <= 0:
            continue
        # Dampened: a word repeated across the statement matters more, but not linearly.
        weights[tid] = math.log1p(raw) ** QUERY_POWER * (CONCEPT_BOOST if term.startswith(CONCEPT_PREFIX) else 1.0)
    return weights


# --- scoring --------------------------------------------------------------------------------------


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


def _text_scores(corpus: Corpus, qweights: dict[int, float], keep: callable, limit: int) -> dict[int, float]:
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


def _feedback_terms(pairs: tuple, query: Query, sources: list[str] | None = None) -> dict[str, float]:
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


def _add_feedback(corpus: Corpus, scores: dict[int, float], expansion: dict[str, float]) -> dict[int, float]:
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


def _bm25f(
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


def _pooled_own(corpus: Corpus, own: dict[int, float], keep: callable) -> dict[int, float]:
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


def _idf_weights(corpus: Corpus, qweights: dict[int, float], expansion: dict[str, float]) -> dict[int, list[float]]:
    """{term id: [query weight x idf, expansion weight x idf]}."""
    out: dict[int, list[float]] = {tid: [w * corpus.idf(tid), 0.0] for tid, w in qweights.items()}
    for term, w in expansion.items():
        tid = corpus.term_id(term)
        if tid is not None and corpus.df[tid] > 0:
            out.setdefault(tid, [0.0, 0.0])[1] += w * corpus.idf(tid)
    return out


FEEDBACK_EXPLAINED = 0.25  # share of a record's text score from feedback worth a sentence


def _resembles(added: float, raw: float, name: str, sources: list[str]) -> list[str]:
    """The best matches a record resembles, when that resemblance made a good part of its score."""
    if raw <= 0 or added / raw < FEEDBACK_EXPLAINED:
        return []
    return [s for s in sources if s != name][:2]


def _shared_terms(corpus: Corpus, slot: int, qweights: dict[int, float], query: Query, n: int = 8) -> list[str]:
    fwd = corpus.forward(slot)
    shared = []
    for tid, w in qweights.items():
        tf = fwd.get(tid)
        term = corpus.terms[tid]
        if tf and not term.startswith(CONCEPT_PREFIX):
            shared.append((w * corpus.idf(tid) * tf / (tf + K1), query.analysed.surface.get(term, term)))
    shared.sort(reverse=True)
    return [word for _, word in shared[:n]]


def _bridges(query: Query, meta: DocMeta) -> list[tuple[str, str, str]]:
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


def _outcome_match(query: Query, meta: DocMeta, corpus: Corpus) -> tuple[float, tuple[str, str, float] | None]:
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


def _focus_coverage(query: Query, meta: DocMeta, corpus: Corpus) -> float:
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


def _cms_fit(meta: DocMeta, owner_cms: str) -> tuple[str | None, float]:
    """(fit, multiplier): an embedded tool only works inside the systems it lists."""
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


def _sector_penalty(query: Query, meta: DocMeta) -> tuple[str | None, float]:
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


def _grants(viewer: Viewer) -> frozenset[tuple[str, int | None]]:
    return frozenset(access.visibility_grants(viewer))


def _visible(grants: frozenset, meta: DocMeta) -> bool:
    # The policy's own data form (catalogue.access.visibility_grants), applied to index entries.
    return (meta.visibility, None) in grants or (meta.visibility, meta.owner_id) in grants


def peer_evidence(index: MatchIndex, tool_id: int | None, viewers: list[Viewer], owner_id: int) -> dict | None:
    """How many other organisations use a tool and at which stage, and how many dropped it:
    counting only deployments every viewer may see."""
    if tool_id is None:
        return None
    corpus = index.deployments
    grants = [_grants(v) for v in viewers]
    stages: Counter = Counter()
    own_stage = None
    for slot in corpus.by_tool.get(tool_id, ()):
        meta = corpus.meta[slot]
        if meta is None or not all(_visible(g, meta) for g in grants):
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


def _peer_prior(peer: dict | None) -> float:
    if not peer:
        return 0.0
    using = peer["organisations"] - peer["dropped"]
    return math.log1p(using) / math.log(10) - 0.5 * math.log1p(peer["dropped"]) / math.log(10)


def rank(
    index: MatchIndex,
    query: Query,
    owner_id: int,
    owner_cms: str,
    viewers: list[Viewer],
    limit: int,
) -> tuple[list[Match], list[Match]]:
    """Ranked offerings and other organisations' deployments, visible to every viewer given."""
    w = WEIGHTS
    grants = [_grants(v) for v in viewers]

    def keep_offering(meta: DocMeta) -> bool:
        return all(access.can_view_offering(v, meta) for v in viewers)

    def keep_deployment(meta: DocMeta) -> bool:
        return meta.owner_id != owner_id and all(_visible(g, meta) for g in grants)

    # Peers' accounts first: a tool that peers used on this problem is evidence for its offerings.
    dep_corpus = index.deployments
    dep_qweights = _query_weights(query, dep_corpus)
    dep_text = _text_scores(dep_corpus, dep_qweights, keep_deployment, CANDIDATES)
    corpus = index.offerings
    qweights = _query_weights(query, corpus)
    text = _text_scores(corpus, qweights, keep_offering, CANDIDATES)
    # Pseudo-relevance feedback: the best-matching records' own words, down-weighted, re-score
    # the candidates (only them: the candidate stage stays bounded).
    sources: list[str] = []
    expansion = _feedback_terms(((dep_corpus, dep_text), (corpus, text)), query, sources)
    fed = _add_feedback(corpus, text, expansion) if expansion else {}
    # The deployment candidates, ranked again field by field, with the feedback terms.
    fielded = _bm25f(dep_corpus, dep_text, _idf_weights(dep_corpus, dep_qweights, expansion))
    dep_text = {slot: q + e for slot, (q, e, _) in fielded.items()}
    dep_fed = {slot: e for slot, (_, e, _) in fielded.items()}
    pooled = _pooled_own(dep_corpus, {slot: own for slot, (_, _, own) in fielded.items()}, keep_deployment)
    dep_top = max(dep_text.values(), default=0.0) or 1.0
    tool_text: dict[int, float] = {}
    for slot, raw in dep_text.items():
        tid = dep_corpus.meta[slot].tool_id
        if tid is not None:
            tool_text[tid] = max(tool_text.get(tid, 0.0), raw / dep_top)

    offerings: list[Match] = []
    top_text = max(text.values(), default=0.0) or 1.0
    for slot, raw in text.items():
        meta = corpus.meta[slot]
        m = Match("offering", meta, 0.0, text=raw / top_text)
        m.resembles = _resembles(fed.get(slot, 0.0), raw, meta.name, sources)
        m.categories = [c for c in meta.categories if c in query.categories]
        cat = max((query.categories[c] for c in m.categories), default=0.0)
        out_sim, m.outcome = _outcome_match(query, meta, corpus)
        m.cms, cms_mult = _cms_fit(meta, owner_cms)
        m.sector, sector_mult = _sector_penalty(query, meta)
        m.peer = peer_evidence(index, meta.tool_id, viewers, owner_id)
        used = tool_text.get(meta.tool_id, 0.0) if meta.tool_id is not None else 0.0
        focus = _focus_coverage(query, meta, corpus)
        m.parts = {
            "text": w.text * m.text,
            "category": w.category * cat,
            "outcome": w.outcome * min(1.0, 2 * out_sim),
            "peer_relevance": w.peer_relevance * used,
            "focus": w.focus * focus,
            "sector_mult": sector_mult,
            "cms_mult": cms_mult,
        }
        base = (
            w.text * m.text
            + w.category * cat
            + w.outcome * min(1.0, 2 * out_sim)
            + w.peer_relevance * used
            + w.focus * focus
        ) * sector_mult
        m.score = (base + w.peer * _peer_prior(m.peer)) * cms_mult
        offerings.append(m)
    offerings.sort(key=lambda m: (-m.score, m.meta.ref))
    offerings = offerings[:limit]
    for m in offerings:
        slot = corpus.slot_of[m.meta.id]
        m.terms = _shared_terms(corpus, slot, qweights, query)
        m.bridges = _bridges(query, m.meta)

    # Peers' accounts of one tool tell one story: the best account lifts the others a little, and
    # a tool most peers used for this problem lifts all its accounts (pooled).
    deployments: list[Match] = []
    corpus, qweights, text, top_text = dep_corpus, dep_qweights, dep_text, dep_top
    for slot, raw in text.items():
        meta = corpus.meta[slot]
        m = Match("deployment", meta, 0.0, text=raw / top_text)
        m.resembles = _resembles(dep_fed.get(slot, 0.0), raw, meta.name, sources)
        m.categories = [c for c in meta.categories if c in query.categories]
        # No sector discount here: every deployment is an authority's or provider's own account.
        # Neither shared categories nor the tool's offerings add to the score: both are the same
        # for every account of a tool, and the tool's text and the pooled accounts say it better.
        m.parts = {
            "focus": w.dep_focus * _focus_coverage(query, meta, corpus),
            "text": w.dep_text * m.text,
            "tool_text": w.dep_tool_text * tool_text.get(meta.tool_id, 0.0),
            "pooled": w.dep_pooled * pooled.get(meta.tool_id, 0.0),
        }
        m.score = sum(m.parts.values())
        deployments.append(m)
    deployments.sort(key=lambda m: (-m.score, m.meta.ref))
    deployments = deployments[:limit]
    for m in deployments:
        slot = corpus.slot_of[m.meta.id]
        m.terms = _shared_terms(corpus, slot, qweights, query)
        m.bridges = _bridges(query, m.meta)
    return offerings, deployments


# --- the public face --------------------------------------------------------------------------


def owner_viewer(session: Session, challenge: Challenge) -> tuple[Viewer, Organisation | None]:
    owner = session.get(Organisation, challenge.owner_id)
    kind = owner.kind if owner else "local-authority"
    return access.viewer_as_member_of(challenge.owner_id, kind), owner


def match_challenge(
    session: Session,
    challenge: Challenge,
    limit: int = 10,
    also_visible_to: Viewer | None = None,
) -> MatchResult:
    """The offerings and peer deployments for a challenge, as a member of its owner sees them
    (and, for pages, as the current viewer may see them too), each with why it matched."""
    from outcomes.matching.explain import explain

    started = time.perf_counter()
    index = index_for(session.get_bind())
    viewer, owner = owner_viewer(session, challenge)
    viewers = [viewer] + ([also_visible_to] if also_visible_to is not None else [])
    owner_cms = norm_cms(owner.case_management_system if owner else None)
    query = build_query(challenge)
    with index.lock:
        offerings, deployments = rank(index, query, challenge.owner_id, owner_cms, viewers, limit)
    _attach_records(session, offerings, deployments, viewers, challenge.owner_id)
    for m in offerings + deployments:
        m.why = explain(m, owner)
    elapsed = (time.perf_counter() - started) * 1000
    return MatchResult(challenge, offerings, deployments, query.categories, elapsed)


def _attach_records(
    session: Session, offerings: list[Match], deployments: list[Match], viewers: list[Viewer], owner_id: int
) -> None:
    """Load the ranked records and ask the policy once more on the live rows: an index entry a
    moment out of date must never show what the policy now hides."""
    if offerings:
        rows = {o.id: o for o in session.exec(select(Offering).where(Offering.id.in_([m.meta.id for m in offerings])))}
        offerings[:] = [
            m
            for m in offerings
            if (r := rows.get(m.meta.id)) is not None and all(access.can_view_offering(v, r) for v in viewers)
        ]
        for m in offerings:
            m.record = rows[m.meta.id]
    if deployments:
        rows = {
            d.id: d for d in session.exec(select(Deployment).where(Deployment.id.in_([m.meta.id for m in deployments])))
        }
        deployments[:] = [
            m
            for m in deployments
            if (r := rows.get(m.meta.id)) is not None
            and r.organisation_id != owner_id
            and all(access.can_view(v, r) for v in viewers)
        ]
        for m in deployments:
            m.record = rows[m.meta.id]


def deployment_context(session: Session, matches: list[Match]) -> dict[int, tuple[Tool | None, Organisation | None]]:
    """Tools and organisations of matched deployments, for pages."""
    tool_ids = {m.meta.tool_id for m in matches if m.meta.tool_id}
    org_ids = {m.meta.owner_id for m in matches}
    tools = {t.id: t for t in session.exec(select(Tool).where(Tool.id.in_(tool_ids)))} if tool_ids else {}
    orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(org_ids)))} if org_ids else {}
    return {m.meta.id: (tools.get(m.meta.tool_id), orgs.get(m.meta.owner_id)) for m in matches}


def lessons(session: Session, challenge: Challenge, viewer: Viewer | None = None, limit: int = 5) -> list[Match]:
    """Dropped pilots elsewhere on the same problem: the peer experience to read first."""
    result = match_challenge(session, challenge, limit=30, also_visible_to=viewer)
    if not result.deployments:
        return []
    top = result.deployments[0].score
    dropped = [m for m in result.deployments if m.meta.stage == "dropped" and m.score >= 0.35 * top]
    return dropped[:limit]


OPEN_FOR_SUPPLIERS = ("market-engagement", "open")
CHALLENGE_CANDIDATES = 15  # challenges matched in full per offering, at most (each result is cached)


def challenges_for_offering(
    session: Session, offering: Offering, viewer: Viewer | None = None, limit: int = 10, within: int = 10
) -> list[tuple[Challenge, Match]]:
    """Published challenges still taking interest (market engagement or open) whose matches put
    this offering in their top `within`: what a supplier should look at. The offering's own words
    pick a few candidate challenges from the index; each is then matched in full (and remembered)."""
    viewer = viewer or access.ANONYMOUS
    index = index_for(session.get_bind())
    corpus = index.challenges
    analysed = analyse(
        [
            (offering.name, 2.0),
            (offering.summary, 2.0),
            ("\n".join(offering.outcomes or []), 1.5),
            (offering.description, 1.0),
        ]
    )
    qweights = {}
    for term, raw in analysed.terms.items():
        tid = corpus.term_id(term)
        if tid is not None and corpus.df[tid] > 0:
            qweights[tid] = math.log1p(raw)

    def open_to_suppliers(meta: DocMeta) -> bool:
        return meta.status in OPEN_FOR_SUPPLIERS

    with index.lock:
        candidates = _text_scores(corpus, qweights, open_to_suppliers, CHALLENGE_CANDIDATES)
        ids = [corpus.meta[slot].id for slot in candidates]
    if not ids:
        return []
    query = select(Challenge).where(Challenge.id.in_(ids), Challenge.status.in_(OPEN_FOR_SUPPLIERS))
    found = []
    for challenge in session.exec(query.order_by(Challenge.id)):
        # Published statuses only, and whatever else the policy says about this viewer.
        if challenge.status not in access.PUBLISHED_CHALLENGE_STATUSES or not access.can_view_challenge(
            viewer, challenge
        ):
            continue
        result = _cached_match(session, challenge, within)
        for m in result.offerings:
            if m.meta.id == offering.id:
                found.append((challenge, _as_seen_by(session, index, challenge, m, viewer)))
                break
    found.sort(key=lambda cm: (-cm[1].score, cm[0].ref))
    return found[:limit]


def _as_seen_by(session: Session, index: MatchIndex, challenge: Challenge, match: Match, viewer: Viewer) -> Match:
    """A cached match is the owner's view: its peer evidence counts deployments the owner may see
    (authorities-only ones too). What this viewer is shown is counted again for the owner's
    members and this viewer together, as match_challenge does for pages, with its reasons."""
    from outcomes.matching.explain import explain

    owner_view, owner = owner_viewer(session, challenge)
    with index.lock:
        peer = peer_evidence(index, match.meta.tool_id, [owner_view, viewer], challenge.owner_id)
    cms_mult = match.parts.get("cms_mult", 1.0)
    score = match.score + WEIGHTS.peer * (_peer_prior(peer) - _peer_prior(match.peer)) * cms_mult
    seen = replace(match, peer=peer, score=score)
    seen.why = explain(seen, owner)
    return seen


_CACHE: dict[tuple, MatchResult] = {}


def _cached_match(session: Session, challenge: Challenge, limit: int) -> MatchResult:
    """Owner's-view matches, remembered until the catalogue or the challenge changes."""
    index = index_for(session.get_bind())
    key = (str(session.get_bind().url), challenge.id, challenge.updated_at, index.seen_change, limit)
    result = _CACHE.get(key)
    if result is None:
        if len(_CACHE) > 2000:
            _CACHE.clear()
        result = _CACHE[key] = match_challenge(session, challenge, limit=limit)
    return result


def challenge_count(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(Challenge)).one()
