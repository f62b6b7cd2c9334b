"""Release history: each notice is stored when it is published, then served as release packages,
the record of a challenge (every release, and the compiled state) and a paged bulk feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context, has_request_context, url_for
from sqlmodel import Session, func, select

from catalogue import access
from catalogue.db import utcnow
from outcomes.models import Challenge, ChallengeAmendment, OcdsRelease
from outcomes.ocds.release import DEFAULT_PREFIX, NOTICES, has_release, release

PUBLISHER = {"name": "Signpost"}
# The extensions whose fields the releases use: lots (phases as lots, awards' relatedLots).
EXTENSIONS = ["https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"]
PAGE_SIZE = 100


def prefix() -> str:
    return current_app.config.get("OCDS_PREFIX", DEFAULT_PREFIX) if has_app_context() else DEFAULT_PREFIX


def _page_url(ref: str) -> str | None:
    if has_request_context():
        return url_for("challenges.show", ref=ref, _external=True)
    if has_app_context() and current_app.config.get("BASE_URL"):
        return f"{current_app.config['BASE_URL'].rstrip('/')}/challenges/{ref}"
    return None


def publish(
    session: Session,
    challenge: Challenge,
    *,
    contract: bool = False,
    on: date | None = None,
    amendment: ChallengeAmendment | None = None,
) -> OcdsRelease | None:
    """Store the release for the challenge's new state: the notice it publishes under the Act
    (with `amendment`, the amended tender notice). Drafts, drafts withdrawn before publication and
    evaluation (no notice) publish nothing; the same release is stored once."""
    if not has_release(challenge) or (not contract and challenge.status not in NOTICES):
        return None
    now = amendment.at if amendment is not None else utcnow()
    document = release(
        session,
        challenge,
        prefix(),
        url=_page_url(challenge.ref),
        contract=contract,
        at=now,
        on=on,
        amendment=amendment,
    )
    existing = session.exec(select(OcdsRelease).where(OcdsRelease.release_id == document["id"])).first()
    if existing is not None:
        return existing
    if contract:
        # A lot awarded after another's contract was entered: this notice enters only the new one.
        entered = _entered_contracts(session, challenge)
        document["contracts"] = [c for c in document.get("contracts", []) if c["id"] not in entered]
        if not document["contracts"]:
            return None
    notice = _notice_type(document)
    row = OcdsRelease(
        challenge_id=challenge.id,
        ocid=document["ocid"],
        release_id=document["id"],
        notice_type=notice,
        tag=document["tag"][0],
        published_at=now,
        document=document,
    )
    session.add(row)
    session.flush()
    return row


def _notice_type(document: dict[str, Any]) -> str | None:
    places = [document.get("planning", {}), document.get("tender", {})]
    places += document.get("awards", []) + document.get("contracts", [])
    # Documents that are not notices (amendments' links, events' notes) carry no noticeType.
    notices = [d["noticeType"] for place in places for d in place.get("documents", []) if d.get("noticeType")]
    return notices[-1] if notices else None


def releases_of(session: Session, challenge: Challenge) -> list[dict[str, Any]]:
    rows = session.exec(
        select(OcdsRelease)
        .where(OcdsRelease.challenge_id == challenge.id)
        .order_by(OcdsRelease.published_at, OcdsRelease.id)
    ).all()
    return [row.document for row in rows]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def package(releases: list[dict[str, Any]], uri: str) -> dict[str, Any]:
    """An OCDS 1.1 release package."""
    published = max((r["date"] for r in releases), default=_iso(utcnow()))
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": published,
        "publisher": PUBLISHER,
        "extensions": EXTENSIONS,
        "releases": releases,
    }


def record_package(releases: list[dict[str, Any]], uri: str, releases_uri: str) -> dict[str, Any]:
    """The record of one challenge: every release, and the compiled release. Each stored release is
    the whole state at its date, so the newest one is the compiled state."""
    latest = dict(releases[-1])
    compiled = {**latest, "id": f"{latest['ocid']}-compiled", "tag": ["compiled"]}
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": latest["date"],
        "publisher": PUBLISHER,
        "extensions": EXTENSIONS,
        "packages": [releases_uri],
        "records": [{"ocid": latest["ocid"], "releases": releases, "compiledRelease": compiled}],
    }


def public_releases(session: Session, page: int, size: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of every public challenge's releases (oldest first), and the total count. A
    challenge withdrawn before publication never published a release."""
    size = size or PAGE_SIZE
    public = access.challenge_visible_clause(access.ANONYMOUS, Challenge)
    base = select(OcdsRelease).join(Challenge, Challenge.id == OcdsRelease.challenge_id).where(public)
    total = session.exec(
        select(func.count())
        .select_from(OcdsRelease)
        .join(Challenge, Challenge.id == OcdsRelease.challenge_id)
        .where(public)
    ).one()
    rows = session.exec(
        base.order_by(OcdsRelease.published_at, OcdsRelease.id).offset((page - 1) * size).limit(size)
    ).all()
    return [row.document for row in rows], total


STANDSTILL_WORKING_DAYS = 8  # Procurement Act 2023, s.51: the mandatory standstill period


# England and Wales bank holidays (gov.uk/bank-holidays), which are not working days. A small list
# kept by hand: extend it each year (after 2027 only weekends are skipped until it is).
BANK_HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in [
        "2025-01-01",
        "2025-04-18",
        "2025-04-21",
        "2025-05-05",
        "2025-05-26",
        "2025-08-25",
        "2025-12-25",
        "2025-12-26",
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",
        "2027-01-01",
        "2027-03-26",
        "2027-03-29",
        "2027-05-03",
        "2027-05-31",
        "2027-08-30",
        "2027-12-27",
        "2027-12-28",
    ]
)


def standstill_ends(awarded: date) -> date:
    """Eight working days (Monday to Friday, not England and Wales bank holidays) after the award
    notice: the one count for the pages, the emails and the UK7 notice."""
    day, left = awarded, STANDSTILL_WORKING_DAYS
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in BANK_HOLIDAYS:
            left -= 1
    return day


def _entered_contracts(session: Session, challenge: Challenge) -> set[str]:
    documents = session.exec(
        select(OcdsRelease.document).where(OcdsRelease.challenge_id == challenge.id, OcdsRelease.notice_type == "UK7")
    ).all()
    return {c["id"] for document in documents for c in document.get("contracts", [])}


def publish_due_contracts(session: Session, on: date) -> list[Challenge]:
    """After the standstill of each award notice the contract is entered: publish its UK7 contract
    details notice once (a lot awarded later gets its own, after its own standstill)."""
    last_award = (
        select(OcdsRelease.challenge_id, func.max(OcdsRelease.published_at).label("at"))
        .where(OcdsRelease.notice_type == "UK6")
        .group_by(OcdsRelease.challenge_id)
        .subquery()
    )
    last_contract = (
        select(OcdsRelease.challenge_id, func.max(OcdsRelease.published_at).label("at"))
        .where(OcdsRelease.notice_type == "UK7")
        .group_by(OcdsRelease.challenge_id)
        .subquery()
    )
    rows = session.exec(
        select(Challenge, last_award.c.at)
        .join(last_award, last_award.c.challenge_id == Challenge.id, isouter=True)
        .join(last_contract, last_contract.c.challenge_id == Challenge.id, isouter=True)
        .where(
            Challenge.status == "awarded",
            Challenge.awarded_at.is_not(None),
            (last_contract.c.at.is_(None)) | (last_contract.c.at < last_award.c.at),
        )
    ).all()
    published = []
    for challenge, awarded_at in rows:
        # An imported award may have no stored notice: its standstill counts from the award.
        started = _as_date(awarded_at) if awarded_at is not None else challenge.awarded_at.date()
        if standstill_ends(started) < on and publish(session, challenge, contract=True, on=on):
            published.append(challenge)
    return published


def _as_date(value: datetime | str) -> date:
    # SQLite returns an aggregate's datetime as text.
    return datetime.fromisoformat(value).date() if isinstance(value, str) else value.date()
