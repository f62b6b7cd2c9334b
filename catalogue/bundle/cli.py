"""`flask bundle import FILE` and `flask bundle export FILE`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from catalogue import access, features
from catalogue.bundle.export import dumps, export_bundle
from catalogue.bundle.sections import BundleError
from catalogue.bundle.write import import_bundle
from catalogue.db import get_session, writing

# --- commands -----------------------------------------------------------------------------------

bundle_cli = AppGroup("bundle", help="Import and export the exchange bundle (bundle-v1).")


def read_bundle_file(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError([f"bundle: Cannot read {path}: {exc}"]) from exc
    except RecursionError as exc:
        raise BundleError([f"bundle: {path} nests lists or objects too deeply"]) from exc
    except json.JSONDecodeError as exc:
        raise BundleError(
            [f"bundle: {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from exc


@bundle_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_command(path: str) -> None:
    """Import the bundle at PATH: all of it, or (on any error) none of it."""
    with writing():
        session = get_session()
        try:
            result = import_bundle(session, read_bundle_file(path))
        except BundleError as exc:
            session.rollback()
            for problem in exc.problems:
                click.echo(problem, err=True)
            click.echo(f"Nothing was imported: {len(exc.problems)} problem(s).", err=True)
            sys.exit(1)
        session.commit()
    for line in result.lines():
        click.echo(line)


@bundle_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--public-only", is_flag=True, help="Only what an anonymous visitor may see.")
def export_command(path: str, public_only: bool) -> None:
    """Write the catalogue to PATH ('-' for standard output)."""
    session = get_session()
    text = dumps(export_bundle(session, access.ANONYMOUS if public_only else None))
    if path == "-":
        click.echo(text, nl=False)
    else:
        Path(path).write_text(text, encoding="utf-8")
        click.echo(f"exported to {path}")


def init_app(app: Flask) -> None:
    features.add_cli(app, bundle_cli)
