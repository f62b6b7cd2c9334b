"""OCDS routes: a challenge's release package and record, and the paged bulk feed of all public
releases. Visibility as the challenge page (catalogue.access); drafts have none."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, jsonify, request, url_for
from sqlmodel import select

from catalogue import access, features
from catalogue.db import get_session
from outcomes.models import Challenge
from outcomes.ocds import store

bp = Blueprint("ocds", __name__)


def _public_challenge(ref: str) -> Challenge:
    challenge = get_session().exec(select(Challenge).where(Challenge.ref == ref)).first()
    if challenge is None or not access.can_view_challenge(access.ANONYMOUS, challenge):
        abort(404)
    return challenge


@bp.get("/challenges/<ref>/ocds/releases.json")
def releases(ref: str):
    """Every release the challenge published, as a release package."""
    challenge = _public_challenge(ref)
    documents = store.releases_of(get_session(), challenge)
    if not documents:
        abort(404)
    return jsonify(store.package(documents, url_for("ocds.releases", ref=ref, _external=True)))


@bp.get("/challenges/<ref>/ocds/record.json")
def record(ref: str):
    challenge = _public_challenge(ref)
    documents = store.releases_of(get_session(), challenge)
    if not documents:
        abort(404)
    return jsonify(
        store.record_package(
            documents,
            url_for("ocds.record", ref=ref, _external=True),
            url_for("ocds.releases", ref=ref, _external=True),
        )
    )


@bp.get("/ocds/releases.json")
def feed():
    """All public releases, oldest first, `page` by `page` (links.next while there are more)."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        return jsonify({"errors": {"page": "Enter a page number of 1 or more"}}), 422
    number = int(page)
    documents, total = store.public_releases(get_session(), number)
    document = store.package(documents, url_for("ocds.feed", page=number, _external=True))
    links = {}
    if number * store.PAGE_SIZE < total:
        links["next"] = url_for("ocds.feed", page=number + 1, _external=True)
    if number > 1:
        links["prev"] = url_for("ocds.feed", page=number - 1, _external=True)
    if links:
        document["links"] = links
    return jsonify(document)


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
