"""`flask records withdraw KIND REF --reason TEXT`: the operator deletes a record (as a site admin
would on its page), through the same service; `flask records remind` queues the reminders alone."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from catalogue import access
from catalogue.db import get_session, writing
from catalogue.errors import NotFound
from catalogue.upkeep import reminders, services

records_cli = AppGroup("records", help="Keep records true: delete one with a reason, queue reminders.")


@records_cli.command("withdraw")
@click.argument("kind", type=click.Choice(services.KEPT_KINDS))
@click.argument("ref")
@click.option("--reason", required=True, help="why (kept in the audit trail)")
def withdraw(kind: str, ref: str, reason: str) -> None:
    """Delete KIND REF with a reason: it leaves every channel at once; the audit trail keeps it."""
    operator = access.Viewer(site_admin=True, approved=True)
    with writing():
        session = get_session()
        try:
            done, errors = services.withdraw(session, operator, kind, ref, reason, delete=True)
        except NotFound as exc:
            raise click.ClickException(f"no {services.label(kind)} {ref}, or already withdrawn") from exc
        if errors:
            raise click.ClickException("; ".join(errors.values()))
        session.commit()
    click.echo(f"deleted {services.label(kind)} {done.ref}")


@records_cli.command("remind")
def remind() -> None:
    """Queue reminders about records unconfirmed for 12 months into the digest (send-digests
    does this too)."""
    with writing():
        session = get_session()
        count = reminders.queue_reminders(session)
        session.commit()
    click.echo(f"reminders held for {count} users")
