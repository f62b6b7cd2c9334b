"""Common Procurement Vocabulary (CPV 2008) codes for the catalogue's categories.

Find a Tender classifies every notice with CPV codes (tender.items[].classification, scheme
"CPV"). Each category maps to the code a buyer would choose for it; a challenge with no category
falls back to IT services.
"""

from __future__ import annotations

# code -> description, as in the CPV 2008 list
CODES: dict[str, str] = {
    "72000000": "IT services: consulting, software development, Internet and support",
    "72212000": "Programming services of application software",
    "72300000": "Data services",
    "72316000": "Data analysis services",
    "48000000": "Software package and information systems",
    "48311000": "Document management software package",
    "48810000": "Information systems",
    "79530000": "Translation services",
    "79540000": "Interpretation services",
    "80500000": "Training services",
    "85300000": "Social work and related services",
    "85310000": "Social work services",
    "79600000": "Recruitment services",
}

CATEGORY_CPV: dict[str, str] = {
    "transcription": "48311000",
    "summarisation": "72212000",
    "case-record-query": "72316000",
    "translation": "79530000",
    "assistant": "48000000",
    "chatbot": "72212000",
    "admin-automation": "72212000",
    "voice-of-child": "85310000",
    "life-story": "85310000",
    "single-view": "72300000",
    "risk-analytics": "72316000",
    "practice-guidance": "85300000",
    "workforce": "80500000",
    "placements": "85300000",
    "case-management": "48810000",
    "other": "72000000",
}
DEFAULT = "72000000"


def classifications(categories: list[str] | None) -> list[dict[str, str]]:
    """One CPV classification per distinct code, in the order of the challenge's categories."""
    codes = list(dict.fromkeys(CATEGORY_CPV.get(c, DEFAULT) for c in categories or [])) or [DEFAULT]
    return [{"scheme": "CPV", "id": code, "description": CODES[code]} for code in codes]
