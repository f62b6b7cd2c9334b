"""Snippets: the words a search matched, marked in a window of the text around them."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markupsafe import Markup

from catalogue.search.schema import stem

SNIPPET_CHARS = 240
_WORD = re.compile(r"\w+(?:\.?\w+)*")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# --- snippets ------------------------------------------------------------------------------------


def mark(text: str, stems: set[str], limit: int | None = SNIPPET_CHARS) -> Markup:
    """HTML-escaped text with the query's words in <mark>: the whole text (limit=None) or the
    best window of about `limit` characters. User text is untrusted: only <mark> is ours."""
    spans = _find_spans(text, stems, limit)
    start, end = _window(text, spans, limit)
    pieces: list[str] = ["… " if start else ""]
    cursor = start
    for a, b, _ in spans:
        if a < start or b > end:
            continue
        pieces.append(_flat(text[cursor:a]))
        pieces.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    pieces.append(_flat(text[cursor:end]))
    if end < len(text):
        pieces.append(" …")
    return Markup("".join(pieces).strip())  # noqa: S704 - every piece of user text is escaped


def _find_spans(text: str, stems: set[str], limit: int | None) -> list[tuple[int, int, str]]:
    """Where the query's words are in the text: (start, end, stem), in order."""
    spans: list[tuple[int, int, str]] = []
    if stems:
        # Lower-cased once, the scan needs no case folding; a text whose lower case changes
        # length (a handful of characters do) is scanned as it is, so offsets stay true.
        lowered = text.lower()
        folded = len(lowered) == len(text)
        # A window holding every query word is as good as a snippet gets: once one is found,
        # the scan stops past its end instead of reading the rest of a long text.
        in_window: dict[str, int] = {}
        first = 0
        stop_after = None if limit is None else len(text)
        for m in _candidates(frozenset(stems), not folded).finditer(lowered if folded else text):
            if stop_after is not None and m.start() > stop_after:
                break
            s = stem(m.group().lower())
            if s not in stems:
                continue
            spans.append((m.start(), m.end(), s))
            if len(spans) >= 400:
                break
            if limit is None or stop_after < len(text):
                continue
            in_window[s] = in_window.get(s, 0) + 1
            while m.end() - spans[first][0] > limit - 40:
                dropped = spans[first][2]
                in_window[dropped] -= 1
                if not in_window[dropped]:
                    del in_window[dropped]
                first += 1
            if len(in_window) == len(stems):
                stop_after = spans[first][0] + limit
    return spans


def _window(text: str, spans: list[tuple[int, int, str]], limit: int | None) -> tuple[int, int]:
    """The part of the text to show: all of it, or the best window, widened to whole words."""
    start, end = 0, len(text)
    if limit is not None and len(text) > limit:
        start = _best_window(spans, limit)
        start = max(0, start - 40)
        if start:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 30 else start
        end = min(len(text), start + limit)
        if end < len(text):
            space = text.find(" ", end)
            end = space if 0 <= space < end + 30 else end
    return start, end


@lru_cache(maxsize=1024)
def _candidates(stems: frozenset[str], ignore_case: bool = False) -> re.Pattern[str]:
    """Words that could stem to one of `stems`: Porter stems keep a word's first two letters,
    so the regex engine skips every other word without Python looking at it. On lower-cased
    text the pattern starts with the letters themselves (the engine then jumps between their
    first letters in C) and a look-behind checks that they start a word."""
    heads = sorted({s[:2] for s in stems if s})
    if ignore_case or not heads:
        return re.compile(r"\b(?:" + "|".join(map(re.escape, heads)) + r")\w*(?:\.?\w+)*", re.IGNORECASE)
    starts = []
    for width, behind in ((2, r"(?<!\w..)"), (1, r"(?<!\w.)")):
        same = [re.escape(h) for h in heads if len(h) == width]
        if same:
            starts.append("(?:" + "|".join(same) + ")" + behind)
    return re.compile("(?:" + "|".join(starts) + r")\w*(?:\.?\w+)*")


def _flat(text: str) -> str:
    return html.escape(_SPACES.sub(" ", text))


def _best_window(spans: list[tuple[int, int, str]], width: int) -> int:
    """Start of the window holding the most distinct query words (first such window)."""
    if not spans:
        return 0
    best, best_score, j = spans[0][0], 0, 0
    for i in range(len(spans)):
        while j < len(spans) and spans[j][1] - spans[i][0] <= width - 40:
            j += 1
        score = len({s for _, _, s in spans[i:j]})
        if score > best_score:
            best, best_score = spans[i][0], score
    return best
