"""Reading a plain query generously: hyphen and space variants, the field's synonyms, spelling.

A plain query is words only (no "quotes", brackets or AND / OR / NOT); anything else goes to the
parser as typed. Each word must still appear, but a word may appear in another form:

- "co-pilot", "co pilot" and "copilot" are one word (the index holds a hyphenated word's parts
  and the parts joined), and "notetaking" is "note taking" when the index knows both halves;
- a word or phrase the thesaurus (catalogue.thesaurus) knows also matches the other ways the
  field says the same thing, below the user's own words (SYNONYM_WEIGHT), so exact matches rank
  first;
- a word the index has never seen gets the nearest word it has as a suggestion ("did you mean").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import query as wq
from whoosh.searching import Searcher

from catalogue.search.schema import PHRASE_FIELDS, TEXT_FIELDS, stem
from catalogue.thesaurus import CONCEPTS

SYNONYM_WEIGHT = 0.3
# A word in this few documents may be a typo in the data: a far commoner word one or two letters
# away is suggested ("did you mean"), at least SUGGEST_RATIO times as common.
RARE = 2
SUGGEST_RATIO = 5
MAX_PREFIX_TERMS = 12
_OPERATORS = re.compile(r'["()\[\]{}^*?:~]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b')
_UNIT = re.compile(r"\w+(?:[.-]?\w+)*")


def is_plain(text: str) -> bool:
    return bool(text) and not _OPERATORS.search(text)


def units(text: str) -> list[str]:
    """The words of a plain query, lower-cased, hyphenated ones kept whole, stop words dropped."""
    return [u for u in _UNIT.findall(text.lower()) if any(stem(p) for p in u.split("-") if p)]


@dataclass
class Reading:
    query: wq.Query
    doubtful: list[str] = field(default_factory=list)  # words no document holds, or very few
    concepts: list[str] = field(default_factory=list)  # thesaurus concepts the query named


# --- the thesaurus, keyed for query words ---------------------------------------------------------


@dataclass(frozen=True)
class _Keys:
    exact: dict[tuple[str, ...], frozenset[str]]  # stems of a phrase -> concept names
    joined: dict[str, frozenset[str]]  # a phrase written as one word ("notetaking") -> names
    prefixes: tuple[tuple[str, str], ...]  # (prefix, concept name) of one-word "stem*" patterns
    patterns: dict[str, tuple[tuple[str, ...], ...]]  # concept -> its patterns as words


def _pattern_words(pattern: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[\s-]+", pattern.lower()) if w)


@lru_cache(maxsize=1)
def _keys() -> _Keys:
    exact: dict[tuple[str, ...], set[str]] = {}
    joined: dict[str, set[str]] = {}
    prefixes: list[tuple[str, str]] = []
    patterns: dict[str, tuple[tuple[str, ...], ...]] = {}
    for concept in CONCEPTS:
        words_of = tuple(_pattern_words(p) for p in concept.patterns)
        patterns[concept.name] = words_of
        for words in words_of:
            if len(words) == 1 and words[0].endswith("*"):
                prefixes.append((words[0][:-1], concept.name))
                continue
            if any(w.endswith("*") for w in words):
                continue
            stems = tuple(s for s in map(stem, words) if s)
            if stems:
                exact.setdefault(stems, set()).add(concept.name)
            if len(words) > 1:
                joined.setdefault("".join(words), set()).add(concept.name)
    return _Keys(
        {k: frozenset(v) for k, v in exact.items()},
        {k: frozenset(v) for k, v in joined.items()},
        tuple(prefixes),
        patterns,
    )


def _concepts_of(words: list[str], one_word: bool) -> frozenset[str]:
    """Concepts one stretch of query words names exactly; one word (or two the index holds as
    one, "co pilot") may also match a phrase written as one word or a "stem*" pattern."""
    keys = _keys()
    stems = tuple(s for w in words for p in w.split("-") if (s := stem(p)))
    found = set(keys.exact.get(stems, ()))
    if one_word:
        plain = "".join(words).replace("-", "")
        found |= keys.joined.get(plain, frozenset())
        found |= {name for prefix, name in keys.prefixes if plain.startswith(prefix)}
    return frozenset(found)


# --- building the query ---------------------------------------------------------------------------


def loose_words_query(stems: list[str]) -> wq.Query:
    """Several words in one field, anywhere in it: a synonym phrase, matched on the cached
    postings alone (a phrase query reads positions, far too slow for dozens of synonyms)."""
    if len(stems) == 1:
        return words_query(stems)
    return wq.Or([wq.And([wq.Term(f, s) for s in stems]) for f in TEXT_FIELDS])


def words_query(stems: list[str]) -> wq.Query:
    """One word in any text field, or several as a phrase (all the words in `related`)."""
    if len(stems) == 1:
        return wq.Or([wq.Term(f, stems[0]) for f in TEXT_FIELDS])
    parts: list[wq.Query] = [wq.Phrase(f, stems) for f in TEXT_FIELDS if f in PHRASE_FIELDS]
    parts += [wq.And([wq.Term(f, s) for s in stems]) for f in TEXT_FIELDS if f not in PHRASE_FIELDS]
    return wq.Or(parts)


class _Lexicon:
    """The index's words, asked through one searcher."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._known: dict[str, bool] = {}

    def known(self, term: str) -> bool:
        hit = self._known.get(term)
        if hit is None:
            hit = self._known[term] = any(self.searcher.doc_frequency(f, term) for f in TEXT_FIELDS)
        return hit

    def prefixed(self, prefix: str) -> list[str]:
        out: set[str] = set()
        reader = self.searcher.reader()
        for f in TEXT_FIELDS:
            for term in reader.expand_prefix(f, prefix):
                out.add(term.decode() if isinstance(term, bytes) else str(term))
                if len(out) >= MAX_PREFIX_TERMS:
                    return sorted(out)
        return sorted(out)


def _unit_query(unit: str, lex: _Lexicon) -> tuple[wq.Query, bool]:
    """(the query for one typed word, whether the index knows it in some form)."""
    parts = [p for p in unit.split("-") if p]
    if len(parts) > 1:
        stems = [s for p in parts if (s := stem(p))]
        joined = stem("".join(parts))
        alternatives = [words_query(stems)] + ([words_query([joined])] if joined else [])
        return wq.Or(alternatives), bool(joined and lex.known(joined)) or all(lex.known(s) for s in stems)
    s = stem(unit) or unit
    q = words_query([s])
    if lex.known(s):
        return q, True
    # "notetaking": two words the index knows, written as one.
    for cut in range(2, len(unit) - 1):
        a, b = stem(unit[:cut]), stem(unit[cut:])
        if a and b and len(unit[:cut]) > 2 and len(unit[cut:]) > 2 and lex.known(a) and lex.known(b):
            return wq.Or([q, words_query([a, b])]), True
    return q, False


def _synonyms(names: frozenset[str], lex: _Lexicon, own: set[tuple[str, ...]]) -> list[wq.Query]:
    """The other ways the field says these concepts, each as a query over the text fields."""
    out: list[wq.Query] = []
    seen: set[tuple[str, ...]] = set(own)
    for name in sorted(names):
        for words in _keys().patterns[name]:
            if len(words) == 1 and words[0].endswith("*"):
                for term in lex.prefixed(words[0][:-1]):
                    if (term,) not in seen:
                        seen.add((term,))
                        out.append(words_query([term]))
                continue
            stems = tuple(s for w in words if (s := stem(w.rstrip("*"))))
            if stems and stems not in seen:
                seen.add(stems)
                out.append(loose_words_query(list(stems)))
    return out


@dataclass
class _Group:
    words: list[str]  # the typed words it covers
    query: wq.Query
    known: bool


def read(text: str, searcher: Searcher) -> Reading | None:
    """The query for a plain text, or None when it is not plain (the parser reads it)."""
    if not is_plain(text):
        return None
    typed = units(text)
    if not typed:
        return None
    lex = _Lexicon(searcher)
    groups: list[_Group] = []
    for unit in typed:
        q, known = _unit_query(unit, lex)
        prev = groups[-1] if groups else None
        # "co pilot": two typed words the index holds as one.
        if prev and len(prev.words) == 1 and "-" not in unit + prev.words[0]:
            joined = stem(prev.words[0] + unit)
            if joined and lex.known(joined):
                groups[-1] = _Group(
                    [prev.words[0], unit], wq.Or([wq.And([prev.query, q]), words_query([joined])]), True
                )
                continue
        groups.append(_Group([unit], q, known))
    groups, named = _with_synonyms(groups, lex)
    parts = [g.query for g in groups]
    query = parts[0] if len(parts) == 1 else wq.And(parts)
    doubtful = [
        g.words[0]
        for g in groups
        if len(g.words) == 1 and (not g.known or searcher.doc_frequency("spell", g.words[0]) <= RARE)
    ]
    return Reading(query, doubtful, named)


def _with_synonyms(groups: list[_Group], lex: _Lexicon) -> tuple[list[_Group], list[str]]:
    """Longest stretches of groups that name a thesaurus concept take its synonyms (weighted
    below the typed words); the stretch becomes one group, matched by its words or a synonym."""
    out: list[_Group] = []
    named: list[str] = []
    i = 0
    while i < len(groups):
        for j in range(min(len(groups), i + 4), i, -1):
            words = [w for g in groups[i:j] for w in g.words]
            names = _concepts_of(words, one_word=j == i + 1)
            if names:
                own = {tuple(s for w in words for p in w.split("-") if (s := stem(p)))}
                synonyms = _synonyms(names, lex, own)
                base = groups[i].query if j == i + 1 else wq.And([g.query for g in groups[i:j]])
                query = wq.Or([base, wq.Or(synonyms, boost=SYNONYM_WEIGHT)]) if synonyms else base
                out.append(_Group(words, query, True))
                named.extend(n for n in sorted(names) if n not in named)
                i = j
                break
        else:
            out.append(groups[i])
            i += 1
    return out, named


# --- spelling -------------------------------------------------------------------------------------


def correct(words: list[str], searcher: Searcher) -> dict[str, str]:
    """{typed word: a word the index holds one or two letters away, the commonest such}, for
    words no document holds or far fewer than hold the suggestion."""
    reader = searcher.reader()
    out: dict[str, str] = {}
    for word in words:
        if "-" in word or not word.isalpha() or len(word) < 4:
            continue
        own = searcher.doc_frequency("spell", word)
        for maxdist in (1, 2):
            near = [str(w) for w in reader.terms_within("spell", word, maxdist, prefix=1) if w != word]
            if not near:
                continue
            best = max(near, key=lambda w: (searcher.doc_frequency("spell", w), w))
            if searcher.doc_frequency("spell", best) >= SUGGEST_RATIO * own:
                out[word] = best
            break
    return out


def corrected_text(text: str, corrections: dict[str, str]) -> str:
    """The typed text with corrected words replaced (the rest as typed)."""
    if not corrections:
        return text
    return _UNIT.sub(lambda m: corrections.get(m.group(0).lower(), m.group(0)), text)
