"""Rules that find a family member by the family words around a name, even a name the name list
does not know, and the checks that keep adult staff out of the name-and-age rules.

- A relative tied to a name: "Chidi's mum", "mum of Precious", "their son Liban", "my boy tyler".
- A baby's or child's age in weeks, months or a clause: "Kwabena is 6 weeks old", "Dhruv turned
  11", "Finlay is autistic and 12", informal "kyle marsh 15 missed ...".
- What is not a child's age: a member of staff over 18 named by job title ("Tom Riley, aged 34,
  is our new Head of Digital"), unless a family word makes them a parent or carer; a number that
  starts a date or a street address ("Margaret Ellis, 3 March", "Leyton Library, 1 Church Road").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from catalogue.personal_data.contacts import _STREET_TITLE
from catalogue.personal_data.context import _CHILD_SENTENCE, _NOT_NAME
from catalogue.personal_data.names import is_given_name
from catalogue.personal_data.people import _NOT_SURNAME, _NUMBER_WORDS, _STAFF_ROLE, sentence
from catalogue.personal_data.shared import RELATIVE

Hit = tuple[str, int, int, bool]

_NUMBER = rf"(?:1?\d|(?i:{_NUMBER_WORDS}))"
_PARENT = (
    r"(?:mum|mom|mam|mother|dad|father|nan|nana|gran|granny|grandma|grandmother|grandad|granddad|grandfather"
    r"|aunt|auntie|aunty|uncle|brother|sister|step-?(?:dad|mum|father|mother)|birth (?:mum|mother|dad|father))"
)


def _name_like(word: str) -> bool:
    """A capitalised word that could be a name: not an everyday capitalised word of this field."""
    low = word.lower().strip("'’")
    return not word.isupper() and low not in _NOT_NAME and low not in _NOT_SURNAME and low not in _NUMBER_WORDS


# --- a relative tied to a name ----------------------------------------------------------------

# "Coram's sister charity": a relative word used of an organisation.
_OF_A_THING = (
    r"(?!\s+(?:charity|charities|organisation|company|service|site|school|publication|title|project|team|council"
    r"|product|app|brand|hospital|paper|trust|body|network|ship|city|town|group)\b)"
)
_POSSESSIVE = re.compile(rf"(?<![\w'’\-‘\"“])([A-Z][a-z]+(?:-[A-Z][a-z]+)?)['’]s\s+{_PARENT}\b{_OF_A_THING}")
_RELATIVE_OF = re.compile(
    r"\b(?:mum|mom|mam|mother|dad|father|parents?|nan|nana|gran|granny|grandparents?|grandma|grandad|grandmother"
    r"|grandfather|aunt|auntie|uncle|guardian|(?:foster )?carers?)"
    r"\s+(?:of|to)\s+([A-Za-z][a-z'’\-]+)(?=\s*(?:[,.;:!?()&]|$)|\s+(?:and|who|is|was|has|says|said|told)\b)",
    re.IGNORECASE,
)
_OWN_RELATIVE = re.compile(
    r"\b(?:my|his|her|their|our|your)\s+(?:(?:little|eldest|youngest|older|younger|baby|middle|foster|adopted|step)\s+)?"
    r"(?:son|daughter|boy|girl|lad|baby|nephew|niece|grandson|granddaughter|brother|sister|stepson|stepdaughter"
    r"|child|grandchild|toddler)\s+([A-Za-z][a-z'’\-]+)",
    re.IGNORECASE,
)


# "Parent to Parent", "Mother of Parliaments": titles, not a relative of a person.
_NOT_A_PERSON = frozenset(
    "parent parents carer carers parliament parliaments god nations invention all many pearl".split()  # noqa: SIM905
)
# "'My brother Jack' - a short film": a quoted title.
_TITLE = re.compile(r"\b(?:film|book|novel|play|song|documentary|title|poem|series|episode|podcast)\b", re.IGNORECASE)


def _names_a_person(word: str) -> bool:
    if word.lower() in _NOT_A_PERSON:
        return False
    if word[0].isupper():
        return _name_like(word)
    return is_given_name(word, lenient=True) and _name_like(word)


def relatives_named(text: str) -> Iterator[Hit]:
    for m in _POSSESSIVE.finditer(text):
        if _name_like(m.group(1)):
            yield "name-and-circumstances", m.start(), m.end(), False
    for rx in (_RELATIVE_OF, _OWN_RELATIVE):
        for m in rx.finditer(text):
            quoted = m.start() > 0 and text[m.start() - 1] in "'‘\"“"
            if quoted and _TITLE.search(text, *sentence(text, m.start(), m.end())):
                continue
            if _names_a_person(m.group(1)):
                yield "name-and-circumstances", m.start(), m.end(), False


# --- ages in weeks, months or a clause -------------------------------------------------------

_NAME = r"(?<![\w'’\-])([A-Z][a-z]{1,}(?:-[A-Z][a-z]+)?)"
_BABY_AGE = re.compile(
    _NAME + rf"(?:\s+[A-Z][a-z]+)?(?:\s*,\s*|\s*\(\s*|\s+(?:is|was)\s+(?:now\s+|just\s+|only\s+)?){_NUMBER}\s*"
    r"(?:weeks?|months?)[- ]old\b"
)
# "baby Ayomide, 6 weeks": after "baby" no "old" is needed.
_BABY_NAMED = re.compile(
    rf"\b(?i:baby|newborn|infant)\s+{_NAME}(?:\s+[A-Z][a-z]+)?(?:\s*,\s*|\s*\(\s*|\s+(?:is|was)\s+(?:now\s+|just\s+)?)"
    rf"{_NUMBER}\s*(?i:weeks?|months?|days?)\b"
)
_TURNED = re.compile(
    _NAME + rf"\s+(?:(?:has\s+(?:just\s+)?)?turned|turns|is\s+(?:now|just|nearly|almost|only)|was\s+(?:only|just))"
    rf"\s+({_NUMBER})\b(?!\s*(?:%|[.:/]\d|years?\s+(?:ago|of|in|since)|am\b|pm\b|weeks?\b|days?\b))"
    # "Finlay is autistic and 12."
    rf"|{_NAME}\s+(?:is|was)\s+(?:[a-z]+\s+){{1,3}}?and\s+(?:nearly\s+|just\s+|only\s+)?({_NUMBER})(?=\s*(?:[.,;!?]|$))"
)
# Notes written fast: "kyle marsh 15 missed his session", "Kyle Marsh 15 is ...".
_LOOSE = re.compile(
    r"(?<![\w'’\-])([A-Za-z][a-z]{2,})\s+([A-Za-z][a-z'’\-]{2,})\s+(1?\d)\s+"
    r"(?=(?:[a-z]+ed|is|was|has|had|says|said|lives|goes|went|and|who)\b)"
)


# "a 13-year-old called Kezia": after "called" any capitalised word is a name.
_AGE_CALLED = re.compile(
    rf"\b(?:1?\d|(?i:{_NUMBER_WORDS}))[- ](?i:years?[- ]old|yr[- ]old|month[- ]old)(?:\s+(?i:boy|girl|child|lad|lass|baby))?"
    r"\s+(?i:called|named)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
)
# A short note: "Tyler 9 st bedes primary", "ella 6 foster" - a given name, a bare age and a
# child's setting, in a dozen words at most.
_NOTE_AGE = re.compile(r"(?<![\w'’\-])([A-Za-z][a-z]{2,})(?:\s+[A-Za-z][a-z'’\-]+)?\s+(1?\d)(?=\s+[a-z]|\s*$)")
_NOTE_CUE = re.compile(
    r"\b(?:primary|infants?|juniors?|nursery|school|academy|college|foster|fostered|resi|kinship|placement|cp|cin|lac|cla"
    r"|missing|excluded|year\s?\d|y\d{1,2})\b",
    re.IGNORECASE,
)


def ages_in_words(text: str) -> Iterator[Hit]:
    for m in _AGE_CALLED.finditer(text):
        if _name_like(m.group(1)):
            yield "name-and-age", m.start(), m.end(), True
    if len(text.split()) <= 12 and _NOTE_CUE.search(text):
        for m in _NOTE_AGE.finditer(text):
            if is_given_name(m.group(1)) and _name_like(m.group(1)):
                yield "name-and-age", m.start(), m.end(), True
    for rx in (_BABY_AGE, _BABY_NAMED):
        for m in rx.finditer(text):
            if _name_like(m.group(1)):
                yield "name-and-age", m.start(), m.end(), True
    for m in _TURNED.finditer(text):
        word = m.group(1) or m.group(3)
        lo, hi = sentence(text, m.start(), m.end())
        if _name_like(word) and _CHILD_SENTENCE.search(text, lo, hi):
            yield "name-and-age", m.start(), m.end(), True
    for m in _LOOSE.finditer(text):
        lo, hi = sentence(text, m.start(), m.end())
        first, last = m.group(1), m.group(2).lower()
        if is_given_name(first) and _name_like(last) and _CHILD_SENTENCE.search(text, lo, hi):
            yield "name-and-age", m.start(), m.end(), True


FAMILY_RULES = (relatives_named, ages_in_words)


# --- what is not a child's age ---------------------------------------------------------------

_ADULT_ROLE = re.compile(
    rf"\b(?:{_STAFF_ROLE}|worker|officer|administrator|apprentice|staff|colleague|team|joins|joined|joining|retires"
    r"|retiring|retired|appointed|recruited|our new|head of|business support)\b",
    re.IGNORECASE,
)
_FAMILY_MEMBER = re.compile(rf"\b{RELATIVE}\b|\bcare leaver|\bcare[- ]experienced\b|\byoung person\b", re.IGNORECASE)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
)
# After the number: a date ("3 March") or a street ("1 Church Road").
_DATE_OR_STREET = re.compile(
    rf"(?:st|nd|rd|th)?\s*(?:(?i:{_MONTH})\b|[A-Z][\w'’\-]*\s+(?:[A-Z][\w'’\-]*\s+)?{_STREET_TITLE}\b)"
)


def not_a_childs_age(text: str, start: int, end: int) -> bool:
    """A name-and-age hit that is a member of staff's age, a date or an address."""
    numbers = list(re.finditer(r"\d+", text[start:end]))
    if not numbers:
        return False
    number = numbers[-1]
    if _DATE_OR_STREET.match(text, start + number.end()):
        return True
    if int(number.group(0)) < 18:
        return False
    lo, hi = sentence(text, start, end)
    return bool(_ADULT_ROLE.search(text, lo, hi)) and not _FAMILY_MEMBER.search(text, lo, hi)


# A year long past in the sentence makes a name history ("Mary Ellen Wilson, aged 10, in 1874").
_LONG_AGO = re.compile(r"(?<![\d£$])(?:1[5-8]\d\d|19[0-4]\d)(?![\d%])")
NAME_KINDS = frozenset({"name-and-age", "name-and-circumstances", "siblings", "school"})


def historic(text: str, start: int, end: int) -> bool:
    """A named person in a sentence about a year before 1950 is a historic figure."""
    return bool(_LONG_AGO.search(text, *sentence(text, start, end)))
