"""Operator commands for challenges: `flask challenges ocds REF`, `flask challenges advance`
(also under the singular `flask challenge`)."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from catalogue.db import get_session, writing
from outcomes import clock, ocds

challenge_cli = AppGroup("challenge", help="Outcome-based challenges.")


@challenge_cli.command("ocds")
@click.argument("ref")
def ocds_command(ref: str) -> None:
    """Print the OCDS 1.1 release of the challenge with bundle ref REF (drafts have none)."""
    document = ocds.release_for_ref(get_session(), ref, current_app.config.get("OCDS_PREFIX", ocds.DEFAULT_PREFIX))
    if document is None:
        raise click.ClickException(f"No published challenge with the ref ‘{ref}’")
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _advance(on: datetime | None) -> None:
    with writing():
        session = get_session()
        moved = clock.advance(session, on.date() if on else None)
        session.commit()
    for challenge in moved:
        click.echo(f"{challenge.ref}: open -> evaluating (closing date {challenge.closes:%Y-%m-%d} passed)")
    click.echo(f"{len(moved)} challenge(s) moved to evaluating")


@challenge_cli.command("advance")
@click.option("--on", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day to act as (default: today).")
def advance(on: datetime | None) -> None:
    """Store the moves the clock shows: open challenges whose closing date has passed become
    'evaluating', each with a status-history row "closing date passed" (run daily from cron)."""
    _advance(on)


@challenge_cli.command("close-due")
@click.option("--on", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day to act as (default: today).")
def close_due(on: datetime | None) -> None:
    """The former name of `advance`."""
    _advance(on)
