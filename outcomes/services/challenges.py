"""Challenges: browsing, authoring the statement page by page, and the statement check (advice
and personal data) before publishing."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.db import utcnow
from catalogue.errors import Invalid
from catalogue.personal_data import check_fields, record_override
from catalogue.records.listing import has_code
from catalogue.records.models import Deployment
from catalogue.records.services.common import PAGE_SIZE, Page
from outcomes import clock
from outcomes.models import Challenge
from outcomes.schemas import SECTIONS
from outcomes.services.base import _refuse_personal_data, _require
from outcomes.services.sharing import shared_challenge_ids

# --- browsing ---------------------------------------------------------------------------------


def _challenges_query(
    session: Session,
    viewer: Viewer,
    route: str | None,
    status: str | None,
    category: str | None,
    region: str | None,
    on: date | None,
) -> Any:
    query = (
        select(Challenge, Organisation)
        .join(Organisation, Organisation.id == Challenge.owner_id)
        .where(access.challenge_shared_clause(viewer, Challenge, shared_challenge_ids(session, viewer)))
    )
    if route:
        query = query.where(Challenge.route == route)
    if status:
        # The shown status (outcomes.clock): an open challenge past its closing date is evaluating.
        query = query.where(clock.status_is(status, on))
    if region:
        query = query.where(Organisation.region == region)
    if category:
        query = query.where(has_code(Challenge.categories, category))
    return query


def list_challenges(
    session: Session,
    viewer: Viewer,
    *,
    route: str | None = None,
    status: str | None = None,
    category: str | None = None,
    region: str | None = None,
    on: date | None = None,
) -> list[tuple[Challenge, Organisation]]:
    """Published challenges, plus the viewer's own drafts and those shared with it."""
    query = _challenges_query(session, viewer, route, status, category, region, on)
    return [(c, o) for c, o in session.exec(query.order_by(Challenge.updated_at.desc(), Challenge.id.desc()))]


def challenges_page(session: Session, viewer: Viewer, *, page: int = 1, **filters: Any) -> Page:
    """list_challenges a page at a time, counted and cut in the database."""
    query = _challenges_query(session, viewer, **{k: filters.get(k) for k in FILTERS})
    total = session.exec(select(sa.func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    query = query.order_by(Challenge.updated_at.desc(), Challenge.id.desc())
    rows = session.exec(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Page([(c, o) for c, o in rows], total, page, pages)


FILTERS = ("route", "status", "category", "region", "on")


# --- authoring ----------------------------------------------------------------------------------

CONSTRAINT_PARTS = (
    ("constraint_data", "data", "Data"),
    ("constraint_ig", "information_governance", "Information governance"),
    ("constraint_hosting", "hosting", "Hosting"),
    ("constraint_cms", "case_management_system", "Case management system"),
)
EDITABLE_STATUSES = ("draft", "market-engagement")


def neutral_ref(session: Session) -> str:
    """A new challenge's permanent address and OCDS id: "ch-" and a short random id, never the
    title, so a first poor title does not stay in the address when the title is corrected.
    Refs already given (from titles, or imported) keep working unchanged."""
    while True:
        candidate = f"ch-{secrets.token_hex(4)}"
        if session.exec(select(Challenge.id).where(Challenge.ref == candidate)).first() is None:
            return candidate


def create_challenge(session: Session, viewer: Viewer, data: dict[str, Any]) -> Challenge:
    _require(
        access.can_author_challenge(viewer),
        "Only approved members of authorities, providers and partnerships can post a challenge",
    )
    owner = session.get(Organisation, viewer.member_org_id)
    challenge = Challenge(
        ref=neutral_ref(session),
        owner_id=viewer.member_org_id,
        title=data["title"],
        problem=data.get("problem") or "",
        categories=data.get("categories") or [],
        created_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    if owner is not None and owner.case_management_system:
        # The form starts from what the catalogue already knows; the task list shows the section
        # as not started until its author saves it (saving replaces these details, flag and all).
        challenge.constraint_details = {"case_management_system": owner.case_management_system, PREFILLED: True}
        challenge.constraints = _constraints_text(challenge.constraint_details)
    session.add(challenge)
    session.flush()
    return challenge


PREFILLED = "_prefilled"


def _constraints_text(details: dict[str, str]) -> str | None:
    lines = [f"{label}: {details[key]}" for _form, key, label in CONSTRAINT_PARTS if details.get(key)]
    return "\n".join(lines) or None


def visible_deployments(session: Session, viewer: Viewer, ids: list[int] | None = None) -> list[Deployment]:
    """Deployments the viewer may see (own first), for linking what was tried before."""
    query = select(Deployment).where(access.visible_clause(viewer, Deployment))
    if ids is not None:
        if not ids:
            return []
        query = query.where(Deployment.id.in_(ids))
    rows = session.exec(query.order_by(Deployment.id).limit(500)).all()
    own = viewer.member_org_id
    return sorted(rows, key=lambda d: (d.organisation_id != own, d.id))


def section_data(challenge: Challenge, section: str) -> dict[str, Any]:
    """What a section's form shows for a saved challenge."""
    if section == "constraints":
        details = challenge.constraint_details or {}
        return {form: details.get(key, "") for form, key, _label in CONSTRAINT_PARTS}
    if section == "requirements":
        return {
            "essential": "\n".join(challenge.essential_requirements),
            "nice_to_have": "\n".join(challenge.nice_to_have_requirements),
        }
    if section == "tried-before":
        return {"tried_before": challenge.tried_before or "", "tried_deployments": list(challenge.tried_deployment_ids)}
    data: dict[str, Any] = {}
    for name in SECTIONS[section]:
        value = getattr(challenge, name, None)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        data[name] = value if value is not None else ""
    return data


def save_section(session: Session, viewer: Viewer, challenge: Challenge, section: str, data: dict[str, Any]) -> None:
    """Store one page of the task list (already validated by ChallengeFormSchema)."""
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status not in EDITABLE_STATUSES:
        raise Invalid("The statement cannot be changed once the challenge is open for proposals")
    if challenge.status != "draft":
        # Published: the change goes straight onto the public page and the OCDS release, so
        # personal data is refused now (a draft is checked when it is published).
        override = _refuse_personal_data(data, skip=("tried_deployments",))
        record_override(session, override, challenge)
    if section == "constraints":
        details = {key: data[form] for form, key, _label in CONSTRAINT_PARTS if data.get(form)}
        challenge.constraint_details = details
        challenge.constraints = _constraints_text(details)
    elif section == "requirements":
        challenge.requirements = [{"requirement": r, "essential": True} for r in data.get("essential") or []] + [
            {"requirement": r, "essential": False} for r in data.get("nice_to_have") or []
        ]
    elif section == "tried-before":
        wanted = list(dict.fromkeys(data.get("tried_deployments") or []))
        allowed = {d.id for d in visible_deployments(session, viewer, wanted)}
        if set(wanted) - allowed:
            raise Invalid("Choose deployments from the list", "tried_deployments")
        challenge.tried_before = data.get("tried_before")
        challenge.tried_deployment_ids = wanted
    elif section == "outcomes":
        challenge.outcomes = [dict(o) for o in data.get("outcomes") or []]
    elif section == "evaluation":
        challenge.evaluation_criteria = [
            {"criterion": c["criterion"], "weight": c["weight"]} for c in data.get("evaluation_criteria") or []
        ]
    else:
        for name in SECTIONS[section]:
            setattr(challenge, name, data.get(name))
    challenge.updated_at = utcnow()
    session.add(challenge)


def sections_done(challenge: Challenge) -> dict[str, bool]:
    """For the task list: which pages have something in them."""
    return {
        "problem": bool(challenge.title and challenge.problem),
        "users": bool(challenge.users),
        "outcomes": bool(challenge.outcomes),
        "constraints": bool(challenge.constraints) and not (challenge.constraint_details or {}).get(PREFILLED),
        "tried-before": bool(challenge.tried_before or challenge.tried_deployment_ids),
        "budget": challenge.budget_min is not None or challenge.budget_max is not None or bool(challenge.route),
        "timetable": bool(challenge.timetable or challenge.closes),
        "evaluation": bool(challenge.evaluation_criteria),
        "requirements": bool(challenge.requirements),
    }


# --- the statement check ----------------------------------------------------------------------

# Products and technologies that, used as the ask, name a solution instead of a problem.
TECH_WORDS = (
    "copilot",
    "co-pilot",
    "chatgpt",
    "gpt",
    "gemini",
    "claude",
    "magic notes",
    "chatbot",
    "chat bot",
    "ai",
    "a.i.",
    "artificial intelligence",
    "generative ai",
    "genai",
    "llm",
    "llms",
    "large language model",
    "machine learning",
    "blockchain",
    "app",
    "robotic process automation",
    "rpa",
)
_TECH = "|".join(re.escape(w) for w in sorted(TECH_WORDS, key=len, reverse=True))
_TECH_WORD = re.compile(rf"(?<![\w-])({_TECH})(?![\w-])", re.IGNORECASE)
_ASK = re.compile(
    r"\b(?:want|wants|need|needs|looking for|procure|buy|purchase|implement|deploy|roll out|introduce|"
    r"commission|adopt|install|use|using|build|develop|get)\b[^.;:\n]{0,40}?"
    rf"(?<![\w-])({_TECH})(?![\w-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Advice:
    section: str
    message: str
    reason: str


def statement_advice(challenge: Challenge) -> list[Advice]:
    """Advice before publishing, each with its reason. None of it blocks publishing."""
    advice: list[Advice] = []
    named = _TECH_WORD.search(challenge.title or "") or _ASK.search(challenge.problem or "")
    if named:
        word = named.group(1)
        advice.append(
            Advice(
                "problem",
                f"The statement asks for a product or technology (‘{word}’) instead of describing the problem",
                "Suppliers propose better solutions to a problem and its outcomes than to a named technology, "
                "and naming one can shut out other approaches that would work",
            )
        )
    if not (challenge.users or "").strip():
        advice.append(
            Advice(
                "users",
                "Say who the users are and what they need",
                "Suppliers need to know whose work or life should change, and what those people need",
            )
        )
    if not challenge.outcomes:
        advice.append(
            Advice(
                "outcomes",
                "Add at least one outcome with a measure, a baseline and a target",
                "Outcomes are how proposals will be judged and how you will know the challenge worked",
            )
        )
    for number, outcome in enumerate(challenge.outcomes or [], start=1):
        missing = [part for part in ("measure", "baseline", "target") if not str(outcome.get(part) or "").strip()]
        if missing:
            advice.append(
                Advice(
                    "outcomes",
                    f"Outcome {number} (‘{outcome.get('outcome', '')[:60]}’) has no {_and(missing)}",
                    "Without a measure, a baseline and a target, nobody can show the outcome was achieved",
                )
            )
    if challenge.budget_min is None and challenge.budget_max is None:
        advice.append(
            Advice(
                "budget",
                "Give a budget range",
                "A budget range tells suppliers what scale of solution is realistic and saves everyone time",
            )
        )
    return advice


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


PERSONAL_DATA_FIELDS: dict[str, str] = {
    "title": "problem",
    "problem": "problem",
    "users": "users",
    "outcomes": "outcomes",
    "constraints": "constraints",
    "tried_before": "tried-before",
    "timetable": "timetable",
    "evaluation_criteria": "evaluation",
    "requirements": "requirements",
}


def personal_data_problems(challenge: Challenge) -> dict[str, str]:
    """{field: message} for every part of the statement with possible personal data. Blocks publishing."""
    data = {name: getattr(challenge, name) for name in PERSONAL_DATA_FIELDS}
    return check_fields(data, PERSONAL_DATA_FIELDS)
