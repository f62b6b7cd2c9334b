"""Loading reference data (the 153 English authorities) into the database, safe to repeat."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from catalogue.accounts.models import Organisation
from catalogue.refs import slugify

AUTHORITIES_CSV = Path(__file__).resolve().parent / "authorities.csv"


def reference_authorities() -> list[dict[str, str]]:
    """Rows of seed/authorities.csv: ons_code, name, region, dfe_code."""
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_reference_authorities(session: Session) -> tuple[int, int]:
    existing = {o.ons_code: o for o in session.exec(select(Organisation).where(Organisation.ons_code.is_not(None)))}
    taken_refs = set(session.exec(select(Organisation.ref)))
    created = updated = 0
    for row in reference_authorities():
        org = existing.get(row["ons_code"])
        if org is None:
            ref = slugify(row["name"])
            if ref in taken_refs:
                ref = f"{ref}-{row['ons_code'].lower()}"
            taken_refs.add(ref)
            session.add(
                Organisation(
                    ref=ref,
                    name=row["name"],
                    kind="local-authority",
                    region=row["region"],
                    ons_code=row["ons_code"],
                    is_reference=True,
                )
            )
            created += 1
        elif (org.name, org.region, org.is_reference) != (row["name"], row["region"], True):
            org.name, org.region, org.is_reference = row["name"], row["region"], True
            session.add(org)
            updated += 1
    session.flush()
    return created, updated


def demo_dates(bundle: dict, today: date) -> dict:
    """The demo bundle with its dates made consistent with `today` at seed time: an open
    challenge whose closing date has passed closes eight weeks from today instead (the bundle
    is fixed text; the demo must never show a challenge open past its closing date)."""
    for challenge in bundle.get("challenges", []) if isinstance(bundle, dict) else []:
        closes = challenge.get("closes")
        if challenge.get("status") == "open" and isinstance(closes, str) and closes < today.isoformat():
            challenge["closes"] = (today + timedelta(weeks=8)).isoformat()
    return bundle
