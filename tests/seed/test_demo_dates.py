"""The demo data agree with today's date: no challenge open past its closing date, no award
without an awarded proposal, no tender period that starts after it ends."""

from __future__ import annotations

from sqlmodel import Session, select

from outcomes import clock, ocds, services
from outcomes.models import Challenge


def test_seeded_demo_is_consistent_with_today(app, db: Session) -> None:
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    db.rollback()
    today = clock.today()
    challenges = db.exec(select(Challenge)).all()
    assert any(c.status == "open" for c in challenges)  # the demo still shows an open challenge
    for challenge in challenges:
        if challenge.status == "open":
            assert challenge.closes is not None and challenge.closes >= today, challenge.ref
        if challenge.status == "awarded":
            assert services.awarded_response(db, challenge) is not None, challenge.ref
        if ocds.has_release(challenge):
            period = ocds.release(db, challenge)["tender"].get("tenderPeriod", {})
            if "startDate" in period:
                assert period["startDate"] <= period["endDate"], challenge.ref
