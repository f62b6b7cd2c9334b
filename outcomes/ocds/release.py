"""A challenge as an OCDS 1.1 release, one per notice the Procurement Act 2023 asks for.

Notices follow the UK OCDS profile that Find a Tender publishes (its schema documentation at
find-tender.service.gov.uk/schemadocumentation and its OCDS release packages API): each release
carries the notice as a document whose `noticeType` is the Act's notice code, placed where Find a
Tender reads it: UK2 preliminary market engagement notice in planning.documents, UK4 tender notice
and UK12 procurement termination notice in tender.documents, UK6 contract award notice in
awards[].documents, UK7 contract details notice in contracts[].documents. Parties are identified
by org-id.guide schemes (GB-COH for Companies House numbers, as Find a Tender's register list
names it) and their party id is scheme-id, as Find a Tender writes it ("GB-COH-09121572").

The release id and date are stable for a given state of the challenge (the status, and when it
entered it), so fetching the same URL twice gives the same document.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from catalogue import access, vocabulary
from catalogue.accounts.models import Organisation
from outcomes import clock
from outcomes.models import (
    Challenge,
    ChallengeAmendment,
    ChallengeEvent,
    ChallengePhase,
    ChallengeResponse,
    ChallengeStatusChange,
    OcdsRelease,
)
from outcomes.ocds.cpv import classifications
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
# Challenge status -> (notice code, notice title, OCDS documentType) under the Procurement Act 2023.
NOTICES: dict[str, tuple[str, str, str]] = {
    "market-engagement": ("UK2", "Preliminary market engagement notice", "plannedProcurementNotice"),
    "open": ("UK4", "Tender notice", "tenderNotice"),
    "awarded": ("UK6", "Contract award notice", "awardNotice"),
    "closed": ("UK12", "Procurement termination notice", "cancellationDetails"),
    "withdrawn": ("UK12", "Procurement termination notice", "cancellationDetails"),
}
CONTRACT_NOTICE = ("UK7", "Contract details notice", "contractNotice")
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


# org-id.guide has no scheme for ONS (GSS) codes; English councils are identified in the Local
# Authorities for England register (GB-LAE, three-letter codes such as "BIR"). The table maps the
# reference list's ONS codes to those codes: derived from mySociety's "UK local authority names
# and codes" (CC BY 4.0, https://github.com/mysociety/uk_local_authority_names_and_codes).
LOCAL_AUTHORITY_SCHEME = "GB-LAE"
_REGISTER_CODES = Path(__file__).with_name("gb_lae_codes.csv")


@lru_cache(maxsize=1)
def register_codes() -> dict[str, str]:
    """ONS code -> GB-LAE register code for the reference list's live authorities."""
    with _REGISTER_CODES.open(newline="", encoding="utf-8") as handle:
        return {row["ons_code"]: row["register_code"] for row in csv.DictReader(handle)}


def _identifier(org: Organisation) -> dict[str, str] | None:
    if org.company_number:
        return {"scheme": "GB-COH", "id": org.company_number.strip().upper(), "legalName": org.name}
    register_code = register_codes().get(org.ons_code or "")
    if register_code:
        return {"scheme": LOCAL_AUTHORITY_SCHEME, "id": register_code, "legalName": org.name}
    # A joint children's service (two ONS codes) or an authority outside the register has no
    # identifier in a listed scheme; OCDS then carries the party by its local id only.
    return None


def party_id(org: Organisation, prefix: str) -> str:
    identifier = _identifier(org)
    return f"{identifier['scheme']}-{identifier['id']}" if identifier else f"{prefix}-org-{org.ref}"


def _party(org: Organisation, roles: list[str], prefix: str, *, contact: bool = False) -> dict[str, Any]:
    party: dict[str, Any] = {"id": party_id(org, prefix), "name": org.name, "roles": roles}
    identifier = _identifier(org)
    if identifier:
        party["identifier"] = identifier
    address = {"countryName": "United Kingdom"}
    if org.region:
        address["region"] = org.region
    party["address"] = address
    if contact:
        # The buyer's contact point: a notice is public, so the person only where the policy lets
        # anyone see them (catalogue.access); otherwise the organisation's website.
        point: dict[str, str] = {}
        if org.contact_email and access.can_see_contact(access.ANONYMOUS, org):
            point["email"] = org.contact_email
            if org.contact_name:
                point["name"] = org.contact_name
        if org.website:
            point["url"] = org.website
        if point:
            party["contactPoint"] = point
    return party


def _money(amount: float | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": "GBP"}


def _notice(code: tuple[str, str, str], ocid: str, url: str | None, published: str) -> dict[str, Any]:
    notice, title, document_type = code
    document: dict[str, Any] = {
        "id": f"{ocid}-{notice}",
        "documentType": document_type,
        "noticeType": notice,
        "title": title,
        "datePublished": published,
        "format": "text/html",
        "language": "en",
    }
    if url:
        document["url"] = url
    return document


def _lots(session: Session, challenge: Challenge, ocid: str) -> list[dict[str, Any]]:
    """The challenge's phases (feasibility, prototype, pilot) as lots, each with its budget and dates."""
    phases = session.exec(
        select(ChallengePhase).where(ChallengePhase.challenge_id == challenge.id).order_by(ChallengePhase.id)
    ).all()
    lots = []
    for phase in phases:
        lot: dict[str, Any] = {"id": f"{ocid}-lot-{phase.id}", "title": phase.name.capitalize(), "status": "active"}
        if phase.budget is not None:
            lot["value"] = _money(phase.budget)
        period = _period(phase.starts, phase.ends)
        if period:
            lot["contractPeriod"] = period
        lots.append(lot)
    return lots


def _period(starts: Any, ends: Any) -> dict[str, str] | None:
    period = {}
    if starts is not None:
        period["startDate"] = _iso(datetime.combine(starts, time(0, 0), tzinfo=UK))
    if ends is not None:
        period["endDate"] = _end_of_day(ends)
    return period or None


def release(
    session: Session,
    challenge: Challenge,
    prefix: str = DEFAULT_PREFIX,
    *,
    url: str | None = None,
    contract: bool = False,
    at: datetime | None = None,
    on: date | None = None,
    amendment: ChallengeAmendment | None = None,
) -> dict[str, Any]:
    """The OCDS release for the challenge's current state (the status the clock shows), with the
    notice it corresponds to. `contract` builds the UK7 contract details release of an awarded
    challenge; `amendment` the amended tender notice (tag tenderAmendment) that publishes it;
    `at` is when the release is published (default: when the state began).
    Raises NotPublished for a draft."""
    if not has_release(challenge):
        raise NotPublished(challenge.ref)
    status = clock.effective_status(challenge, on)
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
    stamp = at or (amendment.at if amendment else None) or entered or challenge.published_at or challenge.created_at
    published = _iso(stamp)
    buyer_party = _party(owner, ["buyer", "procuringEntity"], prefix, contact=True)
    buyer = {"id": buyer_party["id"], "name": owner.name}
    parties = [buyer_party]
    notice = CONTRACT_NOTICE if contract else NOTICES.get(status)
    release_id = f"{ocid}-{notice[0] if notice else status}-{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    if amendment is not None:
        release_id = f"{ocid}-{notice[0] if notice else status}-amendment-{amendment.id}"

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
    cpv = classifications(challenge.categories)
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": challenge.title,
        "description": challenge.problem,
        "status": tender_status,
        "procuringEntity": buyer,
        "procurementMethodDetails": route_label,
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria" if challenge.evaluation_criteria else "bestProposal",
        "items": [
            {
                "id": f"{ocid}-item-1",
                "description": challenge.title,
                "classification": cpv[0],
                **({"additionalClassifications": cpv[1:]} if len(cpv) > 1 else {}),
            }
        ],
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
        # A tender period never starts after it ends (an imported challenge may say so).
        if opened is not None and _iso(opened) <= tender["tenderPeriod"]["endDate"]:
            tender["tenderPeriod"]["startDate"] = _iso(opened)
    if challenge.questions_close is not None:
        tender["enquiryPeriod"] = {"endDate": _end_of_day(challenge.questions_close)}
    if status == "closed" and challenge.closed_reason:
        tender["statusDetails"] = challenge.closed_reason
    lots = _lots(session, challenge, ocid)
    if lots:
        tender["lots"] = lots
    # Document links added by amendment come first: the notice stays the last document (the
    # notice type the store reads).
    documents = _documents(challenge, ocid)
    if notice is not None and notice[0] in ("UK4", "UK12"):
        documents.append(_notice(notice, ocid, url, published))
    if documents:
        tender["documents"] = documents
    amendments = _amendments(session, challenge, ocid)
    if amendments:
        tender["amendments"] = amendments
    planning_documents = [_notice(notice, ocid, url, published)] if notice is not None and notice[0] == "UK2" else []
    milestones, engagement_documents = _engagement(session, challenge, ocid, url)
    if milestones:
        planning["milestones"] = milestones
    if planning_documents or engagement_documents:
        planning["documents"] = planning_documents + engagement_documents

    document: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": published,
        "tag": ["contract"] if contract else ["tenderAmendment"] if amendment is not None else [tag],
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "planning": planning,
        "tender": tender,
    }
    if status == "awarded":
        awards = _awards(session, challenge, ocid, prefix, tender["items"], lots, parties)
        if notice is not None and notice[0] == "UK6":
            for award in awards:
                award["documents"] = [_notice(notice, ocid, url, published)]
        document["awards"] = awards
        if len(awards) > 1 and not contract:
            # Each lot's award notice is a release of its own, even within the same second.
            document["id"] += f"-awards-{len(awards)}"
        if contract:
            document["contracts"] = [_contract(award, ocid, url, published) for award in awards]
    document["parties"] = parties
    return document


def _documents(challenge: Challenge, ocid: str) -> list[dict[str, Any]]:
    """Document links added by amendment, as tender documents."""
    return [
        {
            "id": f"{ocid}-document-{number}",
            "documentType": "biddingDocuments",
            "title": doc["title"],
            "url": doc["url"],
            "datePublished": _iso(datetime.fromisoformat(doc["added_at"])),
            "language": "en",
        }
        for number, doc in enumerate(challenge.documents or [], start=1)
    ]


def _amendments(session: Session, challenge: Challenge, ocid: str) -> list[dict[str, Any]]:
    """Each amendment with its date, reason and what changed, and the releases it links: the one
    it amends (the latest stored before it) and the one that published it."""
    from outcomes.services.amendments import amendments_of, describe

    stored = session.exec(
        select(OcdsRelease.release_id, OcdsRelease.published_at)
        .where(OcdsRelease.challenge_id == challenge.id)
        .order_by(OcdsRelease.published_at, OcdsRelease.id)
    ).all()
    result = []
    for row in amendments_of(session, challenge):
        before = [rid for rid, published in stored if published <= row.at and "-amendment-" + str(row.id) not in rid]
        entry: dict[str, Any] = {
            "id": f"{ocid}-amendment-{row.id}",
            "date": _iso(row.at),
            "rationale": row.reason,
            "description": "; ".join(describe(change) for change in row.changes),
            "releaseID": f"{ocid}-{NOTICES['open'][0]}-amendment-{row.id}",
        }
        if before:
            entry["amendsReleaseID"] = before[-1]
        result.append(entry)
    return result


def _engagement(
    session: Session, challenge: Challenge, ocid: str, url: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Market-engagement events as planning milestones (type engagement: met once over, notMet
    if cancelled), and their published notes and slides links as planning documents."""
    from outcomes.services.events import ends_at, kind_label, now_in_england, starts_at

    events = session.exec(
        select(ChallengeEvent)
        .where(ChallengeEvent.challenge_id == challenge.id)
        .order_by(ChallengeEvent.day, ChallengeEvent.starts, ChallengeEvent.id)
    ).all()
    now = now_in_england()
    milestones, documents = [], []
    for event in events:
        milestone: dict[str, Any] = {
            "id": f"{ocid}-event-{event.id}",
            "title": f"{kind_label(event)}: {event.title}",
            "type": "engagement",
            "dueDate": _iso(starts_at(event)),
            "dateModified": _iso(event.updated_at),
        }
        if event.description:
            milestone["description"] = event.description
        if event.status == "cancelled":
            milestone["status"] = "notMet"
        elif ends_at(event) <= now:
            milestone["status"], milestone["dateMet"] = "met", _iso(ends_at(event))
        else:
            milestone["status"] = "scheduled"
        milestones.append(milestone)
        if event.notes_published_at is None:
            continue
        notes: dict[str, Any] = {
            "id": f"{ocid}-event-{event.id}-notes",
            "documentType": "marketStudies",
            "title": f"Notes of {event.title}",
            "description": event.notes or "",
            "datePublished": _iso(event.notes_published_at),
            "language": "en",
        }
        if url:
            notes["url"] = url
        documents.append(notes)
        documents.extend(
            {
                "id": f"{ocid}-event-{event.id}-slides-{number}",
                "documentType": "marketStudies",
                "title": slide["title"],
                "url": slide["url"],
                "datePublished": _iso(event.notes_published_at),
                "language": "en",
            }
            for number, slide in enumerate(event.slides or [], start=1)
        )
    return milestones, documents


def _phases(session: Session, challenge: Challenge) -> list[ChallengePhase]:
    return list(session.exec(select(ChallengePhase).where(ChallengePhase.challenge_id == challenge.id)).all())


def release_for_ref(session: Session, ref: str, prefix: str = DEFAULT_PREFIX) -> dict[str, Any] | None:
    challenge = session.exec(select(Challenge).where(Challenge.ref == ref)).first()
    if challenge is None or not has_release(challenge):
        return None
    return release(session, challenge, prefix)


def _awards(
    session: Session,
    challenge: Challenge,
    ocid: str,
    prefix: str,
    items: list[dict[str, Any]],
    lots: list[dict[str, Any]],
    parties: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The awards of an awarded challenge: one per phase awarded as a lot (its own supplier, value
    and dates), else one for the whole challenge. Each winner joins the parties once."""
    phases = [p for p in _phases(session, challenge) if p.awarded_response_id is not None]
    if phases:
        return [
            award
            for phase in phases
            if (award := _phase_award(session, challenge, phase, ocid, prefix, items, parties)) is not None
        ]
    winner = awarded_to(session, challenge)
    if winner is None:
        return []
    response = awarded_response(session, challenge)
    _add_party(parties, _party(winner, ["supplier", "tenderer"], prefix))
    award: dict[str, Any] = {
        "id": f"{ocid}-award",
        "title": challenge.title,
        "status": "active",
        "suppliers": [{"id": party_id(winner, prefix), "name": winner.name}],
        "items": items,
    }
    if challenge.awarded_at is not None:
        award["date"] = _iso(challenge.awarded_at)
    # The contract value and dates given at the award; before they existed, the price proposed
    # and the phases' dates.
    if challenge.contract_value is not None:
        award["value"] = _money(challenge.contract_value)
    elif response is not None and response.price is not None:
        award["value"] = _money(response.price)
    all_phases = _phases(session, challenge)
    period = _period(
        challenge.contract_starts or min((p.starts for p in all_phases if p.starts), default=None),
        challenge.contract_ends or max((p.ends for p in all_phases if p.ends), default=None),
    )
    if period:
        award["contractPeriod"] = period
    if lots:
        award["relatedLots"] = [lot["id"] for lot in lots]
    return [award]


def _phase_award(
    session: Session,
    challenge: Challenge,
    phase: ChallengePhase,
    ocid: str,
    prefix: str,
    items: list[dict[str, Any]],
    parties: list[dict[str, Any]],
) -> dict[str, Any] | None:
    response = session.get(ChallengeResponse, phase.awarded_response_id)
    winner = session.get(Organisation, response.supplier_id) if response else None
    if winner is None:
        return None
    _add_party(parties, _party(winner, ["supplier", "tenderer"], prefix))
    award: dict[str, Any] = {
        "id": f"{ocid}-award-lot-{phase.id}",
        "title": f"{challenge.title}: {phase.name} phase",
        "status": "active",
        "suppliers": [{"id": party_id(winner, prefix), "name": winner.name}],
        "items": items,
        "relatedLots": [f"{ocid}-lot-{phase.id}"],
    }
    if challenge.awarded_at is not None:
        award["date"] = _iso(challenge.awarded_at)
    value = phase.contract_value if phase.contract_value is not None else response.price
    if value is not None:
        award["value"] = _money(value)
    period = _period(phase.starts, phase.ends)
    if period:
        award["contractPeriod"] = period
    return award


def _add_party(parties: list[dict[str, Any]], party: dict[str, Any]) -> None:
    """One party per organisation, its roles merged (a supplier may win two lots)."""
    for existing in parties:
        if existing["id"] == party["id"]:
            existing["roles"] = sorted(set(existing["roles"]) | set(party["roles"]))
            return
    parties.append(party)


def _contract(award: dict[str, Any], ocid: str, url: str | None, published: str) -> dict[str, Any]:
    """The contract entered after the standstill for one award (UK7 contract details notice)."""
    suffix = award["id"].removeprefix(f"{ocid}-award")
    entry: dict[str, Any] = {
        "id": f"{ocid}-contract{suffix}",
        "awardID": award["id"],
        "title": award["title"],
        "status": "active",
        "dateSigned": published,
        "items": award["items"],
        "documents": [_notice(CONTRACT_NOTICE, ocid, url, published)],
    }
    if "value" in award:
        entry["value"] = award["value"]
    if "contractPeriod" in award:
        entry["period"] = award["contractPeriod"]
    return entry
