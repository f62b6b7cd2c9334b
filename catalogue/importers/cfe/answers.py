"""The answers as codes and figures: categories, stages, evaluations, ethics checks, data
sources, dropped reasons, money and full-time equivalents."""

from __future__ import annotations

import re

from catalogue.importers.cfe.names import _ascii

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


# Words at the edges of a reason's definition that say nothing about which reason it is.
LABEL_FILLER = frozenset(
    {"concerns", "issues", "barriers", "low", "no", "could", "not", "with", "existing", "systems", "by", "another"}
    | {"to", "of", "support", "maintain", "implement", "tool"}
)
SUFFIXES = ("ability", "ibility", "ility", "ment", "ation", "ing", "ity", "ical", "al", "ed", "cy", "e", "s")


def _stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _label_words(label: str) -> tuple[str, ...]:
    """The words of a reason's definition in the vocabulary ("Cost or affordability" -> cost,
    affordab...): a word cut to its stem so its other forms match ("affordable", "integrating"),
    a phrase of two or three words as it is. A stem ends in "*"."""
    words = []
    for part in re.split(r"\s+or\s+|[(),]", _ascii(label)):
        kept = part.split()
        while kept and kept[0] in LABEL_FILLER:
            kept.pop(0)
        while kept and kept[-1] in LABEL_FILLER:
            kept.pop()
        if len(kept) == 1 and len(kept[0]) > 3:
            words.append(_stem(kept[0]) + "*")
        elif 1 < len(kept) <= 3:
            words.append(" ".join(kept))
    return tuple(words)


def _reason_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each dropped reason of the vocabulary with its definition's words and its synonyms."""
    from catalogue.vocabulary import DROPPED_REASONS

    synonyms = dict(REASON_RULES)
    return tuple(
        (code, tuple(dict.fromkeys(_label_words(label) + synonyms.get(code, ()))))
        for code, label in DROPPED_REASONS.items()
        if code != "other"
    )


# The endings a definition's stem may take ("host" is hosting or hosted, never hostile).
ENDINGS = (
    "|s|e|es|ed|ing|able|ability|ible|ibility|ility|ment|ments|ation|ations|ity|ical|ically|al|ally|cy|"
    "ies|y|or|ors|er|ers|ion|ions|ive|ively|ate|ated|ates|ating|d"
)


def _says(lowered: str, word: str) -> bool:
    if word.endswith("*"):
        return re.search(rf"\b{re.escape(word[:-1])}(?:{ENDINGS})\b", lowered) is not None
    return word in lowered


def dropped_reasons_for(text: str) -> list[str]:
    """The vocabulary's dropped reasons the words give, by definition or synonym."""
    lowered = " " + _ascii(text) + " "
    return [code for code, words in _reason_words() if any(_says(lowered, w) for w in words)]


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
