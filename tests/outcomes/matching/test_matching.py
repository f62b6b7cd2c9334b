"""Matching: explanations, visibility, case management fit, thesaurus bridging, CLI, lessons panel,
and the supplier side (challenges that fit an offering)."""

from __future__ import annotations

import json

import pytest
from flask import render_template

from catalogue.access import viewer_for
from outcomes.matching import engine
from outcomes.matching import query as query_mod
from outcomes.matching.lessons import rank_lessons
from outcomes.matching.text import analyse
from tests.factories import (
    ChallengeFactory,
    OfferingFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.helpers.matching import MARKER, matching_world


@pytest.fixture
def world(db) -> dict:
    return matching_world()


def _refs(matches: list[engine.Match]) -> list[str]:
    return [m.ref for m in matches]


def test_offerings_ranked_with_truthful_explanations(db, world) -> None:
    result = engine.match_challenge(db, world["challenge"], limit=10)
    refs = _refs(result.offerings)
    assert refs[0] == "off-scribe"
    assert "off-rota" not in refs[:2]
    top = result.offerings[0]
    assert top.why, "every match says why"
    challenge_words = set(analyse(query_mod.challenge_fields(world["challenge"])).terms)
    offering = world["standalone"]
    offering_text = " ".join([offering.name, offering.summary, offering.description, *offering.outcomes])
    offering_words = set(analyse([(offering_text, 1.0)]).terms)
    # The words it claims to share are in both records.
    assert top.terms
    for word in top.terms:
        stem = next(iter(analyse([(word, 1.0)]).terms))
        assert stem in challenge_words and stem in offering_words
    # Shared categories are the offering's own and inferred from the challenge.
    assert top.categories == ["transcription"]
    assert "transcription" in result.categories
    assert len(top.why) <= 4
    # An outcome is claimed only when it is about the same measure (see test_matching_explain).
    assert any(r.startswith("Answers your outcome") for r in top.why) == (top.outcome is not None)
    assert any("Fits your case management system" in reason for reason in top.why)
    # Peer evidence counts other organisations' deployments the owner may see: public + authorities.
    assert top.peer["organisations"] == 2
    assert top.peer["owner_stage"] == "pilot"
    assert any(reason.startswith("Peer evidence: 2 other organisations") for reason in top.why)


def test_owner_deployments_are_not_peer_evidence(db, world) -> None:
    result = engine.match_challenge(db, world["challenge"], limit=20)
    assert "dep-own" not in _refs(result.deployments)
    assert "dep-public" in _refs(result.deployments)


def test_a_dropped_pilot_says_why_it_was_dropped(db, world) -> None:
    result = engine.match_challenge(db, world["challenge"], limit=20)
    dropped = next(m for m in result.deployments if m.ref == "dep-dropped")
    assert (
        "Peer experience: piloted, then not rolled out (accuracy or quality of output; low staff adoption or trust)"
        "; read why before you buy"
    ) in dropped.why


def test_private_deployments_of_others_never_appear(db, world) -> None:
    result = engine.match_challenge(db, world["challenge"], limit=50)
    refs = _refs(result.deployments)
    assert "dep-private" not in refs
    # Authorities-only records are fine for a local authority owner.
    assert "dep-authorities" in refs
    assert all(MARKER not in json.dumps(m.why) for m in result.offerings)
    # Peer counts do not count the private deployment either.
    embedded = next(m for m in result.offerings if m.ref == "off-lattice-voice")
    assert embedded.peer["organisations"] == 1  # the public dropped one only


def test_matches_page_filters_for_the_current_viewer(db, world, client_as) -> None:
    anonymous = client_as(None).get("/challenges/ch-evenings/matches")
    assert anonymous.status_code == 200
    html = anonymous.get_data(as_text=True)
    assert "dep-public" in html
    assert "dep-authorities" not in html  # anonymous visitors never see authorities-only records
    assert "dep-private" not in html
    staff = UserFactory(organisation_id=world["other"].id)
    html = client_as(staff).get("/challenges/ch-evenings/matches").get_data(as_text=True)
    assert "dep-authorities" in html
    assert "dep-private" not in html
    supplier_user = UserFactory(organisation_id=world["supplier"].id)
    html = client_as(supplier_user).get("/challenges/ch-evenings/matches").get_data(as_text=True)
    assert "dep-authorities" not in html


def test_draft_challenge_matches_are_for_its_owner_only(db, world, client_as) -> None:
    ChallengeFactory(ref="ch-draft", owner_id=world["owner"].id, title="Draft", status="draft")
    assert client_as(None).get("/challenges/ch-draft/matches").status_code == 404
    member = UserFactory(organisation_id=world["owner"].id)
    assert client_as(member).get("/challenges/ch-draft/matches").status_code == 200


def test_cms_mismatch_ranks_low_and_says_so(db, world) -> None:
    result = engine.match_challenge(db, world["challenge"], limit=10)
    refs = _refs(result.offerings)
    assert refs.index("off-scribe") < refs.index("off-lattice-voice")
    embedded = next(m for m in result.offerings if m.ref == "off-lattice-voice")
    standalone = next(m for m in result.offerings if m.ref == "off-scribe")
    assert embedded.cms == "mismatch"
    assert embedded.score < 0.6 * standalone.score
    assert any(
        "Ranked lower: works only inside lattice csc" in r and "you use Keystone Children's Record" in r
        for r in embedded.why
    )


def test_embedded_offering_ranks_well_for_its_own_system(db, world) -> None:
    lattice_la = OrganisationFactory(name="Lattice Council", case_management_system="Lattice CSC")
    challenge = ChallengeFactory(
        owner_id=lattice_la.id,
        title="Visit write-ups done in the evening",
        problem="Social workers write up home visits at night.",
        status="open",
    )
    result = engine.match_challenge(db, challenge, limit=10)
    embedded = next(m for m in result.offerings if m.ref == "off-lattice-voice")
    assert embedded.cms == "match"
    assert any("built into Lattice CSC" in r for r in embedded.why)


def test_thesaurus_bridges_commissioners_and_suppliers_words(db) -> None:
    owner = OrganisationFactory(name="Bridging Council")
    supplier = OrganisationFactory(kind="supplier", name="Tongues Ltd")
    bridged = OfferingFactory(
        ref="off-tongues",
        supplier_id=supplier.id,
        name="Tongues",
        summary="Interpreting in 120 languages by phone.",
        description="A qualified interpreter joins the call within a minute.",
        categories=["translation"],
    )
    OfferingFactory(
        ref="off-kiosk",
        supplier_id=supplier.id,
        name="Rota planner",
        summary="Shift patterns for residential staff.",
        categories=["workforce"],
    )
    # No word of the challenge is in the interpreting offering: only the thesaurus connects them.
    challenge = ChallengeFactory(
        owner_id=owner.id,
        title="Parents who speak little English",
        problem="Mothers and fathers with limited English miss what is said at meetings.",
        status="open",
    )
    shared = set(analyse(query_mod.challenge_fields(challenge)).terms) & set(
        analyse([(bridged.name, 1), (bridged.summary, 1), (bridged.description, 1)]).terms
    )
    assert not {t for t in shared if not t.startswith("~")}
    result = engine.match_challenge(db, challenge, limit=5)
    assert _refs(result.offerings)[0] == "off-tongues"
    assert "translation" in result.categories
    top = result.offerings[0]
    assert any("both about translation and interpreting" in r for r in top.why)


def test_cli_json_lines(app, db, world) -> None:
    ChallengeFactory(ref="ch-another", owner_id=world["other"].id, title="Finding foster homes", status="draft")
    result = app.test_cli_runner().invoke(args=["match", "--all", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert {r["challenge"] for r in rows} == {"ch-evenings", "ch-another"}  # every status
    row = next(r for r in rows if r["challenge"] == "ch-evenings")
    assert set(row) >= {"challenge", "offerings", "deployments", "elapsed_ms"}
    assert len(row["offerings"]) <= 3
    assert row["offerings"][0]["ref"] == "off-scribe"
    assert isinstance(row["offerings"][0]["score"], float) and row["offerings"][0]["why"]
    assert all(d["ref"] != "dep-private" for d in row["deployments"])
    single = app.test_cli_runner().invoke(args=["match", "ch-evenings", "--json"])
    assert json.loads(single.output.strip().splitlines()[-1])["challenge"] == "ch-evenings"
    table = app.test_cli_runner().invoke(args=["match", "ch-evenings"])
    assert "Offerings:" in table.output and "off-scribe" in table.output


def test_cli_unknown_challenge(app, db) -> None:
    result = app.test_cli_runner().invoke(args=["match", "ch-nope"])
    assert result.exit_code != 0
    assert "no challenge" in result.output


def test_lessons_panel_shows_dropped_pilots_with_reasons(app, db, world) -> None:
    with app.test_request_context("/"):
        html = render_template("outcomes/_lessons.html", challenge=world["challenge"])
    assert "Lessons from pilots elsewhere" in html
    assert "dep-dropped" in html
    assert "What went wrong: Accuracy or quality of output; Low staff adoption or trust." in html
    assert "missed what children said" in html
    assert "dep-public" not in html  # not dropped, so not a lesson
    assert "dep-private" not in html


def test_lessons_panel_hides_what_the_viewer_may_not_see(app, db, world) -> None:
    world["deployments"]["dropped"].visibility = "authorities"
    db.add(world["deployments"]["dropped"])
    db.commit()
    with app.test_request_context("/"):
        html = render_template("outcomes/_lessons.html", challenge=world["challenge"])
    assert "dep-dropped" not in html  # anonymous reader
    staff = UserFactory(organisation_id=world["other"].id)
    lessons = rank_lessons(db, world["challenge"], viewer=viewer_for(staff, "local-authority"))
    assert [m.ref for m in lessons] == ["dep-dropped"]


def test_challenges_for_offering_only_published_open_ones(db, world) -> None:
    ChallengeFactory(
        ref="ch-hidden-draft",
        owner_id=world["owner"].id,
        title="Visit write-ups in the evening",
        problem="Social workers write up home visits at night; case notes are late.",
        status="draft",
    )
    ChallengeFactory(
        ref="ch-market",
        owner_id=world["other"].id,
        title="Visit write-ups in the evening",
        problem="Social workers write up home visits at night.",
        status="market-engagement",
    )
    found = engine.challenges_for_offering(db, world["standalone"])
    refs = [c.ref for c, _ in found]
    assert "ch-evenings" in refs and "ch-market" in refs
    assert "ch-hidden-draft" not in refs
    assert all(c.status in ("open", "market-engagement") for c, _ in found)
    assert all(m.why for _, m in found)


def test_index_catches_up_with_new_records(db, world) -> None:
    engine.match_challenge(db, world["challenge"], limit=10)
    late = OfferingFactory(
        ref="off-late",
        supplier_id=world["supplier"].id,
        name="Evening visit write-ups",
        summary="Write up home visits in minutes, not in the evening.",
        categories=["transcription"],
    )
    assert "off-late" in _refs(engine.match_challenge(db, world["challenge"], limit=10).offerings)
    late.status = "draft"
    db.add(late)
    db.commit()
    assert "off-late" not in _refs(engine.match_challenge(db, world["challenge"], limit=10).offerings)


def test_categories_chosen_by_the_owner_count_as_certain(db, world) -> None:
    challenge = ChallengeFactory(
        owner_id=world["owner"].id,
        title="Visit write-ups done in the evening",
        problem="Social workers write up home visits at night.",
        categories=["workforce"],
    )
    result = engine.match_challenge(db, challenge, limit=10)
    assert result.categories["workforce"] == 1.0
    assert result.categories["transcription"] == 1.0  # still inferred from the words
    rota = next(m for m in result.offerings if m.ref == "off-rota")
    assert rota.categories == ["workforce"]
    assert len(rota.why) <= 4
