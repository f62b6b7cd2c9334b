"""The topics a challenge is read as being about, and the owner's corrections to them.

Matching infers catalogue categories from the statement's words (outcomes.matching.query). The
owner may strike out a topic it got wrong (stored in `topics_removed`: it then counts for nothing)
or add one it missed (stored in `categories`, the owner's own choice: it counts as certain). The
web form and the API both correct through `correct_topics`, under the rule for changing a
challenge (catalogue.access.can_manage_challenge); the change is audited like any challenge edit.
"""

from __future__ import annotations

from sqlmodel import Session

from catalogue import access
from catalogue.access import Viewer
from catalogue.db import utcnow
from catalogue.errors import Invalid, NotAllowed
from catalogue.vocabulary import CATEGORIES
from outcomes.matching.query import build_query, challenge_fields, infer_categories
from outcomes.matching.text import analyse
from outcomes.models import Challenge

# "Other" says nothing a match could use, so it is never a topic.
TOPICS = {code: label for code, label in CATEGORIES.items() if code != "other"}


def read_topics(challenge: Challenge) -> dict[str, float]:
    """Topic -> confidence, as matching reads the challenge now (corrections applied), strongest first."""
    return dict(sorted(build_query(challenge).categories.items(), key=lambda kv: (-kv[1], kv[0])))


def inferred_topics(challenge: Challenge) -> dict[str, float]:
    """What the words alone suggest, before the owner's corrections."""
    return infer_categories(analyse(challenge_fields(challenge)))


def removed_topics(challenge: Challenge) -> list[str]:
    """Topics the owner struck out that matching would otherwise read."""
    return [c for c in challenge.topics_removed or [] if c in TOPICS and c not in (challenge.categories or [])]


def addable_topics(challenge: Challenge) -> dict[str, str]:
    """Topics not read now, for the "add a topic" list."""
    read = read_topics(challenge)
    return {code: label for code, label in TOPICS.items() if code not in read}


def _check_codes(codes: list[str], field: str, errors: dict[str, str]) -> None:
    unknown = [c for c in codes if c not in TOPICS]
    if unknown:
        errors[field] = f"‘{unknown[0]}’ is not a topic we know. Choose a topic from the list"


def correct_topics(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    add: list[str] | None = None,
    remove: list[str] | None = None,
) -> None:
    """Add topics (certain from now on) and remove topics (ignored from now on). A topic both
    added and removed in one go is refused rather than guessed at."""
    if not access.can_manage_challenge(viewer, challenge):
        raise NotAllowed("Only the challenge's owner can correct its topics")
    add, remove = list(dict.fromkeys(add or [])), list(dict.fromkeys(remove or []))
    errors: dict[str, str] = {}
    _check_codes(add, "add", errors)
    _check_codes(remove, "remove", errors)
    if not add and not remove and not errors:
        errors["add"] = "Choose a topic to add"
    both = set(add) & set(remove)
    if both and not errors:
        errors["remove"] = f"{TOPICS[sorted(both)[0]]} cannot be both added and removed"
    if errors:
        raise Invalid(next(iter(errors.values())), next(iter(errors)), errors)
    chosen = [c for c in challenge.categories or [] if c not in remove] + [
        c for c in add if c not in (challenge.categories or [])
    ]
    struck = [c for c in challenge.topics_removed or [] if c not in add] + [
        c for c in remove if c not in (challenge.topics_removed or [])
    ]
    if chosen == list(challenge.categories or []) and struck == list(challenge.topics_removed or []):
        return
    # New lists, not changed in place: the change log compares old and new values.
    challenge.categories = chosen
    challenge.topics_removed = struck
    challenge.updated_at = utcnow()
    session.add(challenge)


def set_topics(session: Session, viewer: Viewer, challenge: Challenge, topics: list[str]) -> None:
    """Make the topics read exactly these (the API's PATCH): those read now and not given are
    removed, those given and not read now are added."""
    errors: dict[str, str] = {}
    _check_codes(topics, "topics", errors)
    if errors:
        raise Invalid(errors["topics"], "topics")
    read = read_topics(challenge)
    add = [c for c in topics if c not in read]
    remove = [c for c in read if c not in topics]
    if add or remove:
        correct_topics(session, viewer, challenge, add=add, remove=remove)
    elif not access.can_manage_challenge(viewer, challenge):
        raise NotAllowed("Only the challenge's owner can correct its topics")
