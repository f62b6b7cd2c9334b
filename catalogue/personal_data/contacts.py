"""Strong identifiers: a home address, a family's email or phone, an NHS number, a case-system
number. Each is told apart from its professional twin (an office or venue, a team mailbox or
switchboard, a purchase order or tender reference). Phone numbers are parsed by `phonenumbers`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from catalogue.personal_data.shared import FAMILY as _FAMILY
from catalogue.personal_data.shared import RELATIVE as _RELATIVE
from catalogue.personal_data.shared import sentence_bounds as _sentence

Hit = tuple[str, int, int, bool]


_STREET = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|court|ct|place|pl|gardens|gdns|terrace"
    r"|grove|walk|row|hill|park|view|square|sq|mews|rise|green|parade|vale|croft|fold|estate|cottages|yard|wharf"
    r"|gate|boulevard|approach|chase|grange|meadows?|heights)"
)
_HOUSE = re.compile(rf"\b\d{{1,4}}[a-z]?,?\s+(?:[A-Za-z][\w'’\-]*\s+){{1,3}}{_STREET}\b", re.IGNORECASE)
_FLAT = re.compile(r"\b(?:flat|apartment|apt)\s+\d{1,4}[a-z]?,?\s+(?:[A-Za-z][\w'’\-]*,?\s+){1,5}", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b")
_ANY_POSTCODE = re.compile(_POSTCODE.pattern, re.IGNORECASE)
_HOME_CUE = re.compile(
    r"\b(?:lives?|living|lived|moved|moving|move|stays?|staying|placed|placement|resides?|residing|address|house|home"
    r"|flat|visit(?:ed|ing)?|went round|knocked|no answer)\b|’s (?:house|home|flat)|'s (?:house|home|flat)",
    re.IGNORECASE,
)
# An organisation's or a venue's address: offices, halls, courts, libraries, a company's
# registered office or invoices address, a building's own name. Close to the address these
# mark a venue even with people in the sentence.
_OFFICE = re.compile(
    r"\b(?:civic|town hall|county hall|shire hall|guildhall|council|offices?|centre|center|venue|hq|headquarters|bids?"
    r"|tenders?|deliver|workshop|conference|event|reception|registered|business|science park|innovation|campus|hub"
    r"|library|libraries|(?:family|crown|county|magistrates['’]?|combined) courts?|courts? (?:centre|house)|law courts"
    r"|ltd|limited|plc|llp|cic|company|payable|invoices?|suite|floor|building|chambers|rooms|hotel|church|chapel)\b"
    # "Holland House, 3 King Street", "Priory Courts, 33 ...".
    r"|(?-i:\b[A-Z][\w'’\-]+ (?:House|Hall|Courts|Rooms|Chambers|Building|Centre|Lodge|Exchange|Works|Mill|Barn))"
    r"(?=,?\s*(?:\d|$))",
    re.IGNORECASE,
)
# Words of events and organisations that mark a venue only where no one is in the sentence:
# casework meets in homes too ("core group meeting at 22 Tenter Close, where Grandad ...").
_EVENT_WORDS = re.compile(
    r"\b(?:masterclass|training|meeting|session|summit|hackathon|agenda|open (?:day|evening)|webinar|booked"
    r"|bidders?|suppliers?|clinic|surgery|hospital|school|academy|college|university|board|committee|course"
    r"|programme|scheme|club|visitors|staff|team)\b",
    re.IGNORECASE,
)
# What ties an address to a person's home whatever else the sentence says.
# ("moved" is left out: teams and offices move too.)
_HOME_TIE = re.compile(
    r"\b(?:lives?|living|lived|resides?|residing)\b|\bc/o\b|\bcare of\b|\bhome address"
    r"|\b(?:my|our|her|his|their|your)\s+(?:new\s+|home\s+)?address"
    r"|(?<!supplier)(?<!company)(?<!council)(?<!organisation)(?<!venue)(?<!school)(?<!office)(?<!firm)"
    r"['’]s\s+(?:new\s+|home\s+)?address|['’]s (?:house|home|flat)\b",
    re.IGNORECASE,
)


def _venue(text: str, lo: int, hi: int, start: int, end: int, before: int = 60, after: int = 30) -> bool:
    """The address belongs to an organisation or venue, not to a family's home."""
    if _HOME_TIE.search(text, lo, hi):
        return False
    # With no one in the sentence, an event or organisation word anywhere in it will do.
    if not _PERSON.search(text, lo, hi) and (_OFFICE.search(text, lo, hi) or _EVENT_WORDS.search(text, lo, hi)):
        return True
    return bool(_OFFICE.search(text, max(lo, start - before), min(hi, end + after))) or bool(
        _OFFICE.search(text[max(lo, start - before) : start])
    )


_STREET_TITLE = "(?:" + _STREET[3:-1].title() + ")"  # "Road", "Close": a street's own name
# "they live on Hawthorn Road": a street named as where someone lives, without a house number.
_LIVES_ON = re.compile(
    rf"\b(?:lives?|living|lived|stays?|staying|moved|placed|resides?)\b[\w\s'’]{{0,20}}?\b(?:on|in|at|to)\s+"
    rf"(?:(?:[A-Z][\w'’\-]*\s+){{1,3}}(?:Cottage|Farm|Barn|House|Lodge|Bungalow),\s+)?(?:[A-Z][\w'’\-]*\s+){{1,3}}{_STREET_TITLE}\b",
)

# "we live at 22 Larkspur, Dunmow": a house number after "live at" needs no street word.
_LIVES_AT_NUMBER = re.compile(
    r"(?<!went )(?<!go )(?<!goes )(?<!going )(?i:\b(?:lives?|living|lived|stays?|staying|moved|moving|resides?|residing)"
    r"\s+(?:back\s+)?(?:at|to|in)\s+(?:number\s+|no\.?\s*)?)(?!(?:19|20)\d\d\b)\d{1,4}[a-z]?,?\s+[A-Z][\w'’\-]+"
    r"(?:\s+[A-Z][\w'’\-]+){0,2}(?:,\s*[A-Z][\w'’\-]+)?",
)
# "our address is 22 Larkspur": an address given as someone's.
_ADDRESS_IS = re.compile(
    r"(?i:\b(?:my|our|her|his|their|[\w]+['’]s)\s+(?:new\s+|home\s+)?address\s+(?:is|has changed to|will be|:)\s*)"
    r"(?!(?:19|20)\d\d\b)\d{1,4}[a-z]?,?\s+[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){0,2}(?:,\s*[A-Z][\w'’\-]+)?",
)

_KIDS = re.compile(r"\b(?:kids|children|boys|girls|baby|toddler|twins)\b", re.IGNORECASE)
_SOMEONE = re.compile(r"\b(?:she|he|they|child|young person|yp|baby)\b", re.IGNORECASE)
_PERSON = re.compile(
    rf"\b(?:{_RELATIVE}|she|he|her|his|child|children|kids|boys|girls|young person|yp|baby|mr|mrs|ms|miss|family"
    r"|household|home|contact|placement|police|neighbours?|referral)\b|['’]s\b",
    re.IGNORECASE,
)


def addresses(text: str) -> Iterator[Hit]:
    for rx in (_LIVES_AT_NUMBER, _ADDRESS_IS):
        for m in rx.finditer(text):
            lo, hi = _sentence(text, m.start(), m.end())
            if not _venue(text, lo, hi, lo, hi):  # "our office moved to 4 Mill Lane"
                postcode = _ANY_POSTCODE.search(text, m.end(), min(hi, m.end() + 40))
                yield "address", m.start(), (postcode.end() if postcode else m.end()), False
    for m in _LIVES_ON.finditer(text):
        lo, hi = _sentence(text, m.start(), m.end())
        person = _FAMILY.search(text, lo, hi) or _SOMEONE.search(text, lo, hi)
        if person and not _OFFICE.search(text, lo, hi):
            yield "address", m.start(), m.end(), False
    for rx in (_FLAT, _HOUSE):
        for m in rx.finditer(text):
            lo, hi = _sentence(text, m.start(), m.end())
            if _venue(text, lo, hi, m.start(), m.end()):
                continue
            near_postcode = _ANY_POSTCODE.search(text, m.end(), min(hi, m.end() + 40))
            kids = _KIDS.search(text, lo, hi)
            if rx is _FLAT or near_postcode or kids or _HOME_CUE.search(text, lo, hi) or _FAMILY.search(text, lo, hi):
                yield "address", m.start(), (near_postcode.end() if near_postcode else m.end()), False
    for m in _POSTCODE.finditer(text):
        lo, hi = _sentence(text, m.start(), m.end())
        office = _venue(text, lo, hi, m.start(), m.end(), before=80, after=0)
        if (_HOME_CUE.search(text, lo, hi) or _FAMILY.search(text, lo, hi)) and not office:
            yield "address", m.start(), m.end(), False


_EMAIL = re.compile(r"(?<![\w.+\-])([\w.+'\-]+)@([\w\-]+(?:\.[\w\-]+)+)")
_FREEMAIL = re.compile(
    r"(?:^|\.)(?:gmail|googlemail|hotmail|outlook|live|msn|yahoo|ymail|aol|icloud|me|mac|btinternet|btopenworld"
    r"|sky|virginmedia|blueyonder|ntlworld|talktalk|tiscali|protonmail|proton|gmx|mail|zoho|yandex)\.",
    re.IGNORECASE,
)
_PUBLIC_BODY = re.compile(r"\.(?:gov|nhs|police|sch|ac|mod|parliament)\.|\.gov$|\.nhs\.net$", re.IGNORECASE)
_ROLE_LOCAL = re.compile(
    r"(?:^|[._\-])(?:info|enquir(?:y|ies)|hello|contact|admin|team|office|support|sales|help|procurement|tenders?"
    r"|bids|commissioning|digital|dpo|foi|no-?reply|mash|duty|childrens?|services?|safeguarding|reception|customer"
    r"|general|mail|post|press|media|data|privacy|ig|hr|finance|partnerships|research|fostering|adoption|hub|frontdoor"
    r"|accounts|jobs|careers|events|feedback|complaints|innovation|transformation)(?:[._\-\d]|$)",
    re.IGNORECASE,
)


def emails(text: str) -> Iterator[Hit]:
    for m in _EMAIL.finditer(text):
        local, domain = m.group(1), m.group(2)
        if _ROLE_LOCAL.search(local) or _PUBLIC_BODY.search(domain):
            continue
        lo, hi = _sentence(text, m.start(), m.end())
        if _FREEMAIL.search(domain) or _FAMILY.search(text, max(lo, m.start() - 80), m.start()):
            yield "email", m.start(), m.end(), False


_ORG_PHONE = re.compile(
    r"\b(?:switchboard|helpline|duty|team|office|reception|service|services|contact cent(?:re|er)|front door|out of hours"
    r"|sales|call us|ring us|phone us|freephone|hotline|enquiries|main number|council|desk|hub|line|ltd|limited|plc"
    r"|head of|lead|manager|director|officer|account|company)\b",
    re.IGNORECASE,
)


def phones(text: str) -> Iterator[Hit]:
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        national = phonenumbers.national_significant_number(match.number)
        if match.number.country_code != 44 or national[:1] not in "127" or len(national) not in (9, 10):
            continue  # 03, 08 and 09 numbers belong to organisations
        lo, hi = _sentence(text, match.start, match.end)
        if _ORG_PHONE.search(text, lo, hi):
            continue
        if national.startswith("7") or _FAMILY.search(text, lo, hi):
            yield "phone-number", match.start, match.end, False


_NHS = re.compile(r"(?<![\d+£$])(\d{3})([ \-]?)(\d{3})\2(\d{4})(?![\d])")
_NHS_LABEL = re.compile(r"\bnhs\s*(?:no\.?|number|num|#)?\s*(?:is\s+)?:?\s*$", re.IGNORECASE)
_OTHER_NUMBER = re.compile(
    r"\b(?:po|purchase order|order|invoice|ref|reference|tender|notice|contract|account|sort code|company|charity"
    r"|ukprn|urn|vat|tel|telephone|phone|mobile|call|ring|licen[cs]e|registration)\b[\w\s.:#]{0,12}$",
    re.IGNORECASE,
)


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


def nhs_numbers(text: str) -> Iterator[Hit]:
    for m in _NHS.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        digits = m.group(1) + m.group(3) + m.group(4)
        if _NHS_LABEL.search(before) or (is_valid_nhs_number(digits) and not _OTHER_NUMBER.search(before)):
            yield "nhs-number", m.start(), m.end(), True


_CASE_SYSTEM = (
    r"(?:mosaic|lcs|liquid\s?logic|eclipse|ehm|carefirst|care first|azeus|paris|controcc|wcs|ics|frameworki|protocol"
    r"|synergy|servelec|capita one)"
)
_CASE_LABEL = r"(?:case|client|person|child|subject|family|referral|crn|cin|cp|cla|lac|record|pupil)"
# A case-system identifier: digits, perhaps with a short letter prefix and hyphens or slashes
# ("EH-44120", "88-2201-77", "2019/04431"); how many digits it needs is checked in the rule.
_ID = r"(?<![\w\-/])([A-Z]{0,3}[-/]?\d[\d\-/]{2,14}\d)(?![\w\-/])"
_CASE = re.compile(
    rf"\b{_CASE_SYSTEM}\b(?:'s|’s)?[\w\s.:#'’\-]{{0,25}}?{_ID}"
    rf"|\b{_CASE_LABEL}(?:'s|’s)?\s+(?:no\.?|number|id|ref(?:erence)?|#)\s*(?:is\s+)?:?\s*{_ID}"
    rf"|\b(?:crn|upn|uln)\b\s*(?:is\s+)?:?\s*{_ID}"
    rf"|(?<!business )(?<!use )(?<!test )\bcase\s+{_ID}"
    # The number first: "1234567 on Mosaic", "(ref 4455621, LCS)".
    rf"|(?<![\w\-/])(\d{{6,10}})\s*(?:\(|,)?\s*(?:on|in|from)?\s*{_CASE_SYSTEM}\b",
    re.IGNORECASE,
)
_NOT_ID = re.compile(
    r"(?:19|20)\d{2}(?:[-/](?:\d{2}|(?:19|20)\d{2}))?|\d{1,2}[-/]\d{1,2}[-/](?:\d{2}|\d{4})"
    r"|(?:19|20)\d{2}[-/]\d{1,2}[-/]\d{1,2}",
    re.IGNORECASE,
)
_PROCUREMENT = re.compile(
    r"\b(?:tender|contract|procurement|notice|lot|itt|rfq|rfp|po|invoice|framework|order|award)\b", re.IGNORECASE
)


# "ChildView ID 3399120, a 5-year-old on a CP plan": an identifier from a system the list does
# not know, in a sentence about a child.
_ANY_ID = re.compile(r"\b(?:id|ref|no\.?|number)\s*[:#]?\s*(\d{6,10})(?![\w\-/])", re.IGNORECASE)
_CHILD_HERE = re.compile(
    r"\b(?:\d{1,2}[- ]years?[- ]old|(?:a|the|this) (?:child|girl|boy|baby|young person)"
    r"(?!\s+(?:records?|recording|view|search|protection|care|services|data|module|portal|page|screen))|cp plan|cin plan"
    r"|child protection plan|looked[- ]after child|care leaver|fostered|in care)\b",
    re.IGNORECASE,
)


def case_numbers(text: str) -> Iterator[Hit]:
    for m in _ANY_ID.finditer(text):
        lo, hi = _sentence(text, m.start(), m.end())
        if _CHILD_HERE.search(text, lo, hi) and not _PROCUREMENT.search(text, lo, hi):
            yield "case-number", m.start(), m.end(), False
    for m in _CASE.finditer(text):
        number = next(g for g in m.groups() if g)
        digits = sum(c.isdigit() for c in number)
        labelled = m.group(1) is None and m.group(4) is None  # "client no. 3021", "CRN ..."
        if digits < (4 if labelled else 5) or _NOT_ID.fullmatch(number):
            continue  # a year, a year range or a date, not an identifier
        if _PROCUREMENT.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        yield "case-number", m.start(), m.end(), False
