"""Stored match results: a cold app server serves a challenge's matches and lessons from the
database without building an index in the request, each viewer reads the result stored for its
audience, and every stored record is asked about again for the viewer reading it."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from outcomes.matching import background, stored
from outcomes.matching import index as match_index
from outcomes.matching.results_model import StoredFit, StoredMatches
from outcomes.models import Challenge
from tests.factories import DeploymentFactory, UserFactory
from tests.helpers.matching import MARKER, matching_world

PREPARING = "Matches are being prepared"


@pytest.fixture
def world(db):
    return matching_world()


@pytest.fixture
def cold_worker(app, monkeypatch):
    """A process with no index that may not build one: a build anywhere in a request thread
    fails the test; background builds are recorded and never started."""
    engine = app.extensions["catalogue.engine"]
    match_index.forget(engine)
    monkeypatch.setattr(background, "INLINE_BUILD_MAX_RECORDS", 0)
    started: list[str] = []
    monkeypatch.setattr(background, "start_building", lambda e: started.append(str(e.url)))
    built_in: list[str] = []
    real_build = match_index.MatchIndex.build

    def build(self, conn):
        built_in.append(threading.current_thread().name)
        return real_build(self, conn)

    monkeypatch.setattr(match_index.MatchIndex, "build", build)
    return built_in


def _store_all(app, db) -> None:
    """What `flask matching build` does at deploy, in this (separate) test process."""
    engine = app.extensions["catalogue.engine"]
    with app.app_context():
        index = match_index.index_for(engine)
        assert stored.refresh(db, index) >= 1
        db.commit()
    match_index.forget(engine)


def _payloads(db, kind: str) -> dict[str, dict]:
    db.expire_all()
    return {
        row.audience: row.payload
        for row in db.exec(sa.select(StoredMatches).where(StoredMatches.kind == kind)).scalars()
    }


def test_a_cold_worker_serves_stored_results_without_building(app, db, client_as, world, monkeypatch) -> None:
    _store_all(app, db)
    built_in: list[str] = []
    monkeypatch.setattr(background, "INLINE_BUILD_MAX_RECORDS", 0)
    started: list[str] = []
    monkeypatch.setattr(background, "start_building", lambda e: started.append(str(e.url)))
    real_build = match_index.MatchIndex.build
    monkeypatch.setattr(
        match_index.MatchIndex,
        "build",
        lambda self, conn: (built_in.append(threading.current_thread().name), real_build(self, conn)),
    )
    owner = client_as(UserFactory(organisation_id=world["owner"].id))
    body = owner.get("/challenges/ch-evenings/matches").get_data(as_text=True)
    assert PREPARING not in body
    assert 'href="/offerings/off-scribe"' in body and 'href="/deployments/dep-public"' in body
    page = owner.get("/challenges/ch-evenings").get_data(as_text=True)
    assert "dep-dropped" in page  # the lessons panel, from its stored row
    assert built_in == []
    # Served from the stored rows: this process neither holds an index nor started loading one.
    assert started == []
    assert str(app.extensions["catalogue.engine"].url) not in match_index._INDEXES


def test_without_stored_results_a_cold_worker_says_they_are_being_prepared(app, client, world, cold_worker) -> None:
    body = client.get("/challenges/ch-evenings/matches").get_data(as_text=True)
    assert PREPARING in body
    assert cold_worker == []


def test_each_audience_reads_its_own_result(app, db, client, client_as, world, cold_worker) -> None:
    _store_all(app, db)
    cold_worker.clear()  # the build above was the deploy's, not a request's
    audiences = _payloads(db, "matches")
    assert set(audiences) == set(stored.AUDIENCES)

    def refs(payload: dict) -> set[str]:
        return {m["meta"]["ref"] for m in payload["deployments"]}

    # Computed for the audience, not for the owner: the public's result holds no authorities-only
    # or private account, and no peer count includes one.
    assert "dep-authorities" not in refs(audiences["public"]) and "dep-private" not in refs(audiences["public"])
    assert "dep-authorities" in refs(audiences["authorities"])

    def owner_stages(payload: dict) -> set:
        return {(m["peer"] or {}).get("owner_stage") for m in payload["offerings"] if m["meta"]["ref"] == "off-scribe"}

    # Whether the owner itself uses a tool is told only as far as its record is seen: here public.
    assert owner_stages(audiences["owner"]) == {"pilot"} == owner_stages(audiences["authorities"])
    assert owner_stages(audiences["public"]) == {"pilot"}
    own = world["deployments"]["own"]
    own.visibility = "private"
    db.add(own)
    db.commit()
    _store_all(app, db)
    cold_worker.clear()
    audiences = _payloads(db, "matches")
    assert owner_stages(audiences["owner"]) == {"pilot"}
    assert owner_stages(audiences["authorities"]) == {None} == owner_stages(audiences["public"])
    assert all((m["peer"] or {}).get("organisations", 0) <= 1 for m in audiences["public"]["offerings"] if m["peer"])
    anonymous = client.get("/challenges/ch-evenings/matches").get_data(as_text=True)
    assert "dep-public" in anonymous and "dep-authorities" not in anonymous and MARKER not in anonymous
    supplier = client_as(UserFactory(organisation_id=world["supplier"].id)).get("/challenges/ch-evenings/matches")
    assert "dep-authorities" not in supplier.get_data(as_text=True)
    staff = client_as(UserFactory(organisation_id=world["other"].id)).get("/challenges/ch-evenings/matches")
    assert "dep-authorities" in staff.get_data(as_text=True)
    assert "dep-private" not in staff.get_data(as_text=True)
    assert cold_worker == []


def test_stored_records_are_filtered_again_for_the_reader(app, db, client, world, cold_worker) -> None:
    """A stored result a moment out of date (a record has since become authorities-only) never
    shows that record to a reader who may no longer see it."""
    _store_all(app, db)
    public = world["deployments"]["public"]
    public.visibility = "authorities"
    db.add(public)
    db.commit()
    body = client.get("/challenges/ch-evenings/matches").get_data(as_text=True)
    assert PREPARING not in body
    assert "dep-public" not in body


def test_results_of_an_earlier_version_of_the_challenge_are_not_served(app, db, client, world, cold_worker) -> None:
    _store_all(app, db)
    challenge = db.get(Challenge, world["challenge"].id)
    challenge.title = "Something else entirely"
    db.add(challenge)
    db.commit()
    body = client.get("/challenges/ch-evenings/matches").get_data(as_text=True)
    assert PREPARING in body and "off-scribe" not in body


def test_build_and_refresh_commands(app, db, world) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["matching", "build"])
    assert result.exit_code == 0, result.output
    assert "stored results for 1 challenges" in result.output
    kinds = db.exec(sa.select(StoredMatches.audience, StoredMatches.kind)).all()
    assert len(kinds) == 2 * len(stored.AUDIENCES)
    again = runner.invoke(args=["matching", "refresh"])
    assert again.exit_code == 0 and "refreshed 0 challenges" in again.output
    challenge = db.get(Challenge, world["challenge"].id)
    challenge.problem = challenge.problem + " And at weekends."
    db.add(challenge)
    db.commit()
    assert "refreshed 1 challenges" in runner.invoke(args=["matching", "refresh"]).output


def test_challenges_that_fit_an_offering_are_served_from_stored_results(
    app, db, client, client_as, world, cold_worker
) -> None:
    _store_all(app, db)
    cold_worker.clear()
    fits = db.exec(sa.select(StoredFit.offering_id, StoredFit.rank)).all()
    assert any(offering == world["standalone"].id for offering, _rank in fits)
    supplier = client_as(UserFactory(organisation_id=world["supplier"].id))
    dashboard = supplier.get("/suppliers/dashboard").get_data(as_text=True)
    assert "Matches are being prepared" not in dashboard
    assert 'href="/challenges/ch-evenings"' in dashboard
    # A challenge no longer open to suppliers is not offered, whatever was stored.
    challenge = db.get(Challenge, world["challenge"].id)
    challenge.status = "closed"
    db.add(challenge)
    db.commit()
    assert 'href="/challenges/ch-evenings"' not in supplier.get("/suppliers/dashboard").get_data(as_text=True)
    assert cold_worker == []
    assert str(app.extensions["catalogue.engine"].url) not in match_index._INDEXES


def test_stored_lessons_follow_each_readers_visibility(app, db, client, client_as, world, cold_worker) -> None:
    hidden = DeploymentFactory(
        ref="dep-dropped-staff",
        organisation_id=world["third"].id,
        tool_id=world["deployments"]["dropped"].tool_id,
        stage="dropped",
        summary="Dictation of visit case notes for social workers, piloted then dropped.",
        visibility="authorities",
        dropped_reasons=["accuracy"],
        dropped_detail="Case notes drafted from visits were wrong too often.",
    )
    _store_all(app, db)
    cold_worker.clear()
    lessons = _payloads(db, "lessons")
    assert hidden.id not in {entry[0] for entry in lessons["public"]["lessons"]}
    assert hidden.id in {entry[0] for entry in lessons["authorities"]["lessons"]}
    anonymous = client.get("/challenges/ch-evenings").get_data(as_text=True)
    assert "dep-dropped" in anonymous and "dep-dropped-staff" not in anonymous
    staff = client_as(UserFactory(organisation_id=world["other"].id)).get("/challenges/ch-evenings")
    assert "dep-dropped-staff" in staff.get_data(as_text=True)
    assert cold_worker == []
