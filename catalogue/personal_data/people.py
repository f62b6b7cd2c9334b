"""Rules that rest on a person being named in a child's or family's context.

`rules.py` holds the strong signals (dates of birth, NHS, addresses, contact details) and the
first name rules; this module widens the name rules the way people actually write case notes and
feedback: names in any case ("amelia hart"), hyphenated given names, ages in words or in
shorthand ("at sixteen", "8 yrs", "(14)"), a child placed in a school, nursery, unit or year
group, a named child's words being quoted, a parent or carer named beside their role, initials
with a bare date, and a single child described by several details at once (a place, an event, a
uniqueness) that people nearby would recognise.

Each rule pairs a name-shaped signal with a child or family signal; professional context
(staff roles, authors, products, statistics, published review titles) cancels it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from catalogue.personal_data.names import is_given_name

Hit = tuple[str, int, int, bool]

# --- names in any case -----------------------------------------------------------------------

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    "|seventeen|eighteen|nineteen|twenty"
)
_AGE_NUMBER = rf"(?:\d{{1,2}}|(?i:{_NUMBER_WORDS}))"
_AGE_UNIT = r"(?:yrs?|years?(?:\s+old)?|y/?o|yo|months?(?:\s+old)?|[- ]year[- ]old)"
# Words that are never a surname after a given name.
_NOT_SURNAME = frozenset(
    """
    and or but the a an in on at of to for from with by is was are were has had have who whose which that
    this then when while as if so said says told tells asked wants wanted from into onto about after before
    since until aged age now also just still again has not no yes here there he she his her they them we our
    i me my you your it its be been being do did does will would can could should may might must attends
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# A word, with an O'Brien apostrophe or a Kayla-Rose hyphen, but not a possessive 's.
_WORD = r"[A-Za-z][a-zA-Z]*(?:['’][A-Z][a-zA-Z]+)?(?:-[A-Za-z][a-zA-Z]*)?"
# The surname is a lookahead so that every word gets its turn as a given name.
# An opening quote may stand before a name ("'Poppy-Mae is 6 now'"); an O' or a possessive may not.
_PERSON = re.compile(rf"(?<![\w\-@.])(?<!\w['’])({_WORD})(?=\s+({_WORD}))?")


def given(word: str | None) -> bool:
    """A given name ("Mia", "amelia", "Kayla-Rose"), not an acronym that happens to spell one."""
    if not word or (len(word) > 1 and word.isupper()):
        return False
    return is_given_name(word.split("-")[0])


def people(text: str, lo: int = 0, hi: int | None = None, lower: bool = True) -> Iterator[tuple[int, int, bool]]:
    """Name-shaped spans in text[lo:hi]: a given name, with a surname-shaped word after it when
    there is one. (start, end, full name). Lower-case names only when `lower`."""
    hi = len(text) if hi is None else hi
    for m in _PERSON.finditer(text, lo, hi):
        first, second = m.group(1), m.group(2)
        if not given(first) or (first[0].islower() and not lower):
            continue
        surname = (
            second is not None
            and second.lower() not in _NOT_SURNAME
            and (second[0].isupper() or first[0].islower())
            and (first[0].isupper() or second[0].islower())
        )
        if first[0].islower() and not surname and _capitalises_names(text, lo, hi):
            continue  # a writer who capitalises names means "ran" or "will" as ordinary words
        yield m.start(), (m.end(2) if surname else m.end(1)), surname


def _capitalises_names(text: str, lo: int, hi: int) -> bool:
    return any(given(w.group(0)) for w in re.finditer(r"(?<![\w'’\-])[A-Z][a-z]+", text[lo:hi]))


# --- professional context that cancels a name --------------------------------------------------

_STAFF_ROLE = (
    r"(?:head|director|manager|lead|officer|chief|ceo|cto|founder|consultant|principal|senior|assistant|deputy"
    r"|commissioner|councillor|cllr|advis[eo]r|analyst|co-?ordinator|chair|professor|researcher|author|editor"
    r"|headteacher|head teacher|teacher|social worker|practitioner|nurse|solicitor|dsl|senco|key worker|keyworker"
    r"|engineer|developer|designer|minister|mp|inspector|our\s+\w+\s+lead)"
)
_STAFF_NEAR = re.compile(
    rf"\b(?:authors?|written by|by|speakers?|presenters?|panel(?:lists?)?|thanks to our|contact|{_STAFF_ROLE})\s*[:,]?\s*(?:[A-Z][\w'’\-]+\s+)?$",
    re.IGNORECASE,
)
# "Olivia Brooks, Y10 lead", "Jo Mills (Year 6 teacher)": up to two words may qualify the role.
_STAFF_AFTER = re.compile(
    rf"^\s*(?:[,(\-–]\s*|\s+(?:is|was)\s+)(?:the\s+|our\s+|a\s+)?(?:[\w&'’]+\s+){{0,2}}?{_STAFF_ROLE}\b",
    re.IGNORECASE,
)
_PRODUCTISH = re.compile(
    r"\b(?:app|tool|chatbot|bot|product|platform|software|system|model|licen[cs]e[sd]?|subscription|module|vendor"
    r"|(?:is|was|were|are|being) used)\b",
    re.IGNORECASE,
)
# A sentence of statistics or a published review is about the public record, not a case.
_PUBLIC_RECORD = re.compile(
    r"\b[EWSN]\d{8}\b|\b(?:national|serious case|practice|safeguarding practice|independent) review\b"
    r"|\b(?:review|inquiry|inquest) into\b|\bChild [A-Z]\b|\bFamily [A-Z]\b|\bYP [A-Z]\b",
    re.IGNORECASE,
)


# "[10:14] Sam W: ..." - the speaker in a pasted meeting chat is a member of staff.
_CHAT_TIME = re.compile(r"\[?\b\d{1,2}:\d{2}(?::\d{2})?\]?\s*$")
_CHAT_COLON = re.compile(r"\s*(?:[A-Z]\.?\s*)?:")


def is_staff(text: str, start: int, end: int) -> bool:
    speaker = _CHAT_TIME.search(text[max(0, start - 12) : start]) and _CHAT_COLON.match(text, end)
    return bool(
        speaker or _STAFF_NEAR.search(text[max(0, start - 30) : start]) or _STAFF_AFTER.match(text[end : end + 50])
    )


def is_public_record(text: str, lo: int, hi: int) -> bool:
    return bool(_PUBLIC_RECORD.search(text, lo, hi))


_SENTENCE_END = re.compile(
    r"(?<!\b[A-Za-z])(?<!\b(?:dr|mr|ms|no|st))(?<!\bmrs)[.!?](?=\s+[A-Z\"'‘(a-z])|\n|;\s", re.IGNORECASE
)


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    lo = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        lo = m.end()
    m = _SENTENCE_END.search(text, end)
    return lo, (m.start() if m else len(text))


# --- a name with an age, in any case and any form --------------------------------------------

_AGE_AFTER_NAME = re.compile(
    rf"(?:\s*,\s*|\s+)?(?:\(\s*(?:aged?\s+)?{_AGE_NUMBER}\s*{_AGE_UNIT}?\s*\)"
    rf"|(?:who\s+)?(?:is|was|turned|turns|now|aged?|at)\s+(?:now\s+|just\s+|only\s+)?{_AGE_NUMBER}\b(?!\s*(?:%|[.:/]\d|am|pm))"
    rf"|{_AGE_NUMBER}\s*{_AGE_UNIT}\b|who\s+(?:at|aged?)\s+{_AGE_NUMBER}\b"
    # "Ruby's words (she is 10)": the age given by a pronoun straight after the name.
    rf"|(?:['’]s\s+\w+\s+)?\(\s*(?:she|he|they)(?:['’]s|\s+is|\s+are|\s+was)\s+(?:now\s+)?{_AGE_NUMBER}\b)",
    re.IGNORECASE,
)
# After "is": a number that is not an age ("is 6 minutes late", "is 10 %").
_NOT_AGE_AFTER = re.compile(
    r"\s*(?:%|per|percent|of|out|minutes?|mins?|hours?|days?|weeks?|points?|times|x\b|miles?|km|o'clock"
    r"|(?:months?|years?)\s+(?:into|in|of|on|as|ago|experience)\b)",
    re.I,
)


def names_with_age(text: str) -> Iterator[Hit]:
    for s, e, _full in people(text):
        m = _AGE_AFTER_NAME.match(text, e)
        if not m or _NOT_AGE_AFTER.match(text, m.end()):
            continue
        lower = text[s].islower()
        explicit = re.search(r"aged?|yrs?|years?|y/?o|\(|\bat\b", m.group(0), re.IGNORECASE)
        if lower and not explicit:
            continue  # "is 6" after a lower-case word is too weak on its own
        if not is_staff(text, s, e):
            yield "name-and-age", s, m.end(), True


# --- a child in a school, nursery, unit or year group ----------------------------------------

_SCHOOL_NAME = re.compile(
    r"\b(?:[A-Za-z][\w'’\-]*\s+){1,5}(?:primary|infants?|juniors?|junior school|nursery|day nursery|pre-?school"
    r"|academy|high|high school|school|college|grammar|sixth form|pupil referral unit|pru|children's centre)\b",
    re.IGNORECASE,
)
_PUPIL_CUE = re.compile(
    r"\b(?:attend\w*|is at|goes to|started at|sent home|pupil|year\s?\d{1,2}|y\d{1,2}|reception class|in reception|nursery|class|excluded|exclusion"
    r"|dsl|senco|key ?worker|teacher|form tutor|school run|term|pep)\b",
    re.IGNORECASE,
)
_YEAR_GROUP = re.compile(r"\b(?:year\s?\d{1,2}|y\d{1,2}|reception)\b", re.IGNORECASE)


def _school_spans(text: str) -> list[tuple[int, int, int]]:
    """(start of the match, start of the school's own name, end) for each school named."""
    spans = []
    for m in _SCHOOL_NAME.finditer(text):
        # The school's own name starts after the last little word ("harry is at | x academy").
        words = list(re.finditer(r"\S+", m.group(0)))
        little = [w for w in words[:-1] if w.group(0).lower() in _NOT_SURNAME]
        spans.append((m.start(), m.start() + (little[-1].end() if little else 0), m.end()))
    return spans


def school_children(text: str) -> Iterator[Hit]:
    schools = _school_spans(text)
    for start, school_start, end in schools:
        lo, hi = sentence(text, start, end)
        if not _PUPIL_CUE.search(text, lo, hi) or is_public_record(text, lo, hi):
            continue
        for s, e, _full in people(text, lo, hi):
            # A name inside any school's own name ("Brook Lane Juniors") is not a pupil.
            inside = any(own <= s < stop for _, own, stop in schools)
            if inside or is_staff(text, s, e) or _named_thing(text, s, e):
                continue
            yield "school", min(s, school_start), max(e, end), False
            break
    # "reece booth, y5" / "Shannon, Y10": a name with a year group beside it.
    for s, e, _full in people(text):
        after = text[e : e + 12]
        pupil = re.match(
            r"^\s*[,(]\s*(?:year\s?\d{1,2}|y\d{1,2})\b(?!\s*(?:lead|teacher|tutor|team|leader|head)\b)", after, re.I
        )
        if pupil and not is_staff(text, s, e):
            yield "school", s, e + len(after), False


def _named_thing(text: str, start: int, end: int) -> bool:
    """The name is part of a place or organisation ("Oakwood Day Nursery", "St Mary's")."""
    after = text[end : end + 40]
    return bool(
        re.match(
            r"^\s*(?:[A-Z][\w'’]+\s+){0,2}(?:Primary|Academy|School|Nursery|College|High|Road|Street|Park)\b", after
        )
    )


# --- a named child or young person's own words -----------------------------------------------

_SPEECH = r"(?:said|says|told|tells|asked|asks|wrote|writes|explained|shared|disclosed|added|put it)"
_QUOTE_MARK = "'‘’\"“”"
_SAID_NAME = re.compile(rf"[{_QUOTE_MARK}],?\s*{_SPEECH}\s+$", re.IGNORECASE)


def quoted_people(text: str) -> Iterator[Hit]:
    if not re.search(f"[{_QUOTE_MARK}]", text):
        return
    for s, e, _full in people(text, lower=False):
        lo, hi = sentence(text, s, e)
        if is_staff(text, s, e) or is_public_record(text, lo, hi) or _ORG_NEAR.search(text, lo, hi):
            continue
        before = text[max(0, s - 40) : s]
        after = text[e : e + 40]
        said_after = re.match(rf"^\s*(?:\([^)]{{1,20}}\)\s*)?{_SPEECH}\b", after, re.IGNORECASE)
        said_before = _SAID_NAME.search(before)
        quote_label = re.search(r"\b(?:quote|voice|feedback|words)\b[^:]{0,40}\($", before, re.IGNORECASE)
        quote_in_sentence = re.search(f"[{_QUOTE_MARK}]", text[lo:hi]) is not None
        if quote_in_sentence and (said_after or said_before or quote_label):
            yield "name-and-circumstances", s, e, False


_ORG_NEAR = re.compile(
    r"\b(?:council|ltd|limited|plc|cic|charity|trust|university|ofsted|dfe|department|ministry|nhs|agency)\b",
    re.IGNORECASE,
)


# --- parents and carers named beside their role ----------------------------------------------

_ROLE = (
    r"(?:mum|mom|mother|dad|father|step-?(?:mum|dad|father|mother)|birth (?:mother|father|mum|dad|parents?)"
    r"|parents?|grandparents?|gran|nan|grandma|grandad|aunt|auntie|uncle|(?:foster |kinship |special guardian )?carers?"
    r"|foster (?:mum|dad|parents?)|special guardians?|guardian|partner|ex-partner|boyfriend|girlfriend|care leaver)"
)
_ROLE_BEFORE = re.compile(rf"\b{_ROLE}\s*(?:[,:(\-–]|\s+is|\s+was|\s+called|\s+named)?\s*$", re.IGNORECASE)
_ROLE_AFTER = re.compile(
    rf"^\s*(?:[,(\-–]\s*|\s+(?:is|was|are|were)\s+)(?:(?:a|an|the|our|his|her|their|one of our)\s+)?(?:\w+\s+)?{_ROLE}\b",
    re.IGNORECASE,
)
_TITLED = re.compile(r"\b(?:mr|mrs|ms|miss)\.?\s+(?:and\s+(?:mr|mrs|ms)\.?\s+)?([A-Za-z][a-z'’\-]+)", re.IGNORECASE)


def named_relatives(text: str) -> Iterator[Hit]:
    spans = [(s, e) for s, e, _ in people(text)]
    spans += [(m.start(), m.end()) for m in _TITLED.finditer(text) if m.group(1).lower() not in _NOT_SURNAME]
    for s, e in spans:
        lo, hi = sentence(text, s, e)
        if is_staff(text, s, e) or is_public_record(text, lo, hi) or _named_thing(text, s, e):
            continue
        before = text[max(lo, s - 30) : s]
        if _ROLE_BEFORE.search(before) or _ROLE_AFTER.match(text[e : e + 50]):
            if text[s].islower() and not _TITLED.match(text, s) and not re.search(r"[,:(]\s*$", before):
                continue
            yield "name-and-circumstances", s, e, False


# --- brothers and sisters named in lower case ------------------------------------------------

_SIBLING_WORD = r"(?:siblings?|brothers?|sisters?|twins?|half-(?:brothers?|sisters?)|step-?(?:brothers?|sisters?))"
_SIBLING_LIST = re.compile(
    rf"\b{_SIBLING_WORD}(?:\s+group)?[\s,:(]+([a-z][a-z'’\-]+)((?:,\s*[a-z][a-z'’\-]+)*,?\s+(?:and|&)\s+([a-z][a-z'’\-]+))",
    re.IGNORECASE,
)


def sibling_lists(text: str) -> Iterator[Hit]:
    for m in _SIBLING_LIST.finditer(text):
        words = [m.group(1), *re.findall(r"[A-Za-z][a-z'’\-]+", m.group(2))]
        words = [w for w in words if w.lower() not in ("and",)]
        # Beside a sibling word, one known given name is enough when the rest are name-shaped.
        if sum(given(w) for w in words) >= 2 or (
            any(given(w) for w in words) and all(w[0].isupper() and w.lower() not in _NOT_SURNAME for w in words)
        ):
            yield "siblings", m.start(), m.end(), False


# --- initials with a bare date ---------------------------------------------------------------

_INITIALS_DATE = re.compile(
    r"(?<![\w.])([A-Z]\.?\s?[A-Z]\.?(?:\s?[A-Z]\.?)?)(?:\s*[,(:\-–]\s*|\s+)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?!\d)"
)
_ACRONYM = re.compile(r"^(?:NHS|DFE|LA|LAS|CSC|ONS|UK|GB|EU|CQC|HMRC|DWP|ICO|ITT|RFQ|RFP|PO|Q[1-4]|FY|AI|IT|HR|VAT)$")


def initials_with_date(text: str) -> Iterator[Hit]:
    this_year = date.today().year
    for m in _INITIALS_DATE.finditer(text):
        letters = re.sub(r"[.\s]", "", m.group(1))
        year = int(m.group(4)) if len(m.group(4)) == 4 else 2000 + int(m.group(4))
        if _ACRONYM.match(letters) or not this_year - 25 <= year < this_year:
            continue
        lo, hi = sentence(text, m.start(), m.end())
        if not re.search(
            r"\b(?:launch|go-live|published|meeting|event|deadline|contract|version|release)", text[lo:hi], re.I
        ):
            yield "date-of-birth", m.start(), m.end(), True


# --- initials with an age ----------------------------------------------------------------------

_INITIALS_AGE = re.compile(
    r"(?<![\w.])([A-Z]\.?\s?[A-Z]\.?(?:\s?[A-Z]\.?)?)(?:\s*,\s*|\s*\(\s*|\s+)"
    r"(?:(?:aged?\s+(\d{1,2})\b)|(\d{1,2})\s*(?:yrs?|years?(?:\s+old)?|y/?o)\b|(\d{1,2})\s*\))"
)


def initials_with_age(text: str) -> Iterator[Hit]:
    for m in _INITIALS_AGE.finditer(text):
        letters = re.sub(r"[.\s]", "", m.group(1))
        age = int(next(g for g in m.groups()[1:] if g))
        if _ACRONYM.match(letters) or letters in ("YP", "CP", "CIN", "LAC", "CLA", "UASC") or age > 25:
            continue
        # "SEN (12)" counts things: a bare bracket follows dotted initials or the word "initials".
        labelled = "." in m.group(1) or re.search(r"initials\W*$", text[max(0, m.start() - 12) : m.start()], re.I)
        if m.group(4) and not labelled:
            continue
        if not is_staff(text, m.start(), m.end(1)):
            yield "name-and-age", m.start(), m.end(), True


# --- one child described by several details at once ------------------------------------------

_ONE_CHILD = re.compile(
    r"\b(?:a|an|the|our|one|only)\s+(?:(?:only|one|\d{1,2}[- ](?:year[- ]old|yo|yr[- ]old)|(?!(?:of|in|on|for|to|and|with|by)\b)[a-z0-9][\w\-]*)\s+){0,4}?"
    r"(?:child|baby|boy|girl|toddler|teenager|young person|twins?|twin (?:boys|girls)|lad|lass|care leaver|young carer|pupil|student"
    r"|\d{1,2}[- ]year[- ]old)\b"
    # "child protection", "child's plan": the word used as a modifier is not one child.
    r"(?!['’]s|\s+(?:protection|care|welfare|poverty|safeguarding|services|social|in need|health|development))"
    r"|\b\d{1,2}\s?(?:yo|y/o)\b",
    re.IGNORECASE,
)
_UNIQUENESS = re.compile(
    r"\b(?:only|our one|the one|rare|unusual|whose (?:mum|dad|mother|father|parents?|carers?|gran)|local (?:paper|news)"
    r"|in the (?:paper|news|headlines)|(?:on|in) (?:the )?(?:news|tv|radio|facebook|tiktok)|born at|removed at birth)\b",
    re.IGNORECASE,
)
_SMALL_PLACE = re.compile(
    r"\b(?:from|in|on|at|near)\s+(?:the\s+)?(?:[A-Z][a-z'’\-]+)(?:\s+(?:of\s+)?[A-Z][a-z'’\-]+){0,3}"
)
_EVENT = re.compile(
    r"\b(?:(?:19|20)\d{2}|last (?:year|summer|winter|spring|autumn|month|week|christmas)|christmas day|new year's day"
    r"|(?:in|on|since) (?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r"|accident|crash|fire|arson|rescue|attack|died|death|murder|stabbing|drowned|flood|arrived in a lorry|lorry)\b",
    re.IGNORECASE,
)
_STATISTICS = re.compile(
    r"\b(?:\d+(?:\.\d+)?\s?%|per cent|rate|average|median|number of|numbers|total|proportion|cohort|cases were"
    r"|children (?:were|are)|statistics|data (?:for|from|show))\b",
    re.IGNORECASE,
)


def rare_combinations(text: str) -> Iterator[Hit]:
    for m in _ONE_CHILD.finditer(text):
        lo, hi = sentence(text, m.start(), m.end())
        if _STATISTICS.search(text, lo, hi) or is_public_record(text, lo, hi):
            continue
        rest = text[lo:hi]
        unique = {u.group(0).lower() for u in _UNIQUENESS.finditer(rest)}
        signals = [
            bool(unique),
            len(unique) >= 2,
            any(p.start() + lo != m.start() for p in _SMALL_PLACE.finditer(rest)),
            bool(_EVENT.search(rest)),
        ]
        if sum(signals) >= 2:
            yield "unique-description", lo, hi, False
            break


PEOPLE_RULES = (names_with_age, school_children, quoted_people, named_relatives, sibling_lists, initials_with_age)
OTHER_RULES = (initials_with_date, rare_combinations)
