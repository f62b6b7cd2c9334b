"""Rules that find a person by the shape of the writing around them, for names the name list does
not know and for the ways case notes, emails and spreadsheets actually put a child on the page.

- Names written in capitals ("ELLIS VARDY (14)", "DOYLE, Cian") are read as names: `unshout`
  title-cases a run of capitals that starts with a given name, or a capitalised surname before a
  comma and a given name, keeping every offset, so the other name rules see them.
- A name the list does not know (many Nigerian, Somali, Ghanaian, South Asian names) is still a
  name when the words around it are strong enough: an explicit age ("aged 16", "16yrs"), a child
  status straight before it ("unaccompanied minor", "young person"), a school it goes to or a
  year group it is in. `shaped_names` offers capitalised word pairs that are not everyday
  capitalised words of this field.
- An age need not sit beside the name: "Ayaan Patel. He is 4." or "Name - now 13".
- A labelled record ("Pupil: amara nwosu. school: ...") names a child by its labels.
- A quote attributed to a named person ("said by Tommy Raines", "Feedback from Ellie Marsh:").

Staff, authors, speakers, products and published reviews cancel a name here as elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from catalogue.personal_data.names import is_given_name
from catalogue.personal_data.people import (
    _AGE_NUMBER,
    _NOT_SURNAME,
    _NUMBER_WORDS,
    _STAFF_ROLE,
    given,
    is_public_record,
    is_staff,
    people,
    sentence,
)

Hit = tuple[str, int, int, bool]

# --- names in capitals -----------------------------------------------------------------------

_CAPS_RUN = re.compile(r"(?<![\w'’\-])([A-Z][A-Z'’\-]{2,})((?:\s+[A-Z][A-Z'’\-]+){1,2})(?![\w'’\-])")
_CAPS_AGE = re.compile(r"\s*(?:,\s*|\(\s*)(?:aged?\s+)?\d{1,2}\b(?!\s*(?:%|\d))|\s+aged?\s+\d", re.IGNORECASE)
_CAPS_SURNAME_FIRST = re.compile(r"(?<![\w'’\-])([A-Z][A-Z'’\-]{1,})(?=\s*,\s*([A-Z][a-z]+)\b)")


def unshout(text: str) -> str:
    """`text` with names written in capitals title-cased; same length, so offsets still hold."""
    chars = list(text)

    def title(start: int, end: int) -> None:
        chars[start:end] = text[start:end].title()

    for m in _CAPS_RUN.finditer(text):
        acronym = re.search(r"\b(?:NHS|DFE|CIN|LAC|CP|UK|AI)\b", m.group(2))
        # A first name the list does not know still reads as a name before an explicit age.
        aged = _CAPS_AGE.match(text, m.end())
        if (is_given_name(m.group(1)) or aged) and not acronym:
            title(m.start(), m.end())
    for m in _CAPS_SURNAME_FIRST.finditer(text):
        if is_given_name(m.group(2)):
            title(m.start(), m.end())
    return "".join(chars)


# --- names the list does not know ------------------------------------------------------------

# Capitalised words of this field that are never a child's name, so "Looked After" or "Service
# Manager" is not taken for one.
_NOT_NAME = frozenset(
    """
    the a an this that these those our their his her my your its we they he she it i you
    children child young people person persons pupils pupil looked after care leaver leavers year key stage group
    team service services council borough county city north south east west new old great little saint st street
    road lane avenue primary school academy nursery high college university hospital centre center trust ltd
    limited plc cic officer manager lead worker head director practitioner social early help family families
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday england wales scotland ireland london uk british english case study
    review panel board authority authorities department health education safeguarding foster fostering adoption
    local national regional principal senior chief executive assistant deputy programme project product
    digital data team's ofsted dfe nhs police court home office hm government minister member members mr mrs ms
    miss dr cllr quote feedback persona user pilot our phase stage level grade tier unit ward wing block
    greater house lodge hall court cottage farm manor view teams microsoft google windows zoom version release
    sir dame lord lady baroness baron professor prof hon rt mp
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_SHAPED = re.compile(
    r"(?<![\w'’\-@.])([A-Z][a-z]{1,}(?:-[A-Z][a-z]+)?)\s+([A-Z](?:[a-z]+|['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?)(?![\w'’\-])"
)


def shaped_names(text: str, lo: int = 0, hi: int | None = None) -> Iterator[tuple[int, int]]:
    """Capitalised "Given Surname" pairs in text[lo:hi] whose words are not everyday capitalised
    words here; with a known given name first, the name list's own rules apply instead."""
    hi = len(text) if hi is None else hi
    for m in _SHAPED.finditer(text, lo, hi):
        words = (m.group(1).lower(), m.group(2).lower())
        if any(w in _NOT_NAME or w in _NOT_SURNAME for w in words):
            continue
        yield m.start(), m.end()


def _names(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Known given names (any case, with a surname when there is one) and name-shaped pairs."""
    found = {(s, e) for s, e, _ in people(text, lo, hi)}
    found |= set(shaped_names(text, lo, hi))
    # Where a known name and a shaped pair overlap, keep the longer.
    return sorted((s, e) for s, e in found if not any((s2 <= s and e <= e2) and (s2, e2) != (s, e) for s2, e2 in found))


_STAFF_AFTER = re.compile(rf"^\s*(?:[,(\-–]\s*)(?:[\w&'’]+\s+){{0,3}}?{_STAFF_ROLE}\b", re.IGNORECASE)
_PRODUCT_NEAR = re.compile(
    r"\b(?:app|tool|chatbot|bot|product|platform|software|system|model|assistant|licen[cs]es?|project|programme)\b",
    re.IGNORECASE,
)


# Titles of public figures: "Sir Martin Narey", "Baroness ...", "Prof ...".
_TITLE_BEFORE = re.compile(
    r"\b(?:sir|dame|lord|lady|baroness|baron|professor|prof|dr|cllr|councillor|rt hon|hon)\.?\s*$", re.IGNORECASE
)


def _professional(text: str, start: int, end: int, by_ok: bool = False) -> bool:
    """Staff, an organisation or a published review; `by_ok` where "by Name" attributes words
    to a person rather than naming an author."""
    lo, hi = sentence(text, start, end)
    return bool(
        (is_staff(text, start, end) and not (by_ok and re.search(r"\bby\s*$", text[max(0, start - 5) : start])))
        or _STAFF_AFTER.match(text[end : end + 60])
        or _TITLE_BEFORE.search(text[max(0, start - 20) : start])
        or is_public_record(text, lo, hi)
        or re.match(r"\s*(?:Ltd|Limited|plc|CIC|Council|Trust|Foundation|Centre|Hospice|Primary|Academy)\b", text[end:])
    )


# --- an age near a name ----------------------------------------------------------------------

_AGE_UNIT = r"(?:yrs?|years?(?:\s+old)?|y/?o|months?(?:\s+old)?|[- ]years?[- ]old)"
_NOT_AGE = (
    r"(?!\s*(?:%|\+|[.:/]\d|[-–]\s*\d|am\b|pm\b|minutes?|mins?|hours?|days?|weeks?|times|per|of\b|out\b|to\s+\d"
    r"|(?:and|or)\s+(?:over|under|above|below|older|younger)\b))"
)
# "15 years in children's services" is experience, not an age.
_NOT_AGE_AFTER_UNIT = (
    r"(?!\s+(?:in|into|of|at|with|experience|ago|service|working|practice|since|on|as)\b"
    r"|['’]\s*(?:experience|service|standing|practice)\b)"
)
# Straight after the name: "(aged 16)", ", 16yrs", " - now 13", ": age 14".
_STRONG_AGE = re.compile(
    rf"\s*(?:[,(:\-–—]\s*)?(?:(?:now|aged?\s*:?|age\s*:)\s*{_AGE_NUMBER}\b{_NOT_AGE}(?:\s*{_AGE_UNIT}\b{_NOT_AGE_AFTER_UNIT}|(?!\s*{_AGE_UNIT}\b))"
    rf"|{_AGE_NUMBER}\s*{_AGE_UNIT}\b{_NOT_AGE_AFTER_UNIT}|\(\s*{_AGE_NUMBER}\s*\)"
    # "who" makes the name a person: "(who turns 18 next week)", ", who is now 9".
    rf"|who\s+(?:is|was|turns|turned|will\s+be|has\s+(?:just\s+)?turned)\s+(?:now\s+|just\s+|only\s+)?{_AGE_NUMBER}\b{_NOT_AGE})",
    re.IGNORECASE,
)
# Later in the sentence or in the next one: "He is 4.", "She's just turned 3", "Age: 14".
_AGE_LATER = re.compile(
    rf"\b(?:(?:she|he)(?:['’]?s|\s+is|\s+was|\s+will\s+be|\s+turned|\s+turns|\s+has\s+(?:just\s+)?turned)"
    rf"|aged?\s*:|aged)\s+(?:(?:now|just|only|turned|nearly|almost)\s+)*{_AGE_NUMBER}\b{_NOT_AGE}",
    re.IGNORECASE,
)


_IS_AGE = re.compile(
    rf"\s+(?:is|was|turned|turns)\s+(?:now\s+|just\s+|only\s+)?(?:1?\d|(?i:{_NUMBER_WORDS}))"
    r"(?=\s*(?:[.,;:!?)]|$|and\b|but\b|now\b|today\b|this\b|next\b|in (?:year|care)\b))"
)
_CHILD_SENTENCE = re.compile(
    r"\b(?:care|missing|school|nursery|foster|placement|referral|referred|social worker|mum|dad|mother|father"
    r"|carers?|home|his|her|family|siblings?|brother|sister)\b",
    re.IGNORECASE,
)


def _plausible_age(span: str) -> bool:
    number = re.search(r"\d+", span)
    return number is None or int(number.group(0)) <= 25


def ages_near_names(text: str) -> Iterator[Hit]:
    names = _names(text)
    known = {(s, e): True for s, e, _ in people(text)}
    for i, (s, e) in enumerate(names):
        if _professional(text, s, e) or _PRODUCT_NEAR.search(text, max(0, s - 25), min(len(text), e + 25)):
            continue
        strong = _STRONG_AGE.match(text, e)
        # A bare "(12)" follows a known given name only; after any capitalised pair it may
        # count beds, licences or versions.
        bare = strong is not None and not re.search(r"[a-z]{2}", strong.group(0).lower().replace("now", "xx"))
        # ", 14," set off by commas on both sides reads as a child's age after any name.
        appositive = re.match(r"\s*,\s*1?\d(?=\s*,)", text[e:])
        if bare and not known.get((s, e)) and not appositive:
            strong = None
        if strong is None and appositive:
            yield "name-and-age", s, e + appositive.end(), True
            continue
        # "Chukwuemeka Obi is 14 and ...": "is N" after any name, where the sentence is about a
        # child or a family and the number ends the clause.
        is_age = _IS_AGE.match(text, e)
        if strong is None and is_age and _CHILD_SENTENCE.search(text, *sentence(text, s, e)):
            yield "name-and-age", s, is_age.end(), True
            continue
        if strong and _plausible_age(strong.group(0)):
            yield "name-and-age", s, strong.end(), True
            continue
        # The next sentence at most, and not past the next person named.
        _, hi = sentence(text, s, e)
        _, hi2 = sentence(text, hi + 1, hi + 1) if hi < len(text) else (0, hi)
        # ("brooke hadley shes 14": "hadley shes" overlaps the name itself and does not stop it.)
        stop = min([hi2, e + 120] + [s2 for s2, _ in names[i + 1 :] if s2 >= e])
        later = _AGE_LATER.search(text, e, stop)
        if later and _plausible_age(later.group(0)):
            yield "name-and-age", s, later.end(), True


# --- a child status, school or year group beside a name ---------------------------------------

_STATUS_BEFORE = re.compile(
    r"\b(?:unaccompanied (?:minor|child|asylum[- ]seeking child)|uasc|young person|young carer|care leaver"
    r"|looked[- ]after child|child in care|foster child|pupil|student|baby|toddler|teenager|yp|our young people?)"
    r"\s*[:,\-–]?\s*$",
    re.IGNORECASE,
)
_YEAR = r"(?:year|yr|y)\s?(?:[1-9]|1[0-3])\b|reception\b"
# "Olivia Brooks, Y10 lead" is a teacher.
_NOT_PUPIL = rf"(?!\s*(?:{_STAFF_ROLE}|leader|tutor|team|group leader)\b)"
_YEAR_BESIDE = re.compile(rf"\s*[,(\-–—]\s*(?:{_YEAR}){_NOT_PUPIL}", re.IGNORECASE)
_YEAR_BEFORE = re.compile(rf"\b(?:{_YEAR})\s+(?:pupil|student|child|girl|boy)\s*$", re.IGNORECASE)
_IN_YEAR = re.compile(
    rf"[^.;\n]{{0,60}}?\b(?:is|was|are|now)\s+in\s+(?:{_YEAR})|[^.;\n]{{0,20}}?\b(?:started|starts|joined|moved (?:up )?to)"
    rf"\s+(?:{_YEAR}|nursery|school)",
    re.IGNORECASE,
)
_GOES_TO = re.compile(
    r"[^.;\n]{0,30}?\b(?:goes to|attends|attending|is at|started at|pupil at|excluded from)\s+(?:St\.?\s+)?"
    r"(?:[A-Z][\w'’\-]*\s+){1,5}?(?:Primary|Infants?|Juniors?|Nursery|Academy|High|School|College|Grammar|PRU)\b",
)


def children_by_status(text: str) -> Iterator[Hit]:
    for s, e in _names(text):
        if _professional(text, s, e):
            continue
        if _STATUS_BEFORE.search(text[max(0, s - 40) : s]) or _YEAR_BEFORE.search(text[max(0, s - 30) : s]):
            yield "name-and-circumstances", s, e, False
        elif m := (_YEAR_BESIDE.match(text, e) or _IN_YEAR.match(text, e) or _GOES_TO.match(text, e)):
            yield "school", s, m.end(), False


# --- a labelled record: "Name: ... DOB: ... School: ..." --------------------------------------

_RECORD_NAME = re.compile(
    r"\b(?:name|child(?:'s name)?|pupil|young person|yp|client|service user|student|learner|mother|father|carer)"
    r"\s*[:=]\s*([A-Za-z][a-z'’\-]+)\b",
    re.IGNORECASE,
)
_RECORD_FIELD = re.compile(
    r"\b(?:school|class|d\.?o\.?b\.?|date of birth|age|year group|address|postcode|nhs|gender|ethnicity|placement"
    r"|siblings?|mum|dad|parents?|carers?|allocated worker|referral)\s*[:=]",
    re.IGNORECASE,
)


def labelled_records(text: str) -> Iterator[Hit]:
    for m in _RECORD_NAME.finditer(text):
        if not given(m.group(1)) or not is_given_name(m.group(1)):
            continue
        others = [f for f in _RECORD_FIELD.finditer(text) if not f.start() <= m.start() < f.end()]
        if others:
            yield "name-and-circumstances", m.start(), m.end(), False


# --- a quote attributed to a named person ----------------------------------------------------

_Q = "'‘’\"“”"
_ATTRIBUTED_BEFORE = re.compile(
    rf"(?:\b(?:quote|feedback|comment|message|words|letter|note|poem|story)\s+(?:from|by)\s+"
    rf"|\b(?:said|written|shared|told|drawn)\s+by\s+|[{_Q}]\s*[-–—]\s*)$",
    re.IGNORECASE,
)
_QUOTE_AFTER = re.compile(rf"^(?:\s+in\s+(?:his|her|their)\s+\w+)?\s*[:\-–—]\s*[{_Q}]")
_CHILD_OR_FAMILY = re.compile(
    r"\b(?:me|my|mum|dad|mam|home|foster|carers?|social worker|review|placement|contact|brother|sister|nan|gran"
    r"|school|his|her|their)\b",
    re.IGNORECASE,
)


def attributed_quotes(text: str) -> Iterator[Hit]:
    if not re.search(f"[{_Q}]", text) or not _CHILD_OR_FAMILY.search(text):
        return
    for s, e in _names(text):
        full = " " in text[s:e].strip()
        if not full or _professional(text, s, e, by_ok=True):
            continue
        before = text[max(0, s - 30) : s]
        if _ATTRIBUTED_BEFORE.search(before) or _QUOTE_AFTER.match(text[e : e + 40]):
            yield "name-and-circumstances", s, e, False


# --- brothers and sisters listed by name -----------------------------------------------------

_SIBLING_WORD = re.compile(
    r"\b(?:siblings?|sibling group|brothers?|sisters?|twins|the \w+ (?:children|kids|boys|girls)|(?:children|kids):)",
    re.IGNORECASE,
)
_ITEM = (
    r"(?:(?:little|baby|eldest|youngest|older|younger|big|wee)\s+)?([A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?:\s*\(\d{1,2}\))?"
)
_LIST = re.compile(rf"(?<![\w'’\-]){_ITEM}((?:\s*,\s*{_ITEM})*\s*(?:,\s*)?(?:and|&)\s+{_ITEM})")


_AFTER_SIBLING_WORD = re.compile(r"\s*(?:[,:;(\-–—]\s*)?(?:(?:are|were|named|called|include|including)\s+)?")
_ARE_SIBLINGS = re.compile(
    r"\s*(?:[,)\-–—]\s*)?(?:are|were)\s+(?:all\s+)?(?:siblings|brothers|sisters|twins|half-siblings)\b", re.I
)


def listed_siblings(text: str) -> Iterator[Hit]:
    """A list of names straight after a sibling word ("The Okafor siblings - Chidi, Ada and little
    Emeka"), or followed by "are siblings"."""
    for m in _LIST.finditer(text):
        lo, _ = sentence(text, m.start(), m.end())
        sib = None
        for candidate in _SIBLING_WORD.finditer(text, lo, m.start()):
            gap = _AFTER_SIBLING_WORD.match(text, candidate.end())
            if gap and gap.end() == m.start():
                sib = candidate
        if sib is None and _ARE_SIBLINGS.match(text, m.end()):
            sib = m
        if sib is not None:
            words = re.findall(r"(?<![\w'’\-])[A-Z][a-z]+(?:-[A-Z][a-z]+)?", m.group(0))
            known = sum(given(w) for w in words)
            plain = not any(w.lower() in _NOT_NAME or w.lower() in _NOT_SURNAME for w in words)
            if (
                plain
                and (known >= 2 or (known >= 1 and len(words) >= 3))
                and not _professional(text, m.start(), m.end())
            ):
                yield "siblings", min(sib.start(), m.start()), max(sib.end(), m.end()), False


CONTEXT_RULES = (ages_near_names, children_by_status, labelled_records, attributed_quotes, listed_siblings)
