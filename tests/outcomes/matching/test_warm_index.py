"""The matching index is never built inside a page at scale: while it builds in the background the
challenge page answers at once and says the matches are being prepared; once built, pages are
served from it, caught up with the change log, and a page seen again is not ranked again."""

from __future__ import annotations

import threading

import pytest

from outcomes.matching import background, lessons
from outcomes.matching import index as match_index
from tests.factories import ChallengeFactory, DeploymentFactory, OrganisationFactory, ToolFactory

PREPARING = "Matches are being prepared"


@pytest.fixture
def published(db):
    owner = OrganisationFactory(name="Owning Council")
    north = OrganisationFactory(name="North Council")
    challenge = ChallengeFactory(
        ref="ch-calls",
        owner_id=owner.id,
        title="Writing up contact calls at the front door",
        problem="Practitioners type up every recorded contact call by hand; transcribing calls would save time.",
        outcomes=[{"outcome": "Less time writing up each contact call", "measure": "minutes"}],
        status="open",
    )
    DeploymentFactory(
        ref="dep-transcribe",
        organisation_id=north.id,
        tool_id=ToolFactory(name="Call transcription").id,
        stage="dropped",
        summary="Transcribing recorded contact calls into draft case notes for practitioners.",
        dropped_detail="Transcripts of the recorded calls needed too much correction.",
        dropped_reasons=["accuracy"],
        visibility="public",
    )
    return {"owner": owner, "north": north, "challenge": challenge}


@pytest.fixture
def held_build(monkeypatch):
    """Large-catalogue behaviour on a small database: every cold index is built in the
    background, and the build waits until the test lets it go."""
    monkeypatch.setattr(background, "INLINE_BUILD_MAX_RECORDS", 0)
    release = threading.Event()
    real = background._build_and_swap

    def held(engine, key):
        release.wait(10)
        real(engine, key)

    monkeypatch.setattr(background, "_build_and_swap", held)
    return release


def test_a_cold_index_is_built_in_the_background_and_the_page_says_so(app, client, published, held_build) -> None:
    engine = app.extensions["catalogue.engine"]
    page = client.get("/challenges/ch-calls")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert PREPARING in body and "dep-transcribe" not in body
    matches = client.get("/challenges/ch-calls/matches")
    assert matches.status_code == 200 and PREPARING in matches.get_data(as_text=True)
    # The page did not build it: no index yet, one background build under way.
    assert str(engine.url) not in match_index._INDEXES
    held_build.set()
    assert background.wait_until_built(engine, timeout=30)
    body = client.get("/challenges/ch-calls").get_data(as_text=True)
    assert PREPARING not in body and "dep-transcribe" in body


def test_a_stale_index_is_served_while_its_replacement_builds(app, db, client, published, held_build) -> None:
    engine = app.extensions["catalogue.engine"]
    held_build.set()
    client.get("/challenges/ch-calls")
    assert background.wait_until_built(engine, timeout=30)
    built = match_index._INDEXES[str(engine.url)]
    # Too far behind to replay: a rebuild starts in the background, the old index answers meanwhile.
    built.seen_change -= match_index.REPLAY_LIMIT + 1
    held_build.clear()
    body = client.get("/challenges/ch-calls").get_data(as_text=True)
    assert "dep-transcribe" in body and PREPARING not in body
    held_build.set()
    assert background.wait_until_built(engine, timeout=30)
    assert match_index._INDEXES[str(engine.url)] is not built


def test_lessons_are_remembered_until_a_change_is_caught_up(db, client, published, monkeypatch) -> None:
    calls = []
    real = lessons._rank

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lessons, "_rank", counting)
    assert "dep-transcribe" in client.get("/challenges/ch-calls").get_data(as_text=True)
    assert "dep-transcribe" in client.get("/challenges/ch-calls").get_data(as_text=True)
    assert len(calls) == 1  # the second view was served from the remembered ranking
    DeploymentFactory(
        ref="dep-recorder",
        organisation_id=published["north"].id,
        tool_id=ToolFactory(name="Contact call recorder").id,
        stage="dropped",
        summary="Recording contact calls and transcribing them into case notes at the front door.",
        dropped_detail="The transcribed calls were not accurate enough.",
        dropped_reasons=["accuracy"],
        visibility="public",
    )
    body = client.get("/challenges/ch-calls").get_data(as_text=True)
    assert len(calls) == 2 and "dep-recorder" in body and "dep-transcribe" in body


def test_the_matches_page_is_ranked_once_per_change(db, client, published, monkeypatch) -> None:
    from outcomes.matching import engine

    calls = []
    real = engine.rank

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "rank", counting)
    first = client.get("/challenges/ch-calls/matches").get_data(as_text=True)
    second = client.get("/challenges/ch-calls/matches").get_data(as_text=True)
    assert len(calls) == 1 and "dep-transcribe" in first and "dep-transcribe" in second
    DeploymentFactory(
        ref="dep-recorder",
        organisation_id=published["north"].id,
        tool_id=ToolFactory(name="Contact call recorder").id,
        stage="pilot",
        summary="Recording contact calls and transcribing them into case notes at the front door.",
        visibility="public",
    )
    third = client.get("/challenges/ch-calls/matches").get_data(as_text=True)
    assert len(calls) == 2 and "dep-recorder" in third
