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

from catalogue.thesaurus import CONCEPTS, SECTOR_MENTIONS, Concept

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


_FOLDED: dict[str, str] = {}


def _folded(raw: str) -> str:
    """The folded form of a raw word, or "" for a stop word (cached: asked once per word seen)."""
    w = _FOLDED.get(raw)
    if w is None:
        w = "" if raw in STOP else fold(raw)
        if w in STOP:
            w = ""
        if len(_FOLDED) < 500_000:
            _FOLDED[raw] = w
    return w


def words(text: str | None) -> list[str]:
    """Folded words without stop words, in order."""
    if not text:
        return []
    return [w for w in map(_folded, WORD.findall(text.lower().replace("\u2019", "'"))) if w]


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
    for concept in CONCEPTS + SECTOR_MENTIONS:
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


@dataclass(frozen=True)
class _Start:
    """The patterns that may start at one word: one-word ones (matched already), longer ones by
    their exact second word, and longer ones whose second word is a prefix."""

    single: tuple[Concept, ...]
    by_second: dict[str, tuple[_Pattern, ...]]
    prefixed: tuple[_Pattern, ...]


_NONE = _Start((), {}, ())
_STARTS: dict[str, _Start] = {}


def _starting(w: str) -> _Start:
    found = _STARTS.get(w)
    if found is None:
        patterns = tuple(_EXACT.get(w, ())) + tuple(p for p in _PREFIX.get(w[:3], ()) if w.startswith(p.parts[0][:-1]))
        if not patterns:
            found = _NONE
        else:
            by_second: dict[str, list[_Pattern]] = {}
            for p in patterns:
                if len(p.parts) > 1 and not p.parts[1].endswith("*"):
                    by_second.setdefault(p.parts[1], []).append(p)
            found = _Start(
                single=tuple(p.concept for p in patterns if len(p.parts) == 1),
                by_second={k: tuple(v) for k, v in by_second.items()},
                prefixed=tuple(p for p in patterns if len(p.parts) > 1 and p.parts[1].endswith("*")),
            )
        if len(_STARTS) < 500_000:
            _STARTS[w] = found
    return found


def concept_spans(ws: list[str]) -> list[tuple[Concept, int, int]]:
    """(concept, start, length) for every concept named in a folded word list. The longest
    pattern wins at each position, and one concept counts once per position."""
    spans: list[tuple[Concept, int, int]] = []
    n = len(ws)
    cached = _STARTS.get
    for i, w in enumerate(ws):
        start = cached(w) or _starting(w)
        if start is _NONE:
            continue
        following = ws[i + 1] if i + 1 < n else None
        if not start.prefixed and (following is None or following not in start.by_second):
            # The common case: only one-word patterns can match here.
            spans.extend((concept, i, 1) for concept in start.single)
            continue
        best: dict[Concept, int] = dict.fromkeys(start.single, 1)
        for pattern in start.by_second.get(following, ()) + start.prefixed:
            k = len(pattern.parts)
            if (
                i + k <= n
                and k > best.get(pattern.concept, 0)
                and all(_part_matches(pattern.parts[j], ws[i + j]) for j in range(1, k))
            ):
                best[pattern.concept] = k
        spans.extend((concept, i, k) for concept, k in best.items())
    return _in_context(spans) if any(k > 1 for _, _, k in spans) else spans


def _in_context(spans: list[tuple[Concept, int, int]]) -> list[tuple[Concept, int, int]]:
    """A phrase read inside a longer phrase means what the longer one means: "front door" inside
    "digital front door" is a website's, not a council's contact and referral service. Single
    words keep their own sense too ("visit" in "visit notes" is still about visits)."""
    longer = [(i, i + k, c) for c, i, k in spans if k > 1]
    return [
        (c, i, k)
        for c, i, k in spans
        if k == 1 or not any(s <= i and i + k <= e and e - s > k and other is not c for s, e, other in longer)
    ]


def find_concepts(ws: list[str]) -> list[ConceptHit]:
    """Every thesaurus concept named in a folded word list, with the words that named it."""
    return [ConceptHit(c, " ".join(ws[i : i + k])) for c, i, k in concept_spans(ws)]


@dataclass
class Analysed:
    """A text's weighted terms (stems and ~concepts), its weighted length, and what it named."""

    terms: Counter = field(default_factory=Counter)
    length: float = 0.0
    concepts: Counter = field(default_factory=Counter)
    phrases: dict[str, str] = field(default_factory=dict)  # concept -> first phrase that named it
    surface: dict[str, str] = field(default_factory=dict)  # stem -> first word that made it
    sectors: Counter = field(default_factory=Counter)
    mentions: set[str] = field(default_factory=set)  # sectors named in passing


def analyse(fields: list[tuple[str | None, float]], keep_surface: bool = False) -> Analysed:
    """Analyse (text, weight) fields into one weighted bag of terms."""
    out = Analysed()
    for text, weight in fields:
        if not text or weight <= 0:
            continue
        ws = words(text)
        out.length += weight * len(ws)
        stems = list(map(stem, ws))
        for s, n in Counter(stems).items():
            out.terms[s] += weight * n
        if keep_surface:
            for w, s in zip(ws, stems, strict=True):
                out.surface.setdefault(s, w)
        for concept, i, k in concept_spans(ws):
            if concept.mentions:
                out.mentions.add(concept.mentions)
                continue
            name = concept.name
            out.terms[CONCEPT_PREFIX + name] += weight
            out.concepts[name] += weight
            if name not in out.phrases:
                out.phrases[name] = " ".join(ws[i : i + k])
            if concept.sector:
                out.sectors[concept.sector] += weight
    return out


def merged(*parts: Analysed) -> Analysed:
    """Several analyses as one (a deployment's own text and its tool's, analysed once per tool)."""
    out = Analysed()
    for part in parts:
        out.terms.update(part.terms)
        out.length += part.length
        out.concepts.update(part.concepts)
        out.sectors.update(part.sectors)
        out.mentions |= part.mentions
        for name, phrase in part.phrases.items():
            out.phrases.setdefault(name, phrase)
        for stem_, word in part.surface.items():
            out.surface.setdefault(stem_, word)
    return out
