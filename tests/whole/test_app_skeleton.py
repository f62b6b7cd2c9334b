"""The skeleton: health check, home page, vocabulary, migrations in step with the models."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from catalogue import vocabulary
from tests.conftest import SHARED


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_page_speaks_to_each_user_group(client):
    page = client.get("/").get_data(as_text=True)
    for group in ("Commissioners", "Local authority staff", "Suppliers", "Regional leads"):
        assert group in page
    assert "– Signpost</title>" in page


def test_no_govuk_branding(client):
    page = client.get("/").get_data(as_text=True)
    assert "govuk-logo" not in page and "GOV.UK</" not in page and "crown" not in page.lower()
    assert "favicon.ico" not in page


def test_stylesheet_has_no_gds_transport(app):
    from pathlib import Path

    css = Path(app.static_folder, "css", "app.css").read_text()
    assert "GDS Transport" not in css and "@font-face" not in css


def test_served_stylesheet_has_no_gov_uk_branding_and_our_own_header_colour(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    css = response.get_data(as_text=True)
    response.close()  # a file response: close it, or its file is left open
    for word in ("crest", "crown", "govuk-logo"):
        assert word not in css, f"{word!r} in the stylesheet users get"
    # The generic header paints itself #0b0c0c; a more specific rule gives it the brand colour.
    assert re.search(r"\.app-header \.govuk-generic-header\{background-color:#00625e", css)


def test_govuk_frontend_is_the_version_the_jinja_macros_support() -> None:
    from importlib.metadata import metadata

    from catalogue.config import PROJECT_ROOT

    readme = metadata("govuk-frontend-jinja").get_payload()
    macros = metadata("govuk-frontend-jinja")["Version"]
    supported = re.search(rf"\[{re.escape(macros)}\].*?\[(\d+\.\d+\.\d+)\]", readme).group(1)
    pinned = json.loads((PROJECT_ROOT / "package.json").read_text())["dependencies"]["govuk-frontend"]
    locked = json.loads((PROJECT_ROOT / "package-lock.json").read_text())["packages"]["node_modules/govuk-frontend"]
    assert pinned == locked["version"] == supported


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    https = client.get("/", base_url="https://localhost")
    assert "max-age" in https.headers["Strict-Transport-Security"]


def test_vocabulary_matches_the_spec():
    spec = json.loads((SHARED / "spec" / "vocabulary.json").read_text())
    assert set(spec) == set(vocabulary.SPEC_LISTS)
    for name, values in spec.items():
        ours = vocabulary.SPEC_LISTS[name]
        assert (list(ours) if isinstance(ours, list) else ours) == values, name


def test_migrations_match_the_models(app):
    engine = app.extensions["catalogue.engine"]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], f"models and migrations disagree; run `flask db revision -m ...`: {diff}"


def test_sqlite_pragmas(app):
    engine = app.extensions["catalogue.engine"]
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30000


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_template_globals_keep_chain_map_lookups(app):
    # Templates get a dict-backed keys view for speed; lookups must still see the environment's
    # globals, with a template's own globals in front.
    template = app.jinja_env.from_string("{{ product_name_global }}", globals={"product_name_global": "own"})
    assert template.render() == "own"
    assert set(template.globals.keys()) >= set(app.jinja_env.globals) | {"product_name_global"}
    assert "url_for" in template.globals and "csrf_token" in template.globals
