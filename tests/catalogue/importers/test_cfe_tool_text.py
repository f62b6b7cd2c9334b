"""Issue 13, hole 9: the call-for-evidence importer keeps a respondent's answers in the records
that carry the respondent's visibility. A dropped pilot's story, told in an authorities-only
deployment, must not reach the public through the tool the importer creates: not its summary
or description, nor its page, the API, CSV or search."""

from __future__ import annotations

from sqlmodel import select

from catalogue import access
from catalogue.records.models import Deployment, Tool
from catalogue.search import engine
from tests.helpers.cfe import make_csv, run_import

MARKER = "wibblequarkstory"


def test_a_respondents_story_stays_in_the_deployment(db, client_as) -> None:
    story = f"We piloted Blorptalk for translation but dropped it: {MARKER} errors in family meetings."
    built = f"We built our own Quarkfinder tool to find {MARKER} chronologies."
    report = run_import(db, make_csv({"What is the name": "Leeds", "Q5": story, "Q6": built}))
    assert not [p for p in report.problems if p.question in ("Q5", "Q6") and "No tool" in p.message]
    tools = list(db.exec(select(Tool)))
    assert tools, report.problems
    for tool in tools:
        assert MARKER not in (tool.summary or "") and MARKER not in (tool.description or ""), tool.name
    # The story is kept where the respondent told it, with that record's visibility.
    dropped = [d for d in db.exec(select(Deployment)) if d.stage == "dropped"]
    assert dropped and all(d.visibility == "authorities" for d in dropped)
    assert any(MARKER in (d.dropped_detail or "") for d in dropped)
    # No public channel carries it (the tools stay with their authorities-only records, too).
    anonymous = client_as(None)
    for tool in tools:
        assert tool.restricted
        assert anonymous.get(f"/tools/{tool.ref}").status_code == 404
    for url in ("/tools", "/export/tools.csv", "/api/v1/tools"):
        text = anonymous.get(url).get_data(as_text=True)
        assert MARKER not in text and all(t.name not in text for t in tools), url
    # Search pages echo the words asked for: no hit names a tool or links to one.
    for url in (f"/search?q={MARKER}", f"/api/v1/search?q={MARKER}"):
        text = anonymous.get(url).get_data(as_text=True)
        assert all(t.name not in text and t.ref not in text for t in tools), url
    assert engine.search(access.ANONYMOUS, MARKER).total == 0
