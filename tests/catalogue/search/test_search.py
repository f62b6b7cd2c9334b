"""Search: every kind indexed, facets, pagination, snippets, and visibility through every part
of a result (hits, snippets, totals, facet counts, the page, matching helpers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from whoosh import query as wq

from catalogue.access import ANONYMOUS, viewer_for
from catalogue.accounts.models import Organisation
from catalogue.db import utcnow
from catalogue.search import engine
from catalogue.search.schema import ANALYZER, FACETS, fast_terms, stem
from tests.factories import (
    ChallengeFactory,
    DeploymentFactory,
    OfferingFactory,
    OrganisationFactory,
    SingleViewFactory,
    ToolFactory,
    UserFactory,
)


def _viewer(db, user):
    if user is None:
        return ANONYMOUS
    kind = db.get(Organisation, user.organisation_id).kind if user.organisation_id else None
    return viewer_for(user, organisation_kind=kind)


def test_every_kind_is_indexed_with_related_text(db):
    la = OrganisationFactory(name="Bramblewick Council", region="North East")
    supplier = OrganisationFactory(kind="supplier", name="Quillfeather Systems")
    tool = ToolFactory(name="Parrotscribe", description="Listens to visits and drafts notes. zanzibarword")
    DeploymentFactory(organisation_id=la.id, tool_id=tool.id, visibility="public", impact="Saved time on lantanum.")
    SingleViewFactory(organisation_id=la.id, visibility="public", documentation="Links police and schools: orrery.")
    OfferingFactory(supplier_id=supplier.id, name="Scribe for councils", description="Marmoset transcription.")
    ChallengeFactory(owner_id=la.id, status="open", title="Evening write-ups", problem="Workers write quokka notes.")

    def kinds(q: str) -> set[str]:
        return {h.kind for h in engine.search(ANONYMOUS, q).hits}

    assert kinds("zanzibarword") == {"tool"}
    assert kinds("lantanum") == {"deployment"}
    assert kinds("orrery") == {"single_view"}
    assert kinds("marmoset") == {"offering"}
    assert kinds("quokka") == {"challenge"}
    # Related text: a deployment is found by its tool's and its organisation's names.
    assert "deployment" in kinds("parrotscribe bramblewick")
    assert "offering" in kinds("quillfeather")
    hit = engine.search(ANONYMOUS, "lantanum").hits[0]
    assert hit.title == "Parrotscribe at Bramblewick Council"
    assert hit.url.startswith("/deployments/")
    assert isinstance(hit.snippet, Markup) and "<mark>lantanum</mark>" in hit.snippet
    # Stemming: "transcribing"/"transcription" share nothing, but plural/singular do.
    assert kinds("marmosets") == {"offering"}


def test_title_ranks_above_body(db):
    ToolFactory(name="Ordinary tool", description="Mentions heronfeather once in the body text.")
    ToolFactory(name="Heronfeather", description="A tool with a different description.")
    hits = engine.search(ANONYMOUS, "heronfeather").hits
    assert [h.title.striptags() for h in hits][0] == "Heronfeather"


def test_facets_count_and_filter(db):
    la = OrganisationFactory(region="London")
    other = OrganisationFactory(region="South West")
    t1 = ToolFactory(categories=["transcription"], description="wombatword")
    t2 = ToolFactory(categories=["translation", "chatbot"], description="wombatword", uses_ai=False)
    DeploymentFactory(
        organisation_id=la.id,
        tool_id=t1.id,
        visibility="public",
        stage="dropped",
        dropped_reasons=["cost", "accuracy"],
        impact="wombatword",
    )
    DeploymentFactory(organisation_id=other.id, tool_id=t2.id, visibility="public", stage="pilot", impact="wombatword")
    results = engine.search(ANONYMOUS, "wombatword")
    assert results.total == 4
    facets = dict((name, dict(values)) for name, values in results.facets.items())
    assert facets["kind"] == {"tool": 2, "deployment": 2}
    assert facets["category"] == {"transcription": 2, "translation": 2, "chatbot": 2}
    assert facets["region"] == {"London": 1, "South West": 1}
    assert facets["dropped_reason"] == {"cost": 1, "accuracy": 1}
    assert facets["uses_ai"] == {"yes": 2, "no": 2}
    narrowed = engine.search(ANONYMOUS, "wombatword", filters={"stage": ["dropped"]})
    assert narrowed.total == 1 and narrowed.hits[0].kind == "deployment"
    # A facet's own counts ignore its own choice (choices within a facet are OR'd) ...
    assert dict(narrowed.facets["stage"]) == {"dropped": 1, "pilot": 1}
    # ... while other facets count only what the choice leaves.
    assert dict(narrowed.facets["kind"]) == {"deployment": 1}
    both = engine.search(ANONYMOUS, "wombatword", filters={"region": ["London", "South West"]})
    assert both.total == 2
    assert engine.search(ANONYMOUS, "wombatword", kinds=["tool"]).total == 2
    assert engine.search(ANONYMOUS, "wombatword", kinds=["nonsense"]).total == 0
    assert engine.search(ANONYMOUS, "wombatword", filters={"category": ["no-such-code"]}).total == 0


def test_pagination_and_date_sort(db, client):
    now = utcnow()
    for i in range(25):
        ToolFactory(name=f"Pagetool {i}", description="platypusword tool", updated_at=now + timedelta(seconds=i))
    first = engine.search(ANONYMOUS, "platypusword", per_page=10)
    third = engine.search(ANONYMOUS, "platypusword", page=3, per_page=10)
    assert first.total == 25 and first.pages == 3 and len(first.hits) == 10 and len(third.hits) == 5
    all_ids = {h.id for p in (1, 2, 3) for h in engine.search(ANONYMOUS, "platypusword", page=p, per_page=10).hits}
    assert len(all_ids) == 25
    by_date = engine.search(ANONYMOUS, "platypusword", sort="date", per_page=25).hits
    assert [h.title.striptags() for h in by_date][0] == "Pagetool 24"
    page = client.get("/search?q=platypusword&page=2").get_data(as_text=True)
    assert "govuk-pagination" in page and "page=1" in page and "25 results" in page and "page 2 of 2" in page
    beyond = client.get("/search?q=platypusword&page=99")
    assert beyond.status_code == 200


def test_search_page(db, client):
    ToolFactory(name="Snippettool", description="The <b>aardvarkword</b> & friends", categories=["transcription"])
    response = client.get("/search?q=aardvarkword")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Search – Signpost</title>" in page
    assert "<mark>aardvarkword</mark>" in page and "&lt;b&gt;" in page and "<b>aardvarkword" not in page
    assert 'name="category"' in page and "Transcription and note-taking" in page  # facet checkboxes
    none = client.get("/search?q=nothingmatchesthis").get_data(as_text=True)
    assert "No results" in none and "checking your spelling" in none
    assert client.get("/search").status_code == 200


def test_snippets_escape_user_text():
    text = '<script>alert("x")</script> the koalaword & <img src=x onerror=1> more'
    snippet = engine.mark(text, {"koalaword"})
    assert "<mark>koalaword</mark>" in snippet
    assert "<script>" not in snippet and "<img" not in snippet and "&lt;script&gt;" in snippet
    long = ("filler text " * 100) + "the koalaword is here " + ("more filler " * 100)
    cut = engine.mark(long, {"koalaword"})
    assert "<mark>koalaword</mark>" in cut and len(cut.striptags()) < 320 and cut.startswith("…")


def test_fast_indexing_terms_match_the_analyser():
    samples = [
        "Social workers' notes: 3.5 hours saved — e.g. at the MASH, U.K. data (Section 47) naïve café",
        "The the a an and running runs ran easily transcriptions TRANSCRIBED x y z_1 foo.bar",
        "Co-pilot note-taking write-up -dash- a-b-c x-ray well--known foo.bar-baz end-",
    ]
    for text in samples:
        tokens = [t.text for t in ANALYZER(text)]
        assert fast_terms(text)[1] == tokens
    # A hyphenated word is its parts and then the parts joined.
    assert fast_terms("Co-pilot note-taking")[1] == ["co", "pilot", "copilot", "note", "take", "notetak"]


# --- visibility through every channel ------------------------------------------------------------


@pytest.fixture
def hidden_world(db):
    owner = OrganisationFactory(kind="local-authority", name="Owner Council")
    other = OrganisationFactory(kind="local-authority", name="Other Council")
    supplier = OrganisationFactory(kind="supplier", name="Supplier Ltd")
    tool = ToolFactory(name="Sharedtool")
    records = {
        "dep-public": DeploymentFactory(
            organisation_id=owner.id,
            tool_id=tool.id,
            visibility="public",
            impact="xylomarker in public",
            dropped_reasons=["cost"],
            stage="dropped",
        ),
        "dep-authorities": DeploymentFactory(
            organisation_id=owner.id,
            tool_id=tool.id,
            visibility="authorities",
            impact="xylomarker authorities",
            dropped_reasons=["ethics"],
            stage="dropped",
        ),
        "dep-private": DeploymentFactory(
            organisation_id=owner.id,
            tool_id=tool.id,
            visibility="private",
            impact="xylomarker private",
            dropped_reasons=["integration"],
            stage="dropped",
        ),
        "sv-authorities": SingleViewFactory(
            organisation_id=owner.id, visibility="authorities", documentation="xylomarker single view", status="planned"
        ),
        "sv-private": SingleViewFactory(
            organisation_id=owner.id,
            visibility="private",
            documentation="xylomarker private view",
            status="in-development",
        ),
        "off-draft": OfferingFactory(supplier_id=supplier.id, status="draft", description="xylomarker draft offer"),
        "ch-draft": ChallengeFactory(
            owner_id=owner.id, status="draft", problem="xylomarker draft challenge", route="grant"
        ),
    }
    users = {
        "anonymous": None,
        "pending_owner": UserFactory(organisation_id=owner.id, status="pending"),
        "supplier": UserFactory(organisation_id=supplier.id),
        "other_la": UserFactory(organisation_id=other.id),
        "owner": UserFactory(organisation_id=owner.id),
        "site_admin": UserFactory(is_site_admin=True),
    }
    return users, records


EXPECTED = {
    "anonymous": {"dep-public"},
    "pending_owner": {"dep-public"},
    "supplier": {"dep-public", "off-draft"},
    "other_la": {"dep-public", "dep-authorities", "sv-authorities"},
    "owner": {"dep-public", "dep-authorities", "dep-private", "sv-authorities", "sv-private", "ch-draft"},
    "site_admin": {
        "dep-public",
        "dep-authorities",
        "dep-private",
        "sv-authorities",
        "sv-private",
        "off-draft",
        "ch-draft",
    },
}
PRIVATE_WORDS = {
    "dep-authorities": "ethics",
    "dep-private": "integration",
    "sv-authorities": "planned",
    "sv-private": "in-development",
    "ch-draft": "grant",
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_visibility_of_hits_snippets_totals_and_facets(db, hidden_world, role, client_as):
    users, records = hidden_world
    viewer = _viewer(db, users[role])
    expected = EXPECTED[role]
    results = engine.search(viewer, "xylomarker", per_page=50)
    found = {(h.kind, h.id) for h in results.hits}
    kind_of = {"dep": "deployment", "sv": "single_view", "off": "offering", "ch": "challenge"}
    want = {(kind_of[name.split("-")[0]], records[name].id) for name in expected}
    assert found == want
    assert results.total == len(expected)
    facets = {name: dict(values) for name, values in results.facets.items()}
    assert sum(facets["kind"].values()) == len(expected)
    for name, code in PRIVATE_WORDS.items():
        facet = {"dep-authorities": "dropped_reason", "dep-private": "dropped_reason"}.get(name, "status")
        if name == "ch-draft":
            facet = "route"
        assert (code in facets[facet]) == (name in expected), (name, facet)
    # Every facet count is within the visible total.
    for name in FACETS:
        assert all(0 < n <= len(expected) for n in facets[name].values())
    # Filtering on a hidden value finds nothing and counts nothing.
    if "dep-private" not in expected:
        hidden = engine.search(viewer, "xylomarker", filters={"dropped_reason": ["integration"]})
        assert hidden.total == 0 and hidden.hits == []
    # Empty query (browse everything) obeys the same policy.
    assert engine.search(viewer, "", per_page=100).total == len(expected) + 1  # + the public tool
    # The page: snippets and refs of hidden records never appear.
    page = client_as(users[role]).get("/search?q=xylomarker").get_data(as_text=True)
    for name, record in records.items():
        assert (f"/{record.ref}" in page) == (name in expected), name
    for word, name in (("private view", "sv-private"), ("draft offer", "off-draft"), ("draft challenge", "ch-draft")):
        assert (word in page) == (name in expected)
    # The helpers other packages use.
    ids = engine.matching_ids(viewer, "xylomarker", "deployment")
    assert set(ids) == {records[n].id for n in expected if n.startswith("dep")}
    raw = engine.raw_search(viewer, wq.Term("body", stem("xylomarker")), "single_view")
    assert {rid for rid, _ in raw} == {records[n].id for n in expected if n.startswith("sv")}


def test_visibility_change_is_reflected(db, hidden_world):
    users, records = hidden_world
    dep = records["dep-private"]
    assert dep.id not in engine.matching_ids(ANONYMOUS, "xylomarker", "deployment")
    dep.visibility = "public"
    db.add(dep)
    db.commit()
    assert dep.id in engine.matching_ids(ANONYMOUS, "xylomarker", "deployment")
    offer = records["off-draft"]
    offer.status = "published"
    db.add(offer)
    db.commit()
    assert offer.id in engine.matching_ids(ANONYMOUS, "xylomarker", "offering")


def test_matching_ids_rejects_unknown_kind(db):
    with pytest.raises(ValueError):
        engine.matching_ids(ANONYMOUS, "x", "organisation")


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "NOT OR",
        "AND",
        "field:",
        "title:",
        "*",
        "?",
        "a*",
        "(((",
        ")))",
        "NOT",
        "OR OR OR",
        "x" * 10_000,
        "😀 🧒 social",
        "\x00\x01\x1f worker",
        "'single",
        "[a TO z]",
        "a^3",
        "-",
        "\\",
        "<script>",
        "NOT NOT x",
        '"" ""',
        "kind:tool",
        "visibility:private",
        "owner:1",
    ],
)
def test_odd_queries_never_fail(db, client, q):
    DeploymentFactory(
        organisation_id=OrganisationFactory().id, tool_id=ToolFactory().id, visibility="private", impact="secret"
    )
    results = engine.search(ANONYMOUS, q)
    assert results.total == len(results.hits) or results.total > len(results.hits)
    # Field syntax is not available to users, so the private record cannot be reached by it.
    assert all(h.kind != "deployment" for h in results.hits)
    assert client.get("/search", query_string={"q": q}).status_code == 200


QUERIES = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                '"',
                "'",
                "NOT",
                "OR",
                "AND",
                "(",
                ")",
                "*",
                "?",
                ":",
                "title:",
                "kind:",
                "social",
                "workers",
                "😀",
                "\x00",
                "\u202e",
                "-",
                "^2",
                "~",
                "[",
                "TO",
                "]",
                "\\",
                "xylomarker",
                "ﬁle",
            ]
        ),
        max_size=40,
    ).map(" ".join),
    st.text(min_size=2000, max_size=12_000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERIES)
def test_any_query_string_never_fails(hidden_world, client, q):
    results = engine.search(ANONYMOUS, q)
    # Whatever the syntax, anonymous visitors only ever reach public records.
    assert {h.kind for h in results.hits} <= {"deployment", "tool"}
    assert results.total <= 2 and sum(dict(results.facets["kind"]).values()) == results.total
    assert client.get("/search", query_string={"q": q, "sort": q[:10], "page": q[:5]}).status_code == 200


def test_cached_results_follow_the_viewer_and_the_index(db, hidden_world):
    """Recent results are kept per searcher: one viewer's cached results never reach a viewer
    with other grants, and any write makes the next search fresh."""
    users, records = hidden_world
    owner, stranger = _viewer(db, users["owner"]), ANONYMOUS
    everyone_first = {h.id for h in engine.search(stranger, "xylomarker", per_page=50).hits}
    owner_view = {h.id for h in engine.search(owner, "xylomarker", per_page=50).hits}
    assert records["dep-private"].id in owner_view
    again = engine.search(stranger, "xylomarker", per_page=50)
    assert {h.id for h in again.hits} == everyone_first and records["dep-private"].id not in everyone_first
    # The owner makes the private record public: the next anonymous search sees it at once.
    records["dep-private"].visibility = "public"
    db.add(records["dep-private"])
    db.commit()
    after = {h.id for h in engine.search(stranger, "xylomarker", per_page=50).hits}
    assert records["dep-private"].id in after
