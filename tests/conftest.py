"""Test fixtures: a migrated database per test (a copied SQLite file, or a truncated PostgreSQL
database when TEST_DATABASE_URL names one), an app, clients signed in as each role."""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, SQLModel

from catalogue import create_app
from catalogue.config import PROJECT_ROOT
from catalogue.db import write_intent
from catalogue.features import import_models
from catalogue.ratelimit import limiter
from tests import factories
from tests.helpers import factories_base
from tests.helpers.requests import IsolatedClient as RefreshingClient

import_models()  # every table on SQLModel.metadata, before any test builds a schema

SHARED = PROJECT_ROOT.parent / "shared"


def _fast_password_hashing() -> None:
    """Tests hash passwords with argon2id at the cheapest sensible cost: the production
    parameters take a few hundred milliseconds per sign-in on a busy CI machine, which adds up
    over hundreds of sign-ins. The code paths are the same; only the cost parameters differ."""
    from argon2 import PasswordHasher

    from catalogue.accounts import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password-for-timing")
    factories_base.PASSWORD_HASH = passwords.hash_password(factories.PASSWORD)
    factories.UserFactory._meta.pre_declarations.update({"password_hash": factories_base.PASSWORD_HASH})


_fast_password_hashing()
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _alembic_upgrade(url: str) -> None:
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")


def _postgres_url_for_worker(config: pytest.Config) -> str:
    """TEST_DATABASE_URL itself, or under pytest-xdist a database of each worker's own
    (`<name>_gw0`, ...), created afresh, so workers never truncate each other's tables."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if not worker:
        return TEST_DATABASE_URL
    url = sa.engine.make_url(TEST_DATABASE_URL)
    name = f"{url.database}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> str:
    """Migrate once per test session; each test then starts from a copy (or a truncation).
    On PostgreSQL this is the URL of the (per-worker) test database."""
    if TEST_DATABASE_URL:
        url = _postgres_url_for_worker(pytestconfig)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        _alembic_upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    _alembic_upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        engine = sa.create_engine(migrated_template)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return migrated_template
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
        # Tests write behind the app's back and search at once: look at the log every time.
        "SEARCH_CATCH_UP_SECONDS": 0,
        # Compiling every template would cost each test's app seconds (catalogue.warmup).
        "WARM_UP": False,
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own application context, as in production.

    Without this, a request made while a test holds an app context open (the `db` fixture
    does) reuses that context: `g` then carries the request's database session, the signed-in
    user and the cached viewer from one request into the next, even across clients, and the
    per-request teardown never runs (stale identities, SQLite write locks held)."""

    def open(self, *args: object, **kwargs: object):
        if self.preserve_context:  # `with client:` wants the contexts left behind for inspection
            return super().open(*args, **kwargs)
        return contextvars.Context().run(super().open, *args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    """CLI commands run in their own application context too (see IsolatedClient)."""

    def invoke(self, *args: object, **kwargs: object):
        return contextvars.Context().run(super().invoke, *args, **kwargs)


def isolate(application: Flask) -> Flask:
    application.test_client_class = IsolatedClient
    application.test_cli_runner_class = IsolatedCliRunner
    return application


@pytest.fixture(autouse=True)
def _no_write_intent_between_tests() -> Iterator[None]:
    """Each test starts outside any write (a leaked flag would turn the test's own reads into
    BEGIN IMMEDIATE and hold SQLite's write lock against the requests it makes), and must end
    outside one: a flag still set once the test's fixtures are torn down leaked from a request or
    command that did not reset it (see catalogue.db), and fails here, naming the test that leaked
    it, instead of slowing down whichever test happens to run next. The reset stays as a safety net."""
    token = write_intent.set(False)
    yield
    leaked = write_intent.get()
    write_intent.reset(token)
    assert not leaked, "write intent was left set by this test: a request or command did not reset it"


@pytest.fixture(autouse=True)
def _fresh_matching_index() -> Iterator[None]:
    """The matching index is cached per database URL; on PostgreSQL every test of a worker
    reuses one truncated database whose ids start again, so each test starts without the cache."""
    from outcomes.matching import index

    index._INDEXES.clear()
    yield
    index._INDEXES.clear()


@pytest.fixture
def isolated_requests(app: Flask) -> Iterator[None]:
    """Test clients whose requests commit and refresh the test's own session around them
    (tests.helpers.requests); modules opt in with pytest.mark.usefixtures."""
    # A request or command run earlier in this thread may have left write intent set; the test's
    # own reads would then hold SQLite's write lock.
    token = write_intent.set(False)
    app.test_client_class = RefreshingClient
    yield
    write_intent.reset(token)


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    application = isolate(create_app(app_config))
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
def client_as(app: Flask):
    """client_as(user) -> a new test client signed in as that user."""

    def make(user: object | None) -> FlaskClient:
        new_client = app.test_client()
        return sign_in(new_client, user) if user is not None else new_client

    return make


# --- routes from the url_map, so tests that sweep every route cover new ones automatically ------

_PLACEHOLDER = re.compile(r"<(?:(?P<conv>[a-zA-Z_]\w*)(?:\((?P<args>.*?)\))?:)?(?P<name>[a-zA-Z_]\w*)>")


def route_rules(app: Flask, method: str, *, skip_prefixes: tuple[str, ...] = ("/static/",)) -> list:
    """Every url_map rule answering `method`, minus the skipped prefixes, in a stable order."""
    rules = [
        r for r in app.url_map.iter_rules() if method in (r.methods or ()) and not r.rule.startswith(skip_prefixes)
    ]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def rule_arguments(rule) -> list[tuple[str, object]]:
    """[(argument name, converter)] in the order they appear in the rule."""
    return [(m.group("name"), rule._converters[m.group("name")]) for m in _PLACEHOLDER.finditer(rule.rule)]


def dummy_values(converter) -> list[str]:
    """Values a converter accepts, when the test has nothing better: every choice of any(...)."""
    items = getattr(converter, "items", None)
    if items:
        return sorted(items)
    name = type(converter).__name__
    if name in ("IntegerConverter", "NumberConverter", "FloatConverter"):
        return ["1"]
    if name == "UUIDConverter":
        return ["00000000-0000-0000-0000-000000000001"]
    return ["no-such-thing"]


def fill_rule(rule, values: dict[str, str]) -> str:
    """The rule's path with each <placeholder> replaced by values[name] (already URL-safe strings)."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group("name")]), rule.rule)


def dummy_urls(rule) -> list[str]:
    """One URL per combination of any(...) choices, other arguments filled with harmless values."""
    combos: list[dict[str, str]] = [{}]
    for name, converter in rule_arguments(rule):
        combos = [dict(c, **{name: v}) for c in combos for v in dummy_values(converter)]
    return [fill_rule(rule, c) for c in combos]


@pytest.fixture
def limited_app(app_config: dict, db):
    # After `db` (and so `app`): the limiter is one object shared by every app in the process, and
    # the most recently created app decides whether it is enabled.
    application = isolate(create_app(dict(app_config, RATELIMIT_ENABLED=True)))
    yield application
    application.extensions["catalogue.engine"].dispose()
    # The limiter's counters live in the database behind an engine of their own.
    storage_engine = getattr(getattr(limiter, "_storage", None), "_engine", None)
    if storage_engine is not None:
        storage_engine.dispose()
