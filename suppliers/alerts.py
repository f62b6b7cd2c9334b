"""Alerts for suppliers: a challenge entering market engagement or opening tells every subscriber
whose categories or keywords it mentions.

Called by the outcomes package: `suppliers.alerts.challenge_published(session, challenge)`, inside
the transaction that changes the challenge's status. Calling it again for the same challenge (market
engagement, then open) tells nobody twice.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from catalogue.notifications import services as notifications
from catalogue.notifications.models import Notification
from catalogue.vocabulary import CATEGORIES

TOPIC = "challenge-published"

# Words that suggest a category in a commissioner's text. Deliberately simple: the matching
# package scores challenges properly; this only decides who hears about a new one.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "transcription": ("transcription", "transcribe", "note-taking", "notes", "write up", "write-up", "recording"),
    "summarisation": ("summary", "summaries", "summarise", "summarisation", "chronology", "chronologies"),
    "case-record-query": ("case records", "search records", "query", "questions over"),
    "translation": ("translation", "translate", "interpreter", "interpretation", "language"),
    "assistant": ("assistant", "copilot", "generative ai", "genai"),
    "chatbot": ("chatbot", "front door", "web chat"),
    "admin-automation": ("admin", "administrative", "automation", "letters", "forms", "scheduling", "workflow"),
    "voice-of-child": ("voice of the child", "child's voice", "children's views", "wishes and feelings"),
    "life-story": ("life story", "life-story", "storytelling"),
    "single-view": ("single view", "data integration", "multi-agency data", "data sharing"),
    "risk-analytics": ("risk", "predictive", "early help", "analytics", "targeting"),
    "practice-guidance": ("guidance", "procedures", "policy", "practice framework"),
    "workforce": ("workforce", "recruitment", "retention", "wellbeing", "caseload", "training"),
    "placements": ("placement", "placements", "sufficiency", "foster", "residential", "commissioning"),
    "case-management": ("case management system", "case management"),
}


def challenge_text(challenge: Any) -> str:
    outcomes = " ".join(str(o.get("outcome", "")) for o in (challenge.outcomes or []) if isinstance(o, dict))
    return " ".join(filter(None, [challenge.title, challenge.problem, challenge.users, outcomes]))


def _mentions(text: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", text) is not None


def inferred_categories(challenge: Any) -> set[str]:
    text = challenge_text(challenge).lower()
    return {code for code, words in CATEGORY_WORDS.items() if any(_mentions(text, w) for w in words)}


def matching_keywords(challenge: Any, keywords: list[str]) -> list[str]:
    text = challenge_text(challenge).lower()
    return [k for k in keywords if _mentions(text, k)]


def challenge_published(session: Session, challenge: Any) -> list[Notification]:
    """Notify subscribers whose categories or keywords the challenge mentions. Visibility is
    checked by notify() for each subscriber (a draft reaches only its owner's members)."""
    # The categories the commissioner ticked, and those its words imply.
    categories = inferred_categories(challenge) | set(getattr(challenge, "categories", None) or [])
    told = notifications.already_notified(session, TOPIC, "challenge", challenge.id)
    created: list[Notification] = []
    for sub, user in notifications.active_alerts(session):
        if user.id in told:
            continue
        why = sorted(categories & set(sub.categories))
        words = matching_keywords(challenge, sub.keywords)
        if not why and not words:
            continue
        reasons = [CATEGORIES[c] for c in why] + [f"‘{w}’" for w in words]
        body = f"{challenge.title}\n\nIt matches your alert: {', '.join(reasons)}."
        created += notifications.notify(
            session,
            [user],
            f"New challenge: {challenge.title}",
            body,
            f"/challenges/{challenge.ref}",
            record=challenge,
            kind="challenge",
            unsubscribe=notifications.Unsubscribe("alerts"),
            topic=TOPIC,
        )
    return created
