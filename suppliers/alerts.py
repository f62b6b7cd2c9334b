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
from catalogue.search.schema import stem
from catalogue.vocabulary import CATEGORIES

TOPIC = "challenge-published"

# Phrases that say a challenge is about a category. Deliberately specific: a word that many
# challenges use in passing ("risk", "notes", "forms", "policy") would alert every subscriber of
# its category. The matching package scores challenges properly; this only decides who hears.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "transcription": ("transcription", "transcribe", "note-taking", "write up", "write-up", "speech to text"),
    "summarisation": ("summarisation", "summarise", "case summary", "chronology"),
    "case-record-query": ("query case records", "search case records", "questions over"),
    "translation": ("translation", "translate", "interpreter", "interpreting"),
    "assistant": ("ai assistant", "copilot", "generative ai", "genai"),
    "chatbot": ("chatbot", "digital front door", "web chat"),
    "admin-automation": ("administrative burden", "admin burden", "workflow automation", "automate"),
    "voice-of-child": ("voice of the child", "child's voice", "children's views", "wishes and feelings"),
    "life-story": ("life story", "life-story", "storytelling"),
    "single-view": ("single view", "data integration", "multi-agency data"),
    "risk-analytics": ("predictive", "risk model", "risk score", "risk stratification", "early help targeting"),
    "practice-guidance": ("practice guidance", "practice framework", "policies and procedures"),
    "workforce": ("workforce", "recruitment", "retention", "caseload"),
    "placements": ("placement", "sufficiency", "foster", "residential"),
    "case-management": ("case management system",),
}


def challenge_text(challenge: Any) -> str:
    outcomes = " ".join(str(o.get("outcome", "")) for o in (challenge.outcomes or []) if isinstance(o, dict))
    return " ".join(filter(None, [challenge.title, challenge.problem, challenge.users, outcomes]))


def _stems(text: str) -> tuple[str, ...]:
    """The words of a text as the search analyser stems them (stop words dropped), so
    'chronology' finds 'chronologies' and 'write up' finds 'writing up'."""
    return tuple(s for s in (stem(w) for w in re.findall(r"\w+", text.lower())) if s)


def _mentions(stems: tuple[str, ...], phrase: str) -> bool:
    wanted = _stems(phrase)
    n = len(wanted)
    return n > 0 and any(stems[i : i + n] == wanted for i in range(len(stems) - n + 1))


def inferred_categories(challenge: Any) -> set[str]:
    stems = _stems(challenge_text(challenge))
    return {code for code, words in CATEGORY_WORDS.items() if any(_mentions(stems, w) for w in words)}


def matching_keywords(challenge: Any, keywords: list[str]) -> list[str]:
    stems = _stems(challenge_text(challenge))
    return [k for k in keywords if _mentions(stems, k)]


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
