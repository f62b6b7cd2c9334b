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
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
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

# One analyser instance: its stemming cache is shared by indexing, queries and snippets.
ANALYZER = StemmingAnalyzer(cachesize=-1)


# The analyser's steps fused into one loop for indexing (about ten times faster than the
# generator chain on long texts). Same pattern, lower-casing, stop list, minimum size and
# Porter stemmer as ANALYZER, so queries (parsed with ANALYZER) meet the same terms; a test
# compares the two on varied text.
_TOKEN = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)
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
    for i, word in enumerate(_TOKEN.findall(text)):
        lower = word.lower()
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
        # A hash of everything the document says, so `flask search check` can spot drift.
        chash=fields.STORED(),
        # Set on fictional demo records, so a hit carries the demo tag.
        demo=fields.STORED(),
        **facet_fields,
    )


@lru_cache(maxsize=200_000)
def stem(word: str) -> str | None:
    """The indexed form of one word (None for stop words), exactly as the analyser makes it."""
    for token in ANALYZER(word):
        return token.text
    return None
