"""Signpost: the evidence catalogue and challenge exchange for children's social care."""

from __future__ import annotations

import importlib
import secrets

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from catalogue import db, templating
from catalogue.config import PROJECT_ROOT, load_config

csrf = CSRFProtect()

# Feature packages register their blueprints and commands through `init_app(app)`;
# the core only knows their names, never their tables.
FEATURE_MODULES = (
    "catalogue.accounts.views",
    "catalogue.core_views",
    "catalogue.records.views",
    "catalogue.search.views",
    "catalogue.insights.views",
    "catalogue.notifications.views",
    "suppliers.views",
    "outcomes.views",
    "catalogue.api",
    "catalogue.atrs",
    "catalogue.csv_export",
)
CLI_MODULES = (
    "catalogue.cli",
    "catalogue.accounts.cli",
    "catalogue.bundle",
    "catalogue.search.cli",
    "suppliers.bundle",
    "suppliers.cli",
    "outcomes.bundle",
    "outcomes.cli",
    "outcomes.matching.cli",
    "catalogue.cfe_import",
    "catalogue.importers.cli",
    "catalogue.personal_data.cli",
)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        static_folder=str(PROJECT_ROOT / "catalogue" / "static"),
        static_url_path="/static",
        template_folder=None,
    )
    app.config.update(load_config(config))
    app.jinja_environment = templating.SignpostEnvironment
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Every table must be imported before anything queries, so the mapper sees them all.
    import catalogue.models_all  # noqa: F401

    db.init_app(app)
    csrf.init_app(app)

    from catalogue import ratelimit, security
    from catalogue.accounts import auth

    ratelimit.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    templating.init_app(app)

    @app.before_request
    def _csp_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)
        g.request_path = request.path

    for name in FEATURE_MODULES + CLI_MODULES:
        module = importlib.import_module(name)
        module.init_app(app)

    # Registered last, so it runs first among after-request hooks: a view commits what it means
    # to keep, so anything still open (a form re-shown with errors, a 403) is rolled back here,
    # releasing SQLite's write lock before the search sync and the mail sender run.
    app.after_request(db.end_open_transaction)
    return app
