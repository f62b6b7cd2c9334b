"""The whoosh schema: one index for every searchable kind of record.

Text fields are stemmed; the title is boosted above the body and the related text (a
deployment's tool and organisation, an offering's supplier...). Only the title and body are
stored, because snippets are cut from them; facet and visibility fields are plain terms so
that counts and the visibility filter are set operations on postings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import STOP_WORDS, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang.porter import stem as porter_stem
from whoosh.system import pack_uint

# Facets shown on the search page, in display order. Multi-valued ones are KEYWORD fields.
FACETS: tuple[str, ...] = (
    "kind",
    "category",
    "stage",
    "region",
    "dropped_reason",
    "evaluation",
    "delivery",
    "uses_ai",
    "route",
    "status",
)
MULTI_VALUED = frozenset({"category", "dropped_reason"})
TEXT_FIELDS: tuple[str, ...] = ("title", "body", "related")
PHRASE_FIELDS = frozenset({"title", "body"})

# A word may hold dots ("foo.bar") and hyphens ("co-pilot"); CompoundFilter splits the hyphens.
_TOKEN = re.compile(r"\w+(?:[.-]?\w+)*", re.UNICODE)


class CompoundFilter(Filter):
    """A hyphenated word is its parts and then the parts joined: "co-pilot" is indexed as co,
    pilot and copilot, so "copilot", "co-pilot" and "co pilot" all find it (the search query
    side joins "co pilot" and splits "notetaking" against the index's words)."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        shift = 0
        for t in tokens:
            if "-" not in t.text:
                if t.positions:
                    t.pos += shift
                yield t
                continue
            parts = [p for p in t.text.split("-") if p]
            base = t.pos + shift if t.positions else 0
            for k, part in enumerate([*parts, "".join(parts)] if len(parts) > 1 else parts):
                t.text = part
                if t.positions:
                    t.pos = base + k
                yield t
            shift += len(parts)


# One analyser instance: its stemming cache is shared by indexing, queries and snippets.
# whoosh's StemmingAnalyzer with the compound step before the stop list.
ANALYZER = (
    RegexTokenizer(_TOKEN)
    | LowercaseFilter()
    | CompoundFilter()
    | StopFilter(stoplist=STOP_WORDS, minsize=2)
    | StemFilter(cachesize=-1)
)


# The analyser's steps fused into one loop for indexing (about ten times faster than the
# generator chain on long texts). Same pattern, lower-casing, compounds, stop list, minimum
# size and Porter stemmer as ANALYZER, so queries (parsed with ANALYZER) meet the same terms; a
# test compares the two on varied text.
_STOPS = frozenset(STOP_WORDS)
_STEMS: dict[str, str | None] = {}


def _stem_word(lower: str) -> str | None:
    if len(lower) < 2 or lower in _STOPS:
        return None
    return porter_stem(lower)


def fast_terms(text: str) -> tuple[int, list[str]]:
    """(position of the first kept word, the kept words' stems in order)."""
    cache = _STEMS
    out: list[str] = []
    first = -1
    for i, lower in enumerate(_lower_words(text)):
        s = cache.get(lower, "")
        if s == "":
            s = cache[lower] = _stem_word(lower)
            if len(cache) > 500_000:
                cache.clear()
        if s is not None:
            if first < 0:
                first = i
            out.append(s)
    return max(first, 0), out


def _lower_words(text: str) -> Iterator[str]:
    for word in _TOKEN.findall(text):
        lower = word.lower()
        if "-" in lower:
            parts = [p for p in lower.split("-") if p]
            yield from parts
            if len(parts) > 1:
                yield "".join(parts)
        else:
            yield lower


# Unstemmed words for spelling suggestions ("did you mean"): letters only, long enough to be
# worth correcting. Kept in their own field so suggestions are real words, not stems.
_SPELL_WORD = re.compile(r"[^\W\d_]{4,30}", re.UNICODE)


def spelling_words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in _SPELL_WORD.findall(text)) if w not in _STOPS}


class SpellWords(formats.Existence):
    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple]:
        for w in spelling_words(value):
            yield (w, 1, 1.0, b"")


class FastPositions(formats.Positions):
    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple]:
        if not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        start, words = fast_terms(value)
        poses: defaultdict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(words, start):
            poses[w].append(i)
        fb = self.field_boost
        encode = self.encode
        for w, poslist in poses.items():
            yield (w, len(poslist), len(poslist) * fb, encode(poslist))


class FastFrequency(formats.Frequency):
    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple]:
        if not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        freqs: defaultdict[str, int] = defaultdict(int)
        for w in fast_terms(value)[1]:
            freqs[w] += 1
        fb = self.field_boost
        for w, freq in freqs.items():
            yield (w, freq, freq * fb, pack_uint(freq))


def _text(boost: float, stored: bool, phrase: bool) -> fields.TEXT:
    field = fields.TEXT(analyzer=ANALYZER, field_boost=boost, stored=stored, phrase=phrase)
    field.format = (FastPositions if phrase else FastFrequency)(field_boost=boost)
    return field


def _spell_field() -> fields.KEYWORD:
    field = fields.KEYWORD(lowercase=False, commas=False, scorable=False)
    field.format = SpellWords()
    return field


def build_schema() -> fields.Schema:
    facet_fields = {
        name: fields.KEYWORD(lowercase=False, commas=False, scorable=False) if name in MULTI_VALUED else fields.ID()
        for name in FACETS
        if name != "kind"
    }
    return fields.Schema(
        uid=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True),
        rid=fields.STORED(),
        # Columns only: a NUMERIC field would index 16 range terms per document.
        rid_col=fields.COLUMN(columns.NumericColumn("q")),
        ref=fields.STORED(),
        title=_text(3.0, stored=True, phrase=True),
        body=_text(1.0, stored=True, phrase=True),
        related=_text(0.7, stored=False, phrase=False),
        visibility=fields.ID(),
        # Space-separated: a restricted tool is seen through the records of several organisations.
        owner=fields.KEYWORD(lowercase=False, commas=False, scorable=False),
        updated=fields.COLUMN(columns.NumericColumn("q")),
        # When a deployment, single view or offering was last confirmed (0 for other kinds):
        # the freshness filter (catalogue.upkeep).
        confirmed=fields.COLUMN(columns.NumericColumn("q")),
        # A hash of everything the document says, so `flask search check` can spot drift.
        chash=fields.STORED(),
        # Set on fictional demo records, so a hit carries the demo tag.
        demo=fields.STORED(),
        # What a result card shows beside the title: organisation, region, stage.
        card=fields.STORED(),
        # The unstemmed words of the title, body and related text, for spelling suggestions.
        spell=_spell_field(),
        **facet_fields,
    )


@lru_cache(maxsize=200_000)
def stem(word: str) -> str | None:
    """The indexed form of one word (None for stop words), exactly as the analyser makes it."""
    for token in ANALYZER(word):
        return token.text
    return None
