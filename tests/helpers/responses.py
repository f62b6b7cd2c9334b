"""Proposals through the pages, and the dates that unseal them: shared by the outcomes tests."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from outcomes import services
from outcomes.models import Challenge, ChallengeResponse
from tests.helpers.challenges import fresh


def propose(client, ref: str, marker: str, price: str = "50000"):
    return client.post(
        f"/challenges/{ref}/respond/proposal",
        data={
            "approach": f"Our approach {marker}",
            "requirements_met-0": f"Hosted in London {marker}",
            "requirements_met-1": "Mosaic API",
            "price": price,
            "evidence": f"Evidence {marker}",
        },
    )


def proposal_of(db: Session, supplier_id: int) -> ChallengeResponse:
    fresh(db)
    response = db.exec(
        select(ChallengeResponse).where(
            ChallengeResponse.supplier_id == supplier_id, ChallengeResponse.kind == "proposal"
        )
    ).one()
    db.commit()  # end the read transaction: an open snapshot can stall SQLite writers
    return response


def award_contract(owner, ref: str, response_id: int, **extra: str):
    """Confirm the award with a contract value and dates."""
    response = owner.post(
        f"/challenges/{ref}/responses/{response_id}/award",
        data={
            "value": "48000",
            **{f"starts-{k}": v for k, v in (("day", "1"), ("month", "2"), ("year", "2031"))},
            **{f"ends-{k}": v for k, v in (("day", "31"), ("month", "1"), ("year", "2032"))},
            **extra,
        },
    )
    assert response.status_code == 303, response.text
    return response


def pass_closing_date(db: Session, challenge: Challenge) -> None:
    """The closing date was yesterday: the proposals are unsealed (the challenge shows evaluating)."""
    fresh(db)
    row = db.get(Challenge, challenge.id)
    row.closes = services.today() - timedelta(days=1)
    row.questions_close = None
    db.add(row)
    db.commit()
