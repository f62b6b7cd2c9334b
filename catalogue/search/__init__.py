"""The search index: its schema, the kinds registered in it, indexing from the change log, and
the query engine."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from catalogue.api import changes_api, search_api
    from catalogue.search import cli, documents, views

    for kind in documents.core_kinds():
        features.add_search_kind(kind)
    features.add_dependents("search", documents.dependents)
    features.add_standing("search", documents.standing)
    views.init_app(app)
    cli.init_app(app)
    features.add_api(app, search_api.blp)
    features.add_api(app, changes_api.blp)
