"""A challenge as an OCDS 1.1 release: planning while in market engagement, a tender once open.

The release id and date are stable for a given state of the challenge (the status, and when it
entered it), so fetching the same URL twice gives the same document.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.accounts.models import Organisation
from outcomes import clock
from outcomes.models import Challenge, ChallengeStatusChange
from outcomes.services import awarded_response, awarded_to

DEFAULT_PREFIX = "ocds-sgnpst"
UK = ZoneInfo("Europe/London")

# Challenge status -> (release tag, tender status)
_STATES: dict[str, tuple[str, str]] = {
    "market-engagement": ("planning", "planning"),
    "open": ("tender", "active"),
    "evaluating": ("tenderUpdate", "active"),
    "awarded": ("award", "complete"),
    "closed": ("tenderCancellation", "unsuccessful"),
    "withdrawn": ("tenderCancellation", "withdrawn"),
}
# Routes, as OCDS procurement methods.
_METHODS: dict[str, str] = {
    "pre-commercial": "selective",
    "innovation-partnership": "selective",
    "competitive-flexible": "selective",
    "open": "open",
    "framework": "limited",
    "direct-award": "direct",
    "grant": "open",
}


class NotPublished(Exception):
    """Drafts have no public release."""


def has_release(challenge: Challenge) -> bool:
    """Published challenges only: a draft withdrawn before publication has no public release."""
    return challenge.status in _STATES and access.challenge_is_public(challenge)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _end_of_day(day: Any) -> str:
    """Proposals are accepted until the end of the closing date in England: 23:59:59 London time,
    written in UTC (22:59:59Z in British Summer Time)."""
    return _iso(datetime.combine(day, time(23, 59, 59), tzinfo=UK))


def _opened(session: Session, challenge: Challenge) -> datetime | None:
    """When the challenge opened for proposals: its first move to open in the status history
    (an imported challenge without one counts from its publication). None before it opens."""
    opened = session.exec(
        select(ChallengeStatusChange.at)
        .where(ChallengeStatusChange.challenge_id == challenge.id, ChallengeStatusChange.to_status == "open")
        .order_by(ChallengeStatusChange.at)
    ).first()
    if opened is None and challenge.status != "market-engagement":
        opened = challenge.published_at or challenge.created_at
    return opened


def _party(org: Organisation, roles: list[str], prefix: str) -> dict[str, Any]:
    party: dict[str, Any] = {"id": f"{prefix}-org-{org.ref}", "name": org.name, "roles": roles}
    if org.ons_code:
        party["identifier"] = {"scheme": "GB-ONS", "id": org.ons_code, "legalName": org.name}
    if org.region:
        party["address"] = {"region": org.region, "countryName": "United Kingdom"}
    return party


def _money(amount: float | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": "GBP"}


def release(session: Session, challenge: Challenge, prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The OCDS release for the challenge's current state. Raises NotPublished for a draft."""
    if not has_release(challenge):
        raise NotPublished(challenge.ref)
    status = clock.effective_status(challenge)
    tag, tender_status = _STATES[status]
    owner = session.get(Organisation, challenge.owner_id)
    ocid = f"{prefix}-{challenge.ref}"
    entered = session.exec(
        select(ChallengeStatusChange.at)
        .where(ChallengeStatusChange.challenge_id == challenge.id, ChallengeStatusChange.to_status == status)
        .order_by(ChallengeStatusChange.at.desc())
    ).first()
    if entered is None and status != challenge.status:
        # The clock moved it (not yet stored): it entered evaluating when the closing date ended.
        entered = datetime.combine(challenge.closes, time(23, 59, 59), tzinfo=UK)
    stamp = entered or challenge.published_at or challenge.created_at
    buyer = {"id": f"{prefix}-org-{owner.ref}", "name": owner.name}
    parties = [_party(owner, ["buyer", "procuringEntity"], prefix)]

    rationale = challenge.problem
    if challenge.users:
        rationale += "\n\nUsers and their needs: " + challenge.users
    planning: dict[str, Any] = {"rationale": rationale}
    budget_amount = challenge.budget_max if challenge.budget_max is not None else challenge.budget_min
    if budget_amount is not None:
        planning["budget"] = {
            "id": f"{ocid}-budget",
            "description": "Budget range for the challenge",
            "amount": _money(budget_amount),
        }

    route_label = vocabulary.label(vocabulary.ROUTES, challenge.route) if challenge.route else "Not yet decided"
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": challenge.title,
        "description": challenge.problem,
        "status": tender_status,
        "procuringEntity": buyer,
        "procurementMethodDetails": route_label,
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria" if challenge.evaluation_criteria else "bestProposal",
    }
    if challenge.route in _METHODS:
        tender["procurementMethod"] = _METHODS[challenge.route]
    if challenge.budget_max is not None:
        tender["value"] = _money(challenge.budget_max)
    if challenge.budget_min is not None:
        tender["minValue"] = _money(challenge.budget_min)
    if challenge.evaluation_criteria:
        tender["awardCriteriaDetails"] = "; ".join(
            f"{c['criterion']} ({c['weight']}%)" for c in challenge.evaluation_criteria
        )
    if challenge.closes is not None:
        tender["tenderPeriod"] = {"endDate": _end_of_day(challenge.closes)}
        opened = _opened(session, challenge)
        if opened is not None:
            tender["tenderPeriod"]["startDate"] = _iso(opened)
    if challenge.questions_close is not None:
        tender["enquiryPeriod"] = {"endDate": _end_of_day(challenge.questions_close)}
    if challenge.status == "closed" and challenge.closed_reason:
        tender["statusDetails"] = challenge.closed_reason

    document: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{status}-{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "date": _iso(stamp),
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "planning": planning,
        "tender": tender,
    }
    if challenge.status == "awarded":
        winner = awarded_to(session, challenge)
        response = awarded_response(session, challenge)
        if winner is not None:
            parties.append(_party(winner, ["supplier"], prefix))
            award: dict[str, Any] = {
                "id": f"{ocid}-award",
                "title": challenge.title,
                "status": "active",
                "suppliers": [{"id": f"{prefix}-org-{winner.ref}", "name": winner.name}],
            }
            if challenge.awarded_at is not None:
                award["date"] = _iso(challenge.awarded_at)
            if response is not None and response.price is not None:
                award["value"] = _money(response.price)
            document["awards"] = [award]
    document["parties"] = parties
    return document


def release_for_ref(session: Session, ref: str, prefix: str = DEFAULT_PREFIX) -> dict[str, Any] | None:
    challenge = session.exec(select(Challenge).where(Challenge.ref == ref)).first()
    if challenge is None or not has_release(challenge):
        return None
    return release(session, challenge, prefix)
