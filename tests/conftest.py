"""Test fixtures: a migrated database per test (a copied SQLite file, or a truncated PostgreSQL
database when TEST_DATABASE_URL names one), an app, clients signed in as each role."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, SQLModel

import catalogue.models_all  # noqa: F401
from catalogue import create_app
from catalogue.config import PROJECT_ROOT
from tests import factories

SHARED = PROJECT_ROOT.parent / "shared"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _alembic_upgrade(url: str) -> None:
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per test session; each test then starts from a copy (or a truncation)."""
    if TEST_DATABASE_URL:
        engine = sa.create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        _alembic_upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    _alembic_upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        engine = sa.create_engine(TEST_DATABASE_URL)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return TEST_DATABASE_URL
    target = tmp_path / "test.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SEND_AFTER_REQUEST": False,
        "SERVER_NAME": "localhost",
    }


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    application.extensions["catalogue.engine"].dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking data, outside any request."""
    with app.app_context():
        session = Session(app.extensions["catalogue.engine"], expire_on_commit=False)
        factories.bind(session)
        yield session
        factories.bind(None)
        session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, user: object) -> FlaskClient:
    """Sign a test client in as `user` without going through the form (tested on its own)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def client_as(app: Flask):  # noqa: ANN201
    """client_as(user) -> a new test client signed in as that user."""

    def make(user: object | None) -> FlaskClient:
        new_client = app.test_client()
        return sign_in(new_client, user) if user is not None else new_client

    return make
