"""Reading what people type into a whoosh query: never raises, however odd the text."""

from __future__ import annotations

import re
import unicodedata

from whoosh import query as wq
from whoosh.qparser import MultifieldParser, plugins

from catalogue.search.schema import PHRASE_FIELDS, TEXT_FIELDS, build_schema, stem

MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 24
_WORD = re.compile(r"\w+(?:\.?\w+)*")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# --- query parsing: never raises -----------------------------------------------------------------

SCHEMA = build_schema()


def _parser() -> MultifieldParser:
    parser = MultifieldParser(list(TEXT_FIELDS), SCHEMA)
    # No field:, wildcards, ranges, boosts, 'single quotes' or *:* from users: only words,
    # "phrases", (groups) and AND / OR / NOT.
    for plugin in (
        plugins.FieldsPlugin,
        plugins.WildcardPlugin,
        plugins.RangePlugin,
        plugins.BoostPlugin,
        plugins.SingleQuotePlugin,
        plugins.EveryPlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser


_PARSER = _parser()


def clean_query(text: str | None) -> str:
    """What we are willing to parse: printable, normalised, and not too long."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)[: MAX_QUERY_CHARS * 4])
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def plain_query(text: str) -> wq.Query:
    """The fallback: every word must appear (stop words dropped)."""
    stems: list[str] = []
    for word in _WORD.findall(text.lower()):
        s = stem(word)
        if s and s not in stems:
            stems.append(s)
    stems = stems[:MAX_QUERY_TERMS]
    if not stems:
        return wq.NullQuery
    return wq.And([wq.Or([wq.Term(f, s) for f in TEXT_FIELDS]) for s in stems])


def _term_count(q: wq.Query) -> int:
    return sum(1 for _ in q.leaves())


def parse_query(text: str) -> wq.Query:
    """A whoosh query for the user's words; on anything odd, plain terms instead."""
    text = clean_query(text)
    if not text:
        return wq.Every()
    try:
        q = _PARSER.parse(text)
        if q is None or q is wq.NullQuery:
            return wq.NullQuery
        if _term_count(q) > MAX_QUERY_TERMS * len(TEXT_FIELDS) or not _supported(q):
            return plain_query(text)
        return q.accept(_no_phrase_without_positions)
    except Exception:  # user queries never raise
        return plain_query(text)


_SUPPORTED = (wq.Term, wq.And, wq.Or, wq.Not, wq.AndNot, wq.AndMaybe, wq.Phrase, wq.Every, wq.NullQuery.__class__)


def _no_phrase_without_positions(node: wq.Query) -> wq.Query:
    # `related` keeps no positions (smaller, faster index): a phrase there is all its words.
    if isinstance(node, wq.Phrase) and node.fieldname not in PHRASE_FIELDS:
        return wq.And([wq.Term(node.fieldname, w) for w in node.words])
    return node


def _supported(q: wq.Query) -> bool:
    if not isinstance(q, _SUPPORTED):
        return False
    if isinstance(q, wq.Term) and q.fieldname not in TEXT_FIELDS:
        return False
    return all(_supported(c) for c in q.children())


def positive_stems(q: wq.Query) -> set[str]:
    """The words to mark in snippets: every term outside a NOT."""
    found: set[str] = set()

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS:
            found.add(str(node.text))
        if isinstance(node, wq.Phrase):
            found.update(str(w) for w in node.words)
        for child in node.children():
            walk(child)

    walk(q)
    return found
