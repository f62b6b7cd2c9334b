"""Pages and template helpers for matching: the full ranked lists for a challenge, the lessons
panel on the challenge page, and the challenges that fit an offering (supplier side).

Everything shown is what the challenge's owner would be matched with AND what the current
viewer may see: the policy is asked for both, so a page never shows more than its reader may.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template
from sqlmodel import Session, select

from catalogue import access, features
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.vocabulary import CATEGORIES, DROPPED_REASONS, STAGES
from outcomes import services
from outcomes.matching import engine
from outcomes.models import Challenge
from suppliers.models import Offering

bp = Blueprint("matching", __name__)


def _visible_challenge(ref: str) -> Challenge:
    # The one decision every challenge page asks (services.get_challenge): drafts shared through
    # a programme or with co-sponsors included.
    challenge = services.get_challenge(get_session(), current_viewer(), ref)
    if challenge is None:
        abort(404)
    return challenge


@bp.get("/challenges/<ref>/matches")
def matches(ref: str):
    challenge = _visible_challenge(ref)
    session = get_session()
    result = engine.match_challenge(session, challenge, limit=20, also_visible_to=current_viewer())
    return render_template(
        "outcomes/matches.html",
        title=f"Matches for {challenge.title}",
        challenge=challenge,
        owner=session.get(Organisation, challenge.owner_id),
        result=result,
        context=engine.deployment_context(session, result.deployments),
        suppliers=_suppliers(result.offerings),
        categories=CATEGORIES,
        stages=STAGES,
    )


def _suppliers(offerings: list[engine.Match]) -> dict[int, Organisation]:
    ids = {m.meta.owner_id for m in offerings}
    if not ids:
        return {}
    rows = get_session().exec(select(Organisation).where(Organisation.id.in_(ids)))
    return {o.id: o for o in rows}


# --- template helpers -------------------------------------------------------------------------


def lessons_for(challenge: Challenge, limit: int = 5) -> list[dict[str, Any]]:
    """Dropped pilots elsewhere on the same problem, with why they were dropped: only those both
    the owner's members and the current viewer may see."""
    session = get_session()
    found = engine.lessons(session, challenge, viewer=current_viewer(), limit=limit)
    context = engine.deployment_context(session, found)
    out = []
    for m in found:
        tool, org = context.get(m.meta.id, (None, None))
        record = m.record
        out.append(
            {
                "match": m,
                "deployment": record,
                "tool": tool,
                "organisation": org,
                "reasons": [DROPPED_REASONS.get(r, r) for r in (record.dropped_reasons or [])],
                "story": record.dropped_detail or record.learnings or record.barriers or record.summary or "",
                "learnings": record.learnings if record.dropped_detail else None,
            }
        )
    return out


def matches_for(challenge: Challenge, limit: int = 5) -> engine.MatchResult:
    """The top offerings and peer deployments for a challenge, as the current viewer may see them."""
    return engine.match_challenge(get_session(), challenge, limit=limit, also_visible_to=current_viewer())


def challenges_for_offering(offering: Offering, limit: int = 10) -> list[tuple[Challenge, engine.Match]]:
    """Published challenges still open to suppliers that this offering fits."""
    return engine.challenges_for_offering(get_session(), offering, viewer=current_viewer(), limit=limit)


def _dashboard_panel(session: Session, viewer: access.Viewer) -> dict[str, Any] | None:
    """Supplier dashboard: challenges that fit any of the supplier's published offerings."""
    if viewer.member_org_id is None or not viewer.is_supplier:
        return None
    offerings = session.exec(
        select(Offering).where(Offering.supplier_id == viewer.member_org_id, Offering.status == "published")
    ).all()
    rows = []
    for offering in offerings:
        for challenge, match in engine.challenges_for_offering(session, offering, viewer=viewer, limit=5):
            rows.append({"offering": offering, "challenge": challenge, "match": match})
    rows.sort(key=lambda r: -r["match"].score)
    return {
        "title": "Challenges that fit your offerings",
        "template": "outcomes/_fitting_challenges.html",
        "context": {"fitting": rows[:15]},
    }


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
    app.jinja_env.globals.update(
        lessons_for=lessons_for,
        # The challenge page passes its own `lessons_for` variable, which hides the global: the
        # partial calls this alias when that happens.
        matching_lessons=lessons_for,
        matches_for=matches_for,
        challenges_for_offering=challenges_for_offering,
    )
    features.add_dashboard_panel("fitting-challenges", _dashboard_panel)
