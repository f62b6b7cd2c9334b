"""`flask personal-data scan FILE [--json]`: run the guard over one text per line, for people
checking a document before they paste it and for scripts that score the guard."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from catalogue import features
from catalogue.personal_data import find_personal_data

personal_data_cli = AppGroup("personal-data", help="Check text for a child's or family's personal data.")


@personal_data_cli.command("scan")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of a listing.")
def scan(file: click.utils.LazyFile, as_json: bool) -> None:
    """Read one text per line of FILE ('-' for standard input) and report what the guard finds.
    Nothing is stored or sent anywhere."""
    for number, line in enumerate(file, start=1):
        findings = find_personal_data(line.rstrip("\r\n"))
        if as_json:
            row = {"line": number, "personal": bool(findings), "findings": [f.as_dict() for f in findings]}
            click.echo(json.dumps(row, ensure_ascii=False))
        elif findings:
            click.echo(f"line {number}: possible personal data")
            for f in findings:
                overridable = "" if f.overridable else " (can never be published)"
                click.echo(f"  - {f.kind}: “{f.excerpt}” – {f.reason}{overridable}")
        else:
            click.echo(f"line {number}: nothing found")


def init_app(app: Flask) -> None:
    features.add_cli(app, personal_data_cli)
