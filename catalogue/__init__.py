"""Signpost: the evidence catalogue and challenge exchange for children's social care."""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from catalogue import db, templating
from catalogue.config import PROJECT_ROOT, load_config

csrf = CSRFProtect()


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

    from catalogue import assets

    # First, so its after-request hook runs last: compression sees the finished answer.
    assets.init_app(app)

    from catalogue import features

    # Every table must be imported before anything queries, so the mapper sees them all.
    features.import_models()

    db.init_app(app)
    csrf.init_app(app)

    from catalogue import api, errors, ratelimit, security
    from catalogue.accounts import auth

    ratelimit.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)  # a service's refusal that no view caught: 404, 403 or 422, once
    api.init_app(app)  # the API object, before the features add their API blueprints

    @app.before_request
    def _csp_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)
        g.request_path = request.path

    # Each feature registers its pages, API, commands and hooks (catalogue.features).
    features.init_features(app)

    # Registered last, so it runs first among after-request hooks: a view commits what it means
    # to keep, so anything still open (a form re-shown with errors, a 403) is rolled back here,
    # releasing SQLite's write lock before the search sync and the mail sender run.
    app.after_request(db.end_open_transaction)

    from catalogue import warmup

    # Last, once every feature has registered its template globals and filters.
    warmup.init_app(app)
    return app
