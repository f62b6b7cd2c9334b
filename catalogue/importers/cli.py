"""`flask import atrs FILE.json [--dry-run]`, in the `import` group the call-for-evidence importer
started (catalogue.importers.cfe)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from catalogue import features
from catalogue.db import get_session, writing
from catalogue.importers.atrs import AtrsError, import_atrs, read_records
from catalogue.importers.cfe import import_cli


@import_cli.command("atrs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Report what would be created, updated and skipped; write nothing.")
def atrs_command(path: str, dry_run: bool) -> None:
    """Import published Algorithmic Transparency Recording Standard records from the JSON at PATH."""
    try:
        records = read_records(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, AtrsError) as exc:
        click.echo(f"{path}: {exc}", err=True)
        sys.exit(1)
    with writing():
        session = get_session()
        report = import_atrs(session, records, dry_run=dry_run)
        if dry_run or report.failed:
            session.rollback()
        else:
            session.commit()
    for line in report.lines():
        click.echo(line)
    if report.failed:
        sys.exit(1)


def init_app(app: Flask) -> None:
    features.add_cli(app, import_cli)
