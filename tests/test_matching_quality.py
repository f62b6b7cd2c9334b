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
