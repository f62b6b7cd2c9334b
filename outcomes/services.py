"""The rules for challenges and partnerships: plain functions taking a session and a viewer.

Views parse and render; everything that decides (who may do what, when, and what follows)
is here, and every visibility question goes to catalogue.access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation, User
from catalogue.db import utcnow
from catalogue.errors import Invalid, NotAllowed
from catalogue.notifications.services import notify, on_challenge_event
from catalogue.personal_data import Review, check_fields, guard, record_override
from catalogue.records.models import Deployment, Tool
from catalogue.refs import new_ref
from outcomes.models import (
    Challenge,
    ChallengeCoSponsor,
    ChallengePhase,
    ChallengeResponse,
    ChallengeStatusChange,
    ClarificationQuestion,
    PhaseShortlist,
    Programme,
    ProgrammeChallengeRequest,
    ProgrammeMember,
    ProgrammeSupplier,
)
from outcomes.schemas import CLOSED_REASONS, SECTIONS
from suppliers.alerts import challenge_published
from suppliers.models import Offering

UK = ZoneInfo("Europe/London")


def today() -> date:
    """Closing dates are English calendar days."""
    return datetime.now(UK).date()


# The rules raise catalogue.errors' Invalid (a form error) and NotAllowed (403); a view that
# re-shows the form for either catches errors.Refused. ChallengeError is the old name of Invalid,
# kept while this module is being split (its raises are renamed then).
ChallengeError = Invalid


def _require(allowed: bool, message: str = "You do not have permission to do that") -> None:
    if not allowed:
        raise NotAllowed(message)


def _refuse_personal_data(data: dict[str, Any], skip: tuple[str, ...] = ()) -> Review | None:
    """Free text about a child or family is never stored where others read it. Returns what the
    writer confirmed is not about a real person, for `record_override` once the record is saved."""
    checked = guard(data, skip=skip)
    if checked.problems:
        raise Invalid.of_fields(checked.problems)
    return checked.override


# --- who shares a challenge ---------------------------------------------------------------------


def co_sponsor_ids(session: Session, challenge: Challenge) -> frozenset[int]:
    """Approved co-sponsors: they share the owner's view of proposals."""
    rows = session.exec(
        select(ChallengeCoSponsor.organisation_id).where(
            ChallengeCoSponsor.challenge_id == challenge.id, ChallengeCoSponsor.status == "approved"
        )
    ).all()
    return frozenset(rows)


def programme_member_ids(session: Session, programme_id: int | None) -> frozenset[int]:
    """Accepted members of a programme, and its lead."""
    if programme_id is None:
        return frozenset()
    programme = session.get(Programme, programme_id)
    rows = session.exec(
        select(ProgrammeMember.member_id).where(
            ProgrammeMember.programme_id == programme_id, ProgrammeMember.status == "accepted"
        )
    ).all()
    return frozenset(rows) | ({programme.lead_id} if programme else frozenset())


def sharing_ids(session: Session, challenge: Challenge) -> frozenset[int]:
    """Organisations (besides the owner) that see the challenge even as a draft."""
    return co_sponsor_ids(session, challenge) | programme_member_ids(session, challenge.programme_id)


def can_view(session: Session, viewer: Viewer, challenge: Challenge) -> bool:
    shared = co_sponsor_ids(session, challenge)
    members = programme_member_ids(session, challenge.programme_id)
    if access.programme_member_sees(viewer, members):
        shared = shared | {viewer.member_org_id}
    return access.can_view_challenge(viewer, challenge, shared)


def shared_challenge_ids(session: Session, viewer: Viewer) -> frozenset[int]:
    """Challenges shared with the viewer's organisation as co-sponsor or programme member."""
    org = viewer.member_org_id
    if org is None:
        return frozenset()
    ids = set(
        session.exec(
            select(ChallengeCoSponsor.challenge_id).where(
                ChallengeCoSponsor.organisation_id == org, ChallengeCoSponsor.status == "approved"
            )
        ).all()
    )
    if viewer.is_authority_staff:
        programmes = set(
            session.exec(
                select(ProgrammeMember.programme_id).where(
                    ProgrammeMember.member_id == org, ProgrammeMember.status == "accepted"
                )
            ).all()
        )
        programmes |= set(session.exec(select(Programme.id).where(Programme.lead_id == org)).all())
        if programmes:
            ids |= set(session.exec(select(Challenge.id).where(Challenge.programme_id.in_(sorted(programmes)))).all())
    return frozenset(ids)


def get_challenge(session: Session, viewer: Viewer, ref: str) -> Challenge | None:
    """The challenge if this viewer may see it; None otherwise (the caller answers 404)."""
    challenge = session.exec(select(Challenge).where(Challenge.ref == ref)).first()
    if challenge is None or not can_view(session, viewer, challenge):
        return None
    return challenge


# --- browsing ---------------------------------------------------------------------------------


def list_challenges(
    session: Session,
    viewer: Viewer,
    *,
    route: str | None = None,
    status: str | None = None,
    category: str | None = None,
    region: str | None = None,
) -> list[tuple[Challenge, Organisation]]:
    """Published challenges, plus the viewer's own drafts and those shared with it."""
    query = (
        select(Challenge, Organisation)
        .join(Organisation, Organisation.id == Challenge.owner_id)
        .where(access.challenge_shared_clause(viewer, Challenge, shared_challenge_ids(session, viewer)))
    )
    if route:
        query = query.where(Challenge.route == route)
    if status:
        query = query.where(Challenge.status == status)
    if region:
        query = query.where(Organisation.region == region)
    rows = session.exec(query.order_by(Challenge.updated_at.desc(), Challenge.id.desc())).all()
    if category:
        rows = [row for row in rows if category in (row[0].categories or [])]
    return [(c, o) for c, o in rows]


# --- authoring ----------------------------------------------------------------------------------

CONSTRAINT_PARTS = (
    ("constraint_data", "data", "Data"),
    ("constraint_ig", "information_governance", "Information governance"),
    ("constraint_hosting", "hosting", "Hosting"),
    ("constraint_cms", "case_management_system", "Case management system"),
)
EDITABLE_STATUSES = ("draft", "market-engagement")


def create_challenge(session: Session, viewer: Viewer, data: dict[str, Any]) -> Challenge:
    _require(
        access.can_author_challenge(viewer),
        "Only approved members of authorities, providers and partnerships can post a challenge",
    )
    owner = session.get(Organisation, viewer.member_org_id)
    challenge = Challenge(
        ref=new_ref(session, Challenge, data["title"]),
        owner_id=viewer.member_org_id,
        title=data["title"],
        problem=data.get("problem") or "",
        categories=data.get("categories") or [],
        created_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    if owner is not None and owner.case_management_system:
        # The form starts from what the catalogue already knows.
        challenge.constraint_details = {"case_management_system": owner.case_management_system}
        challenge.constraints = _constraints_text(challenge.constraint_details)
    session.add(challenge)
    session.flush()
    return challenge


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
        raise ChallengeError("The statement cannot be changed once the challenge is open for proposals")
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
            raise ChallengeError("Choose deployments from the list", "tried_deployments")
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
        "constraints": bool(challenge.constraints),
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


# --- the lifecycle ------------------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("market-engagement", "open", "withdrawn"),
    "market-engagement": ("open", "closed", "withdrawn"),
    "open": ("evaluating", "closed", "withdrawn"),
    "evaluating": ("awarded", "closed", "withdrawn"),
    "awarded": (),
    "closed": (),
    "withdrawn": (),
}
STATUS_NEWS = {
    "market-engagement": "now in market engagement: suppliers can ask questions and express interest",
    "open": "now open for proposals",
    "evaluating": "proposals are being evaluated",
    "awarded": "awarded",
    "closed": "closed without an award",
    "withdrawn": "withdrawn",
}


def allowed_transitions(challenge: Challenge) -> tuple[str, ...]:
    # Awarding goes through award(), which chooses the proposal.
    return tuple(s for s in TRANSITIONS.get(challenge.status, ()) if s != "awarded")


def change_status(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    to_status: str,
    *,
    reason: str | None = None,
    detail: str | None = None,
    _awarding: bool = False,
) -> ChallengeStatusChange:
    """Move a challenge on, or refuse with the reason. Every change is recorded with who and when."""
    _require(access.can_manage_challenge(viewer, challenge))
    current = challenge.status
    if to_status not in TRANSITIONS.get(current, ()):
        raise ChallengeError(
            f"A challenge that is ‘{vocabulary.label(vocabulary.CHALLENGE_STATUSES, current)}’ cannot become "
            f"‘{vocabulary.label(vocabulary.CHALLENGE_STATUSES, to_status)}’"
        )
    if to_status == "awarded" and not _awarding:
        raise ChallengeError("Award the challenge by choosing the successful proposal")
    if to_status in ("market-engagement", "open"):
        checked = guard({name: getattr(challenge, name) for name in PERSONAL_DATA_FIELDS}, PERSONAL_DATA_FIELDS)
        if checked.problems:
            raise ChallengeError(
                "Remove the personal data from the statement before publishing it: "
                + next(iter(checked.problems.values()))
            )
        record_override(session, checked.override, challenge)
    now_day = today()
    if to_status == "open":
        if challenge.closes is None or challenge.closes <= now_day:
            raise ChallengeError(
                "Set a closing date in the future before opening the challenge for proposals", "closes"
            )
        if challenge.questions_close is None:
            challenge.questions_close = max(now_day, challenge.closes - timedelta(days=7))
        elif challenge.questions_close >= challenge.closes:
            raise ChallengeError("Clarification questions must close before the closing date", "questions_close")
    if to_status == "evaluating" and challenge.closes is not None and challenge.closes >= now_day:
        raise ChallengeError(
            f"Proposals can be sent until the end of the closing date ({challenge.closes:%-d %B %Y}). "
            "Start evaluating after it"
        )
    if to_status == "closed":
        record_override(session, _refuse_personal_data({"detail": detail}), challenge)
        if reason not in CLOSED_REASONS:
            raise ChallengeError("Choose why the challenge closed without an award", "reason")
        if reason == "other" and not (detail or "").strip():
            raise ChallengeError("Enter the reason the challenge closed", "detail")
        challenge.closed_reason = reason
        challenge.closed_detail = detail or None
        # No award: every proposal still in the running was unsuccessful, so each supplier now
        # sees the feedback written for it.
        for proposal in session.exec(
            select(ChallengeResponse).where(
                ChallengeResponse.challenge_id == challenge.id,
                ChallengeResponse.kind == "proposal",
                ChallengeResponse.status.in_(("submitted", "shortlisted")),
            )
        ).all():
            proposal.status = "unsuccessful"
            session.add(proposal)
    challenge.status = to_status
    if challenge.published_at is None and to_status in ("market-engagement", "open"):
        challenge.published_at = utcnow()
    challenge.updated_at = utcnow()
    change = ChallengeStatusChange(
        challenge_id=challenge.id,
        from_status=current,
        to_status=to_status,
        reason=reason,
        detail=detail or None,
        changed_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(challenge)
    session.add(change)
    session.flush()
    if to_status in ("market-engagement", "open"):
        _challenge_published(session, challenge)
    _challenge_event(session, challenge, "status", STATUS_NEWS[to_status])
    return change


def _challenge_published(session: Session, challenge: Challenge) -> None:
    """Suppliers whose alerts match hear about it (in the same transaction)."""
    challenge_published(session, challenge)


def _challenge_event(session: Session, challenge: Challenge, event: str, text: str) -> None:
    """Followers hear about status changes, new Q&A and results (in the same transaction)."""
    on_challenge_event(session, challenge, event, text)


def status_history(session: Session, challenge: Challenge) -> list[ChallengeStatusChange]:
    return list(
        session.exec(
            select(ChallengeStatusChange)
            .where(ChallengeStatusChange.challenge_id == challenge.id)
            .order_by(ChallengeStatusChange.at, ChallengeStatusChange.id)
        ).all()
    )


def status_history_view(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ChallengeStatusChange, str | None]]:
    """The history, each change with who made it for those who share the owner's view (the
    owner, approved co-sponsors, site admins); None for everyone else."""
    shows_who = access.can_see_responses(viewer, challenge, co_sponsor_ids(session, challenge))
    rows = []
    for change in status_history(session, challenge):
        who = None
        if shows_who and change.changed_by_id is not None:
            user = session.get(User, change.changed_by_id)
            who = (user.display_name or user.email) if user is not None else None
        rows.append((change, who))
    return rows


# --- co-sponsors --------------------------------------------------------------------------------


def request_co_sponsor(session: Session, viewer: Viewer, challenge: Challenge, note: str | None) -> ChallengeCoSponsor:
    _require(
        access.can_co_sponsor(viewer, challenge), "Only another authority can ask to co-sponsor a published challenge"
    )
    existing = session.exec(
        select(ChallengeCoSponsor).where(
            ChallengeCoSponsor.challenge_id == challenge.id, ChallengeCoSponsor.organisation_id == viewer.member_org_id
        )
    ).first()
    if existing is not None:
        raise ChallengeError("Your organisation has already asked to co-sponsor this challenge")
    override = _refuse_personal_data({"note": note})
    row = ChallengeCoSponsor(
        challenge_id=challenge.id,
        organisation_id=viewer.member_org_id,
        note=note,
        requested_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(row)
    session.flush()
    record_override(session, override, row)
    return row


def decide_co_sponsor(session: Session, viewer: Viewer, challenge: Challenge, request_id: int, approve: bool) -> None:
    _require(access.can_manage_challenge(viewer, challenge))
    row = session.get(ChallengeCoSponsor, request_id)
    if row is None or row.challenge_id != challenge.id:
        raise ChallengeError("That request is not for this challenge")
    row.status = "approved" if approve else "declined"
    row.decided_at = utcnow()
    session.add(row)


def co_sponsors(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ChallengeCoSponsor, Organisation]]:
    """Approved co-sponsors for everyone; pending and declined requests for the owner and the asker."""
    rows = session.exec(
        select(ChallengeCoSponsor, Organisation)
        .join(Organisation, Organisation.id == ChallengeCoSponsor.organisation_id)
        .where(ChallengeCoSponsor.challenge_id == challenge.id)
        .order_by(ChallengeCoSponsor.requested_at)
    ).all()
    manager = access.can_manage_challenge(viewer, challenge)
    return [
        (row, org)
        for row, org in rows
        if row.status == "approved" or manager or (viewer.member_org_id is not None and viewer.member_org_id == org.id)
    ]


# --- clarification questions ------------------------------------------------------------------


def questions_open(challenge: Challenge, on: date | None = None) -> str | None:
    """None when suppliers may ask; otherwise why not."""
    on = on or today()
    if challenge.status not in ("market-engagement", "open"):
        return "Questions can be asked only during market engagement or while the challenge is open"
    if challenge.status == "open":
        closes = challenge.questions_close or (challenge.closes and challenge.closes - timedelta(days=7))
        if closes is not None and on > closes:
            return f"Clarification questions closed on {closes:%-d %B %Y}"
    return None


def ask_question(session: Session, viewer: Viewer, challenge: Challenge, text: str) -> ClarificationQuestion:
    _require(access.can_respond_to_challenges(viewer), "Only approved suppliers can ask clarification questions")
    refusal = questions_open(challenge)
    if refusal:
        raise ChallengeError(refusal, "question")
    override = _refuse_personal_data({"question": text})
    row = ClarificationQuestion(
        challenge_id=challenge.id,
        supplier_id=viewer.member_org_id,
        asked_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
        question=text,
    )
    session.add(row)
    session.flush()
    record_override(session, override, row)
    return row


def answer_question(
    session: Session, viewer: Viewer, challenge: Challenge, question_id: int, question: str, answer: str
) -> ClarificationQuestion:
    """The owner answers (and may reword the question, to remove who asked) and publishes the pair."""
    _require(access.can_manage_challenge(viewer, challenge))
    row = session.get(ClarificationQuestion, question_id)
    if row is None or row.challenge_id != challenge.id:
        raise ChallengeError("That question is not for this challenge")
    override = _refuse_personal_data({"question": question, "answer": answer})
    first_time = row.status != "published"
    row.question, row.answer, row.status = question, answer, "published"
    row.published_at = row.published_at or utcnow()
    session.add(row)
    session.flush()
    record_override(session, override, row)
    if first_time:
        _challenge_event(session, challenge, "qa", f"Q: {question}\n\nA: {answer}")
    return row


def visible_questions(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ClarificationQuestion, Organisation | None]]:
    """Questions this viewer may read, each with the asking supplier only where the policy allows."""
    sponsors = co_sponsor_ids(session, challenge)
    show_asker = access.can_see_asker(viewer, challenge, sponsors)
    rows = session.exec(
        select(ClarificationQuestion)
        .where(ClarificationQuestion.challenge_id == challenge.id)
        .order_by(ClarificationQuestion.asked_at, ClarificationQuestion.id)
    ).all()
    result = []
    for row in rows:
        if access.can_view_question(viewer, row, challenge, sponsors):
            asker = session.get(Organisation, row.supplier_id) if show_asker else None
            result.append((row, asker))
    return result


# --- expressions of interest and proposals ------------------------------------------------------

RESPONSE_KINDS = {"interest": "expression of interest", "proposal": "proposal"}


def response_window(challenge: Challenge, kind: str, on: date | None = None) -> str | None:
    """None when a supplier may send or change this kind of response; otherwise why not."""
    on = on or today()
    if kind == "interest":
        if challenge.status != "market-engagement":
            return "Expressions of interest can be sent only during market engagement"
        return None
    if challenge.status != "open":
        return "Proposals can be sent only while the challenge is open for proposals"
    if challenge.closes is None or on > challenge.closes:
        return "The closing date has passed: proposals can no longer be sent or changed"
    return None


def own_response(session: Session, viewer: Viewer, challenge: Challenge, kind: str) -> ChallengeResponse | None:
    if viewer.member_org_id is None:
        return None
    return session.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.challenge_id == challenge.id,
            ChallengeResponse.supplier_id == viewer.member_org_id,
            ChallengeResponse.kind == kind,
        )
    ).first()


def supplier_offerings(session: Session, viewer: Viewer) -> list[Offering]:
    if viewer.member_org_id is None:
        return []
    return list(
        session.exec(select(Offering).where(Offering.supplier_id == viewer.member_org_id).order_by(Offering.name)).all()
    )


def save_response(
    session: Session, viewer: Viewer, challenge: Challenge, kind: str, data: dict[str, Any]
) -> ChallengeResponse:
    """Send or change the supplier's own expression of interest or proposal."""
    _require(access.can_respond_to_challenges(viewer), "Only approved suppliers can respond to challenges")
    if kind not in RESPONSE_KINDS:
        raise ChallengeError("Choose an expression of interest or a proposal")
    refusal = response_window(challenge, kind)
    if refusal:
        raise ChallengeError(refusal)
    offering_id = None
    if data.get("offering"):
        offering = session.exec(
            select(Offering).where(Offering.ref == data["offering"], Offering.supplier_id == viewer.member_org_id)
        ).first()
        if offering is None:
            raise ChallengeError("Choose one of your own offerings", "offering")
        offering_id = offering.id
    essentials = challenge.essential_requirements
    answers = [(a or "").strip() for a in data.get("requirements_met") or []]
    answers = (answers + [""] * len(essentials))[: len(essentials)]
    if kind == "proposal":
        for number, answer in enumerate(answers):
            if not answer:
                raise ChallengeError(
                    f"Say how your proposal meets the essential requirement ‘{essentials[number][:80]}’",
                    f"requirements_met-{number}",
                )
    override = _refuse_personal_data(
        {
            "approach": data.get("approach"),
            "price": data.get("price"),
            "evidence": data.get("evidence"),
            **{f"requirements_met-{i}": a for i, a in enumerate(answers)},
        }
    )
    response = own_response(session, viewer, challenge, kind) or ChallengeResponse(
        challenge_id=challenge.id, supplier_id=viewer.member_org_id, kind=kind
    )
    response.approach = data["approach"]
    response.offering_id = offering_id
    response.requirements_met = [{"requirement": r, "how": a} for r, a in zip(essentials, answers, strict=True)]
    response.price = data.get("price")
    response.evidence = data.get("evidence")
    response.submitted_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    response.updated_at = utcnow()
    session.add(response)
    session.flush()
    record_override(session, override, response)
    return response


def own_responses(session: Session, viewer: Viewer) -> list[tuple[ChallengeResponse, Challenge]]:
    """The signed-in supplier's own expressions of interest and proposals (never another
    supplier's), newest first, each with its challenge."""
    if viewer.member_org_id is None or not access.can_respond_to_challenges(viewer):
        return []
    rows = session.exec(
        select(ChallengeResponse, Challenge)
        .join(Challenge, Challenge.id == ChallengeResponse.challenge_id)
        .where(ChallengeResponse.supplier_id == viewer.member_org_id)
        .order_by(ChallengeResponse.updated_at.desc(), ChallengeResponse.id.desc())
    ).all()
    return [(r, c) for r, c in rows if access.can_view_response(viewer, r, c)]


def visible_responses(
    session: Session, viewer: Viewer, challenge: Challenge, kind: str | None = None
) -> list[tuple[ChallengeResponse, Organisation]]:
    """Every response this viewer may see: all of them for the owner and co-sponsors, only its
    own for a supplier, none for anyone else. Ordered by weighted score, then date."""
    sponsors = co_sponsor_ids(session, challenge)
    query = (
        select(ChallengeResponse, Organisation)
        .join(Organisation, Organisation.id == ChallengeResponse.supplier_id)
        .where(ChallengeResponse.challenge_id == challenge.id)
    )
    if not access.can_see_responses(viewer, challenge, sponsors):
        # Narrow in SQL as well as below: a supplier's query never even loads another's response.
        if viewer.member_org_id is None:
            return []
        query = query.where(ChallengeResponse.supplier_id == viewer.member_org_id)
    if kind:
        query = query.where(ChallengeResponse.kind == kind)
    rows = session.exec(query.order_by(ChallengeResponse.submitted_at, ChallengeResponse.id)).all()
    rows = [(r, o) for r, o in rows if access.can_view_response(viewer, r, challenge, sponsors)]
    rows.sort(key=lambda ro: -(ro[0].score_total or -1))
    return rows


def get_response(session: Session, viewer: Viewer, challenge: Challenge, response_id: int) -> ChallengeResponse | None:
    response = session.get(ChallengeResponse, response_id)
    if response is None or response.challenge_id != challenge.id:
        return None
    if not access.can_view_response(viewer, response, challenge, co_sponsor_ids(session, challenge)):
        return None
    return response


def weighted_total(challenge: Challenge, scores: dict[str, int]) -> float | None:
    """Each score is 0 to 10; the total is out of 100, weighted by the criteria."""
    criteria = challenge.evaluation_criteria or []
    if not criteria or not scores:
        return None
    total = sum(scores.get(str(i), 0) / 10 * c["weight"] for i, c in enumerate(criteria))
    return round(total, 1)


def score_response(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    response: ChallengeResponse,
    scores: dict[str, int],
    feedback: str | None,
) -> ChallengeResponse:
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status not in ("market-engagement", "open", "evaluating", "awarded", "closed"):
        raise ChallengeError("Responses can be scored once the challenge has been published")
    if response.kind == "proposal" and challenge.status == "open":
        raise ChallengeError("Score proposals after the closing date, when the challenge is being evaluated")
    known = {str(i) for i in range(len(challenge.evaluation_criteria or []))}
    if set(scores) - known:
        raise ChallengeError("Score only the challenge's evaluation criteria", "scores")
    override = _refuse_personal_data({"feedback": feedback})
    response.scores = {k: int(v) for k, v in scores.items()}
    response.score_total = weighted_total(challenge, response.scores)
    response.feedback = feedback
    session.add(response)
    record_override(session, override, response)
    return response


def shortlist(
    session: Session,
    viewer: Viewer,
    challenge: Challenge,
    response: ChallengeResponse,
    phase_id: int | None = None,
    on: bool = True,
) -> None:
    """Shortlist a response (for a phase, when the route has phases), or take it off."""
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status in ("awarded", "closed", "withdrawn", "draft"):
        raise ChallengeError("Shortlists can be changed only while the challenge is live")
    if phase_id is not None:
        phase = session.get(ChallengePhase, phase_id)
        if phase is None or phase.challenge_id != challenge.id:
            raise ChallengeError("That phase is not part of this challenge")
        existing = session.get(PhaseShortlist, (phase_id, response.id))
        if on and existing is None:
            session.add(PhaseShortlist(phase_id=phase_id, response_id=response.id))
        elif not on and existing is not None:
            session.delete(existing)
            session.flush()
    still_listed = on or (
        phase_id is not None
        and session.exec(select(PhaseShortlist).where(PhaseShortlist.response_id == response.id)).first() is not None
    )
    response.status = "shortlisted" if still_listed else "submitted"
    session.add(response)


def phases(session: Session, challenge: Challenge) -> list[tuple[ChallengePhase, list[int]]]:
    """Phases in date order, each with the response ids shortlisted for it."""
    rows = session.exec(
        select(ChallengePhase).where(ChallengePhase.challenge_id == challenge.id).order_by(ChallengePhase.id)
    ).all()
    result = []
    for phase in rows:
        ids = session.exec(select(PhaseShortlist.response_id).where(PhaseShortlist.phase_id == phase.id)).all()
        result.append((phase, list(ids)))
    order = {"feasibility": 0, "prototype": 1, "pilot": 2}
    result.sort(key=lambda pr: (order.get(pr[0].name, 9), pr[0].starts or date.max))
    return result


def add_phase(session: Session, viewer: Viewer, challenge: Challenge, data: dict[str, Any]) -> ChallengePhase:
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status in ("awarded", "closed", "withdrawn"):
        raise ChallengeError("Phases cannot be added once the challenge has finished")
    exists = session.exec(
        select(ChallengePhase).where(ChallengePhase.challenge_id == challenge.id, ChallengePhase.name == data["name"])
    ).first()
    if exists is not None:
        raise ChallengeError("That phase has already been added", "name")
    phase = ChallengePhase(
        challenge_id=challenge.id,
        name=data["name"],
        budget=data.get("budget"),
        starts=data.get("starts"),
        ends=data.get("ends"),
    )
    session.add(phase)
    session.flush()
    return phase


def award(session: Session, viewer: Viewer, challenge: Challenge, response: ChallengeResponse) -> None:
    """Record the award: the chosen proposal wins, every other proposal is unsuccessful."""
    _require(access.can_manage_challenge(viewer, challenge))
    if response.challenge_id != challenge.id or response.kind != "proposal":
        raise ChallengeError("Choose one of this challenge's proposals")
    if challenge.status != "evaluating":
        raise ChallengeError("A challenge is awarded after its proposals have been evaluated")
    for other in session.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.kind == "proposal"
        )
    ).all():
        other.status = "awarded" if other.id == response.id else "unsuccessful"
        session.add(other)
    challenge.awarded_at = utcnow()
    change_status(session, viewer, challenge, "awarded", _awarding=True)


def awarded_to(session: Session, challenge: Challenge) -> Organisation | None:
    """Who won is public once awarded (as any published contract award); what they proposed is not."""
    if challenge.status != "awarded":
        return None
    supplier_id = session.exec(
        select(ChallengeResponse.supplier_id).where(
            ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.status == "awarded"
        )
    ).first()
    return session.get(Organisation, supplier_id) if supplier_id else None


def awarded_response(session: Session, challenge: Challenge) -> ChallengeResponse | None:
    return session.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.status == "awarded"
        )
    ).first()


# --- results after award --------------------------------------------------------------------------


def record_results(
    session: Session, viewer: Viewer, challenge: Challenge, results: list[dict[str, Any]], deployment_ref: str | None
) -> None:
    """Actual results against each outcome's baseline and target, and the deployment that followed."""
    _require(access.can_manage_challenge(viewer, challenge))
    if challenge.status != "awarded":
        raise ChallengeError("Results can be recorded once the challenge has been awarded")
    deployment_id = None
    if deployment_ref:
        deployment = session.exec(select(Deployment).where(Deployment.ref == deployment_ref)).first()
        if deployment is None or not access.can_view(viewer, deployment):
            raise ChallengeError("Choose a deployment from the list", "deployment")
        deployment_id = deployment.id
    rows = []
    for index, _outcome in enumerate(challenge.outcomes or []):
        given = results[index] if index < len(results) else {}
        if given.get("actual") or given.get("note"):
            rows.append({"outcome": index, "actual": given.get("actual") or "", "note": given.get("note") or ""})
    override = _refuse_personal_data({"results": rows})
    challenge.results = rows
    challenge.result_deployment_id = deployment_id
    session.add(challenge)
    record_override(session, override, challenge)
    _challenge_event(session, challenge, "update", "results have been recorded against the outcomes")


def results_view(session: Session, viewer: Viewer, challenge: Challenge) -> dict[str, Any]:
    """Outcomes with their actual results, and the resulting deployment if this viewer may see it."""
    by_index = {r["outcome"]: r for r in challenge.results or []}
    rows = [(o, by_index.get(i)) for i, o in enumerate(challenge.outcomes or [])]
    deployment = session.get(Deployment, challenge.result_deployment_id) if challenge.result_deployment_id else None
    if deployment is not None and not access.can_view(viewer, deployment):
        deployment = None
    return {"rows": rows, "deployment": deployment, "any": bool(by_index)}


def tool_names(session: Session, tool_ids: set[int]) -> dict[int, str]:
    """{tool id: name}, to label deployments by their tool (the caller's deployments are visible)."""
    if not tool_ids:
        return {}
    return dict(session.exec(select(Tool.id, Tool.name).where(Tool.id.in_(tool_ids))).all())


def tried_deployments(session: Session, viewer: Viewer, challenge: Challenge) -> list[tuple[Deployment, Organisation]]:
    """Linked deployments, filtered for this viewer (a private peer deployment stays hidden)."""
    result = []
    for deployment in visible_deployments(session, viewer, list(challenge.tried_deployment_ids or [])):
        result.append((deployment, session.get(Organisation, deployment.organisation_id)))
    return result


# --- partnerships (programmes) -------------------------------------------------------------------


def list_programmes(session: Session) -> list[tuple[Programme, Organisation]]:
    return [
        (p, o)
        for p, o in session.exec(
            select(Programme, Organisation)
            .join(Organisation, Organisation.id == Programme.lead_id)
            .order_by(Programme.name)
        ).all()
    ]


def get_programme(session: Session, ref: str) -> Programme | None:
    return session.exec(select(Programme).where(Programme.ref == ref)).first()


def _milestones(lines: list[str]) -> list[dict[str, str]]:
    result = []
    for line in lines:
        day, text = line.split(" ", 1)
        result.append({"date": day, "milestone": text.strip()})
    return sorted(result, key=lambda m: m["date"])


def create_programme(session: Session, viewer: Viewer, data: dict[str, Any]) -> Programme:
    _require(
        access.can_create_programme(viewer),
        "Only approved members of a partnership or local authority can lead a partnership",
    )
    override = _refuse_personal_data(data)
    programme = Programme(
        ref=new_ref(session, Programme, data["name"]),
        name=data["name"],
        lead_id=viewer.member_org_id,
        description=data["description"],
        phases=data.get("phases"),
        milestones=_milestones(data.get("milestones") or []),
        evaluation_plan=data.get("evaluation_plan"),
        created_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(programme)
    session.flush()
    record_override(session, override, programme)
    return programme


def update_programme(session: Session, viewer: Viewer, programme: Programme, data: dict[str, Any]) -> None:
    _require(access.can_manage_programme(viewer, programme))
    override = _refuse_personal_data(data)
    programme.name = data["name"]
    programme.description = data["description"]
    programme.phases = data.get("phases")
    programme.milestones = _milestones(data.get("milestones") or [])
    programme.evaluation_plan = data.get("evaluation_plan")
    session.add(programme)
    record_override(session, override, programme)


def programme_form_data(programme: Programme) -> dict[str, Any]:
    return {
        "name": programme.name,
        "description": programme.description,
        "phases": programme.phases or "",
        "milestones": "\n".join(f"{m['date']} {m['milestone']}" for m in programme.milestones or []),
        "evaluation_plan": programme.evaluation_plan or "",
    }


def _organisation(session: Session, ref: str | None, kinds: tuple[str, ...]) -> Organisation | None:
    if not ref:
        return None
    # Only verified organisations can be invited or named: an unverified one is not public.
    return session.exec(
        select(Organisation).where(
            Organisation.ref == ref, Organisation.kind.in_(kinds), access.verified_clause(Organisation)
        )
    ).first()


def invite_member(session: Session, viewer: Viewer, programme: Programme, organisation_ref: str) -> ProgrammeMember:
    _require(access.can_manage_programme(viewer, programme))
    org = _organisation(session, organisation_ref, ("local-authority",))
    if org is None:
        raise ChallengeError("Choose a local authority from the list", "member")
    if org.id == programme.lead_id:
        raise ChallengeError("The lead organisation is already part of the partnership", "member")
    row = session.get(ProgrammeMember, (programme.id, org.id))
    if row is not None and row.status != "declined":
        raise ChallengeError(f"{org.name} has already been invited", "member")
    if row is None:
        row = ProgrammeMember(programme_id=programme.id, member_id=org.id)
    row.status, row.invited_at, row.responded_at = "invited", utcnow(), None
    session.add(row)
    session.flush()
    return row


def respond_to_invitation(session: Session, viewer: Viewer, programme: Programme, accept: bool) -> None:
    """An approved member of the invited authority accepts or declines for it."""
    row = session.get(ProgrammeMember, (programme.id, viewer.member_org_id)) if viewer.member_org_id else None
    _require(
        row is not None and viewer.is_authority_staff, "Your organisation has not been invited to this partnership"
    )
    if row.status != "invited":
        raise ChallengeError("Your organisation has already answered this invitation")
    row.status = "accepted" if accept else "declined"
    row.responded_at = utcnow()
    session.add(row)


def add_cohort_supplier(session: Session, viewer: Viewer, programme: Programme, supplier_ref: str) -> None:
    _require(access.can_manage_programme(viewer, programme))
    org = _organisation(session, supplier_ref, ("supplier",))
    if org is None:
        raise ChallengeError("Choose a supplier from the list", "supplier")
    if session.get(ProgrammeSupplier, (programme.id, org.id)) is not None:
        raise ChallengeError(f"{org.name} is already in the cohort", "supplier")
    session.add(ProgrammeSupplier(programme_id=programme.id, supplier_id=org.id))


def attach_challenge(
    session: Session, viewer: Viewer, programme: Programme, challenge_ref: str
) -> Challenge | ProgrammeChallengeRequest:
    """The lead runs a published challenge under the programme: its own joins at once; a
    member's needs that member's consent, so the lead asks and the owner's organisation is told
    (the challenge joins when it accepts: `decide_programme_request`). A draft never joins: every
    member would read what its owner has not published."""
    _require(access.can_manage_programme(viewer, programme))
    members = programme_member_ids(session, programme.id)
    challenge = get_challenge(session, viewer, challenge_ref)
    if challenge is None or challenge.owner_id not in members:
        raise ChallengeError("Choose a challenge posted by the lead or a member of the partnership", "challenge")
    if not access.challenge_is_public(challenge):
        raise ChallengeError("Only a published challenge can join a partnership", "challenge")
    if challenge.programme_id == programme.id:
        raise ChallengeError("That challenge is already part of the partnership", "challenge")
    if challenge.owner_id == programme.lead_id:
        challenge.programme_id = programme.id
        session.add(challenge)
        return challenge
    if _open_request(session, programme.id, challenge.id) is not None:
        raise ChallengeError("The challenge's owner has already been asked", "challenge")
    row = ProgrammeChallengeRequest(
        programme_id=programme.id,
        challenge_id=challenge.id,
        requested_by_id=viewer.user_id if viewer.user_id and viewer.user_id > 0 else None,
    )
    session.add(row)
    session.flush()
    lead = session.get(Organisation, programme.lead_id)
    notify(
        session,
        _approved_members(session, challenge.owner_id),
        f"{lead.name} asks to run {challenge.title} in {programme.name}",
        f"{lead.name} asks to run your challenge {challenge.title} as part of the partnership "
        f"{programme.name}. If you accept, every member of the partnership sees it and its results. "
        "Accept or decline on the challenge's page.",
        f"/challenges/{challenge.ref}",
        record=challenge,
        kind="challenge",
        topic="programme-request",
    )
    return row


def _open_request(session: Session, programme_id: int, challenge_id: int) -> ProgrammeChallengeRequest | None:
    return session.exec(
        select(ProgrammeChallengeRequest).where(
            ProgrammeChallengeRequest.programme_id == programme_id,
            ProgrammeChallengeRequest.challenge_id == challenge_id,
            ProgrammeChallengeRequest.status == "requested",
        )
    ).first()


def _approved_members(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.exec(select(User).where(User.organisation_id == organisation_id, User.status == "approved")).all()
    )


def programme_requests(
    session: Session, viewer: Viewer, challenge: Challenge
) -> list[tuple[ProgrammeChallengeRequest, Programme]]:
    """Partnerships waiting for the owner's answer: shown to the owner's members only."""
    if not access.can_manage_challenge(viewer, challenge):
        return []
    return [
        (r, p)
        for r, p in session.exec(
            select(ProgrammeChallengeRequest, Programme)
            .join(Programme, Programme.id == ProgrammeChallengeRequest.programme_id)
            .where(
                ProgrammeChallengeRequest.challenge_id == challenge.id, ProgrammeChallengeRequest.status == "requested"
            )
            .order_by(ProgrammeChallengeRequest.requested_at)
        ).all()
    ]


def decide_programme_request(
    session: Session, viewer: Viewer, challenge: Challenge, request_id: int, accept: bool
) -> None:
    """The owner's members accept (the challenge joins the programme) or decline; the lead is told."""
    _require(access.can_manage_challenge(viewer, challenge))
    row = session.get(ProgrammeChallengeRequest, request_id)
    if row is None or row.challenge_id != challenge.id or row.status != "requested":
        raise ChallengeError("That request is not waiting for an answer")
    programme = session.get(Programme, row.programme_id)
    if accept and challenge.owner_id not in programme_member_ids(session, programme.id):
        raise ChallengeError("Your organisation is no longer a member of that partnership")
    row.status = "accepted" if accept else "declined"
    row.decided_at = utcnow()
    row.decided_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    session.add(row)
    if accept:
        challenge.programme_id = programme.id
        session.add(challenge)
    owner = session.get(Organisation, challenge.owner_id)
    answer = "accepted" if accept else "declined"
    notify(
        session,
        _approved_members(session, programme.lead_id),
        f"{owner.name} {answer} running {challenge.title} in {programme.name}",
        f"{owner.name} {answer} your request to run {challenge.title} as part of {programme.name}.",
        f"/partnerships/{programme.ref}",
        record=challenge,
        kind="challenge",
        topic="programme-request-answered",
    )


def attachable_challenges(session: Session, viewer: Viewer, programme: Programme) -> list[Challenge]:
    """The pick list: published challenges of the lead and accepted members that the lead may
    see, not yet in the programme and not already asked for."""
    if not access.can_manage_programme(viewer, programme):
        return []
    members = programme_member_ids(session, programme.id)
    asked = select(ProgrammeChallengeRequest.challenge_id).where(
        ProgrammeChallengeRequest.programme_id == programme.id, ProgrammeChallengeRequest.status == "requested"
    )
    return list(
        session.exec(
            select(Challenge)
            .where(Challenge.owner_id.in_(sorted(members)))
            .where(access.challenge_public_clause(Challenge), access.challenge_visible_clause(viewer, Challenge))
            .where(sa.or_(Challenge.programme_id.is_(None), Challenge.programme_id != programme.id))
            .where(Challenge.id.not_in(asked))
            .order_by(Challenge.title)
        ).all()
    )


def programme_view(session: Session, viewer: Viewer, programme: Programme) -> dict[str, Any]:
    """Everything the partnership page shows this viewer."""
    member_rows = session.exec(
        select(ProgrammeMember, Organisation)
        .join(Organisation, Organisation.id == ProgrammeMember.member_id)
        .where(ProgrammeMember.programme_id == programme.id)
        .order_by(Organisation.name)
    ).all()
    manager = access.can_manage_programme(viewer, programme)
    members = [
        (row, org) for row, org in member_rows if row.status == "accepted" or manager or viewer.member_org_id == org.id
    ]
    challenges = [
        c
        for c in session.exec(
            select(Challenge).where(Challenge.programme_id == programme.id).order_by(Challenge.title)
        ).all()
        if can_view(session, viewer, c)
    ]
    cohort = session.exec(
        select(Organisation)
        .join(ProgrammeSupplier, ProgrammeSupplier.supplier_id == Organisation.id)
        .where(ProgrammeSupplier.programme_id == programme.id)
        .order_by(Organisation.name)
    ).all()
    invitation = None
    if viewer.member_org_id is not None:
        invitation = session.get(ProgrammeMember, (programme.id, viewer.member_org_id))
    return {
        "lead": session.get(Organisation, programme.lead_id),
        "members": members,
        "challenges": challenges,
        "results": {c.id: results_view(session, viewer, c) for c in challenges if c.results},
        "cohort": list(cohort),
        "manager": manager,
        "invitation": invitation if invitation is not None and invitation.status == "invited" else None,
    }
