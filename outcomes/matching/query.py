"""The challenge as a query: its words weighted by where they appear, the thesaurus concepts
they name, the categories it is read as being about (inferred, or as the owner corrected them),
its outcomes and the sectors it names."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from catalogue.thesaurus import BY_NAME, RELATED
from catalogue.vocabulary import CATEGORIES
from outcomes.matching.index import Corpus
from outcomes.matching.text import CONCEPT_PREFIX, Analysed, analyse, concept_spans, stem, words
from outcomes.models import Challenge

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
QUERY_POWER = 1.0
CONCEPT_BOOST = 1.0
RELATED_WEIGHT = 0.3  # a related concept's weight, as a share of the concept that brought it
CATEGORY_FLOOR = 0.3  # inferred categories below this share of the strongest are ignored


@dataclass
class Query:
    analysed: Analysed
    weights: dict[int, float]  # term id -> query weight, per corpus
    categories: dict[str, float]  # inferred category -> confidence in (0, 1]
    outcomes: list[tuple[str, dict[str, float]]]
    measures: list[tuple[str, dict[str, float]]]  # (outcome, terms of the outcome and its measure)
    sectors: set[str]
    mentions: set[str] = field(default_factory=set)  # sectors the challenge names in passing
    related: dict[str, float] = field(default_factory=dict)  # ~concept -> weight, from RELATED


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
    for code, label_words in _LABEL_STEMS.items():
        hits = sum(1 for s in label_words if s in analysed.terms)
        if hits:
            scores[code] += 0.3 * hits
    scores.pop("other", None)
    if not scores:
        return {}
    top = max(scores.values())
    return {c: v / top for c, v in scores.most_common() if v / top >= CATEGORY_FLOOR}


def _label_stems() -> dict[str, set[str]]:
    """Words that appear in one category's label only: "sufficiency", "chronologies", ..."""
    # A label's words that name a thesaurus concept count through that concept (its categories),
    # not as bare words: "front door" in "Chatbot or digital front door" is a website's.
    labels = {code: label for code, label in CATEGORIES.items() if code != "other"}
    stems = {code: set(analyse([(label, 1.0)]).terms) for code, label in labels.items()}
    counts = Counter(s for found in stems.values() for s in found)
    return {
        code: {s for s in found if counts[s] == 1 and not s.startswith(CONCEPT_PREFIX)} & _bare_stems(labels[code])
        for code, found in stems.items()
    }


def _bare_stems(label: str) -> set[str]:
    ws = words(label)
    named = {i + j for _, i, k in concept_spans(ws) for j in range(k)}
    return {stem(w) for n, w in enumerate(ws) if n not in named}


_LABEL_STEMS = _label_stems()


def build_query(challenge: Challenge) -> Query:
    analysed = analyse(challenge_fields(challenge), keep_surface=True)
    outcomes, measures = [], []
    for o in challenge.outcomes or []:
        if isinstance(o, dict) and o.get("outcome"):
            outcomes.append((o["outcome"], dict(analyse([(o["outcome"], 1.0)]).terms)))
            both = analyse([(o["outcome"], 1.0), (o.get("measure"), 1.0)]).terms
            measures.append((o["outcome"], {t: v for t, v in both.items() if not t.startswith(CONCEPT_PREFIX)}))
    categories = infer_categories(analysed)
    # Topics the owner struck out count for nothing; categories the owner chose (or added when
    # correcting the topics) are certain; inferred ones fill the gaps.
    removed = set(getattr(challenge, "topics_removed", None) or [])
    for code in removed:
        categories.pop(code, None)
    for code in getattr(challenge, "categories", None) or []:
        if code in CATEGORIES and code != "other":
            categories[code] = 1.0
    related: dict[str, float] = {}
    for name, weight in analysed.concepts.items():
        for other in RELATED.get(name, ()):
            # A topic the owner struck out is not reached through a related idea either.
            if other not in analysed.concepts and other not in removed:
                term = CONCEPT_PREFIX + other
                related[term] = max(related.get(term, 0.0), RELATED_WEIGHT * math.log1p(weight))
    return Query(
        related=related,
        analysed=analysed,
        weights={},
        categories=categories,
        outcomes=outcomes,
        measures=measures,
        sectors=set(analysed.sectors),
        mentions=set(analysed.mentions) | set(analysed.sectors),
    )


def query_weights(query: Query, corpus: Corpus) -> dict[int, float]:
    weights = {}
    for term, raw in query.analysed.terms.items():
        tid = corpus.term_id(term)
        if tid is None or corpus.df[tid] <= 0:
            continue
        # Dampened: a word repeated across the statement matters more, but not linearly.
        weights[tid] = math.log1p(raw) ** QUERY_POWER * (CONCEPT_BOOST if term.startswith(CONCEPT_PREFIX) else 1.0)
    for term, weight in query.related.items():
        tid = corpus.term_id(term)
        if tid is not None and corpus.df[tid] > 0:
            weights[tid] = weights.get(tid, 0.0) + weight
    return weights
