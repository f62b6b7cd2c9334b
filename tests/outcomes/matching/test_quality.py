"""Matching: the ranking signals added for quality, on small made-up examples."""

from __future__ import annotations

import math

import pytest

from outcomes.matching import query as query_mod
from outcomes.matching import scoring
from outcomes.matching.index import DocMeta
from outcomes.models import Challenge


def _query(title: str, problem: str = "") -> query_mod.Query:
    return query_mod.build_query(Challenge(ref="ch-x", owner_id=1, title=title, problem=problem, outcomes=[]))


def _meta(**kw) -> DocMeta:
    return DocMeta(id=1, ref="off-x", name="X", owner_id=2, tool_id=None, categories=(), **kw)


def test_sector_discount_is_softened_when_the_challenge_names_that_sector() -> None:
    schools_tool = _meta(sectors={"schools": 3.0})
    plain = _query("Spotting neglect sooner", "Referrals reach us too late for early help.")
    names_schools = _query("Spotting neglect sooner", "Referrals from schools and health reach us too late.")
    sector, hard = scoring.sector_penalty(plain, schools_tool)
    assert sector == "schools"
    sector, soft = scoring.sector_penalty(names_schools, schools_tool)
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
    expansion = scoring.feedback_terms(((corpus, scores),), query, sources)
    assert sources[0] == "Doc 1"
    added = scoring.add_feedback(corpus, scores, expansion)
    # The record that shares the best match's words (not the query's) gains; the unrelated one does not.
    assert added[corpus.slot_of[2]] > 0
    assert added.get(corpus.slot_of[3], 0.0) == 0.0
    resembles = scoring.resembles(added[corpus.slot_of[2]], scores[corpus.slot_of[2]], "Doc 2", sources)
    assert resembles[0] == "Doc 1"
    assert "Doc 2" not in resembles


def _deployment_corpus(accounts: dict[int, tuple[int, str]], tool_texts: dict[int, str]):
    """A deployments corpus as the index builds it: each account's own text merged with its tool's."""
    from outcomes.matching.index import Corpus
    from outcomes.matching.text import analyse, merged

    corpus = Corpus()
    for i, (tool_id, own_text) in accounts.items():
        own = analyse([(own_text, 1.0)])
        meta = DocMeta(id=i, ref=f"dep-{i}", name=f"Tool {tool_id}", owner_id=100 + i, tool_id=tool_id, categories=())
        corpus.add(meta, merged(analyse([(tool_texts[tool_id], 1.0)]), own), own)
    return corpus


def _fielded(accounts: dict[int, tuple[int, str]], tool_texts: dict[int, str], title: str, problem: str):
    """The corpus and each slot's (query, expansion, own-field) scores for a challenge."""
    corpus = _deployment_corpus(accounts, tool_texts)
    query = _query(title, problem)
    weights = scoring.idf_weights(corpus, query_mod.query_weights(query, corpus), {})
    return corpus, scoring.bm25f(corpus, range(len(accounts)), weights)


def test_a_deployments_own_account_counts_more_than_its_tools_description() -> None:
    tools = {
        1: "Interpreting by video for home visits, plans and letters translated, many languages.",
        2: "Secure workspace for staff.",
    }
    accounts = {
        1: (1, "Video interpreting at home visits."),
        2: (1, "Child protection plans translated for parents within five days."),
        3: (2, "Staff draft letters and plans in plain words parents understand; plans translated."),
        4: (2, "Used for reformatting reports."),
    }
    title, problem = "Plans and letters parents can read", "Child protection plans need translating for parents."
    corpus, scores = _fielded(accounts, tools, title, problem)
    total = {corpus.meta[s].id: q + e for s, (q, e, _) in scores.items()}
    # Two accounts of one tool are told apart by their own words ...
    assert total[2] > total[1]
    # ... and an account that answers the challenge beats one that only shares its tool's words.
    assert total[3] > total[1]
    assert total[3] > total[4]
    own = {corpus.meta[s].id: o for s, (_, _, o) in scores.items()}
    assert own[1] < own[2] and own[4] == 0.0


def test_pooled_accounts_lift_a_tool_most_peers_used_for_the_problem() -> None:
    tools = {1: "Caseload weighting tool.", 2: "Visit recording app."}
    accounts = {
        1: (1, "Used in supervision to discuss workload."),
        2: (1, "Allocation decisions by senior leaders."),
        3: (1, "Stopped: no staff to move between teams."),
        4: (2, "Supervision sessions recorded and drafted."),
        5: (2, "Supervision records drafted from the recording."),
    }
    corpus, scores = _fielded(accounts, tools, "Supervision that is recorded", "Supervision records are late.")
    own = {slot: o for slot, (_, _, o) in scores.items()}
    pooled = scoring.pooled_own(corpus, own, lambda meta: True)
    # One account of three mentions supervision; both accounts of the other tool are about it.
    assert pooled[2] > pooled[1] > 0
    # Only accounts the viewer may see are counted, in the sum and in the number of accounts.
    hidden = scoring.pooled_own(corpus, own, lambda meta: meta.id != 4)
    visible_top = max(v for slot, v in own.items() if corpus.meta[slot].id != 4)
    assert hidden[2] == pytest.approx(own[corpus.slot_of[5]] / visible_top)


def test_dropped_reasons_and_embedded_delivery_are_searchable_words() -> None:
    from types import SimpleNamespace

    from outcomes.matching.index import deployment_doc, tool_analysis

    tool = SimpleNamespace(
        id=1,
        name="Record Helper",
        summary="Drafts notes.",
        description=None,
        categories=["transcription"],
        delivery="embedded",
        case_management_systems=["Lattice CSC"],
    )
    row = SimpleNamespace(
        id=7,
        ref="dep-7",
        organisation_id=3,
        tool_id=1,
        stage="dropped",
        visibility="public",
        summary="Pilot stopped.",
        impact=None,
        learnings=None,
        barriers=None,
        dropped_detail=None,
        dropped_reasons=["integration", "information-governance"],
        evaluation_findings=None,
    )
    meta, analysed, own = deployment_doc(row, tool, tool_analysis(tool))
    assert {"integr", "govern"} <= set(own.terms)  # the reasons' labels, as the deployment's own words
    assert "~in-record" in analysed.terms and "~in-record" not in own.terms  # "built into a case management system"
    assert analysed.length > own.length


def test_care_proceedings_are_read_as_needing_a_chronology() -> None:
    """Practice joins concepts: a challenge about care proceedings is about summarisation and
    chronologies too (the PLO asks for one), and reaches tools that only say "chronology"
    through a related concept weighted below the challenge's own words."""
    q = _query("Getting ready for care proceedings", "Social workers assemble the court bundle by hand.")
    assert "summarisation" in q.categories
    assert "~summarisation" in q.related
    assert "~summarisation" not in q.analysed.terms
    own = max(math.log1p(v) for t, v in q.analysed.terms.items() if t.startswith("~"))
    assert 0 < q.related["~summarisation"] < own


def test_related_concepts_reach_the_index_as_query_weights() -> None:
    from outcomes.matching.index import Corpus
    from outcomes.matching.text import analyse

    corpus = Corpus()
    meta = DocMeta(id=1, ref="o-1", name="Chronology builder", owner_id=1, tool_id=None, categories=())
    corpus.add(meta, analyse([("Builds a chronology of significant events from the record", 1.0)]))
    q = _query("Getting ready for care proceedings", "")
    weights = query_mod.query_weights(q, corpus)
    assert weights.get(corpus.term_id("~summarisation"), 0) > 0


def test_records_sharing_only_weaker_words_are_still_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    """When fewer records share a telling word than are wanted (a small catalogue), the weaker
    words choose candidates too: a record is ranked, not dropped, for sharing only them."""
    from outcomes.matching.index import Corpus
    from outcomes.matching.text import analyse

    monkeypatch.setattr(scoring, "CANDIDATE_TERMS", 1)  # only the most telling word chooses, as at scale
    corpus = Corpus()
    docs = {1: "Quokka drafting of visit notes.", 2: "Visit planning for staff.", 3: "Rota for residential homes."}
    for i, text in docs.items():
        corpus.add(
            DocMeta(id=i, ref=f"r{i}", name=f"Doc {i}", owner_id=1, tool_id=None, categories=()), analyse([(text, 1.0)])
        )
    query = _query("Quokka visit")
    scores = scoring.text_scores(corpus, query_mod.query_weights(query, corpus), lambda meta: True, 10)
    assert set(scores) == {corpus.slot_of[1], corpus.slot_of[2]}
    assert scores[corpus.slot_of[1]] > scores[corpus.slot_of[2]] > 0
