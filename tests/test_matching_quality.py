"""Matching: the ranking signals added for quality, on small made-up examples."""

from __future__ import annotations

from outcomes.matching import engine
from outcomes.matching.index import DocMeta
from outcomes.models import Challenge


def _query(title: str, problem: str = "") -> engine.Query:
    return engine.build_query(Challenge(ref="ch-x", owner_id=1, title=title, problem=problem, outcomes=[]))


def _meta(**kw) -> DocMeta:  # noqa: ANN003
    return DocMeta(id=1, ref="off-x", name="X", owner_id=2, tool_id=None, categories=(), **kw)


def test_sector_discount_is_softened_when_the_challenge_names_that_sector() -> None:
    schools_tool = _meta(sectors={"schools": 3.0})
    plain = _query("Spotting neglect sooner", "Referrals reach us too late for early help.")
    names_schools = _query("Spotting neglect sooner", "Referrals from schools and health reach us too late.")
    sector, hard = engine._sector_penalty(plain, schools_tool)
    assert sector == "schools"
    sector, soft = engine._sector_penalty(names_schools, schools_tool)
    assert sector == "schools"  # still explained as ranked lower
    assert hard < soft < 1.0


def test_sector_mentions_are_not_search_terms() -> None:
    query = _query("Help from schools")
    assert "schools" in query.mentions
    assert not any(t.startswith("~mention") for t in query.analysed.terms)


def test_feedback_terms_come_from_the_best_candidates_and_lift_similar_ones() -> None:
    from outcomes.matching.index import Corpus
    from outcomes.matching.text import analyse

    corpus = Corpus()
    docs = {
        1: "Quokka drafting of visit notes; dictation with speech recognition.",
        2: "Speech recognition and dictation for case forms.",
        3: "Rota planning for residential staff.",
    }
    for i, text in docs.items():
        corpus.add(
            DocMeta(id=i, ref=f"r{i}", name=f"Doc {i}", owner_id=1, tool_id=None, categories=()), analyse([(text, 1.0)])
        )
    query = _query("Quokka visit notes")
    scores = {corpus.slot_of[1]: 5.0, corpus.slot_of[2]: 0.1, corpus.slot_of[3]: 0.1}
    sources: list[str] = []
    expansion = engine._feedback_terms(((corpus, scores),), query, sources)
    assert sources[0] == "Doc 1"
    added = engine._add_feedback(corpus, scores, expansion)
    # The record that shares the best match's words (not the query's) gains; the unrelated one does not.
    assert added[corpus.slot_of[2]] > 0
    assert added.get(corpus.slot_of[3], 0.0) == 0.0
    resembles = engine._resembles(added[corpus.slot_of[2]], scores[corpus.slot_of[2]], "Doc 2", sources)
    assert resembles[0] == "Doc 1"
    assert "Doc 2" not in resembles
