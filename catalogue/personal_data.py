"""Spotting possible personal data about a child or family in free text before it is published.

A deliberately small, explainable set of checks (not a guarantee): a name beside a date of
birth, an NHS number whose Modulus 11 check digit is valid, a house number and street beside a
UK postcode, and a UK phone number. Each finding says why, and shows the excerpt masked so the
warning itself does not repeat the personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["Finding", "check_fields", "check_text_fields", "find_personal_data", "is_valid_nhs_number", "mask"]


@dataclass(frozen=True)
class Finding:
    kind: str  # name-and-date-of-birth | nhs-number | address | phone-number
    reason: str
    excerpt: str  # masked
    start: int
    end: int


REASONS = {
    "name-and-date-of-birth": "it looks like a person's name beside their date of birth",
    "name-and-date": "it looks like a person's name beside a date that could be their date of birth",
    "nhs-number": "it looks like an NHS number (the check digit is valid)",
    "address": "it looks like a home address (a house number and street beside a postcode)",
    "phone-number": "it looks like a UK phone number",
}

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_NUMERIC_DATE = r"(?<!\d)\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d)"
_WORDY_DATE = rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
_US_WORDY_DATE = rf"(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
_DATE = rf"(?:{_NUMERIC_DATE}|{_WORDY_DATE}|{_US_WORDY_DATE})"
_DOB_MARKER = r"(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?|birthday)"
_DOB = re.compile(rf"\b{_DOB_MARKER}\s*[:\-–]?\s*(?:is\s+|was\s+)?(?P<date>{_DATE})", re.IGNORECASE)

# Capitalised words that are not names, so "Children born 3 April 2015" is not a finding.
_NOT_NAMES = frozenset(
    """
    a an the this that these those he she they his her their him them we our us you your i it its
    child children young person people baby babies boy boys girl girls son daughter sibling siblings
    mother father mum dad parent parents carer carers family families brother sister twin twins
    who was is were are be been and or but if when where since from at in on of for with by to as
    name names dob date birth born birthday age aged year years month months
    mr mrs ms miss dr
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    council authority service services team school nursery hospital
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[A-Z][a-zA-Z'\-]+")

# A bare full date in a past year, beside a capitalised name ("Jayden Smith, 12/03/2015",
# "Jayden Smith, aged 7, 12 March 2015"): the name is two to four capitalised words, none of
# them a common word or one naming an organisation, event or document, followed by at most three
# lower-case words or numbers and punctuation before the date.
_BARE_DATE = re.compile(_DATE, re.IGNORECASE)
_NAME_RUN = re.compile(r"(?<![\w'\-])[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+){1,3}(?![\w'\-])")
_NAME_TO_DATE = re.compile(r"[\s,(\[:\-–]*(?:(?:[a-z]+|\d{1,2})[\s,(\[:\-–]+){0,3}")
_NOT_PERSON = frozenset(
    """
    ltd limited plc llp cic inc co company group partners partnership council borough county city
    district metropolitan nhs trust board icb university college academy school foundation charity
    department ministry office government agency commission ofsted dfe dhsc lga adcs
    phase stage round lot review report meeting panel workshop demo day week launch pilot project
    programme strategy plan policy inspection conference event market engagement deadline closing
    opens closes open closed published updated version release draft final annual quarter summer
    autumn winter spring term
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_SENTENCE_END = re.compile(r"[.!?;\n]\s")

# NHS numbers: 10 digits, either together or spaced/hyphenated 3-3-4.
_NHS = re.compile(r"(?<![\d+])(\d{3})([ \-]?)(\d{3})\2(\d{4})(?![\d])")

# Phone numbers: a broad candidate, then the digit count decides.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)[1237]\d{1,4}\)?(?:[\s\-]?\d){6,9}(?!\d)")

# UK postcodes (outward code, then inward code).
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s?(\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
_STREET_WORDS = (
    "street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|court|ct|place|pl|gardens|gdns"
    "|terrace|grove|walk|row|hill|park|view|square|sq|mews|rise|green|parade|vale|croft|fold|estate"
    "|house|cottages|yard|wharf|gate|boulevard|approach|chase|grange|meadow|meadows|heights"
)
_HOUSE_AND_STREET = re.compile(
    rf"(?:\b(?:flat|apartment|apt|unit)\s+\d{{1,4}}[a-z]?,?\s+)?\b\d{{1,4}}[a-z]?,?\s+"
    rf"(?:[A-Z][\w'\-]*\s+){{1,4}}(?:{_STREET_WORDS})\b",
    re.IGNORECASE,
)


def mask(text: str) -> str:
    """Keep the first character of each word or number, star out the rest."""
    return re.sub(r"(?<=\w)\w", "*", text)


def is_valid_nhs_number(digits: str) -> bool:
    """Modulus 11: weights 10..2 over the first nine digits; 11 - remainder is the check digit
    (11 means 0, 10 means the number can never be valid)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_digits_ok(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if candidate.lstrip().startswith("+44"):
        digits = "0" + digits[2:].removeprefix("0")
    if digits.startswith("07") or digits.startswith("03"):
        return len(digits) == 11
    if digits.startswith(("01", "02")):
        return len(digits) in (10, 11)
    return False


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    before = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        before = m.end()
    after_match = _SENTENCE_END.search(text, end)
    return before, after_match.start() + 1 if after_match else len(text)


def _name_near(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The run of capitalised, uncommon words nearest a date of birth in the same sentence:
    before it if there is one ("Jayden Smith, DOB ..."), otherwise after it."""
    lo, hi = _sentence_bounds(text, start, end)
    lo, hi = max(lo, start - 60), min(hi, end + 60)
    names = [m for m in _WORD.finditer(text, lo, hi) if m.group().lower() not in _NOT_NAMES]
    before = [m for m in names if m.end() <= start]
    after = [m for m in names if m.start() >= end]
    if before:
        first = last = before[-1]
        for m in reversed(before[:-1]):  # widen to "Jayden Smith" when the words are adjacent
            if text[m.end() : first.start()].strip():
                break
            first = m
        return first.start(), last.end()
    if after:
        first = last = after[0]
        for m in after[1:]:
            if text[last.end() : m.start()].strip():
                break
            last = m
        return first.start(), last.end()
    return None


def _past_year(date_text: str, this_year: int) -> bool:
    year_text = re.search(r"(\d{4}|\d{2})\W*$", date_text)
    if year_text is None:
        return False
    year = int(year_text.group(1))
    if len(year_text.group(1)) == 2:
        year += 2000 if year <= this_year % 100 else 1900
    return this_year - 120 <= year < this_year


def _name_before(text: str, start: int) -> tuple[int, int] | None:
    """A personal name ending at most a few words before `start`."""
    window = max(0, start - 80)
    found = None
    for run in _NAME_RUN.finditer(text, window, start):
        if not _NAME_TO_DATE.fullmatch(text, run.end(), start):
            continue
        # The name is the run's last words up to a common or organisation word ("Dear Jayden
        # Smith" is a name; "Leeds City Council" is not).
        words = list(_WORD.finditer(text, run.start(), run.end()))
        name: list[re.Match[str]] = []
        for word in reversed(words):
            if word.group().lower() in _NOT_NAMES or word.group().lower() in _NOT_PERSON:
                break
            name.insert(0, word)
        if len(name) >= 2:
            found = (name[0].start(), run.end())
    return found


def _overlaps(span: tuple[int, int], taken: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def find_personal_data(text: str | None) -> list[Finding]:
    """Every possible piece of personal data in `text`, in order of appearance."""
    if not text:
        return []
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        taken.append((start, end))
        findings.append(Finding(kind, REASONS[kind], mask(text[start:end]), start, end))

    for m in _DOB.finditer(text):
        name = _name_near(text, m.start(), m.end())
        if name is not None:
            add("name-and-date-of-birth", min(name[0], m.start()), max(name[1], m.end()))

    this_year = date.today().year
    for m in _BARE_DATE.finditer(text):
        if _overlaps(m.span(), taken) or not _past_year(m.group(), this_year):
            continue
        name = _name_before(text, m.start())
        if name is not None:
            add("name-and-date", name[0], m.end())

    for m in _PHONE.finditer(text):
        if _phone_digits_ok(m.group()) and not _overlaps(m.span(), taken):
            add("phone-number", m.start(), m.end())

    for m in _NHS.finditer(text):
        if is_valid_nhs_number(m.group(1) + m.group(3) + m.group(4)) and not _overlaps(m.span(), taken):
            add("nhs-number", m.start(), m.end())

    for m in _POSTCODE.finditer(text):
        window_start = max(0, m.start() - 80)
        street = None
        for candidate in _HOUSE_AND_STREET.finditer(text, window_start, m.start()):
            gap = text[candidate.end() : m.start()]
            if len(gap) <= 40 and not _SENTENCE_END.search(gap):
                street = candidate
        if street is not None and not _overlaps((street.start(), m.end()), taken):
            add("address", street.start(), m.end())

    findings.sort(key=lambda f: f.start)
    return findings


def _flatten(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "\n".join(_flatten(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return "\n".join(_flatten(v) for v in value)
    return str(value)


def check_fields(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, str]:
    """{field: message} for each named field whose text holds possible personal data; the
    message suits a GOV.UK error summary and says what was found, masked."""
    problems: dict[str, str] = {}
    for field in fields:
        findings = find_personal_data(_flatten(data.get(field)))
        if findings:
            first = findings[0]
            more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
            problems[field] = (
                f"Remove personal data: “{first.excerpt}”{more} – {first.reason}. "
                "Do not include information that could identify a child or family"
            )
    return problems


def check_text_fields(data: Mapping[str, Any], skip: Iterable[str] = ()) -> dict[str, str]:
    """`check_fields` over every free-text value of a validated form or API body (strings, and
    lists or mappings of them; numbers, dates and the `skip` names, such as references chosen
    from a list, are left alone). The one call each form and its API twin share, so they agree."""
    skipped = set(skip)
    fields = [k for k, v in data.items() if k not in skipped and isinstance(v, str | list | tuple | Mapping)]
    return check_fields(data, fields)
