"""Outcome-based challenges: statements, questions, expressions of interest and proposals,
partnerships and programmes, and matching challenges with offerings.

`init_app` registers everything the package brings with the core (catalogue.features).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import features
    from outcomes import (
        api,
        bundle,
        cli,
        conduct_api,
        evaluation_api,
        events_api,
        exports,
        partnerships_api,
        search,
        views,
    )
    from outcomes.matching import cli as matching_cli
    from outcomes.matching import views as matching_views
    from outcomes.models import Challenge

    views.init_app(app)
    features.add_blueprint(app, exports.bp)
    matching_views.init_app(app)
    features.add_api(app, api.blp)
    features.add_api(app, evaluation_api.blp)
    features.add_api(app, conduct_api.blp)
    features.add_api(app, events_api.blp)
    features.add_api(app, partnerships_api.blp)
    features.add_cli(app, cli.challenge_cli)
    app.cli.add_command(cli.challenge_cli, name="challenges")  # as the README's cron line spells it
    features.add_cli(app, matching_cli.match_command)
    features.add_cli(app, matching_cli.matching_cli)
    features.add_bundle_section(bundle.SECTION)
    features.add_search_kind(search.CHALLENGE_KIND)
    features.add_followable("challenge", Challenge, "/challenges/{ref}")
