"""`flask match REF` and `flask match --all`: matches for challenges, as JSON lines or a table."""

from __future__ import annotations

import json
import time

import click
from flask.cli import with_appcontext
from sqlmodel import select

from catalogue.db import get_session, writing
from outcomes.matching import engine, stored
from outcomes.matching.index import index_for
from outcomes.models import Challenge


def _print_table(result: engine.MatchResult) -> None:
    c = result.challenge
    click.echo(f"{c.ref}: {c.title}  ({result.elapsed_ms:.1f} ms)")
    if result.categories:
        click.echo("  inferred categories: " + ", ".join(f"{k} {v:.2f}" for k, v in result.categories.items()))
    for heading, matches in (("Offerings", result.offerings), ("Peer deployments", result.deployments)):
        click.echo(f"  {heading}:")
        if not matches:
            click.echo("    (none)")
        for i, m in enumerate(matches, 1):
            click.echo(f"    {i:2}. {m.score:6.3f}  {m.ref}  {m.meta.name}")
            for reason in m.why:
                click.echo(f"          - {reason}")


@click.command("match")
@click.argument("ref", required=False)
@click.option("--all", "all_", is_flag=True, help="Match every challenge, whatever its status.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per challenge per line.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--sample", type=click.IntRange(1), help="With --all: only this many challenges, spread evenly.")
@with_appcontext
def match_command(ref: str | None, all_: bool, as_json: bool, limit: int, sample: int | None) -> None:
    """Rank the offerings and peer deployments for a challenge, as its owner would see them."""
    if not ref and not all_:
        raise click.UsageError("give a challenge REF or --all")
    session = get_session()
    if all_:
        challenges = list(session.exec(select(Challenge).order_by(Challenge.ref)))
        if sample and sample < len(challenges):
            step = len(challenges) / sample
            challenges = [challenges[int(i * step)] for i in range(sample)]
    else:
        challenge = session.exec(select(Challenge).where(Challenge.ref == ref)).first()
        if challenge is None:
            raise click.ClickException(f"no challenge with ref {ref}")
        challenges = [challenge]
    # Build (or catch up) the index once, before timing any challenge.
    started = time.perf_counter()
    index_for(session.get_bind())
    warm_ms = (time.perf_counter() - started) * 1000
    if not as_json:
        click.echo(f"index ready in {warm_ms:.0f} ms")
    for challenge in challenges:
        result = engine.match_challenge(session, challenge, limit=limit)
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            _print_table(result)


@click.group("matching")
def matching_cli() -> None:
    """The matching index and the stored match results pages serve."""


@matching_cli.command("build")
@click.option("--results/--no-results", default=True, show_default=True, help="Also store every challenge's results.")
@with_appcontext
def build_command(results: bool) -> None:
    """Build the matching index in this process (saving its snapshot beside the search index, which
    app servers then load instead of building), and store every challenge's matches and lessons
    for each audience. Run at deploy, after `db upgrade`."""
    session = get_session()
    started = time.perf_counter()
    index = index_for(session.get_bind())
    click.echo(f"index ready in {time.perf_counter() - started:.1f} s")
    if results:
        started = time.perf_counter()
        with writing():
            done = stored.refresh(session, index)
        click.echo(f"stored results for {done} challenges in {time.perf_counter() - started:.1f} s")


@matching_cli.command("refresh")
@click.option("--seconds", type=click.FloatRange(1), default=240, show_default=True, help="Stop after this long.")
@with_appcontext
def refresh_command(seconds: float) -> None:
    """Recompute stored results the change log or an edited challenge has left behind, the most
    out of date first (cron, every few minutes)."""
    session = get_session()
    index = index_for(session.get_bind())
    with writing():
        done = stored.refresh(session, index, seconds=seconds)
    click.echo(f"refreshed {done} challenges")
