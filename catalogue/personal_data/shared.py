"""Pieces every rule module shares: where a sentence starts and ends, and the words that put
a family in a sentence."""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"(?<!\b[A-Za-z])(?<!\b(?:dr|mr|ms|no|st))[.!?](?=\s+[A-Z\"'‘(])|\n|;\s", re.IGNORECASE)
RELATIVE = (
    r"(?:mum|mom|mother|dad|father|parents?|step-?(?:mum|dad|father|mother)|gran|granny|grandma|grandmother|nan|nana"
    r"|grandad|granddad|grandfather|grandparents?|aunt|auntie|aunty|uncle|carers?|foster carers?|brother|sister"
    r"|son|daughter|grandson|granddaughter|nephew|niece|partner|ex-partner|boyfriend|girlfriend|husband|wife)"
)
FAMILY = re.compile(
    rf"\b{RELATIVE}(?:'s|’s)?\b|\bcare leaver|\byoung person\b|\bfamily\b|\bhome\b|\bchild's\b|\bher\b|\bhis\b",
    re.IGNORECASE,
)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = 0
    for m in SENTENCE_END.finditer(text, 0, min(len(text), start + 3)):
        if m.end() <= start:
            lo = m.end()
    m = SENTENCE_END.search(text, end)
    return lo, (m.start() if m else len(text))
