"""The domain rules: what in children's social care writing identifies a child or a family member.

Each rule looks for a strong signal (a date of birth, an NHS number, an address, a family's
contact details, a case-system number) or for a person's given name (the public name list in
`names`) beside something that pins them down (an age, a school, a care status, siblings). Each
rule also knows what professional writing looks like next to the same signal (cohorts, event
dates, staff roles, team mailboxes, switchboards, procurement references, personas and
anonymised case studies) and lets that through. Phone numbers are parsed by `phonenumbers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

from catalogue.personal_data.contacts import addresses, case_numbers, emails, nhs_numbers, phones
from catalogue.personal_data.context import CONTEXT_RULES, unshout
from catalogue.personal_data.family import FAMILY_RULES, NAME_KINDS, historic, not_a_childs_age
from catalogue.personal_data.names import is_given_name
from catalogue.personal_data.people import PEOPLE_RULES, initials_with_date, is_public_record, rare_combinations
from catalogue.personal_data.people import is_staff as _is_named_staff
from catalogue.personal_data.shared import FAMILY as _FAMILY
from catalogue.personal_data.shared import RELATIVE as _RELATIVE
from catalogue.personal_data.shared import sentence_bounds as _sentence
from catalogue.personal_data.tables import table_rows

Hit = tuple[str, int, int, bool]  # kind, start, end, beside a name (never overridable for a DOB)

# --- shared pieces ---------------------------------------------------------------------------

_MONTHS = (
    "(?i:january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
)
_DAY_WORD = (
    r"(?i:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
    r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth"
    r"|(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth))"
)
_FULL_DATE = (
    r"(?:(?<!\d)\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d)"
    r"|(?<!\d)(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?!\d)"
    rf"|(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?|{_DAY_WORD})\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?<!\d)\d{{1,2}}[-/.](?:{_MONTHS})[-/.](?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_PART_DATE = rf"(?:(?:(?:{_MONTHS})\.?\s+|(?<!\d)\d{{1,2}}/)?(?:19|20)\d{{2}})(?!\d)"
_CAP = r"[A-Z][a-zA-Z\-]+(?:['’][A-Z][a-zA-Z\-]+)?"
_NAME_PAIR = rf"(?<![\w'’\-])({_CAP})(?:\s+({_CAP}))?"
_INITIALS = r"(?<![\w.])[A-Z]\.?\s?[A-Z]\.?(?:\s?[A-Z]\.?)?(?![\w])"

# Words that mark the text as fiction, a persona or an anonymised case study: names in it are
# not real people (a date of birth, NHS number, address or contact detail still counts).
_FICTION = re.compile(
    r"\bpersonas?\b|\bfictional\b|\bfictitious\b|\bcomposite\b|\bnot (?:a )?real (?:person|child|people|names?)"
    r"|\bnot (?:his|her|their) real name|\bnames? (?:and [\w ]+ )?(?:have been |were |are )?changed"
    r"|\bpseudonyms?\b|\bmade[- ]up\b|\bimaginary\b|\bhypothetical\b|\billustrative\b|\buser stor(?:y|ies)\b"
    r"|\bas an? [\w' ]{1,40}?(?:called|named) \w+,? i (?:want|need)|\bas \w+, an? [\w' ]{1,60}?, i (?:want|need)",
    re.IGNORECASE,
)
# Words after a name that make it a member of staff or a professional, not a family member.
_STAFF = re.compile(
    r"^\W{0,3}(?:\(?[\w &]{0,30}[,(]\s*)?(?:head|director|manager|lead|officer|chief|ceo|cto|founder|consultant"
    r"|principal|senior|assistant|deputy|practice|programme|project|product|commissioner|councillor|cllr"
    r"|advisor|adviser|analyst|coordinator|co-ordinator|chair|professor|researcher|from (?:the|our)\b"
    r"|of (?:the|our)\b|at (?:the|our)?\s*[A-Z]|team\b|headteacher|teacher|social worker|nurse|solicitor)",
    re.IGNORECASE,
)
_STAFF_BEFORE = re.compile(
    r"(?:\b(?:dr|prof|professor|cllr|councillor|manager|director|lead|officer|worker|colleague|ceo|chair)\.?,?\s*|speakers? included\s)$",
    re.IGNORECASE,
)
_PRODUCT = re.compile(
    r"\b(?:app|apps|tool|tools|chatbot|bot|assistant|product|platform|software|system|model|ai|llm|agent|note-?taker"
    r"|named|called|nicknamed|launched|version|module|licen[cs]e[sd]?|subscription|(?:is|was|were|are|being) used"
    r"|tried|trialled|trialed|piloted|deployed|rolled out)\b",
    re.IGNORECASE,
)
_CARE = re.compile(
    r"\b(?:child protection|cp plan|cin plan|child in need|(?-i:CIN|CP|CLA|LAC|CSE|CCE)\b|open to (?:early help|the [\w' ]{1,30} team|social care|children's)|police protection|removed|looked[- ]after|in care\b|foster(?:ed|ing)? (?:care|placement|home)\b"
    r"|care leaver|leaving care|adopt(?:ed|ion)|placement|placed|step(?:father|mother|dad|mum)|missing from"
    r"|secure (?:children's )?(?:home|unit)|exploit(?:ed|ation)|section 47|s47|special guardian|kinship|refuge"
    r"|assault(?:ed)?|abuse[d]?|neglect(?:ed)?|youth offending|pregnant|excluded|supported lodgings)",
    re.IGNORECASE,
)


def _name_word(word: str | None) -> bool:
    """A given name, not an acronym that happens to spell one ("UK", "AL")."""
    return bool(word) and not (len(word) > 1 and word.isupper()) and is_given_name(word)  # type: ignore[arg-type]


def _is_staff(text: str, start: int, end: int) -> bool:
    return _is_named_staff(text, start, end) or bool(
        _STAFF.match(text[end : end + 60]) or _STAFF_BEFORE.search(text[max(0, start - 30) : start])
    )


_SPEAKS = re.compile(r"\s+(?:said|says|told|tells|asked|asks|wants|wanted|disclosed|explained|shared|wrote)\b")


def _is_product(text: str, start: int, end: int) -> bool:
    """A name used for a product here, or anywhere else in the text ("Olivia is the supplier's AI
    note-taker; Olivia was trialled by ..." names the product once and then uses it)."""
    if _product_here(text, start, end):
        return True
    word = text[start:end].split()[0] if text[start:end].split() else ""
    return any(
        _product_here(text, m.start(), m.end())
        for m in re.finditer(rf"(?<![\w'’\-]){re.escape(word)}(?![\w'’\-])", text)
        if m.start() != start
    )


def _product_here(text: str, start: int, end: int) -> bool:
    """A name used for a product: quoted, or with a product word within a few words of it."""
    quoted = start > 0 and text[start - 1] in "'‘\"“"
    if re.match(r"\s+v?\d+(?:\.\d+)+\b|\s+release notes\b", text[end : end + 20], re.IGNORECASE):
        return True  # "Florence 2.0", "Ada release notes": a version of a product
    if _SPEAKS.match(text, end):
        return False  # "Name said ..." is a person talking about a product
    lo, hi = _sentence(text, start, end)
    near = text[max(lo, start - 40) : min(hi, end + 40)]
    return quoted or bool(_PRODUCT.search(near))


def _person_names(text: str, lo: int, hi: int) -> Iterator[tuple[int, int, bool]]:
    """Capitalised given names (with a capitalised surname if one follows) in text[lo:hi]:
    (start, end, full name)."""
    for m in re.finditer(_NAME_PAIR, text[:hi]):
        if m.start() < lo or not _name_word(m.group(1)):
            continue
        full = m.group(2) is not None and not re.match(r"(?:And|Or|The|In|On|At|Of)$", m.group(2))
        yield m.start(), (m.end() if full else m.end(1)), full


# --- rules -----------------------------------------------------------------------------------

_AGE_AFTER = re.compile(
    _NAME_PAIR + r"(?:\s*,\s*(?:who\s+is\s+|aged\s+|age\s+|a\s+)?|\s*\(\s*(?:aged?\s+)?|\s+(?:who\s+is|is(?:\s+now)?"
    r"|aged|age|turned|turns)\s+)(\d{1,2})(?!st\b|nd\b|rd\b|th\b)(?:\s*(?:yrs?|years?(?: old)?|months?(?: old)?|-year-old|[- ]year[- ]old))?"
    r"(?!\s*(?:%|\d|[-–/]\s*\d|\.\d|(?:percent|per|of|out|x|times|hours?|mins?|minutes|days|weeks|pm|am|teams?"
    r"|sessions?|people|children|cases|staff|schools|families|visits|referrals|points|pages|items|sites|areas)\b))"
)
_AGE_BEFORE = re.compile(r"\b(\d{1,2})[- ]years?[- ]old\s+(?:[a-z]+\s+)?" + r"([A-Z][a-zA-Z'’\-]+)")


# Informal notes: "callum 9 and his sister", "megan h. - 17, in care".
_LOOSE_AGE = re.compile(
    r"(?<![\w'’\-])([A-Za-z][a-z]{2,})(?:\s+[a-z]\.?)?\s*(?:[-–,]\s*)?\s(\d{1,2})\b"
    r"(?=\s*(?:,|and\b|who\b|yrs?\b|years?\b|y/?o\b))"
)


def _names_with_age(text: str) -> Iterator[Hit]:
    for m in _LOOSE_AGE.finditer(text):
        lo, hi = _sentence(text, m.start(), m.end())
        if _name_word(m.group(1)) and (_FAMILY.search(text, lo, hi) or _CARE.search(text, lo, hi)):
            yield "name-and-age", m.start(), m.end(), True
    for m in _AGE_AFTER.finditer(text):
        # "Name, 4" reads as an age only for a plausible age and not a list of numbers.
        bare = not re.search(r"[a-z]\s*\d+$", m.group(0))  # "Name, 4" rather than "Name, aged 4"
        listed = re.match(r"\s*(?:%|-\s*\d)" + (r"|\s*,\s*\d" if bare else ""), text[m.end() :])
        # "(13 films)": a bracketed number followed by a noun counts things, not years.
        counted = "(" in m.group(0) and re.match(r"\s+(?!(?:yrs?|years?|months?|y/?o|yo)\b)[a-z]", text[m.end() :])
        if _name_word(m.group(1)) and not listed and not counted:
            yield "name-and-age", m.start(), m.end(), True
    for m in _AGE_BEFORE.finditer(text):
        if _name_word(m.group(2)):
            yield "name-and-age", m.start(), m.end(), True


_DOB_MARK = r"(?:d[./]?\s?o[./]?\s?b\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?|birthday(?:\s+is)?|b\.)"
_DOB = re.compile(
    rf"(?i:\b{_DOB_MARK})\s*(?:(?:for|of)\s+(?:[A-Za-z][\w'’\-]*\s+){{1,3}}?(?:is|was|[:\-–])\s*)?"
    rf"(?:is\s+|was\s+)?(?:on\s+|in\s+)?[:\-–]?\s*({_FULL_DATE}|{_PART_DATE})",
    re.IGNORECASE,
)
_COHORT_BEFORE = re.compile(
    r"\b(?:children|pupils|babies|people|persons|those|anyone|everyone|cohort|girls|boys|learners|students|infants"
    r"|leavers|who were|if)\b[\w\s,]{0,20}$",
    re.IGNORECASE,
)
_COHORT_AFTER = re.compile(r"\s*(?:between|after|before|from|since|on or|or later|or earlier|in or)\b", re.IGNORECASE)
_LAUNCHED = re.compile(
    r"\b(?:launch(?:ed|es)?|went live|service|product|app|tool|platform|scheme|programme|initiative|project|hub"
    r"|company|organisation|charity|team|partnership|website|newsletter)\b",
    re.IGNORECASE,
)
_LOWER_NAME = re.compile(r"\b([a-z]{2,})\s+([a-z'\-]{2,})\s*,?\s*$")
_CHILD_REF = re.compile(rf"\b(?:she|he|her|his|the (?:child|baby|boy|girl|young person)|{_RELATIVE})\b", re.IGNORECASE)


def _name_before(text: str, start: int) -> int | None:
    """Where a name, initials or a lower-case "first last" starts just before a date of birth."""
    lo, _ = _sentence(text, start, start)
    window_start = max(lo, start - 60)
    window = text[window_start:start]
    initials = re.search(_INITIALS + r"[\s,(]*(?:\w+\s*){0,2}[\s,(:\-]*$", window)
    if initials:
        return window_start + initials.start()
    lower = _LOWER_NAME.search(window)
    if lower and _name_word(lower.group(1)):
        return window_start + lower.start()
    names = [s for s, _, _ in _person_names(window, 0, len(window))]
    return window_start + names[-1] if names else None


def _dates_of_birth(text: str) -> Iterator[Hit]:
    this_year = date.today().year
    for m in _DOB.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        marker = m.group(0)[: m.start(1) - m.start()].lower()
        if "born" in marker and (_COHORT_BEFORE.search(before) or _COHORT_AFTER.match(text, m.start(1))):
            continue
        full = re.fullmatch(_FULL_DATE, m.group(1), re.IGNORECASE) is not None
        lo, hi = _sentence(text, m.start(), m.end())
        name_at = _name_before(text, m.start())
        after = [e for _, e, _ in _person_names(text, m.end(), min(hi, m.end() + 40))]
        between = list(_person_names(text, m.start(), m.start(1)))
        named = name_at is not None or bool(after) or bool(between)
        if full and "birthday" in marker and not named and not _CHILD_REF.search(text, lo, hi):
            continue
        # "Born on 1 May 2025, the new service launched": a service's or product's birth.
        if "born" in marker and not named and not _CHILD_REF.search(text, lo, hi) and _LAUNCHED.search(text, lo, hi):
            continue
        if full or named or (not marker.startswith("b.") and _CHILD_REF.search(text, lo, hi)):
            year = re.search(r"(\d{2,4})\W*$", m.group(1))
            if year and len(year.group(1)) == 4 and int(year.group(1)) > this_year:
                continue  # a date to come is not a birth date
            yield "date-of-birth", m.start() if name_at is None else name_at, max([m.end(), *after]), named
    # "Jayden Smith, 14/02/2016": a name with a date straight after it reads as a date of birth.
    for m in re.finditer(_NAME_PAIR + rf"(\s*(?:[,(:]|\s[–-])\s*|\s+)({_FULL_DATE})", text):
        year = re.search(r"(\d{2,4})\W*$", m.group(4))
        past = year is not None and (len(year.group(1)) == 2 or int(year.group(1)) < this_year)
        # With only a space between, "Sarah 12/03/2024" may date a meeting: a surname is needed.
        spaced = not re.search(r"[,(:–-]", m.group(3))
        if spaced and (m.group(2) is None or _is_staff(text, m.start(), m.end(2)) or _SIGNED.search(text)):
            continue
        if _name_word(m.group(1)) and m.group(1)[0].isupper() and past and not _is_product(text, m.start(), m.end()):
            yield "date-of-birth", m.start(), m.end(), True
    # Informal notes: "(tyler hanson 22.11.15)".
    for m in re.finditer(rf"(?<![\w'’\-])([a-z]{{2,}})\s+([a-z'’\-]{{2,}})\s*[,(]?\s*({_FULL_DATE})", text):
        if _name_word(m.group(1)) and not _name_word(m.group(2)) and m.group(2) not in _LINK_WORDS:
            yield "date-of-birth", m.start(), m.end(), True


# A name and a date in an approval line, minutes or a log: when it was signed, not a birth.
_SIGNED = re.compile(
    r"\b(?:approved|reviewed|signed|authori[sz]ed|checked|minutes|meeting|version|revision|go-live|launch(?:ed)?"
    r"|published|deadline|sign-off|attendees|present|apologies)\b",
    re.IGNORECASE,
)
_LINK_WORDS = frozenset("on from to until by since at in of and or the was is were dated due before after".split())  # noqa: SIM905

_SCHOOL = re.compile(
    r"\b(?:St\.?\s+)?[A-Z][\w'’\-]*\s+(?:(?:[A-Z][\w'’\-]*|of|and)\s+){0,4}(?:Primary|Infants?|Juniors?|Nursery|Pre-?school|Academy|High School"
    r"|School|College|Grammar|Sixth Form)\b(?!\s+Trust)"
)
_CHILD_AT_SCHOOL = re.compile(
    r"\b(?:attends?|attending|goes to|go to|is at|are at|was at|started at|starts at|start at|pupil at|excluded from"
    r"|moved to|enrolled at|registered at|school,|'s school|’s school|in year \d+ at|off school)\b",
    re.IGNORECASE,
)
_YOUNG_RELATIVE = re.compile(
    r"\b(?:her|his|my|their|our)\s+(?:son|daughter|child|kids?|boy|girl|grandson|granddaughter|nephew|niece)\b"
    r"|\bboth (?:boys|girls)\b",
    re.IGNORECASE,
)


_YEAR_GROUP = re.compile(
    _NAME_PAIR + r"\s+(?:is\s+)?in\s+(?:[Yy]ear\s+\d{1,2}|[Yy]\d{1,2}|[Rr]eception|\d{1,2}[A-Z]{1,2})\b"
)


def _schools(text: str, fiction: bool) -> Iterator[Hit]:
    if not fiction:
        for m in _YEAR_GROUP.finditer(text):
            if _name_word(m.group(1)) and not _is_staff(text, m.start(), m.end(1)):
                yield "school", m.start(), m.end(), False
    for m in _SCHOOL.finditer(text):
        lo, hi = _sentence(text, m.start(), m.end())
        if not _CHILD_AT_SCHOOL.search(text, lo, hi):
            continue
        named = not fiction and any(
            not _is_staff(text, s, e)
            for s, e, _ in _person_names(text, lo, hi)
            if not s <= s < m.end() or e <= m.start()
        )
        if named or _YOUNG_RELATIVE.search(text, lo, hi):
            yield "school", m.start(), m.end(), False


_SIBLINGS = re.compile(
    r"\b(?:siblings?|brothers?|sisters?|twins?|kids|children|half-(?:brother|sister)s?|step-?(?:brother|sister)s?|the \w+ children)\b"
    # "children's services", "siblings workshop": the word as a modifier names no one.
    r"(?!['’]s\b|\s+(?:workshops?|projects?|services?|teams?|events?|week|day|conferences?|charity|network|forum"
    r"|programmes?|policy|support|strategy|group work))",
    re.IGNORECASE,
)


_NAME_LIST = re.compile(r"(?<![\w'’\-])([A-Z][a-z]+)((?:,\s*[A-Z][a-z]+)*,?\s+and\s+[A-Z][a-z]+)\b")


def _sibling_groups(text: str) -> Iterator[Hit]:
    for m in _NAME_LIST.finditer(text):
        words = re.findall(r"[A-Z][a-z]+", m.group(0))
        strict = sum(is_given_name(w) for w in words)
        lo, hi = _sentence(text, m.start(), m.end())
        named = strict >= 1 and all(is_given_name(w, lenient=True) for w in words)
        public = is_public_record(text, lo, hi)
        if named and _SIBLINGS.search(text, lo, hi) and not _is_staff(text, m.start(), m.end()) and not public:
            yield "siblings", m.start(), m.end(), False
    for m in _SIBLINGS.finditer(text):
        lo, hi = _sentence(text, m.start(), m.end())
        names = [
            (s, e)
            for s, e, _ in _person_names(text, lo, hi)
            if not _is_staff(text, s, e) and not _is_product(text, s, e)
        ]
        # Two mentions of one name ("Florence 2.0 ... Florence now flags") are not two children.
        if len({text[s:e].split()[0] for s, e in names}) >= 2:
            yield "siblings", min(names[0][0], m.start()), max(names[-1][1], m.end()), False


_POSSESSIVE_FAMILY = re.compile(rf"([A-Z][a-zA-Z\-]+)(?:'s|’s)\s+(?:{_RELATIVE}|school|social worker|placement)\b")


_FAMILY_SURNAME = re.compile(
    r"\b[Tt]he ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?:'s|’s|s['’]|es['’])? (?:family|family's|family’s|children|kids|twins|siblings"
    r"|boys|girls|brothers|sisters|household|youngest|eldest|oldest|middle one|baby|son|daughter)\b"
    # "the Hampton family of products": a range of products, not a family.
    r"(?!\s+(?:of|range)\s+(?:products|tools|apps|services|brands|forms|templates|software|solutions|systems)\b)"
)
_GENERIC_FAMILY = frozenset(
    """
    troubled foster birth adoptive kinship whole extended early looked local other same first second new two three
    four five six both all these those such young older younger care our their his her my your other
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_FAMILY_EVENT = re.compile(
    r"\b(?:court|hearing|conference|meeting|visit|case|plan|plo|proceedings|core group|moved|placed|removed|remanded"
    r"|arrested|referred|assessment)\b",
    re.IGNORECASE,
)
_CONCERN = re.compile(
    r"\b(?:concerns?|worries|worried|referral|referred|disclosed|safeguarding)\s+(?:about|for|regarding|over)?\s*"
    + _NAME_PAIR
)


def _names_in_care(text: str) -> Iterator[Hit]:
    for m in _FAMILY_SURNAME.finditer(text):
        lo, hi = _sentence(text, m.start(), m.end())
        if m.group(1).lower() not in _GENERIC_FAMILY and (
            _CARE.search(text, lo, hi) or _FAMILY_EVENT.search(text, lo, hi)
        ):
            yield "name-and-circumstances", m.start(), m.end(), False
    for m in _CONCERN.finditer(text):
        if _name_word(m.group(1)) and not _is_staff(text, m.start(1), m.end()):
            yield "name-and-circumstances", m.start(), m.end(), False
    for m in _POSSESSIVE_FAMILY.finditer(text):
        if _name_word(m.group(1)) and text[m.start() - 1 : m.start()] not in ("'", "‘", '"', "“"):
            yield "name-and-circumstances", m.start(), m.end(), False
    for care in _CARE.finditer(text):
        lo, hi = _sentence(text, care.start(), care.end())
        if is_public_record(text, lo, hi):
            continue  # statistics by area code, published reviews
        for s, e, full in _person_names(text, lo, hi):
            if _is_staff(text, s, e) or (not full and _is_product(text, s, e)):
                continue
            yield "name-and-circumstances", min(s, care.start()), max(e, care.end()), False


_UNIQUE = re.compile(
    r"\b(?i:the only) (?:child|baby|boy|girl|young person|teenager|lad|lass|kid|family|care leaver) (?:on|in|at|from) (?:the )?[A-Z]"
    r"|\b\d{1,2}[ -](?:yr|year)s?[ -]old (?:girl|boy|child|lad|lass|young person) from [A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)?"
    r" (?:who|whose)\b[^.;\n]{0,60}\b(?i:paper|news|gazette|echo|herald|post|press|telegraph|facebook|tiktok|headlines)\b",
)


def _unique_descriptions(text: str) -> Iterator[Hit]:
    for m in _UNIQUE.finditer(text):
        yield "unique-description", m.start(), m.end(), False


RULES: tuple[Callable[[str], Iterator[Hit]], ...] = (
    _dates_of_birth,
    nhs_numbers,
    case_numbers,
    emails,
    phones,
    addresses,
    _unique_descriptions,
    table_rows,
)
NAME_RULES: tuple[Callable[[str], Iterator[Hit]], ...] = (_names_with_age, _sibling_groups, _names_in_care)


def hits(text: str) -> list[Hit]:
    """Every rule's hits; rules resting on a name are skipped in fiction, personas and case studies."""
    fiction = bool(_FICTION.search(text))
    found: list[Hit] = []
    for rule in RULES:
        found.extend(rule(text))
    found.extend(_schools(text, fiction))
    found.extend(initials_with_date(text))
    if not fiction:
        # Names written in capitals are read as names; offsets are the same in both texts.
        named = unshout(text)
        for rule in (*NAME_RULES, *PEOPLE_RULES, *CONTEXT_RULES, *FAMILY_RULES, rare_combinations):
            found.extend(rule(named))
    # A member of staff's age, a date or a house number after a name is not a child's age.
    # A historic figure is not a child of today.
    found = [h for h in found if h[0] not in NAME_KINDS or not historic(text, h[1], h[2])]
    return [h for h in found if h[0] != "name-and-age" or not not_a_childs_age(text, h[1], h[2])]
