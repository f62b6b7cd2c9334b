"""Operator commands for challenges: `flask challenge ocds REF`, `flask challenge close-due`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import select

from catalogue.access import Viewer
from catalogue.db import get_session, writing
from outcomes import ocds, services
from outcomes.models import Challenge

challenge_cli = AppGroup("challenge", help="Outcome-based challenges.")

# Scheduled jobs act as the site (no person): the policy lets a site admin move any challenge on.
SYSTEM = Viewer(site_admin=True)


@challenge_cli.command("ocds")
@click.argument("ref")
def ocds_command(ref: str) -> None:
    """Print the OCDS 1.1 release of the challenge with bundle ref REF (drafts have none)."""
    document = ocds.release_for_ref(get_session(), ref, current_app.config.get("OCDS_PREFIX", ocds.DEFAULT_PREFIX))
    if document is None:
        raise click.ClickException(f"No published challenge with the ref ‘{ref}’")
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@challenge_cli.command("close-due")
def close_due() -> None:
    """Move open challenges whose closing date has passed to 'evaluating' (run daily)."""
    with writing():
        session = get_session()
        due = session.exec(
            select(Challenge).where(Challenge.status == "open", Challenge.closes < services.today())
        ).all()
        for challenge in due:
            services.change_status(session, SYSTEM, challenge, "evaluating")
        session.commit()
    click.echo(f"{len(due)} challenge(s) moved to evaluating")
