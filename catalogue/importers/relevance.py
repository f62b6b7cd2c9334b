"""Whether a public record is about children's social care, from its own words.

An English local authority publishes records about everything it runs: parking, waste, council
tax, housing rents, adult social care. Only those about children's social care are evidence for
this catalogue. The field's thesaurus (catalogue.thesaurus) already knows both sides: the concepts
of children's social care practice (child protection, children in care, care leavers, fostering,
early help, ...) and the sectors that are not it (adult care, housing, schools, policing, health,
council corporate services). A record is about children's social care when its words name the
children and families it serves or one of the field's own concepts; otherwise it is skipped, with
the other sector its words name, if any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from catalogue.thesaurus import CONCEPTS

# Concepts only children's social care has (the rest, such as recording or chatbots, serve any
# sector, and court or referrals are as often about housing or adults).
CHILDREN_CONCEPTS = frozenset(
    {
        "voice-of-child",
        "life-story",
        "early-help",
        "exploitation",
        "placements",
        "foster-recruitment",
        "family-time",
        "care-leavers",
        "children-in-care",
        "child-protection",
    }
)
# Who the field serves and who works in it, in the words records use. The first say it outright;
# the second only when no other sector is named ("places for children at schools", "a chatbot
# for families about council tax" are not children's social care).
FIELD_WORDS = (
    "children social care",
    "children service*",
    "foster*",
    "adopt*",
    "care leaver*",
    "looked after",
    "safeguarding children",
    "child protection",
)
PEOPLE_WORDS = ("child*", "young people", "young person*", "famil*", "youth", "social worker*", "social work")
# Phrases that would otherwise read as the field's own ("safeguarding" of adults, adult social work).
NOT_CHILDREN = re.compile(
    r"\b(?:adult safeguarding|safeguarding adults?|safeguarding of adults?|adults? social work\w*)\b"
)
SECTOR_LABELS = {
    "adults": "adult social care",
    "housing": "housing",
    "schools": "schools",
    "police": "policing",
    "health": "health services",
    "corporate": "council corporate services",
}


@dataclass(frozen=True)
class Relevance:
    relevant: bool
    why: str


def _words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b|s'(?=\s|$)", "", text)
    return re.findall(r"[a-z0-9]+", text)


def _matches(word: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern or word == pattern + "s" or word + "s" == pattern


def _found(words: list[str], pattern: tuple[str, ...]) -> str | None:
    """The words of the text that match the pattern, if any."""
    size = len(pattern)
    for i in range(len(words) - size + 1):
        if all(_matches(words[i + j], pattern[j]) for j in range(size)):
            return " ".join(words[i : i + size])
    return None


def _pattern(text: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[\s-]+", text.lower()) if w)


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], tuple[tuple[str, str], ...]]:
    """(the field's own phrases, the people it serves, other sectors' (sector, phrase))."""
    field = [_pattern(p) for p in FIELD_WORDS]
    sectors = []
    for concept in CONCEPTS:
        for p in concept.patterns:
            # Phrases only: the concepts' single words ("prevention", "placement") serve other
            # sectors too.
            if concept.name in CHILDREN_CONCEPTS and len(_pattern(p)) > 1:
                field.append(_pattern(p))
            elif concept.sector:
                sectors.append((concept.sector, p))
    return tuple(field), tuple(_pattern(p) for p in PEOPLE_WORDS), tuple((s, p) for s, p in sectors)


def _quoted(words: list[str]) -> str:
    return "‘" + "’, ‘".join(dict.fromkeys(words[:3])) + "’"


def about_childrens_social_care(*texts: str) -> Relevance:
    """Whether the texts (a record's title, tool name and description) are about children's social
    care, and why, in words for the import's summary."""
    plain = NOT_CHILDREN.sub(" adult social care ", " ".join(t for t in texts if t).lower())
    words = _words(plain)
    field, people, sectors = _patterns()
    said = [w for pattern in field if (w := _found(words, pattern))]
    if said:
        return Relevance(True, f"about children's social care ({_quoted(said)})")
    other: dict[str, list[str]] = {}
    for sector, written in sectors:
        if w := _found(words, _pattern(written)):
            other.setdefault(sector, []).append(w)
    served = [w for pattern in people if (w := _found(words, pattern))]
    if served and not other:
        return Relevance(True, f"about children and families ({_quoted(served)}), named in no other sector")
    if other:
        named = "; ".join(f"{SECTOR_LABELS.get(s, s)} ({_quoted(w)})" for s, w in other.items())
        return Relevance(False, f"about {named}, not children's social care")
    return Relevance(False, "not about children's social care: nothing in it names the children and families it serves")
