"""Finding things on the demo catalogue: misspellings, hyphen and space variants, the field's
synonyms through the thesaurus, exact words ranked first, and what a result card says."""

from __future__ import annotations

import pytest
from flask import Flask
from whoosh import query as wq

from catalogue.access import ANONYMOUS
from catalogue.search import engine, expand
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory


@pytest.fixture
def demo(app: Flask, db):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    engine.sync(blocking=True)
    return db


def _titles(q: str, n: int = 3) -> list[str]:
    return [h.title.striptags() for h in engine.search(ANONYMOUS, q).hits[:n]]


# Each of the queries found nothing before; each must now find its tool near the top.
EXAMPLES = {
    "transcribe": "Quillstone Notes",
    "transciption": "Quillstone Notes",
    "chronolgy": "Quillstone Chronology",
    "copliot": "Brightwater Copilot for Practice",
    "co-pilot": "Brightwater Copilot for Practice",
    "co pilot": "Brightwater Copilot for Practice",
    "copilot": "Brightwater Copilot for Practice",
    "notetaking": "Quillstone Notes",
    "note taking": "Quillstone Notes",
    "speech to text": "Quillstone Notes",
}


def test_each_example_finds_its_tool(demo):
    for q, tool in EXAMPLES.items():
        assert tool in _titles(q), (q, _titles(q, 10))


def test_transcription_ranks_the_transcription_tool_above_translation_records(demo):
    hits = engine.search(ANONYMOUS, "transcription", per_page=50).hits
    titles = [h.title.striptags() for h in hits]
    tool = titles.index("Quillstone Notes")
    translation = [i for i, h in enumerate(hits) if "Parley Live" in h.title.striptags()]
    assert translation and tool < min(translation), titles
    assert tool <= 2, titles


def test_a_misspelling_with_no_results_is_corrected_and_says_so(demo, client):
    results = engine.search(ANONYMOUS, "chronolgy")
    assert results.corrected_from == "chronolgy" and results.query == "chronology" and results.total
    page = client.get("/search?q=chronolgy&kind=tool").get_data(as_text=True)
    assert "No results for <strong>chronolgy</strong>, so these are for <strong>chronology</strong>" in page
    assert "Quillstone <mark>Chronology</mark>" in page
    # The typed words are one click away, searched as typed.
    assert 'href="/search?q=chronolgy&amp;kind=tool&amp;exact=1"' in page
    exact = client.get("/search?kind=tool&q=chronolgy&exact=1").get_data(as_text=True)
    assert "No results for <strong>chronolgy</strong>." in exact and "Quillstone" not in exact


def test_did_you_mean_a_far_commoner_word(db, client):
    # One record misspells a word that many others spell right: its results show, with a link.
    la = OrganisationFactory(name="Wrenfield Council", region="London")
    for n in range(6):
        tool = ToolFactory(name=f"Heronscribe {n}", description="Drafts a chronology of events.")
        DeploymentFactory(organisation_id=la.id, tool_id=tool.id, visibility="public")
    ToolFactory(name="Typo tool", description="Drafts a chronolgy of events.")
    engine.sync(blocking=True)
    results = engine.search(ANONYMOUS, "chronolgy")
    assert results.total == 1 and results.corrected_from is None and results.suggestion == "chronology"
    page = client.get("/search?q=chronolgy&sort=date").get_data(as_text=True)
    assert 'Did you mean <a class="govuk-link" href="/search?q=chronology&amp;sort=date">chronology</a>?' in page
    assert engine.search(ANONYMOUS, "chronology").suggestion is None  # a common word needs none
    # Not a plain query: read as typed, never corrected.
    assert engine.search(ANONYMOUS, "chronolgy OR nothingelse").suggestion is None


def test_suggestions_never_reveal_a_hidden_record(db):
    la = OrganisationFactory(name="Quietmere Council")
    tool = ToolFactory(name="Plainname")
    DeploymentFactory(organisation_id=la.id, tool_id=tool.id, visibility="private", impact="zephyrblossom secret")
    engine.sync(blocking=True)
    results = engine.search(ANONYMOUS, "zephyrblosom")
    assert results.total == 0 and results.suggestion is None and results.corrected_from is None
    # Nor through the synonyms: the hidden word names a concept ("transcri*") whose other words
    # public records hold, yet the word itself is never offered.
    DeploymentFactory(organisation_id=la.id, tool_id=tool.id, visibility="private", impact="transcriptionx")
    ToolFactory(name="Dictaphone", description="Dictation for visits.")
    engine.sync(blocking=True)
    results = engine.search(ANONYMOUS, "transcrptionx")
    assert results.suggestion is None and results.corrected_from is None and results.total == 0


def test_result_cards_show_stage_organisation_and_region(demo, client):
    hits = engine.search(ANONYMOUS, "Quillstone Notes Greyfen", kinds=["deployment"]).hits
    card = hits[0].card
    confirmed = card.pop("confirmed")  # when it was last confirmed (catalogue.upkeep), in ms
    assert card == {"org": "Greyfen County Council", "region": "East of England", "stage": "dropped"}
    assert isinstance(confirmed, int) and confirmed > 0
    page = client.get("/search?q=Quillstone+Notes+Greyfen&kind=deployment").get_data(as_text=True)
    assert '<strong class="govuk-tag govuk-tag--red">Dropped pilot</strong>' in page
    assert "Greyfen County Council, East of England" in page


def test_own_words_outweigh_synonyms(demo):
    reading = expand.read("transcription", _searcher())
    assert reading is not None and "recording" in reading.concepts
    weights = engine.scoring_terms(reading.query)
    assert weights[("body", "transcript")] == 1.0
    assert weights[("body", "dictat")] == pytest.approx(expand.SYNONYM_WEIGHT)


def test_queries_with_operators_are_read_as_typed():
    assert not expand.is_plain('"speech to text"')
    assert not expand.is_plain("transcription OR translation")
    assert expand.is_plain("speech to text")
    assert expand.units("The co-pilot, for note taking") == ["co-pilot", "note", "taking"]


def _searcher():
    from catalogue.search.segments import with_index

    return with_index(lambda searcher, leaves: searcher, None)


def test_plain_query_shape_needs_every_word(demo):
    # Two unrelated words: both must still appear (each may appear in another form).
    reading = expand.read("chronology greyfen", _searcher())
    assert isinstance(reading.query, wq.And)
    assert "Quillstone Chronology" not in _titles("chronology greyfen", 10)
