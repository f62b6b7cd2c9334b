"""The controlled codes, in one place. They match shared/spec/vocabulary.json (a test checks)."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "transcription": "Transcription and note-taking (visits, meetings, supervision)",
    "summarisation": "Case record summarisation and chronologies",
    "case-record-query": "Natural-language questions over case records and datasets",
    "translation": "Translation and interpretation for families",
    "assistant": "General generative AI assistant or copilot",
    "chatbot": "Chatbot or digital front door for families and the public",
    "admin-automation": "Administrative and workflow automation (forms, letters, scheduling)",
    "voice-of-child": "Capturing the voice of the child and family",
    "life-story": "Storytelling and life-story work",
    "single-view": "Single view of the child and multi-agency data integration",
    "risk-analytics": "Risk identification, early help targeting and predictive analytics",
    "practice-guidance": "Practice guidance, policy and procedure knowledge",
    "workforce": "Workforce: recruitment, retention, learning and wellbeing",
    "placements": "Placement finding, sufficiency and commissioning of placements",
    "case-management": "Core case management system",
    "other": "Other",
}

STAGES: dict[str, str] = {
    "pilot": "In pilot phase",
    "implemented": "Implemented",
    "fully-established": "Fully established",
    "dropped": "Piloted, then not rolled out",
}

DROPPED_REASONS: dict[str, str] = {
    "cost": "Cost or affordability",
    "accuracy": "Accuracy or quality of output",
    "information-governance": "Information governance or data-sharing concerns",
    "data-security": "Data security or hosting concerns",
    "staff-adoption": "Low staff adoption or trust",
    "integration": "Could not integrate with existing systems",
    "supplier": "Supplier issues (viability, support, contract)",
    "no-evidence-of-benefit": "Evaluation did not show enough benefit",
    "ethics": "Ethical or bias concerns",
    "procurement": "Procurement barriers",
    "capacity": "No capacity to implement or maintain",
    "superseded": "Superseded by another tool",
    "other": "Other",
}

EVALUATION: dict[str, str] = {
    "none": "No evaluation",
    "internal-ongoing": "Currently undergoing internal evaluation",
    "external-ongoing": "Currently undergoing external evaluation",
    "provider-ongoing": "Currently undergoing provider evaluation",
    "internal-completed": "Completed internal evaluation",
    "external-completed": "Completed external evaluation",
    "provider-completed": "Completed provider evaluation",
}

ETHICS_CHECKS: dict[str, str] = {
    "none": "No",
    "ethical-impact-assessment": "Ethical impact assessment",
    "staff-consultation": "Consultation with staff",
    "citizen-consultation": "Consultation with citizens",
    "other": "Other",
}

# The pages read "none" on its own beside "Ethics checks" ("Ethics checks: None done"), not as the
# shared format's answer to a yes-or-no question; exports keep the format's label.
ETHICS_CHECKS_ON_PAGES: dict[str, str] = {**ETHICS_CHECKS, "none": "None done"}

SINGLE_VIEW_STATUS: dict[str, str] = {
    "live": "Yes, developed and live",
    "in-development": "Yes, in development",
    "planned": "Intend to start development in the next 12 months",
    "no": "No",
    "unknown": "Don't know",
}

SINGLE_VIEW_SOURCES: dict[str, str] = {
    "childrens-social-care": "Children's social care",
    "adult-social-care": "Adult social care",
    "education": "Education",
    "send": "Special educational needs and disabilities",
    "housing": "Housing",
    "youth-justice": "Youth justice",
    "probation": "Probation",
    "police": "Police",
    "revenues-benefits": "Revenues and benefits",
    "domestic-abuse": "Domestic abuse",
    "substance-misuse": "Substance misuse services",
    "camhs": "CAMHS",
    "community-health": "Community health",
    "acute-health": "Acute health",
    "other": "Other",
}

DELIVERY: dict[str, str] = {
    "embedded": "Built into a case management system",
    "standalone": "Standalone or bolt-on tool",
}

ROUTES: dict[str, str] = {
    "pre-commercial": "Pre-commercial procurement (SBRI-style, phased R&D contracts)",
    "innovation-partnership": "Innovation partnership",
    "competitive-flexible": "Competitive flexible procedure",
    "open": "Open procedure",
    "framework": "Call-off from an existing framework",
    "direct-award": "Direct award",
    "grant": "Grant-funded",
    "undecided": "Not yet decided",
}

ORGANISATION_KINDS: dict[str, str] = {
    "local-authority": "Local authority",
    "provider": "Children's social care provider",
    "supplier": "Supplier",
    "partnership": "Regional partnership or consortium",
    "government": "Central government body",
}

VISIBILITY: dict[str, str] = {
    "public": "Anyone, including suppliers",
    "authorities": "Signed-in local authority and provider staff only",
    "private": "Own organisation only",
}

REGIONS: list[str] = [
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]

CHALLENGE_STATUSES: dict[str, str] = {
    "draft": "Draft",
    "market-engagement": "Market engagement",
    "open": "Open for proposals",
    "evaluating": "Evaluating proposals",
    "awarded": "Awarded",
    "closed": "Closed without award",
    "withdrawn": "Withdrawn",
}

ACCREDITATIONS: dict[str, str] = {
    "cyber-essentials": "Cyber Essentials",
    "cyber-essentials-plus": "Cyber Essentials Plus",
    "iso-27001": "ISO/IEC 27001",
    "dspt": "Data Security and Protection Toolkit",
    "g-cloud": "G-Cloud listing",
}

# Every organisation kind whose approved members count as "authority staff" for
# records marked `authorities`. Suppliers are deliberately absent.
AUTHORITY_KINDS: frozenset[str] = frozenset({"local-authority", "provider", "partnership", "government"})

# The vocabulary lists as the JSON spec names them, for the test that compares.
SPEC_LISTS: dict[str, object] = {
    "categories": CATEGORIES,
    "stages": STAGES,
    "dropped_reasons": DROPPED_REASONS,
    "evaluation": EVALUATION,
    "ethics_checks": ETHICS_CHECKS,
    "single_view_status": SINGLE_VIEW_STATUS,
    "single_view_sources": SINGLE_VIEW_SOURCES,
    "delivery": DELIVERY,
    "routes": ROUTES,
    "organisation_kinds": ORGANISATION_KINDS,
    "visibility": VISIBILITY,
    "regions": REGIONS,
}


def label(vocabulary: dict[str, str], code: str | None) -> str:
    """The human label for a code, or the code itself when unknown (never raises in a template)."""
    if code is None:
        return ""
    return vocabulary.get(code, code)
