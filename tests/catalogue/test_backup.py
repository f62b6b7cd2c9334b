"""`flask db backup PATH` then `flask db restore PATH --yes`: what was there comes back, whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import select

from catalogue.accounts.models import Organisation, User
from catalogue.records.models import Deployment
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory


def _snapshot(app: Flask) -> dict[str, list]:
    engine = app.extensions["catalogue.engine"]
    with engine.connect() as conn:
        return {
            "organisations": conn.execute(sa.select(Organisation.ref, Organisation.name).order_by("ref")).all(),
            "users": conn.execute(sa.select(User.email, User.status, User.password_hash).order_by("email")).all(),
            "deployments": conn.execute(
                sa.select(Deployment.ref, Deployment.summary, Deployment.visibility).order_by("ref")
            ).all(),
            "alembic": conn.execute(sa.text("SELECT version_num FROM alembic_version")).all(),
        }


def test_backup_and_restore_round_trip(app: Flask, db, tmp_path: Path) -> None:
    if app.extensions["catalogue.engine"].dialect.name != "sqlite" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    council = OrganisationFactory(name="Backup Council")
    UserFactory(organisation_id=council.id, email="keeper@example.org")
    tool = ToolFactory()
    for visibility in ("public", "authorities", "private"):
        DeploymentFactory(
            organisation_id=council.id, tool_id=tool.id, visibility=visibility, summary=f"{visibility} pilot"
        )
    before = _snapshot(app)
    assert len(before["deployments"]) == 3

    runner = app.test_cli_runner()
    backup_file = tmp_path / "backups" / "signpost.backup"
    result = runner.invoke(args=["db", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 0

    # Things go wrong after the backup: a record deleted, one changed, one added.
    db.delete(db.exec(select(Deployment).where(Deployment.visibility == "private")).one())
    changed = db.exec(select(Deployment).where(Deployment.visibility == "public")).one()
    changed.summary = "overwritten by mistake"
    db.add(changed)
    UserFactory(email="after-backup@example.org")
    db.commit()
    db.close()
    assert _snapshot(app) != before

    refused = runner.invoke(args=["db", "restore", str(backup_file)], input="n\n")
    assert refused.exit_code != 0
    result = runner.invoke(args=["db", "restore", str(backup_file), "--yes"])
    assert result.exit_code == 0, result.output
    assert "flask search reindex" in result.output
    app.extensions["catalogue.engine"].dispose()
    assert _snapshot(app) == before

    engine = app.extensions["catalogue.engine"]
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
    # The restored database is in use again: the site answers and a write succeeds.
    assert app.test_client().get("/healthz").get_json()["database"] == "ok"
    UserFactory(email="after-restore@example.org")


def test_restore_needs_an_existing_file(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["db", "restore", str(tmp_path / "missing.db"), "--yes"])
    assert result.exit_code != 0
