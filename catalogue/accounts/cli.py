"""Operator commands for accounts: `flask users create|create-admin|token|revoke-tokens`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlmodel import select

from catalogue.accounts import services
from catalogue.accounts.models import Organisation
from catalogue.accounts.passwords import password_problem
from catalogue.db import get_session, writing

users_cli = AppGroup("users", help="Create accounts and API tokens.")


def _checked_password(password: str, email: str) -> str:
    problem = password_problem(password, email)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    return password


@users_cli.command("create")
@click.argument("email")
@click.option("--org", "org_ref", required=True, help="ref or ONS code of the organisation")
@click.option("--role", type=click.Choice(["member", "admin"]), default="member", show_default=True)
@click.password_option(help="asked for when not given")
def create(email: str, org_ref: str, role: str, password: str) -> None:
    """Create an approved member (or organisation admin) of an organisation."""
    email = services.normalise_email(email)
    with writing():
        db = get_session()
        org = db.exec(
            select(Organisation).where((Organisation.ref == org_ref) | (Organisation.ons_code == org_ref))
        ).first()
        if org is None:
            raise click.BadParameter(f"no organisation with ref or ONS code {org_ref!r}", param_hint="--org")
        try:
            services.create_user(db, email, _checked_password(password, email), org, role=role, approved=True)
        except services.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        db.commit()
    click.echo(f"created {email} ({role} of {org.name})")


@users_cli.command("create-admin")
@click.argument("email")
@click.password_option(help="asked for when not given")
def create_admin(email: str, password: str) -> None:
    """Create a site admin."""
    email = services.normalise_email(email)
    with writing():
        db = get_session()
        try:
            services.create_user(db, email, _checked_password(password, email), None, approved=True, site_admin=True)
        except services.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        db.commit()
    click.echo(f"created site admin {email}")


@users_cli.command("token")
@click.argument("email")
@click.option("--label", default="", help="what the token is for")
def token(email: str, label: str) -> None:
    """Issue an API token for EMAIL (printed once; only its hash is stored)."""
    with writing():
        db = get_session()
        user = services.find_user(db, email)
        if user is None:
            raise click.ClickException(f"no user {email}")
        raw = services.issue_api_token(db, user, label)
        db.commit()
    click.echo(raw)


@users_cli.command("revoke-tokens")
@click.argument("email")
def revoke_tokens(email: str) -> None:
    """Revoke every API token of EMAIL."""
    with writing():
        db = get_session()
        user = services.find_user(db, email)
        if user is None:
            raise click.ClickException(f"no user {email}")
        count = services.revoke_api_tokens(db, user)
        db.commit()
    click.echo(f"revoked {count} tokens")
