"""Text analysis shared by the matcher's index and its queries: words, stems and thesaurus concepts.

Words are folded lightly (possessives, plurals) for the thesaurus, then Porter-stemmed for
term statistics. Concepts found by the thesaurus become extra terms ("~recording"), so a
challenge and an offering that say the same thing in different words share a term.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.lang.porter import stem as porter_stem

from outcomes.matching.thesaurus import BY_NAME, CONCEPTS, Concept

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP_WORDS = """a an and are as at be but by for from has have had in into is it its of on or our so that the their
    them then there these they this to was we were what when which who will with without would can could
    should may not no more most than very also any all each per via i you your my me us do does did done
    been being how if just only such other some same too s t"""
STOP = frozenset(_STOP_WORDS.split())
CONCEPT_PREFIX = "~"


def fold(word: str) -> str:
    """Fold possessives and plurals so "child's", "children's" and "notes" meet their singulars."""
    if "'" in word:
        word = word.split("'", 1)[0]
    n = len(word)
    if n > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if n > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str | None) -> list[str]:
    """Folded words without stop words, in order."""
    if not text:
        return []
    out = []
    for raw in WORD.findall(text.lower().replace("\u2019", "'")):
        if raw in STOP:
            continue
        w = fold(raw)
        if w and w not in STOP:
            out.append(w)
    return out


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return porter_stem(word)


@dataclass(frozen=True)
class _Pattern:
    concept: Concept
    parts: tuple[str, ...]  # a part ending in "*" is a prefix


def _compile() -> tuple[dict[str, list[_Pattern]], dict[str, list[_Pattern]]]:
    exact: dict[str, list[_Pattern]] = {}
    prefix: dict[str, list[_Pattern]] = {}
    for concept in CONCEPTS:
        for pattern in concept.patterns:
            parts = []
            for raw in pattern.lower().split():
                star = raw.endswith("*")
                ws = words(raw.rstrip("*").replace("-", " "))
                if not ws:
                    continue
                if star:
                    # A prefix keeps the word as written (no plural folding): "minute*".
                    ws[-1] = raw.rstrip("*").split("-")[-1]
                    ws[-1] = ws[-1] + "*"
                parts.extend(ws)
            if not parts:
                continue
            compiled = _Pattern(concept, tuple(parts))
            first = parts[0]
            if first.endswith("*"):
                prefix.setdefault(first[:3], []).append(compiled)
            else:
                exact.setdefault(first, []).append(compiled)
    return exact, prefix


_EXACT, _PREFIX = _compile()


def _part_matches(part: str, word: str) -> bool:
    return word.startswith(part[:-1]) if part.endswith("*") else word == part


@dataclass
class ConceptHit:
    concept: Concept
    phrase: str


def find_concepts(ws: list[str]) -> list[ConceptHit]:
    """Every thesaurus concept named in a folded word list, with the words that named it.
    The longest pattern wins at each position, and one concept counts once per position."""
    hits: list[ConceptHit] = []
    n = len(ws)
    for i, w in enumerate(ws):
        best: dict[str, int] = {}
        for pattern in _EXACT.get(w, []) + [p for p in _PREFIX.get(w[:3], []) if w.startswith(p.parts[0][:-1])]:
            k = len(pattern.parts)
            if i + k > n:
                continue
            if all(_part_matches(pattern.parts[j], ws[i + j]) for j in range(1, k)):
                name = pattern.concept.name
                if k > best.get(name, 0):
                    best[name] = k
        for name, k in best.items():
            hits.append(ConceptHit(BY_NAME[name], " ".join(ws[i : i + k])))
    return hits


@dataclass
class Analysed:
    """A text's weighted terms (stems and ~concepts), its weighted length, and what it named."""

    terms: Counter = field(default_factory=Counter)
    length: float = 0.0
    concepts: Counter = field(default_factory=Counter)
    phrases: dict[str, str] = field(default_factory=dict)  # concept -> first phrase that named it
    surface: dict[str, str] = field(default_factory=dict)  # stem -> first word that made it
    sectors: Counter = field(default_factory=Counter)


def analyse(fields: list[tuple[str | None, float]], keep_surface: bool = False) -> Analysed:
    """Analyse (text, weight) fields into one weighted bag of terms."""
    out = Analysed()
    for text, weight in fields:
        if not text or weight <= 0:
            continue
        ws = words(text)
        out.length += weight * len(ws)
        for w in ws:
            s = stem(w)
            out.terms[s] += weight
            if keep_surface and s not in out.surface:
                out.surface[s] = w
        for hit in find_concepts(ws):
            name = hit.concept.name
            out.terms[CONCEPT_PREFIX + name] += weight
            out.concepts[name] += weight
            if name not in out.phrases:
                out.phrases[name] = hit.phrase
            if hit.concept.sector:
                out.sectors[hit.concept.sector] += weight
    return out
