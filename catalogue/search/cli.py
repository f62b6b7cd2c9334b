"""`flask search reindex | check | sync | prune`, and `flask seed scale N`."""

from __future__ import annotations

import sys
import time
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from catalogue import db, features
from catalogue.changes import ChangeLog
from catalogue.db import utcnow, writing
from catalogue.search import documents, indexer

search_cli = AppGroup("search", help="The search index: rebuild, check for drift, catch up.")


def _base() -> str:
    return str(current_app.config["SEARCH_INDEX_DIR"])


@search_cli.command("reindex")
@click.option("--procs", default=1, show_default=True, help="Indexing processes.")
def reindex(procs: int) -> None:
    """Rebuild the index from the database into a new directory, then swap it in."""
    engine = db.engine()
    with engine.connect() as conn:
        total = documents.count_records(conn)
    started = time.perf_counter()
    with click.progressbar(length=total, label="Indexing records", file=sys.stderr) as bar:
        gen = indexer.rebuild(engine, _base(), progress=bar.update, procs=procs)
    click.echo(f"indexed {total} records in {time.perf_counter() - started:.1f}s into {gen.name}")


@search_cli.command("sync")
def sync() -> None:
    """Apply the change log entries this server's index has not seen yet."""
    applied = indexer.sync(db.engine(), _base(), blocking=True)
    click.echo(f"applied {applied} change log entries")


def find_drift(engine: sa.Engine, base: str) -> dict[str, list[str]]:
    """Records missing from the index, stale in it (content hash differs) or extra in it."""
    gen = indexer.current_dir(base)
    expected: dict[str, str] = {}
    with engine.connect() as conn:
        for doc in documents.all_documents(conn):
            expected[doc["uid"]] = doc["chash"]
    indexed: dict[str, str] = {}
    if gen is not None:
        ix = indexer.open_index(gen)
        with ix.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                indexed[stored["uid"]] = stored.get("chash", "")
        ix.close()
    return {
        "missing": sorted(set(expected) - set(indexed)),
        "stale": sorted(uid for uid in set(expected) & set(indexed) if expected[uid] != indexed[uid]),
        "extra": sorted(set(indexed) - set(expected)),
    }


@search_cli.command("check")
@click.option("--no-sync", is_flag=True, help="Compare without applying the change log first.")
def check(no_sync: bool) -> None:
    """List records missing from, stale in, or extra in the index; exit 1 on any drift."""
    engine = db.engine()
    if not no_sync:
        indexer.sync(engine, _base(), blocking=True)
    drift = find_drift(engine, _base())
    for problem, uids in drift.items():
        if uids:
            click.echo(f"{problem} ({len(uids)}): " + ", ".join(uids[:50]) + (" …" if len(uids) > 50 else ""))
    if any(drift.values()):
        click.echo("the index has drifted from the database: run `flask search reindex`")
        sys.exit(1)
    click.echo("the index matches the database")


@search_cli.command("prune")
@click.option("--days", default=30, show_default=True, help="Keep entries younger than this.")
def prune(days: int) -> None:
    """Delete old change log entries (always keeping the newest, so ids keep rising). A server
    whose index is older than what remains rebuilds itself."""
    t = ChangeLog.__table__
    with writing(), db.engine().begin() as conn:
        newest = conn.execute(sa.select(sa.func.max(t.c.id))).scalar()
        if newest is None:
            click.echo("the change log is empty")
            return
        cutoff = utcnow() - timedelta(days=days)
        result = conn.execute(sa.delete(t).where(t.c.at < cutoff, t.c.id < newest))
    click.echo(f"pruned {result.rowcount} change log entries")


def init_app(app: Flask) -> None:
    features.add_cli(app, search_cli)
    from catalogue.cli import seed_cli
    from seed.scale import scale_command

    if "scale" not in seed_cli.commands:
        seed_cli.add_command(scale_command)
