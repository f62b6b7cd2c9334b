"""Pages and template helpers for matching: the full ranked lists for a challenge, the lessons
panel on the challenge page, and the challenges that fit an offering (supplier side).

Everything shown is what the challenge's owner would be matched with AND what the current
viewer may see: the policy is asked for both, so a page never shows more than its reader may.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from sqlmodel import Session, select

from catalogue import access, features
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.errors import saved
from catalogue.vocabulary import CATEGORIES, STAGES
from outcomes import services, topics
from outcomes.matching import engine, lessons, stored
from outcomes.matching.background import current_index, ready_index, warm
from outcomes.models import Challenge
from suppliers.models import Offering

bp = Blueprint("matching", __name__)


class Preparing(list):
    """An empty answer while the matching index is being built in the background: templates
    test `.preparing` and say the matches are being prepared instead of "none yet"."""

    preparing = True


def _visible_challenge(ref: str) -> Challenge:
    # The one decision every challenge page asks (services.get_challenge): drafts shared through
    # a programme or with co-sponsors included.
    challenge = services.get_challenge(get_session(), current_viewer(), ref)
    if challenge is None:
        abort(404)
    return challenge


@bp.get("/challenges/<ref>/matches")
def matches(ref: str):
    return _matches_page(_visible_challenge(ref), {}, {})


def _matches_page(challenge: Challenge, data: dict[str, Any], errors: dict[str, str]) -> str:
    session, viewer = get_session(), current_viewer()
    result = _served_matches(session, challenge, viewer, limit=20)
    return render_template(
        "outcomes/matches.html",
        title=f"Matches for {challenge.title}",
        challenge=challenge,
        owner=session.get(Organisation, challenge.owner_id),
        result=result,
        context=engine.deployment_context(session, result.deployments) if result else {},
        suppliers=_suppliers(result.offerings) if result else {},
        categories=CATEGORIES,
        stages=STAGES,
        corrects_topics=access.can_manage_challenge(viewer, challenge),
        removed_topics=topics.removed_topics(challenge),
        addable_topics=topics.addable_topics(challenge),
        data=data,
        errors=errors,
    )


@bp.post("/challenges/<ref>/topics")
def correct_topics(ref: str):
    """Remove a topic the challenge was wrongly read as being about, or add one it missed."""
    challenge = _visible_challenge(ref)
    session, viewer = get_session(), current_viewer()
    data = {key: (request.form.get(key) or "").strip() for key in ("add", "remove")}
    add, remove = [data["add"]] if data["add"] else [], [data["remove"]] if data["remove"] else []
    errors = saved(session, lambda: topics.correct_topics(session, viewer, challenge, add=add, remove=remove))
    if errors:
        return _matches_page(challenge, data, errors), 400
    changed = topics.TOPICS.get(data["add"] or data["remove"], "")
    flash(f"{'Added' if data['add'] else 'Removed'} the topic “{changed}”: the matches follow it", "success")
    return redirect(url_for("matching.matches", ref=challenge.ref) + "#topics", code=303)


def _served_matches(session: Session, challenge: Challenge, viewer: access.Viewer, limit: int) -> Any:
    """Stored results when they are as recent as this process's index (or it has none yet),
    else ranked live from the index; None while neither exists. Never builds an index here:
    ready_index starts a build in the background and answers None meanwhile."""
    row = stored.matches_row(session, challenge, viewer)
    # A stored result as recent as what this process holds is served without touching the index
    # (a process that never needs one never loads one).
    if stored.usable(row, current_index(session.get_bind())):
        return stored.served_matches(session, challenge, viewer, row, limit)
    index = ready_index(session.get_bind())
    if index is None:
        return None
    return engine.match_challenge(session, challenge, limit=limit, also_visible_to=viewer, index=index)


def _suppliers(offerings: list[engine.Match]) -> dict[int, Organisation]:
    ids = {m.meta.owner_id for m in offerings}
    if not ids:
        return {}
    rows = get_session().exec(select(Organisation).where(Organisation.id.in_(ids)))
    return {o.id: o for o in rows}


# --- template helpers -------------------------------------------------------------------------


def lessons_for(challenge: Challenge, limit: int = 5) -> list[lessons.Lesson]:
    """Dropped pilots elsewhere on the nearest problems, each with one line saying why it is shown
    and what went wrong: only those both the owner's members and the current viewer may see."""
    session, viewer = get_session(), current_viewer()
    row = stored.lessons_row(session, challenge, viewer)
    if stored.usable(row, current_index(session.get_bind())):
        return stored.served_lessons(session, challenge, viewer, row, limit)
    index = ready_index(session.get_bind())
    if index is None:
        return Preparing()
    return lessons.rank_lessons(session, challenge, viewer=viewer, limit=limit, index=index)


def matches_for(challenge: Challenge, limit: int = 5) -> engine.MatchResult | None:
    """The top offerings and peer deployments for a challenge, as the current viewer may see them
    (None while they are being prepared)."""
    return _served_matches(get_session(), challenge, current_viewer(), limit)


def challenges_for_offering(offering: Offering, limit: int = 10) -> list[tuple[Challenge, engine.Match]]:
    """Published challenges still open to suppliers that this offering fits."""
    session = get_session()
    if current_index(session.get_bind()) is None and stored.any_stored(session):
        return stored.fitting_challenges(session, offering, current_viewer(), limit=limit)
    index = ready_index(session.get_bind())
    if index is None:
        return Preparing()
    return engine.challenges_for_offering(session, offering, viewer=current_viewer(), limit=limit, index=index)


def _dashboard_panel(session: Session, viewer: access.Viewer) -> dict[str, Any] | None:
    """Supplier dashboard: challenges that fit any of the supplier's published offerings."""
    if viewer.member_org_id is None or not viewer.is_supplier:
        return None
    offerings = session.exec(
        select(Offering).where(
            Offering.supplier_id == viewer.member_org_id,
            Offering.status == "published",
            access.not_withdrawn_clause(Offering),
        )
    ).all()
    rows: list[dict[str, Any]] = []
    served = bool(offerings) and current_index(session.get_bind()) is None and stored.any_stored(session)
    index = ready_index(session.get_bind()) if offerings and not served else None
    if offerings and not served and index is None:
        rows = Preparing()
        offerings = []
    stored_fits = stored.fitting_for_offerings(session, offerings, viewer, limit=5) if served else {}
    for offering in offerings:
        if served:
            fits = stored_fits.get(offering.id, [])
        else:
            fits = engine.challenges_for_offering(session, offering, viewer=viewer, limit=5, index=index)
        for challenge, match in fits:
            rows.append({"offering": offering, "challenge": challenge, "match": match})
    rows.sort(key=lambda r: -r["match"].score)
    return {
        "title": "Challenges that fit your offerings",
        "template": "outcomes/_fitting_challenges.html",
        "context": {"fitting": rows if isinstance(rows, Preparing) else rows[:15]},
    }


def _warm_index() -> None:
    """On a process's first request, start building the matching index in the background (or
    load its snapshot), so the first challenge page finds it ready. Not under tests, which build
    their small indexes when a page asks."""
    app = current_app._get_current_object()
    if app.testing or app.extensions.get("matching.warmed"):
        return
    app.extensions["matching.warmed"] = True
    session = get_session()
    # Where a deploy stored the results (`flask matching build`), pages are served from them and
    # the index is loaded only when a page needs it; otherwise start it now.
    if stored.any_stored(session):
        return
    warm(session.get_bind())


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
    app.before_request(_warm_index)
    app.jinja_env.globals.update(
        lessons_for=lessons_for,
        # The challenge page passes its own `lessons_for` variable, which hides the global: the
        # partial calls this alias when that happens.
        matching_lessons=lessons_for,
        matches_for=matches_for,
        challenges_for_offering=challenges_for_offering,
    )
    features.add_dashboard_panel("fitting-challenges", _dashboard_panel)
