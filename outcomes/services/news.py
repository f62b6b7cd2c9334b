"""Who is told what about a challenge, through the outbox: every email names the challenge, says
what happened and the next step with its date, and links to the challenge's page.

- The owner and approved co-sponsors: a new clarification question, expression of interest,
  proposal, co-sponsor request, event sign-up.
- The asker: their question answered or declined.
- Every supplier that expressed interest, proposed or signed up to an event: amendments, new published answers, a
  deadline change, shortlisting, the award, the close, withdrawal (and followers, as before).

Each recipient's per-kind choice (catalogue.notifications.preferences) decides at once, digest or
off; `notify` leaves out anyone the visibility policy does not let see the challenge. A proposal's
contents never go into these emails: only that one arrived.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from catalogue.accounts.models import Organisation, User
from catalogue.notifications.models import Notification
from catalogue.notifications.services import notify, on_challenge_event
from outcomes import clock
from outcomes.models import Challenge, ChallengeCoSponsor, ChallengeResponse, ClarificationQuestion


def _day(value: date | None) -> str:
    return f"{value:%-d %B %Y}" if value else "a date still to be set"


def next_step(challenge: Challenge, on: date | None = None) -> str:
    """What happens next on the challenge, and when."""
    status = clock.effective_status(challenge, on)
    if status == "market-engagement":
        return "Suppliers can ask questions and express interest until the challenge opens for proposals"
    if status == "open":
        step = f"Proposals close at the end of {_day(challenge.closes)}"
        if challenge.questions_close:
            step += f"; clarification questions close at the end of {_day(challenge.questions_close)}"
        return step
    if status == "evaluating":
        return "The owner is evaluating the proposals; every supplier that proposed will hear the outcome"
    if status == "awarded":
        from outcomes.ocds.store import standstill_ends

        if challenge.awarded_at is not None:
            return (
                "The standstill period ends at the end of "
                f"{_day(standstill_ends(challenge.awarded_at.date()))}; the contract is entered after it"
            )
        return "The contract is entered after the standstill period"
    return "Nothing more will happen on this challenge"


def _members(session: Session, organisation_ids: set[int]) -> list[User]:
    if not organisation_ids:
        return []
    return list(
        session.exec(
            select(User)
            .where(User.organisation_id.in_(sorted(organisation_ids)), User.status == "approved")
            .order_by(User.id)
        ).all()
    )


def owner_team(session: Session, challenge: Challenge) -> list[User]:
    """Approved members of the owner and of approved co-sponsors."""
    sponsors = session.exec(
        select(ChallengeCoSponsor.organisation_id).where(
            ChallengeCoSponsor.challenge_id == challenge.id, ChallengeCoSponsor.status == "approved"
        )
    ).all()
    return _members(session, {challenge.owner_id, *sponsors})


def interested_suppliers(session: Session, challenge: Challenge) -> list[User]:
    """Approved members of every supplier that expressed interest, proposed or signed up to one
    of the challenge's events (a place or the waiting list)."""
    from outcomes.models import ChallengeEvent, ChallengeEventSignup

    orgs = set(
        session.exec(select(ChallengeResponse.supplier_id).where(ChallengeResponse.challenge_id == challenge.id)).all()
    )
    orgs |= set(
        session.exec(
            select(ChallengeEventSignup.supplier_id)
            .join(ChallengeEvent, ChallengeEvent.id == ChallengeEventSignup.event_id)
            .where(ChallengeEvent.challenge_id == challenge.id, ChallengeEventSignup.status != "cancelled")
        ).all()
    )
    return _members(session, orgs)


def tell(
    session: Session,
    users: list[User],
    challenge: Challenge,
    what: str,
    *,
    about: str,
    detail: str = "",
    step: str | None = None,
    topic: str | None = None,
) -> list[Notification]:
    """One email (and in-app notification) per user: the title, what happened, the next step."""
    body = [challenge.title, "", f"What happened: {what}."]
    if detail:
        body += ["", detail.strip()]
    body += ["", f"Next: {step or next_step(challenge)}."]
    return notify(
        session,
        users,
        f"{challenge.title}: {what}",
        "\n".join(body),
        f"/challenges/{challenge.ref}",
        record=challenge,
        kind="challenge",
        about=about,
        topic=topic or about,
    )


# --- the owner's side ---------------------------------------------------------------------------


def question_asked(session: Session, challenge: Challenge, question: ClarificationQuestion) -> None:
    tell(
        session,
        owner_team(session, challenge),
        challenge,
        "a supplier asked a clarification question",
        about="challenge-question",
        detail=f"The question: {question.question}",
        step="Answer it on the challenge's page: the answer is published to every supplier without the asker's name",
    )


def response_saved(session: Session, challenge: Challenge, response: ChallengeResponse) -> None:
    """The owner's team hears once per response (changes are not news). A proposal is sealed:
    the email says only that one arrived and how many there are."""
    topic = f"{response.kind}-{response.id}"
    if session.exec(select(Notification.id).where(Notification.topic == topic)).first() is not None:
        return
    if response.kind == "proposal":
        count = len(
            session.exec(
                select(ChallengeResponse.id).where(
                    ChallengeResponse.challenge_id == challenge.id, ChallengeResponse.kind == "proposal"
                )
            ).all()
        )
        what, about = f"a proposal arrived ({count} so far)", "challenge-proposal"
        step = f"Proposals are sealed until the closing date; evaluate them after the end of {_day(challenge.closes)}"
    else:
        supplier = session.get(Organisation, response.supplier_id)
        what, about = f"{supplier.name if supplier else 'a supplier'} expressed interest", "challenge-interest"
        step = None
    tell(session, owner_team(session, challenge), challenge, what, about=about, step=step, topic=topic)


def co_sponsor_requested(session: Session, challenge: Challenge, row: ChallengeCoSponsor) -> None:
    org = session.get(Organisation, row.organisation_id)
    tell(
        session,
        _members(session, {challenge.owner_id}),
        challenge,
        f"{org.name if org else 'an authority'} asked to co-sponsor it",
        about="challenge-co-sponsor",
        detail=f"Their note: {row.note}" if row.note else "",
        step="Approve or decline the request on the challenge's page",
    )


def event_signup(session: Session, challenge: Challenge, event_name: str, when: date | None, who: str) -> None:
    """For market engagement events: someone signed up (call from the events service)."""
    tell(
        session,
        owner_team(session, challenge),
        challenge,
        f"{who} signed up to {event_name}",
        about="challenge-event-signup",
        step=f"The event is on {_day(when)}" if when else None,
    )


# --- the asker ----------------------------------------------------------------------------------


def question_decided(session: Session, challenge: Challenge, question: ClarificationQuestion) -> None:
    """The asker hears their question was answered (published to all) or declined."""
    asker = session.get(User, question.asked_by_id) if question.asked_by_id else None
    if asker is None:
        return
    if question.status == "declined":
        what = "your clarification question was declined"
        detail = f"Your question: {question.question}" + (f"\n\nWhy: {question.answer}" if question.answer else "")
    else:
        what = "your clarification question was answered"
        detail = f"Q: {question.question}\n\nA: {question.answer}"
    tell(session, [asker], challenge, what, about="question-answered", detail=detail)


# --- the suppliers' side ------------------------------------------------------------------------

SUPPLIER_NEWS = {
    "qa": "a new answer to a clarification question was published",
    "amendment": "the challenge was amended",
}


def challenge_news(session: Session, challenge: Challenge, event: str, text: str) -> None:
    """Every supplier that expressed interest or proposed, then followers not told that way."""
    suppliers = interested_suppliers(session, challenge)
    what = SUPPLIER_NEWS.get(event) or (f"it is {text}" if event == "status" else text)
    detail = text if event in SUPPLIER_NEWS else ""
    tell(session, suppliers, challenge, what, about="challenge-news", detail=detail, topic=f"challenge-{event}")
    on_challenge_event(session, challenge, event, text, exclude=frozenset(u.id for u in suppliers))


def shortlisted(session: Session, challenge: Challenge, response: ChallengeResponse) -> None:
    """The supplier whose response was shortlisted (and no one else)."""
    if response.status != "shortlisted":
        return
    tell(
        session,
        _members(session, {response.supplier_id}),
        challenge,
        f"your {'proposal' if response.kind == 'proposal' else 'expression of interest'} was shortlisted",
        about="challenge-news",
        topic=f"shortlisted-{response.id}",
    )


# --- market-engagement events -------------------------------------------------------------------


def event_attendees(session: Session, event_id: int) -> list[User]:
    """Approved members of every supplier with a place or on the waiting list."""
    from outcomes.models import ChallengeEventSignup

    orgs = session.exec(
        select(ChallengeEventSignup.supplier_id).where(
            ChallengeEventSignup.event_id == event_id, ChallengeEventSignup.status != "cancelled"
        )
    ).all()
    return _members(session, set(orgs))


def event_changed(session: Session, challenge: Challenge, event_id: int, what: str, detail: str = "") -> None:
    """Suppliers signed up to an event: it moved, changed place or was cancelled."""
    tell(
        session,
        event_attendees(session, event_id),
        challenge,
        what,
        about="challenge-event",
        detail=detail,
        topic=f"event-{event_id}",
    )


def event_place(session: Session, challenge: Challenge, supplier_id: int, what: str, detail: str = "") -> None:
    """One supplier: a place came free and is now theirs (from the waiting list)."""
    tell(session, _members(session, {supplier_id}), challenge, what, about="challenge-event", detail=detail)


def event_notes(session: Session, challenge: Challenge, event_id: int, what: str, detail: str) -> None:
    """Every interested supplier (interest, proposal or a sign-up): the notes and slides of an event."""
    tell(
        session,
        interested_suppliers(session, challenge),
        challenge,
        what,
        about="challenge-news",
        detail=detail,
        topic=f"event-notes-{event_id}",
    )
