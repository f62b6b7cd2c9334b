"""`flask import call-for-evidence FILE.csv [--dry-run]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from catalogue import features
from catalogue.db import get_session, writing
from catalogue.importers.cfe.reading import CfeError
from catalogue.importers.cfe.write import import_call_for_evidence

# --- the command -----------------------------------------------------------------------------------

import_cli = AppGroup("import", help="Import evidence from other formats.")


@import_cli.command("call-for-evidence")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Report what would be created and updated; write nothing.")
def call_for_evidence_command(path: str, dry_run: bool) -> None:
    """Import call-for-evidence responses from the CSV at PATH."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        click.echo(f"{path} is not UTF-8 text: save it as ‘CSV UTF-8’ and try again.", err=True)
        sys.exit(1)
    with writing():
        session = get_session()
        try:
            report = import_call_for_evidence(session, text, dry_run=dry_run)
        except CfeError as exc:
            session.rollback()
            click.echo(str(exc), err=True)
            sys.exit(1)
        if dry_run or report.refused:
            session.rollback()
        else:
            session.commit()
    for line in report.lines():
        click.echo(line)
    if report.refused:
        sys.exit(1)


def init_app(app: Flask) -> None:
    features.add_cli(app, import_cli)
