"""`flask mail send-pending`: send what the outbox holds (run from cron or a systemd timer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from catalogue.notifications.services import send_pending

mail_cli = AppGroup("mail", help="The email outbox.")


@mail_cli.command("send-pending")
@click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
def send_pending_command(limit: int) -> None:
    """Send due emails; failures stay in the outbox to be retried with backoff."""
    result = send_pending(current_app._get_current_object(), limit=limit)
    click.echo(f"sent {result.sent}, to retry {result.retrying}, given up {result.failed}")
