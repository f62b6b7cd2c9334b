"""`flask mail send-pending`: send what the outbox holds (run from cron or a systemd timer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from catalogue.notifications import preferences
from catalogue.notifications.services import send_pending

mail_cli = AppGroup("mail", help="The email outbox.")


@mail_cli.command("send-digests")
def send_digests_command() -> None:
    """Gather the emails held for the daily digest into one per user (run once a day, before
    send-pending)."""
    from catalogue.db import get_session, writing

    with writing():
        session = get_session()
        count = preferences.send_digests(session)
        session.commit()
    click.echo(f"digests queued {count}")


@mail_cli.command("send-pending")
@click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
def send_pending_command(limit: int) -> None:
    """Send due emails; failures stay in the outbox to be retried with backoff."""
    result = send_pending(current_app._get_current_object(), limit=limit)
    click.echo(f"sent {result.sent}, to retry {result.retrying}, given up {result.failed}")
