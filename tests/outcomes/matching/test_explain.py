"""Explanations of matches: few, true, worded for their reader, grammatical (issue 16)."""

from __future__ import annotations

from outcomes.matching import query as query_mod
from outcomes.matching import scoring
from outcomes.matching.engine import Match
from outcomes.matching.explain import COMMISSIONER, SUPPLIER, explain
from outcomes.matching.index import Corpus, DocMeta
from outcomes.matching.text import analyse
from outcomes.models import Challenge


def _meta(**kw) -> DocMeta:
    base = {"id": 1, "ref": "off-x", "name": "X", "owner_id": 2, "tool_id": 7, "categories": ("transcription",)}
    return DocMeta(**(base | kw))


def _busy_match(kind: str = "offering", **kw) -> Match:
    m = Match(kind, _meta(delivery="embedded", cms=("lattice",), stage="dropped"), 1.0, text=0.9)
    m.terms = ["dictation", "transcript", "minutes", "visit", "note"]
    m.bridges = [("recording and case notes", "write up", "transcription")]
    m.categories = ["transcription"]
    m.outcome = ("Notes on file within a day", "Notes on file the same day", 0.8)
    m.cms, m.owner_system = "mismatch", "Keystone"
    m.sector = "adults"
    m.peer = {"organisations": 3, "stages": {"pilot": 1, "implemented": 1}, "dropped": 1, "owner_stage": "pilot"}
    for k, v in kw.items():
        setattr(m, k, v)
    return m


def test_at_most_four_reasons_strongest_first() -> None:
    why = explain(_busy_match())
    assert len(why) == 4
    # The warnings that explain a lower place come first, then the outcome, then the words.
    assert why[0].startswith("Ranked lower: works only inside lattice; you use Keystone")
    assert why[1].startswith("Ranked lower: mostly described for adult social care")
    assert why[2].startswith("Answers your outcome")
    assert why[3].startswith("Shares your challenge's words")
    assert "“note”" not in why[3]  # four words at most


def test_wording_follows_the_reader() -> None:
    m = _busy_match(cms=None, sector=None)
    mine, theirs = explain(m, COMMISSIONER), explain(m, SUPPLIER)
    assert any("your challenge's words" in r for r in mine)
    assert not any("your challenge" in r.lower() for r in theirs)
    assert any("the challenge's words" in r for r in theirs)
    assert any("with your offering's “Notes on file the same day”" in r for r in theirs)
    dropped = _busy_match("deployment", cms=None, sector=None, outcome=None, terms=[], bridges=[])
    assert any("read why before you buy" in r for r in explain(dropped, COMMISSIONER))
    assert not any("before you buy" in r.lower() for r in explain(dropped, SUPPLIER))


def test_peer_evidence_grammar_in_singular_and_plural() -> None:
    def peer_line(using: int, dropped: int) -> str:
        m = _busy_match(cms=None, sector=None, outcome=None, terms=[], bridges=[], categories=[])
        m.peer = {"organisations": using + dropped, "stages": {"pilot": using}, "dropped": dropped, "owner_stage": None}
        return next(r for r in explain(m) if r.startswith("Peer evidence"))

    assert peer_line(1, 0).startswith("Peer evidence: 1 other organisation uses its tool")
    assert peer_line(2, 1).startswith("Peer evidence: 2 other organisations use its tool")
    assert "; 1 organisation dropped it" in peer_line(2, 1)
    assert "; 2 organisations dropped it" in peer_line(1, 2)


def test_a_case_management_system_is_not_ranked_down_for_not_running_inside_another() -> None:
    cms_product = _meta(delivery="embedded", cms=("hearthwise",), categories=("case-management",))
    assert scoring.cms_fit(cms_product, "keystone") == (None, 1.0)
    add_on = _meta(delivery="embedded", cms=("hearthwise",))
    assert scoring.cms_fit(add_on, "keystone")[0] == "mismatch"
    assert scoring.cms_fit(add_on, "hearthwise")[0] == "match"


def _corpus(texts: list[str]) -> Corpus:
    corpus = Corpus()
    for i, text in enumerate(texts):
        corpus.add(
            _meta(id=i, ref=f"r{i}", outcomes=((text, dict(analyse([(text, 1.0)]).terms)),)), analyse([(text, 1.0)])
        )
    return corpus


def _query(title: str, outcomes: list[dict] | None = None) -> query_mod.Query:
    return query_mod.build_query(Challenge(ref="ch-x", owner_id=1, title=title, problem="", outcomes=outcomes or []))


def test_shared_words_are_only_those_specific_to_the_problem() -> None:
    # "support" is in every record: too common to be a reason; "dictation" is in one.
    texts = [f"Support for teams number {i}" for i in range(20)] + ["Dictation support for social workers"]
    corpus = _corpus(texts)
    query = _query("Dictation support")
    shared = scoring.shared_terms(corpus, corpus.slot_of[20], query_mod.query_weights(query, corpus), query)
    assert shared == ["dictation"]


def test_an_outcome_is_claimed_only_for_the_same_measure() -> None:
    texts = [f"Filler record {i} about rota planning" for i in range(20)]
    texts += ["Placement searches completed sooner", "Fewer agency social workers"]
    corpus = _corpus(texts)
    query = _query(
        "Finding homes",
        [{"outcome": "Placement searches completed sooner", "measure": "days from referral to placement search"}],
    )
    same = corpus.meta[corpus.slot_of[20]]
    other = corpus.meta[corpus.slot_of[21]]
    claim = scoring.outcome_claim(query, same, corpus)
    assert claim is not None and claim[1] == "Placement searches completed sooner"
    assert scoring.outcome_claim(query, other, corpus) is None


def test_front_door_is_read_in_context() -> None:
    council = analyse([("Contacts wait for days at our front door", 1.0)]).concepts
    website = analyse([("A digital front door for families", 1.0)]).concepts
    assert "front-door" in council and "chatbot" not in council
    assert "chatbot" in website and "front-door" not in website
    # A council's front door does not make the challenge about chatbots.
    assert "chatbot" not in _query("Ending drift at the front door").categories
