"""`flask import call-for-evidence FILE.csv [--dry-run]`: responses to the Department for
Education's call for evidence (layout: shared/spec/call-for-evidence.md) into the catalogue.

Each response names an organisation (matched to the 153 reference authorities however it was
written), tools in prose (several to an answer; one tool whatever its spelling), the tools it
piloted and dropped and why (reasons mapped to the vocabulary by keyword rules), its own tool
with the resources it took, how it assessed risks and evaluated, and its single view.

Everything goes through the exchange bundle's schemas and writer (`catalogue.bundle`), so an
import validates exactly like a bundle and updates records in place by their refs; refs are
derived from organisation and tool, so importing the same file again updates, never duplicates.
Answers the importer cannot understand are reported with their row and question; the rest is
imported in one transaction. A dry run reports the same and writes nothing.

The respondent's name and email are kept only as the organisation's contact, and only when
they consented; they never reach a page, an export or the API. Imported records take the
visibility `authorities`.

The answers that are not about one tool (Q11a–c: help to develop, scale and benefit from tech;
Q16–18: what helped, asks of government, anything else) are kept with the response in
`CfeResponse` (catalogue.cfe_models), seen only by the organisation's members and site admins.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlmodel import Session, select

from catalogue import bundle as bundle_io
from catalogue import features, vocabulary
from catalogue.accounts.models import Organisation
from catalogue.cfe_models import CFE_ANSWERS, CfeResponse
from catalogue.db import get_session, utcnow, writing
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import (
    DEPLOYMENT_FIELDS,
    RESOURCE_FIELDS,
    DeploymentSchema,
    OrganisationSchema,
    SingleViewSchema,
    ToolSchema,
)
from catalogue.refs import slugify
from catalogue.schemas import TEXT_MAX
from catalogue.text import without_control_characters

IMPORTED_VISIBILITY = "authorities"
SUMMARY_MAX = 500
NAME_MAX = 200


class CfeError(Exception):
    """The file cannot be read at all (not CSV, not UTF-8, no organisation column)."""


# --- reading the file ----------------------------------------------------------------------------

DETAIL_COLUMNS = {
    "name": "what is your name",
    "email": "what is your email address",
    "kind": "are you responding on behalf of",
    "organisation": "what is the name of your organisation",
    "role": "how would you describe your current role",
    "consent": "do you consent to being contacted",
}
QUESTION_PATTERN = re.compile(r"^\s*q\s*(\d{1,2}[a-f]?)\s*[.:)]", re.IGNORECASE)


@dataclass
class Response:
    row: int  # the spreadsheet row: the header is row 1
    answers: dict[str, str]

    def get(self, key: str) -> str:
        return self.answers.get(key, "").strip()


def read_responses(text: str) -> list[Response]:
    """Rows of the CSV as answers keyed by question ("Q7", "Q8a") or detail ("organisation")."""
    text = without_control_characters(text.lstrip("\ufeff"))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CfeError(f"The file is not a CSV file we can read: {exc}") from exc
    if not rows:
        raise CfeError("The file is empty")
    columns: dict[int, str] = {}
    for index, header in enumerate(rows[0]):
        plain = " ".join(header.split()).lower().replace("’", "'")
        match = QUESTION_PATTERN.match(plain)
        if match:
            columns[index] = "Q" + match.group(1).lower()
            continue
        for key, start in DETAIL_COLUMNS.items():
            if plain.startswith(start):
                columns[index] = key
    if "organisation" not in columns.values():
        raise CfeError("No column ‘What is the name of your organisation?’: is this a call-for-evidence export?")
    responses = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        answers = {columns[i]: cell for i, cell in enumerate(cells) if i in columns and cell.strip()}
        responses.append(Response(number, answers))
    return responses


# --- words: organisations, tools, suppliers ---------------------------------------------------------


def _ascii(text: str) -> str:
    text = text.replace("’", "'").replace("&", " and ")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


ORG_PHRASES = ("london borough of", "royal borough of", "metropolitan borough of", "city and county of")
ORG_STOPWORDS = frozenset(
    [
        "council",
        "city",
        "county",
        "borough",
        "metropolitan",
        "district",
        "cc",
        "mbc",
        "bc",
        "dc",
        "cbc",
        "of",
        "the",
        "royal",
        "corporation",
        "authority",
        "local",
        "unitary",
        "la",
    ]
)
ORG_ALIASES = {
    "hull": "kingston upon hull",
    "newcastle": "newcastle upon tyne",
    "bcp": "bournemouth christchurch and poole",
    "banes": "bath and north east somerset",
    "bath and ne somerset": "bath and north east somerset",
    "richmond": "richmond upon thames",
    "kingston": "kingston upon thames",
    "southend": "southend on sea",
    "stockton": "stockton on tees",
    "brighton": "brighton and hove",
    "windsor": "windsor and maidenhead",
    "saint helens": "st helens",
}


def organisation_key(name: str) -> str:
    """'Leeds CC', 'Leeds City Council' and 'Leeds' -> 'leeds'; 'Bristol, City of' -> 'bristol'."""
    text = _ascii(name)
    text = re.sub(r"\((?:fictional|the)\)", " ", text)
    for phrase in ORG_PHRASES:
        text = text.replace(phrase, " ")
    text = re.sub(r"\bst\.?(?=\s)", "st", text)
    words = [w for w in re.sub(r"[^a-z0-9]+", " ", text).split() if w not in ORG_STOPWORDS]
    key = " ".join(words).replace("saint ", "st ")
    return ORG_ALIASES.get(key, key)


VENDORS = {"microsoft": "Microsoft", "google": "Google", "amazon": "Amazon", "aws": "Amazon", "openai": "OpenAI"}
GENERIC_TRAILING = frozenset({"app", "tool", "tools", "software", "platform", "system", "ai", "solution"})


def compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _ascii(text))


def tool_key(name: str) -> str:
    """'NoteCraft', 'Note Craft', 'Notecraft app' -> 'notecraft'; 'Microsoft Copilot' -> 'copilot'."""
    words = re.sub(r"[^a-z0-9]+", " ", _ascii(name)).split()
    while len(words) > 1 and words[-1] in GENERIC_TRAILING:
        words.pop()
    if len(words) > 1 and words[0] in VENDORS:
        words.pop(0)
    return "".join(words)


COMPANY_SUFFIXES = re.compile(r"\b(ltd|limited|plc|llp|inc|co|company|group|uk)\b\.?")


def supplier_key(name: str) -> str:
    return compact(COMPANY_SUFFIXES.sub(" ", _ascii(name)))


# Words that start a capitalised run without being a tool's name.
NAME_STOPWORDS = frozenset(
    [
        "we",
        "i",
        "our",
        "the",
        "this",
        "these",
        "those",
        "it",
        "they",
        "a",
        "an",
        "in",
        "at",
        "for",
        "and",
        "but",
        "also",
        "yes",
        "no",
        "currently",
        "both",
        "all",
        "some",
        "most",
        "using",
        "use",
        "each",
        "staff",
        "practitioners",
        "social",
        "children",
        "children's",
        "local",
        "authority",
        "council",
        "la",
        "dfe",
        "csc",
        "ai",
        "it's",
        "there",
        "when",
        "where",
        "which",
        "who",
        "what",
        "how",
        "if",
        "as",
        "on",
        "to",
        "from",
        "by",
        "with",
        "via",
    ]
)
FILLER = re.compile(
    r"^\s*(?:(?:we|i|they|our\s+(?:la|authority|council|teams?|staff|service|practitioners))\s+)?"
    r"(?:(?:currently|also|now|have|had|recently|already)\s+)*"
    r"(?:use|uses|using|used|have|has|are\s+using|piloted|trialled|trialed|tried|tested|rolled\s+out|procured|"
    r"bought|introduced|implemented|deployed|adopted|built|developed|created|designed)\b\s*",
    re.IGNORECASE,
)
CALLED = re.compile(r"\b(?:called|named|known\s+as)\s+[\"“‘']?([A-Z0-9][\w'’.+-]*(?:\s+[A-Z0-9][\w'’.+-]*){0,4})")
SUPPLIER_AFTER = re.compile(
    r"\b(?:from|by|provided\s+by|supplied\s+by|developed\s+by|made\s+by)\s+"
    r"((?:[A-Z0-9][\w'’&.-]*)(?:\s+(?:[A-Z0-9][\w'’&.-]*|and|&))*)"
)
TOKEN = re.compile(r"[A-Za-z0-9][\w'’.+-]*")


def _capitalised_runs(text: str) -> list[str]:
    runs: list[list[str]] = [[]]
    for match in TOKEN.finditer(text):
        token = match.group(0).rstrip(".'’")
        gap = text[match.start() - 1] if match.start() else " "
        capital = token[:1].isupper() or token[:1].isdigit()
        if capital and (not runs[-1] or gap in " -") and len(runs[-1]) < 5:
            runs[-1].append(token)
        else:
            if runs[-1]:
                runs.append([])
            if capital:
                runs[-1].append(token)
    found = []
    for run in runs:
        while run and run[0].lower() in NAME_STOPWORDS:
            run = run[1:]
        while run and run[-1].lower() in NAME_STOPWORDS:
            run = run[:-1]
        if run and not (len(run) == 1 and run[0].isdigit()):
            found.append(" ".join(run))
    return found


@dataclass
class Mention:
    """A tool named in an answer: its name, its supplier if given, and the words around it."""

    name: str
    supplier: str | None
    text: str


def split_segments(text: str) -> list[str]:
    """An answer cut where a new tool is likely named: semicolons, lines, sentences, and commas
    or 'and' followed by a capital letter, never inside brackets."""
    segments, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        elif depth == 0:
            cut = None
            if ch in ";\n•":
                cut = 1
            else:
                rest = text[i:]
                m = re.match(r"(?:,\s+and\s+|,\s+|\.\s+|\s+and\s+|\s+as\s+well\s+as\s+)(?=[A-Z])", rest)
                if m and (ch in ",." or ch.isspace()):
                    cut = len(m.group(0))
            if cut:
                segments.append(text[start:i])
                i += cut
                start = i
                continue
        i += 1
    segments.append(text[start:])
    return [s.strip(" \t\r\n-*•,.") for s in segments if s.strip(" \t\r\n-*•,.")]


def find_mentions(text: str, known: Mapping[str, str]) -> list[Mention]:
    """Tools named in free text. `known` maps tool keys to names the catalogue already holds."""
    mentions: list[Mention] = []
    for segment in split_segments(text):
        name = supplier = None
        body = FILLER.sub("", segment, count=1)
        brackets = re.findall(r"\(([^()]*)\)", body)
        for inner in brackets:
            inner_clean = re.sub(r"^\s*(?:from|by|provided by|supplied by)\s+", "", inner.strip(), flags=re.I)
            if inner_clean[:1].isupper() and len(inner_clean) <= 100:
                supplier = inner_clean
                break
        if supplier is None:
            after = SUPPLIER_AFTER.search(body)
            if after:
                supplier = " ".join(_capitalised_runs(after.group(1))[:1]) or None
        plain = re.sub(r"\([^()]*\)", " ", body)
        # A name the catalogue already knows, written anywhere in the segment.
        words = " " + " ".join(re.sub(r"[^a-z0-9]+", " ", _ascii(plain)).split()) + " "
        for key, known_name in known.items():
            spelled = " " + " ".join(re.sub(r"[^a-z0-9]+", " ", _ascii(known_name)).split()) + " "
            if len(key) >= 3 and (spelled in words or f" {key} " in words):
                name = known_name
                break
        if name is None:
            called = CALLED.search(plain)
            runs = [called.group(1)] if called else _capitalised_runs(plain)
            if supplier:
                runs = [r for r in runs if supplier_key(r) != supplier_key(supplier)] or runs
            name = runs[0] if runs else None
        if name is None:
            if mentions:  # words about the tool named before
                mentions[-1].text += ". " + segment
            continue
        name = name.strip(" .,:;'’\"")[:80]
        if supplier is None and name.split()[0].lower() in VENDORS:
            supplier = VENDORS[name.split()[0].lower()]
        mentions.append(Mention(name=name, supplier=(supplier or None), text=segment))
    # One mention per tool.
    unique: dict[str, Mention] = {}
    for mention in mentions:
        key = tool_key(mention.name)
        if key in unique:
            unique[key].text += ". " + mention.text
        elif key:
            unique[key] = mention
    return list(unique.values())


def own_tool_name(text: str, organisation: str) -> str:
    """A name for a tool an organisation built: the one it gave, else its description, shortened."""
    called = CALLED.search(text)
    if called:
        return called.group(1).strip(" .,")[:80]
    first = re.split(r"(?<=[.!?])\s|\n|;", text.strip(), maxsplit=1)[0]
    body = FILLER.sub("", first, count=1).strip(" .,")
    body = re.sub(r"^(?:a|an|the|our|its)\s+", "", body, flags=re.I)
    if not body:
        return f"Tool developed by {organisation}"[:NAME_MAX]
    clause = re.split(r"\s(?:to|that|which|so|where|with)\s|,\s", body, maxsplit=1)[0]
    if len(clause) >= 12:
        body = clause
    if len(body) > 70:
        body = body[:70].rsplit(" ", 1)[0] + "…"
    return body[:1].upper() + body[1:]


# --- choices and numbers -------------------------------------------------------------------------

CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("transcription", ("transcri", "note taking", "note-taking", "notes", "recording", "minute", "dictat")),
    ("summarisation", ("summar", "chronolog")),
    ("translation", ("translat", "interpret", "language")),
    ("assistant", ("copilot", "chatgpt", "gemini", "assistant", "generative", "gen ai", "genai", "llm")),
    ("chatbot", ("chatbot", "chat bot", "front door", "virtual agent")),
    ("admin-automation", ("letter", "form", "automat", "workflow", "scheduling", "rpa", "business support")),
    ("voice-of-child", ("voice of the child", "young people", "in their own words", "wishes and feelings")),
    ("life-story", ("life story", "life-story", "storytell")),
    ("single-view", ("single view", "multi-agency data", "data integration")),
    ("risk-analytics", ("risk score", "predict", "analytics", "early help target", "risk identification")),
    ("practice-guidance", ("guidance", "procedure", "policy", "knowledge base")),
    ("workforce", ("recruit", "retention", "wellbeing", "training", "learning platform")),
    ("placements", ("placement", "sufficiency", "foster")),
    ("case-management", ("case management", "mosaic", "liquidlogic", "eclipse")),
)
AI_WORDS = (
    "ai",
    "artificial intelligence",
    "machine learning",
    "predictive",
    "copilot",
    "chatgpt",
    "llm",
    "generative",
)


def categories_for(text: str) -> list[str]:
    lowered = _ascii(text)
    found = [code for code, words in CATEGORY_RULES if any(w in lowered for w in words)]
    return found[:3] or ["other"]


def uses_ai(text: str) -> bool | None:
    lowered = " " + re.sub(r"[^a-z0-9]+", " ", _ascii(text)) + " "
    return True if any(f" {w} " in lowered for w in AI_WORDS) else None


REASON_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cost", ("cost", "expensive", "afford", "budget", "price", "funding", "licence fee", "license fee", "too dear")),
    ("accuracy", ("accura", "inaccura", "errors", "quality of", "hallucinat", "unreliable", "mistakes", "wrong")),
    (
        "information-governance",
        ("information governance", "ig ", "data sharing", "data-sharing", "dpia", "data protection", "gdpr"),
    ),
    ("data-security", ("security", "hosting", "hosted", "cyber", "outside the uk", "stored abroad")),
    (
        "staff-adoption",
        (
            "trust",
            "adoption",
            "uptake",
            "take-up",
            "take up",
            "did not use",
            "didn't use",
            "reluctan",
            "buy-in",
            "staff did not",
            "staff didn't",
            "low usage",
            "resist",
        ),
    ),
    ("integration", ("integrat", "interoperab", "case management system", "compatib", "mosaic", "liquidlogic")),
    ("supplier", ("supplier", "vendor", "went into administration", "went bust", "contract ended", "withdrew")),
    (
        "no-evidence-of-benefit",
        (
            "no evidence",
            "no benefit",
            "little benefit",
            "not enough benefit",
            "did not save",
            "didn't save",
            "no improvement",
            "no impact",
            "limited impact",
            "no difference",
            "not worth",
        ),
    ),
    ("ethics", ("ethic", "bias", "explain", "explicab", "transparen", "fairness", "discriminat")),
    ("procurement", ("procure", "tender", "framework")),
    ("capacity", ("capacity", "no time", "workload", "could not resource", "couldn't resource")),
    ("superseded", ("supersed", "replaced", "switched to", "moved to", "instead")),
)


def dropped_reasons_for(text: str) -> list[str]:
    lowered = " " + _ascii(text) + " "
    return [code for code, words in REASON_RULES if any(w in lowered for w in words)]


def _choice_text(value: str) -> str:
    return " ".join(_ascii(value).replace("–", "-").split())


def parse_stage(value: str) -> str | None:
    text = _choice_text(value)
    if "pilot" in text:
        return "pilot"
    if "fully" in text and "establish" in text:
        return "fully-established"
    if "implement" in text:
        return "implemented"
    return None


def parse_evaluation(value: str) -> str | None:
    text = _choice_text(value)
    if text in ("no", "none", "no evaluation") or text.startswith("no,") or text.startswith("no "):
        return "none"
    who = next((w for w in ("internal", "external", "provider") if w in text), None)
    if who is None:
        return None
    if "complet" in text:
        return f"{who}-completed"
    if "ongoing" in text or "undergoing" in text or "currently" in text:
        return f"{who}-ongoing"
    return None


def parse_single_view_status(value: str) -> str | None:
    text = _choice_text(value)
    if "live" in text:
        return "live"
    if "development" in text and "intend" not in text:
        return "in-development"
    if "intend" in text or "next 12 months" in text or "planned" in text:
        return "planned"
    if text in ("don't know", "dont know", "do not know", "unknown", "not sure"):
        return "unknown"
    if text == "no":
        return "no"
    return None


def parse_ethics(value: str) -> tuple[list[str], str | None, list[str]]:
    """(codes, other detail, parts not understood)."""
    codes: list[str] = []
    other: str | None = None
    unknown: list[str] = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        text = _choice_text(part)
        if text.startswith("other"):
            codes.append("other")
            other = part.split(":", 1)[1].strip() if ":" in part else None
        elif text in ("no", "none"):
            codes.append("none")
        elif "ethical impact" in text or "ethics impact" in text:
            codes.append("ethical-impact-assessment")
        elif "staff" in text:
            codes.append("staff-consultation")
        elif "citizen" in text or "famil" in text or "young people" in text:
            codes.append("citizen-consultation")
        else:
            unknown.append(part)
    codes = list(dict.fromkeys(codes))
    if "none" in codes and len(codes) > 1:
        codes.remove("none")
    return codes, other, unknown


SOURCE_ALIASES = {
    "childrens social care": "childrens-social-care",
    "adult social care": "adult-social-care",
    "education": "education",
    "special educational needs and disabilities": "send",
    "send": "send",
    "housing": "housing",
    "youth justice": "youth-justice",
    "youth offending": "youth-justice",
    "probation": "probation",
    "police": "police",
    "revenues and benefits": "revenues-benefits",
    "domestic abuse": "domestic-abuse",
    "substance misuse": "substance-misuse",
    "substance misuse services": "substance-misuse",
    "camhs": "camhs",
    "community health": "community-health",
    "acute health": "acute-health",
    "health": "community-health",
}


def parse_sources(value: str) -> tuple[list[str], str | None, list[str]]:
    """(codes, other sources text, parts not understood)."""
    codes: list[str] = []
    others: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        text = re.sub(r"[^a-z ]+", "", _choice_text(part)).strip()
        if text.startswith("other"):
            codes.append("other")
            detail = part.split(":", 1)[1].strip() if ":" in part else ""
            if detail:
                others.append(detail)
            continue
        text = re.sub(r"\s+data$", "", text).strip()
        code = SOURCE_ALIASES.get(text)
        if code is None:
            unknown.append(part)
            others.append(part)
            codes.append("other")
        else:
            codes.append(code)
    return list(dict.fromkeys(codes)), ("; ".join(others) or None), unknown


NUMBER_WORDS = {
    "half": 0.5,
    "a half": 0.5,
    "quarter": 0.25,
    "a quarter": 0.25,
    "third": 1 / 3,
    "a third": 1 / 3,
    "one": 1,
    "a": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
}
NOTHING = frozenset({"0", "nil", "none", "nothing", "zero", "n/a", "na", "-"})


def parse_money(value: str) -> float:
    """'£45,000', '45000', '45k', 'c. £45k', '£1.2m' -> pounds; ValueError when not a single amount."""
    text = _ascii(value.replace("£", " ")).strip()
    if text in NOTHING:
        return 0.0
    text = re.sub(r"^(?:c\.?|ca\.?|circa|approx\.?|approximately|about|around|roughly|~)\s*", "", text)
    text = re.sub(r"\s*(?:gbp|pounds|per\s+(?:year|annum)|a\s+year|p\.?a\.?|annually|per\s+month)\s*$", "", text)
    text = text.replace(",", "").strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(k|m|mn|thousand|million)?", text)
    if not match:
        raise ValueError(value)
    amount = float(match.group(1))
    unit = match.group(2)
    if unit in ("k", "thousand"):
        amount *= 1_000
    elif unit in ("m", "mn", "million"):
        amount *= 1_000_000
    return amount


def parse_fte(value: str) -> float:
    """'1.5', '0.5 FTE', 'half a post', '2 days a week' -> full-time equivalents; ValueError otherwise."""
    text = _ascii(value).strip()
    if text in NOTHING:
        return 0.0
    text = re.sub(r"^(?:c\.?|circa|approx\.?|approximately|about|around|roughly|~)\s*", "", text)
    days = re.fullmatch(r"(\d+(?:\.\d+)?)\s*days?\s*(?:a|per|/)\s*week", text)
    if days:
        return round(float(days.group(1)) / 5, 2)
    text = re.sub(r"\b(?:fte|wte|full[- ]time equivalents?|posts?|staff|people|persons?|roles?|of|an?)\b", " ", text)
    text = " ".join(text.split())
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text in NUMBER_WORDS:
        return round(float(NUMBER_WORDS[text]), 2)
    raise ValueError(value)


def is_yes(value: str) -> bool:
    return _choice_text(value) in ("yes", "y", "true", "agree", "i consent")


# --- the import -----------------------------------------------------------------------------------


@dataclass
class Problem:
    row: int
    question: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, " if self.row else ""
        return f"{where}{self.question}: {self.message}"


@dataclass
class CfeReport:
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    responses: int = 0
    reference_loaded: int = 0
    answers_created: int = 0  # responses whose answers to Q11a–c and Q16–18 are kept anew
    answers_updated: int = 0  # ... or update those kept by an earlier import

    def lines(self) -> list[str]:
        verb = ("would create", "would update") if self.dry_run else ("created", "updated")
        out = [f"{self.responses} response(s) read."]
        if self.reference_loaded:
            out.append(f"Loaded the {self.reference_loaded} reference authorities first.")
        out += [f"{verb[0]} {what}" for what in self.created]
        out += [f"{verb[1]} {what}" for what in self.updated]
        kept = self.answers_created + self.answers_updated
        if kept:
            out.append(
                f"{'Would keep' if self.dry_run else 'Kept'} the answers to Q11a–c and Q16–18 of {kept} response(s): "
                f"{self.answers_created} new, {self.answers_updated} updated."
            )
        if self.problems:
            out.append(f"{len(self.problems)} answer(s) not understood:")
            out += [f"  {p}" for p in self.problems]
        out.append(
            ("Dry run: nothing was written." if self.dry_run else "Imported.")
            + f" {len(self.created)} created, {len(self.updated)} updated."
        )
        return out


def _excerpt(text: str, length: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def _short(text: str | None, length: int = SUMMARY_MAX) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"


def _stable_ref(*parts: str) -> str:
    """A ref from the parts; shortened with a hash of the whole when too long, so it never changes."""
    full = slugify("-".join(parts), max_length=400)
    if len(full) <= 80:
        return full
    digest = hashlib.sha1(full.encode()).hexdigest()[:8]  # noqa: S324 - a name, not a secret
    return f"{full[:71].rstrip('-')}-{digest}"


SINGLE_VIEW_FIELDS = ("status", "sources", "other_sources", "documentation", "visibility")


class _Plan:
    """What the file says, keyed by ref, merged across rows, before it becomes a bundle."""

    def __init__(self, session: Session, report: CfeReport) -> None:
        self.session = session
        self.report = report
        orgs = list(session.exec(select(Organisation)))
        # Reference authorities first, so a created organisation never shadows one.
        self.orgs_by_key: dict[str, Organisation] = {}
        for org in sorted(orgs, key=lambda o: (not o.is_reference, o.id or 0)):
            self.orgs_by_key.setdefault(organisation_key(org.name), org)
        self.suppliers_by_key: dict[str, Organisation] = {supplier_key(o.name): o for o in orgs if o.kind == "supplier"}
        self.taken_org_refs = {o.ref for o in orgs}
        tools = list(session.exec(select(Tool)))
        self.tools_by_key: dict[str, Tool] = {}
        for tool in tools:
            self.tools_by_key.setdefault(tool_key(tool.name), tool)
        self.taken_tool_refs = {t.ref for t in tools}
        self.new_orgs: dict[str, dict[str, Any]] = {}  # ref -> bundle organisation
        self.new_org_keys: dict[str, str] = {}  # key -> ref
        self.new_suppliers: dict[str, dict[str, Any]] = {}  # supplier key -> bundle organisation
        self.new_tools: dict[str, dict[str, Any]] = {}  # tool key -> bundle tool
        self.deployments: dict[str, dict[str, Any]] = {}
        self.single_views: dict[str, dict[str, Any]] = {}
        self.contacts: dict[str, dict[str, Any]] = {}  # org ref -> contact
        self.responses: dict[str, dict[str, Any]] = {}  # key -> CfeResponse values
        self.responses_of: dict[str, list[dict[str, Any]]] = {}  # org ref -> its responses, in file order
        self.labels: dict[tuple[str, str], str] = {}
        self.rows: dict[tuple[str, str], int] = {}  # (kind, ref) -> the row that last spoke of it
        self.row = 0

    # organisations ------------------------------------------------------------------------

    def organisation(self, response: Response) -> tuple[str, str, str] | None:
        """(ref, name, kind) of the responding organisation, creating it in the plan if new."""
        name = " ".join(response.get("organisation").split())
        kind_answer = _choice_text(response.get("kind"))
        if not name:
            self.report.problems.append(
                Problem(response.row, "organisation", "No organisation named: the response was not imported")
            )
            return None
        if len(name) > NAME_MAX:
            self.report.problems.append(
                Problem(response.row, "organisation", f"The name is longer than {NAME_MAX} characters: not imported")
            )
            return None
        key = organisation_key(name)
        org = self.orgs_by_key.get(key) if key else None
        if org is not None:
            return org.ref, org.name, org.kind
        if key in self.new_org_keys:
            data = self.new_orgs[self.new_org_keys[key]]
            return data["ref"], data["name"], data["kind"]
        if kind_answer.startswith("individual"):
            self.report.problems.append(
                Problem(
                    response.row,
                    "organisation",
                    f"An individual's response naming ‘{_excerpt(name)}’, which is not an organisation we know: "
                    "not imported",
                )
            )
            return None
        kind = "provider" if "other" in kind_answer or "provider" in kind_answer else "local-authority"
        if not kind_answer:
            self.report.problems.append(
                Problem(response.row, "organisation kind", "Not answered: taken to be a local authority")
            )
        ref = _stable_ref(name)
        if ref in self.taken_org_refs:
            ref = _stable_ref("cfe", name)
        self.taken_org_refs.add(ref)
        self.new_orgs[ref] = {"ref": ref, "name": name, "kind": kind}
        self.rows[("organisation", ref)] = response.row
        self.new_org_keys[key] = ref
        return ref, name, kind

    def supplier(self, name: str | None) -> str | None:
        if not name:
            return None
        key = supplier_key(name)
        if not key:
            return None
        if key in self.suppliers_by_key:
            return self.suppliers_by_key[key].ref
        if key not in self.new_suppliers:
            clean = " ".join(name.split())[:NAME_MAX]
            ref = _stable_ref(clean)
            if ref in self.taken_org_refs:
                ref = _stable_ref("supplier", clean)
            if ref in self.taken_org_refs:
                return None
            self.taken_org_refs.add(ref)
            self.new_suppliers[key] = {"ref": ref, "name": clean, "kind": "supplier"}
            self.rows[("organisation", ref)] = self.row
        return self.new_suppliers[key]["ref"]

    # tools --------------------------------------------------------------------------------

    def known_tool_names(self) -> dict[str, str]:
        names = {k: t.name for k, t in self.tools_by_key.items()}
        names.update({k: t["name"] for k, t in self.new_tools.items()})
        return names

    def tool(self, mention: Mention, developed_by: str | None = None) -> tuple[str, str]:
        """(ref, name) of the tool, matched by its normalised name or planned as new."""
        key = tool_key(mention.name) or compact(mention.name)
        existing = self.tools_by_key.get(key)
        if existing is not None:
            return existing.ref, existing.name
        if key in self.new_tools:
            data = self.new_tools[key]
            if not data.get("supplier") and not data.get("developed_by"):
                supplier_ref = self.supplier(mention.supplier)
                if supplier_ref:
                    data["supplier"] = supplier_ref
            return data["ref"], data["name"]
        ref = _stable_ref(mention.name)
        if ref in self.taken_tool_refs:
            ref = _stable_ref(mention.name, key[:20], "tool")
        self.taken_tool_refs.add(ref)
        # No summary from the answer: a tool is a catalogue entry that may become public, and the
        # answer (a dropped pilot's story, say) stays in the deployment, with its visibility.
        data: dict[str, Any] = {
            "ref": ref,
            "name": mention.name,
            "categories": categories_for(f"{mention.name} {mention.text}"),
        }
        ai = uses_ai(mention.text)
        if ai is not None:
            data["uses_ai"] = ai
        if developed_by:
            data["developed_by"] = developed_by
        else:
            supplier_ref = self.supplier(mention.supplier)
            if supplier_ref:
                data["supplier"] = supplier_ref
        self.new_tools[key] = data
        self.rows[("tool", ref)] = self.row
        return ref, mention.name

    # records ------------------------------------------------------------------------------

    def deployment(self, ref: str, values: dict[str, Any], label: str) -> None:
        record = self.deployments.setdefault(ref, {"ref": ref})
        record.update({k: v for k, v in values.items() if v not in (None, "", [], {})})
        self.labels[("deployment", ref)] = label
        self.rows[("deployment", ref)] = self.row

    def single_view(self, ref: str, values: dict[str, Any], label: str) -> None:
        record = self.single_views.setdefault(ref, {"ref": ref})
        record.update({k: v for k, v in values.items() if v not in (None, "", [], {})})
        self.labels[("single view", ref)] = label
        self.rows[("single view", ref)] = self.row

    def response(self, org_ref: str, values: dict[str, Any]) -> None:
        """The answers kept with a response. Its key is the organisation and the response's place
        among that organisation's responses in the file: the same file keys them the same way, and
        a corrected export updates them in place. The same answers twice are one response."""
        earlier = self.responses_of.setdefault(org_ref, [])
        if any(r["answers"] == values["answers"] for r in earlier):
            return
        parts = ["cfe", org_ref, "response"] + ([str(len(earlier) + 1)] if earlier else [])
        record = {"key": _stable_ref(*parts), "organisation": org_ref, **values}
        earlier.append(record)
        self.responses[record["key"]] = record


def _problem(report: CfeReport, response: Response, question: str, message: str) -> None:
    report.problems.append(Problem(response.row, question, message))


def _plan_response(plan: _Plan, response: Response) -> None:
    report = plan.report
    found = plan.organisation(response)
    if found is None:
        return
    org_ref, org_name, org_kind = found
    if org_kind not in bundle_io.EVIDENCE_KINDS:
        _problem(report, response, "organisation", f"{org_name} is not an authority or provider: not imported")
        return

    # The contact: only with consent.
    consent = is_yes(response.get("consent"))
    email = response.get("email")
    if consent and (response.get("name") or email):
        plan.contacts[org_ref] = {
            "contact_name": response.get("name")[:200] or None,
            "contact_email": email[:320] or None,
            "contact_role": response.get("role")[:200] or None,
            "contact_consent": True,
        }
    elif not consent and email:
        plan.contacts.setdefault(org_ref, {"withdraw_email": email})

    # Q11a–c, Q16–18: kept with the response (never with the respondent's name or email).
    answers: dict[str, str] = {}
    for column, question, _heading in CFE_ANSWERS:
        answer = response.get(question)
        if len(answer) > TEXT_MAX:
            _problem(report, response, question, f"The answer is longer than {TEXT_MAX} characters: not kept")
        elif answer:
            answers[column] = answer
    if answers:
        plan.response(org_ref, {"respondent_kind": respondent_kind(response.get("kind")), "answers": answers})

    # Shared answers about the tools in use.
    stage = None
    if response.get("Q7"):
        stage = parse_stage(response.get("Q7"))
        if stage is None:
            _problem(report, response, "Q7", f"‘{_excerpt(response.get('Q7'))}’ is not a stage we know")
    evaluation = None
    if response.get("Q19"):
        evaluation = parse_evaluation(response.get("Q19"))
        if evaluation is None:
            _problem(report, response, "Q19", f"‘{_excerpt(response.get('Q19'))}’ is not an evaluation we know")
    ethics: list[str] = []
    risk_assessment = response.get("Q12") or None
    if response.get("Q13"):
        ethics, other, unknown = parse_ethics(response.get("Q13"))
        for part in unknown:
            _problem(report, response, "Q13", f"‘{_excerpt(part)}’ is not an ethics check we know")
        if other:
            risk_assessment = "\n\n".join(p for p in (risk_assessment, f"Other ethics checks: {other}") if p)
    shared = {
        "risk_assessment": risk_assessment,
        "ethics_checks": ethics,
        "safeguards": response.get("Q14") or None,
        "barriers": response.get("Q15") or None,
        "evaluation": evaluation,
        "evaluation_findings": response.get("Q20") or None,
    }
    in_use: list[str] = []

    # Q2: tools in use.
    if response.get("Q2"):
        mentions = find_mentions(response.get("Q2"), plan.known_tool_names())
        if not mentions:
            _problem(report, response, "Q2", f"No tool name found in ‘{_excerpt(response.get('Q2'))}’")
        for mention in mentions:
            tool_ref, tool_name = plan.tool(mention)
            ref = _stable_ref("cfe", org_ref, tool_ref)
            plan.deployment(
                ref,
                {
                    "organisation": org_ref,
                    "tool": tool_ref,
                    "stage": stage or "implemented",
                    "summary": _short(mention.text),
                    "impact": response.get("Q3") or None,
                    **shared,
                },
                f"{tool_name} at {org_name}",
            )
            in_use.append(ref)

    # Q5: piloted, then dropped.
    if response.get("Q5"):
        story = response.get("Q5")
        mentions = find_mentions(story, plan.known_tool_names())
        if not mentions:
            _problem(report, response, "Q5", f"No tool name found in ‘{_excerpt(story)}’")
        for mention in mentions:
            tool_ref, tool_name = plan.tool(mention)
            reasons = dropped_reasons_for(mention.text) or dropped_reasons_for(story)
            if not reasons:
                reasons = ["other"]
                _problem(
                    report,
                    response,
                    "Q5",
                    f"No reason we know for dropping {tool_name}: recorded as ‘Other’ with the story",
                )
            ref = _stable_ref("cfe", org_ref, tool_ref, "dropped")
            plan.deployment(
                ref,
                {
                    "organisation": org_ref,
                    "tool": tool_ref,
                    "stage": "dropped",
                    "summary": _short(mention.text),
                    "dropped_reasons": reasons,
                    "dropped_detail": story,
                },
                f"{tool_name} at {org_name} (dropped)",
            )

    # Q6: a tool the organisation built.
    own_ref = None
    if response.get("Q6"):
        text = response.get("Q6")
        name = own_tool_name(text, org_name)
        mention = Mention(name=name, supplier=None, text=text)
        tool_ref, tool_name = plan.tool(mention, developed_by=org_ref)
        own_ref = _stable_ref("cfe", org_ref, tool_ref)
        plan.deployment(
            own_ref,
            {
                "organisation": org_ref,
                "tool": tool_ref,
                "stage": stage or "implemented",
                "summary": _short(text),
                "impact": response.get("Q9") or None,
                "learnings": response.get("Q10") or None,
                **shared,
            },
            f"{tool_name} at {org_name} (developed by them)",
        )
        in_use.append(own_ref)

    # Q8: resources, for the organisation's own tool (or its only tool).
    resources: dict[str, float] = {}
    for question, name in zip(("Q8a", "Q8b", "Q8c", "Q8d", "Q8e", "Q8f"), RESOURCE_FIELDS, strict=True):
        answer = response.get(question)
        if not answer:
            continue
        try:
            resources[name] = parse_fte(answer) if name.endswith("_fte") else parse_money(answer)
        except ValueError:
            what = "full-time equivalents" if name.endswith("_fte") else "an amount of money"
            _problem(report, response, question, f"‘{_excerpt(answer)}’ is not {what} we can read")
    if resources:
        target = own_ref or (in_use[0] if len(in_use) == 1 else None)
        if target is None:
            _problem(report, response, "Q8", "Resources given, but no single tool they belong to: not recorded")
        else:
            plan.deployments[target]["resources"] = resources
    if response.get("Q10") and own_ref is None:
        for ref in in_use:
            plan.deployments[ref]["learnings"] = response.get("Q10")

    # Q21–Q23: the single view.
    if response.get("Q21"):
        status = parse_single_view_status(response.get("Q21"))
        if status is None:
            _problem(report, response, "Q21", f"‘{_excerpt(response.get('Q21'))}’ is not a single-view status we know")
        else:
            sources, other_sources, unknown = parse_sources(response.get("Q22"))
            for part in unknown:
                _problem(report, response, "Q22", f"‘{_excerpt(part)}’ is not a data source we know: kept as other")
            plan.single_view(
                _stable_ref("cfe", org_ref, "single-view"),
                {
                    "organisation": org_ref,
                    "status": status,
                    "sources": sources,
                    "other_sources": other_sources,
                    "documentation": response.get("Q23") or None,
                },
                f"single view at {org_name}",
            )
    elif response.get("Q22") or response.get("Q23"):
        _problem(report, response, "Q21", "Data sources given without saying whether there is a single view")


def respondent_kind(answer: str) -> str | None:
    """The form's 'responding on behalf of' choice as a code (catalogue.cfe_models.RESPONDENT_KINDS)."""
    text = _choice_text(answer)
    if text.startswith("individual"):
        return "individual"
    if "other" in text or "provider" in text:
        return "other-organisation"
    if "local authority" in text:
        return "local-authority"
    return None


def _existing_values(row: Any, names: Iterable[str]) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(row, name)
        if value not in (None, "", []):
            values[name] = list(value) if isinstance(value, list) else value
    return values


def _merge_existing(plan: _Plan) -> tuple[set[str], set[str]]:
    """Records already in the catalogue keep what the import does not say (and their visibility)."""
    existing_deployments = {
        d.ref: d
        for d in plan.session.exec(select(Deployment).where(Deployment.ref.in_(list(plan.deployments) or [""])))
    }
    for ref, row in existing_deployments.items():
        merged = _existing_values(row, DEPLOYMENT_FIELDS)
        resources = _existing_values(row, RESOURCE_FIELDS)
        new = plan.deployments[ref]
        merged.update({k: v for k, v in new.items() if k != "resources"})
        resources.update(new.get("resources") or {})
        if resources:
            merged["resources"] = resources
        merged["visibility"] = row.visibility
        if merged.get("stage") != "dropped":
            merged.pop("dropped_reasons", None)
        plan.deployments[ref] = merged
    for data in plan.deployments.values():
        data.setdefault("visibility", IMPORTED_VISIBILITY)
    existing_views = {
        s.ref: s
        for s in plan.session.exec(select(SingleView).where(SingleView.ref.in_(list(plan.single_views) or [""])))
    }
    for ref, row in existing_views.items():
        merged = _existing_values(row, SINGLE_VIEW_FIELDS)
        if row.tool_id is not None:
            tool = plan.session.get(Tool, row.tool_id)
            if tool is not None:
                merged["tool"] = tool.ref
        merged.update(plan.single_views[ref])
        merged["visibility"] = row.visibility
        plan.single_views[ref] = merged
    for data in plan.single_views.values():
        data.setdefault("visibility", IMPORTED_VISIBILITY)
    return set(existing_deployments), set(existing_views)


def _validate(plan: _Plan) -> None:
    """Every planned record through its schema; a record that fails is reported and left out,
    with the records that depend on it."""
    report = plan.report
    dropped_orgs: set[str] = set()
    dropped_tools: set[str] = set()

    def check(schema: Any, data: dict[str, Any], what: str, kind: str) -> bool:
        row = plan.rows.get((kind, data["ref"]), 0)
        try:
            loaded = schema.load(data)
        except ValidationError as exc:
            for path, message in bundle_io._field_path(exc.messages):
                report.problems.append(Problem(row, f"{what}, field {path}", f"{message}: not imported"))
            return False
        personal = bundle_io.personal_data_problems(schema, loaded)
        for path, message in personal.items():
            report.problems.append(Problem(row, f"{what}, field {path}", f"{message}: not imported"))
        return not personal

    for ref, data in list(plan.new_orgs.items()):
        if not check(OrganisationSchema(), data, f"organisation {data['name']}", "organisation"):
            plan.new_orgs.pop(ref)
            dropped_orgs.add(ref)
    for key, data in list(plan.new_suppliers.items()):
        if not check(OrganisationSchema(), data, f"supplier {data['name']}", "organisation"):
            plan.new_suppliers.pop(key)
            dropped_orgs.add(data["ref"])
    for key, data in list(plan.new_tools.items()):
        if data.get("supplier") in dropped_orgs:
            data.pop("supplier")
        if data.get("developed_by") in dropped_orgs or not check(ToolSchema(), data, f"tool {data['name']}", "tool"):
            plan.new_tools.pop(key)
            dropped_tools.add(data["ref"])
    for ref, data in list(plan.deployments.items()):
        label = plan.labels.get(("deployment", ref), ref)
        if (
            data.get("organisation") in dropped_orgs
            or data.get("tool") in dropped_tools
            or not check(DeploymentSchema(), data, f"deployment {label}", "deployment")
        ):
            plan.deployments.pop(ref)
    for ref, data in list(plan.single_views.items()):
        label = plan.labels.get(("single view", ref), ref)
        if data.get("organisation") in dropped_orgs or not check(SingleViewSchema(), data, label, "single view"):
            plan.single_views.pop(ref)


def _apply_contacts(session: Session, plan: _Plan) -> None:
    refs = list(plan.contacts)
    if not refs:
        return
    for org in session.exec(select(Organisation).where(Organisation.ref.in_(refs))):
        contact = plan.contacts[org.ref]
        if "withdraw_email" in contact:
            # The same person now says no: forget them. Anyone else's consented contact stays.
            if org.contact_email and org.contact_email.lower() == contact["withdraw_email"].lower():
                org.contact_name = org.contact_email = org.contact_role = None
                org.contact_consent = False
                session.add(org)
            continue
        for key, value in contact.items():
            if getattr(org, key) != value:
                setattr(org, key, value)
        session.add(org)


def _apply_responses(session: Session, plan: _Plan) -> None:
    """Keep the answers with each response: new ones created, those an earlier import of the same
    responses kept replaced by what the file says now. Responses of an organisation that failed
    its schema (already reported) are left out with it."""
    if not plan.responses:
        return
    org_refs = {r["organisation"] for r in plan.responses.values()}
    org_ids = {
        ref: id_
        for ref, id_ in session.exec(select(Organisation.ref, Organisation.id).where(Organisation.ref.in_(org_refs)))
    }
    existing = {r.key: r for r in session.exec(select(CfeResponse).where(CfeResponse.key.in_(list(plan.responses))))}
    now = utcnow()
    for key, data in plan.responses.items():
        org_id = org_ids.get(data["organisation"])
        if org_id is None:
            continue
        row = existing.get(key)
        if row is None:
            row = CfeResponse(key=key, organisation_id=org_id)
            plan.report.answers_created += 1
        else:
            plan.report.answers_updated += 1
        row.organisation_id = org_id
        row.respondent_kind = data["respondent_kind"]
        for column, _question, _heading in CFE_ANSWERS:
            setattr(row, column, data["answers"].get(column))
        row.imported_at = now
        session.add(row)


def import_call_for_evidence(session: Session, text: str, *, dry_run: bool = False) -> CfeReport:
    """Plan, validate and write the responses in the caller's transaction (the caller commits,
    or rolls back for a dry run). Raises CfeError only when the file cannot be read at all."""
    report = CfeReport(dry_run=dry_run)
    responses = read_responses(text)
    report.responses = len(responses)
    has_reference = session.exec(
        select(sa.func.count()).select_from(Organisation).where(Organisation.is_reference.is_(True))
    ).one()
    if not has_reference:
        from seed.loader import load_reference_authorities

        report.reference_loaded, _ = load_reference_authorities(session)
    plan = _Plan(session, report)
    for response in responses:
        plan.row = response.row
        _plan_response(plan, response)
    existing_deployments, existing_views = _merge_existing(plan)
    _validate(plan)

    bundle = {
        "format": bundle_io.FORMAT,
        "version": bundle_io.VERSION,
        "organisations": list(plan.new_orgs.values()) + list(plan.new_suppliers.values()),
        "tools": list(plan.new_tools.values()),
        "deployments": list(plan.deployments.values()),
        "single_views": list(plan.single_views.values()),
    }
    try:
        bundle_io.import_bundle(session, bundle)
    except bundle_io.BundleError as exc:  # a rule only the whole bundle can check
        report.problems.extend(Problem(0, "bundle", p) for p in exc.problems)
        session.rollback()
        return report
    _apply_contacts(session, plan)
    _apply_responses(session, plan)
    session.flush()

    for data in plan.new_orgs.values():
        report.created.append(f"organisation {data['name']} ({vocabulary.ORGANISATION_KINDS[data['kind']]})")
    for data in plan.new_suppliers.values():
        report.created.append(f"supplier {data['name']}")
    for data in plan.new_tools.values():
        report.created.append(f"tool {data['name']}")
    for ref in plan.deployments:
        label = f"deployment {ref}: {plan.labels.get(('deployment', ref), ref)}"
        (report.updated if ref in existing_deployments else report.created).append(label)
    for ref in plan.single_views:
        label = f"{plan.labels.get(('single view', ref), ref)} ({ref})"
        (report.updated if ref in existing_views else report.created).append(label)
    return report


# --- the command -----------------------------------------------------------------------------------

import_cli = AppGroup("import", help="Import evidence from other formats.")


@import_cli.command("call-for-evidence")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Report what would be created and updated; write nothing.")
def call_for_evidence_command(path: str, dry_run: bool) -> None:
    """Import call-for-evidence responses from the CSV at PATH."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        click.echo(f"{path} is not UTF-8 text: save it as ‘CSV UTF-8’ and try again.", err=True)
        sys.exit(1)
    with writing():
        session = get_session()
        try:
            report = import_call_for_evidence(session, text, dry_run=dry_run)
        except CfeError as exc:
            session.rollback()
            click.echo(str(exc), err=True)
            sys.exit(1)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    for line in report.lines():
        click.echo(line)


def init_app(app: Flask) -> None:
    features.add_cli(app, import_cli)
