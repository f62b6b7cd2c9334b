"""Keeping the index in step: sync after writes, lazy catch-up, a second server sharing the
database, a pruned log, concurrent workers, dependents, deletes, reindex and check."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from catalogue import create_app
from catalogue.access import ANONYMOUS
from catalogue.changes import ChangeLog
from catalogue.db import get_session
from catalogue.records.models import Tool
from catalogue.search import engine, indexer
from catalogue.search.cli import find_drift
from tests.factories import DeploymentFactory, OfferingFactory, OrganisationFactory, ToolFactory


def _found(word: str, kind: str = "tool") -> list[int]:
    return engine.matching_ids(ANONYMOUS, word, kind)


def _base(app: Flask) -> str:
    return app.config["SEARCH_INDEX_DIR"]


def test_write_request_is_applied_after_the_request(app, db, client):
    @app.post("/_test/tool")
    def _make_tool():
        session = get_session()
        session.add(Tool(ref="req-tool", name="Requestbird"))
        session.commit()
        return "ok"

    ToolFactory(name="Before")
    engine.sync()
    assert client.post("/_test/tool").status_code == 200
    # Applied by the after-request hook, before any search asked for it.
    assert not indexer.pending(app.extensions["catalogue.engine"], _base(app))
    assert len(_found("requestbird")) == 1


def test_lazy_catch_up_and_a_second_server(app, app_config, db, tmp_path):
    ToolFactory(name="Firstwave")
    assert len(_found("firstwave")) == 1  # builds the index on first use
    # A "crash": entries reach the log but nobody applies them.
    ToolFactory(name="Secondwave")
    eng = app.extensions["catalogue.engine"]
    assert indexer.pending(eng, _base(app))
    # Another app server: same database, its own empty index directory.
    other = create_app({**app_config, "SEARCH_INDEX_DIR": str(tmp_path / "other-index")})
    try:
        with other.app_context():
            assert len(_found("firstwave")) == 1 and len(_found("secondwave")) == 1
    finally:
        other.extensions["catalogue.engine"].dispose()
    # And the first one catches up before its next search.
    assert len(_found("secondwave")) == 1
    assert not indexer.pending(eng, _base(app))


def test_a_busy_server_asks_the_log_at_most_every_interval(app, db):
    app.config["SEARCH_CATCH_UP_SECONDS"] = 1.0
    ToolFactory(name="Firstwave")
    assert len(_found("firstwave")) == 1  # the first search asks, and catches up
    ToolFactory(name="Laterwave")  # written behind this server's back (another server)
    assert _found("laterwave") == []  # asked a moment ago: not again yet
    time.sleep(1.05)
    assert len(_found("laterwave")) == 1  # well within the second a write may take


def test_pruned_log_triggers_a_rebuild(app, db):
    ToolFactory(name="Oldrecord")
    engine.sync()
    old_gen = indexer.current_dir(_base(app))
    ToolFactory(name="Missedrecord")
    ToolFactory(name="Newrecord")
    # The log loses entries this index never applied (pruned past its watermark; pruning
    # always keeps the newest entry, see `flask search prune`).
    table = ChangeLog.__table__
    newest = db.exec(sa.select(sa.func.max(table.c.id))).one()[0]
    db.exec(sa.delete(table).where(table.c.id < newest))
    db.commit()
    assert len(_found("missedrecord")) == 1 and len(_found("newrecord")) == 1
    assert indexer.current_dir(_base(app)) != old_gen


def test_log_reset_behind_the_watermark_rebuilds(app, db):
    for i in range(3):
        ToolFactory(name=f"Restored{i}")
    engine.sync()
    # A database restored from an older backup: the log now ends before the watermark.
    db.exec(sa.delete(ChangeLog.__table__).where(ChangeLog.__table__.c.id > 1))
    db.exec(sa.delete(Tool.__table__).where(Tool.__table__.c.name != "Restored0"))
    db.commit()
    assert indexer.pending(app.extensions["catalogue.engine"], _base(app))
    assert len(_found("restored0")) == 1 and _found("restored1") == []


def test_dependents_follow_tool_and_organisation_changes(db):
    la = OrganisationFactory(name="Grimsby Vale")
    supplier = OrganisationFactory(kind="supplier", name="Oldname Ltd")
    tool = ToolFactory(name="Heliograph")
    dep = DeploymentFactory(organisation_id=la.id, tool_id=tool.id, visibility="public")
    offer = OfferingFactory(supplier_id=supplier.id, tool_id=tool.id)
    assert dep.id in _found("heliograph", "deployment")
    tool.name = "Semaphore"
    db.add(tool)
    supplier.name = "Newname Ltd"
    db.add(supplier)
    db.commit()
    assert dep.id in _found("semaphore", "deployment") and dep.id not in _found("heliograph", "deployment")
    assert offer.id in _found("newname", "offering") and offer.id not in _found("oldname", "offering")


def test_deleted_records_leave_the_index(db):
    tool = ToolFactory(name="Ephemeron")
    assert len(_found("ephemeron")) == 1
    db.delete(tool)
    db.commit()
    assert _found("ephemeron") == []


def test_writes_survive_a_reseeded_global_random(db):
    # hypothesis (or any library) reseeding `random` once made whoosh reuse a live segment's name.
    ToolFactory(name="Seedling")
    for name in ("Firstseed", "Secondseed", "Thirdseed"):
        random.seed(1234)
        ToolFactory(name=name)
        assert len(_found(name.lower())) == 1
    assert all(len(_found(w)) == 1 for w in ("seedling", "firstseed", "secondseed", "thirdseed"))


def test_concurrent_workers_lose_no_update(app, db):
    """Several writers committing and syncing at once (as gunicorn workers do): whoever finds
    the lock busy leaves its entries to the holder, and nothing is lost."""
    engine.sync()
    eng = app.extensions["catalogue.engine"]
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(6):
                with Session(eng) as session:
                    session.add(Tool(ref=f"conc-{n}-{i}", name=f"Concurrent{n}x{i}", description="quetzalword"))
                    session.commit()
                indexer.sync(eng, _base(app))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not indexer.pending(eng, _base(app))
    state = indexer.State.load(indexer.current_dir(_base(app)))
    assert state.last == indexer.max_log_id(eng)
    assert len(engine.matching_ids(ANONYMOUS, "quetzalword", "tool")) == 24


def test_threads_search_while_the_index_changes(app, db):
    """gunicorn's threaded workers: searches in several threads while another thread writes and
    syncs. whoosh readers share file positions and a refresh closes the old searcher, which once
    gave 500s (ReaderClosed, EOFError, KeyError) under the load benchmark."""
    ToolFactory(name="Threadword first")
    eng = app.extensions["catalogue.engine"]
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for i in range(40):
                with Session(eng) as session:
                    session.add(Tool(ref=f"thr-{i}", name=f"Threadword {i}", summary="social work visit notes " * 5))
                    session.commit()
                with app.app_context():
                    engine.sync()
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    def reader() -> None:
        with app.app_context():
            while not done.is_set():
                try:
                    results = engine.search(ANONYMOUS, "threadword visit")
                    assert all(hit.snippet is not None for hit in results.hits)
                except BaseException as exc:
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_found("threadword")) == 41


def test_busy_lock_leaves_work_to_the_holder(app, db):
    engine.sync()
    eng = app.extensions["catalogue.engine"]
    with indexer.sync_lock(_base(app)) as held:
        assert held
        ToolFactory(name="Waitsforholder")
        assert indexer.sync(eng, _base(app)) == 0  # busy: returns at once, no error
    assert indexer.pending(eng, _base(app))
    assert indexer.sync(eng, _base(app)) >= 1


def test_reindex_and_check(app, db):
    runner = app.test_cli_runner()
    la = OrganisationFactory()
    tool = ToolFactory(name="Checktool")
    DeploymentFactory(organisation_id=la.id, tool_id=tool.id)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 2 records" in result.output
    gen = indexer.current_dir(_base(app))
    assert runner.invoke(args=["search", "check"]).exit_code == 0

    # A document vanishes from the index.
    ix = indexer.open_index(gen)
    writer = ix.writer()
    writer.delete_by_term("uid", f"tool:{tool.id}")
    writer.commit()
    ix.close()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and f"missing (1): tool:{tool.id}" in result.output

    # A row changes behind the indexer's back (no change log entry).
    runner.invoke(args=["search", "reindex"])
    db.exec(sa.update(Tool.__table__).where(Tool.__table__.c.id == tool.id).values(description="changed"))
    db.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and f"stale (1): tool:{tool.id}" in result.output
    assert find_drift(app.extensions["catalogue.engine"], _base(app))["stale"] == [f"tool:{tool.id}"]

    # A record deleted behind its back is extra in the index; reindex mends everything.
    db.exec(sa.delete(sa.table("deployment")))
    db.commit()
    assert "extra (1)" in runner.invoke(args=["search", "check"]).output
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    # The parallel build (one segment per process) gives the same index.
    ToolFactory(name="Paralleltool")
    result = runner.invoke(args=["search", "reindex", "--procs", "2"])
    assert result.exit_code == 0 and "indexed 2 records" in result.output, result.output
    assert runner.invoke(args=["search", "check", "--no-sync"]).exit_code == 0
    assert len(_found("paralleltool")) == 1
    # Old generations are cleaned up, the live one and its predecessor kept.
    assert len(list(Path(_base(app)).glob("gen-*"))) <= 2


def test_sync_and_prune_commands(app, db):
    runner = app.test_cli_runner()
    ToolFactory(name="Cmdtool")
    assert "applied" in runner.invoke(args=["search", "sync"]).output
    result = runner.invoke(args=["search", "prune", "--days", "0"])
    assert result.exit_code == 0 and "pruned" in result.output
    # The newest entry always stays, so ids keep rising.
    assert db.exec(sa.select(sa.func.count()).select_from(ChangeLog.__table__)).one()[0] == 1


def test_seed_scale_creates_searchable_records(app, db):
    result = app.test_cli_runner().invoke(args=["seed", "scale", "120"])
    assert result.exit_code == 0, result.output
    counts = {
        t: db.exec(sa.select(sa.func.count()).select_from(sa.table(t))).one()[0]
        for t in ("tool", "deployment", "single_view", "offering", "challenge")
    }
    assert sum(counts.values()) == 120 and all(counts.values())
    visibilities = set(db.exec(sa.text("SELECT DISTINCT visibility FROM deployment")).scalars())
    assert visibilities == {"public", "authorities", "private"}
    longest = db.exec(sa.text("SELECT max(length(impact)) FROM deployment")).one()[0]
    assert longest > 400  # multi-paragraph texts, not one-liners
    results = engine.search(ANONYMOUS, "social workers")
    assert results.total > 0
    assert sum(dict(results.facets["kind"]).values()) == results.total


def test_index_from_an_older_schema_is_rebuilt(app, db):
    ToolFactory(name="Versioned")
    engine.sync()
    gen = indexer.current_dir(_base(app))
    state = indexer.State.load(gen)
    state.version = indexer.SCHEMA_VERSION - 1
    state.save(gen)
    assert indexer.pending(app.extensions["catalogue.engine"], _base(app))
    assert len(_found("versioned")) == 1
    assert indexer.current_dir(_base(app)) != gen
    assert indexer.State.load(indexer.current_dir(_base(app))).version == indexer.SCHEMA_VERSION


def test_empty_catalogue_searches_cleanly(db):
    results = engine.search(ANONYMOUS, "anything")
    assert results.total == 0 and results.hits == [] and all(v == [] for v in results.facets.values())
    assert engine.search(ANONYMOUS, "").total == 0


def test_sync_inside_an_uncommitted_write_request_does_not_wait_for_it(app, db, client):
    """The after-request sync reads as a plain reader, not queued behind the request's own
    write transaction (BEGIN IMMEDIATE on SQLite)."""

    @app.post("/_test/uncommitted")
    def _uncommitted():
        session = get_session()
        session.add(Tool(ref="never-committed", name="Uncommitted"))
        session.flush()  # holds the write lock until teardown rolls back
        return "ok"

    ToolFactory(name="Committedtool")
    assert indexer.current_dir(_base(app)) is None
    assert client.post("/_test/uncommitted").status_code == 200
    # The hook built the index (it would have timed out on the lock otherwise) ...
    assert indexer.current_dir(_base(app)) is not None
    assert not indexer.pending(app.extensions["catalogue.engine"], _base(app))
    # ... and nothing uncommitted reached it.
    assert len(_found("committedtool")) == 1 and _found("uncommitted") == []
