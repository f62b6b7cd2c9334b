"""Suppliers: the directory, supplier profiles, offerings, references and the supplier dashboard.

`init_app` registers everything the package brings with the core (catalogue.features).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from suppliers import api, bundle, exports, references_api, search, views

    views.init_app(app)
    features.add_blueprint(app, exports.bp)
    features.add_api(app, api.blp)
    features.add_api(app, references_api.blp)
    features.add_bundle_section(bundle.SECTION)
    features.add_search_kind(search.OFFERING_KIND)
    features.add_tool_lister("offerings", bundle.published_offerings_for_tool)
