"""Match results stored in the database, so a challenge page is served without ranking and
without any index in the answering process: `flask matching build` (at deploy) and `flask
matching refresh` (from cron) compute each challenge's matches and lessons per audience and
store them (outcomes.matching.results_model.StoredMatches); every app server reads the same rows.

An audience stands for every viewer who sees at least what its representative sees, so a
result never holds a record (or counts one in its peer evidence) that a viewer of that audience
may not see; pages then ask the policy again about each stored record for their own viewer
(engine._attach_records, lessons._load), as they do for results ranked live.

Scores are the engine's own (engine.rank, lessons._rank): this module only decides when they
are computed, where they are kept and how they are served.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.changes import ChangeLog
from catalogue.db import utcnow
from outcomes import clock
from outcomes.matching import engine, lessons
from outcomes.matching.explain import SUPPLIER, explain
from outcomes.matching.index import DocMeta, MatchIndex, norm_cms
from outcomes.matching.query import build_query
from outcomes.matching.results_model import StoredFit, StoredMatches
from outcomes.matching.scoring import peer_evidence
from outcomes.models import Challenge

AUDIENCES = ("owner", "authorities", "public")
# The matches page shows 20, the challenge page's lessons panel 5: a few more are kept so that a
# record the reader may not see, removed at read time, leaves the list still full.
MATCHES_KEPT = 22
LESSONS_KEPT = 8
# An offering "fits" a challenge when the owner's matches put it in their first ten.
FIT_WITHIN = 10

# Whoever stands for "approved staff of some other authority": sees public and authorities-only
# records of verified organisations, and no organisation's private ones.
_AUTHORITY_STAFF = Viewer(user_id=-1, organisation_id=None, organisation_kind="local-authority", approved=True)


def audience_of(viewer: Viewer, challenge: Challenge) -> str:
    """Which stored result this viewer reads: the owner's own (its members, and site admins who
    see everything), other authorities' staff's, or the public's (everyone else)."""
    if viewer.site_admin or (viewer.member_org_id is not None and viewer.member_org_id == challenge.owner_id):
        return "owner"
    if "authorities" in access.visible_levels(viewer):
        return "authorities"
    return "public"


def _viewers(audience: str, owner_view: Viewer) -> list[Viewer]:
    if audience == "owner":
        return [owner_view]
    return [owner_view, _AUTHORITY_STAFF if audience == "authorities" else access.ANONYMOUS]


# --- computing (commands only: never in a request) ------------------------------------------------


# What ranking alone needs of a record (its outcomes' terms, concepts, focus and sectors) is not
# kept: pages and explanations read the rest.
_META_DROPPED = ("outcomes", "concepts", "focus", "sectors")


def _match_out(m: engine.Match) -> dict[str, Any]:
    out = dataclasses.asdict(dataclasses.replace(m, record=None))
    for key in ("record", "why", "owner_system"):
        out.pop(key, None)
    for key in _META_DROPPED:
        out["meta"].pop(key, None)
    return out


def _match_in(data: dict[str, Any]) -> engine.Match:
    meta = dict(data["meta"])
    for key in ("categories", "cms"):
        meta[key] = tuple(meta.get(key) or ())
    fields = dict(data)
    fields["meta"] = DocMeta(**meta)
    fields["bridges"] = [tuple(b) for b in data.get("bridges") or []]
    fields["outcome"] = tuple(data["outcome"]) if data.get("outcome") else None
    return engine.Match(**fields)


def _as_authority_staff(index: MatchIndex, payload: dict[str, Any], viewers: list[Viewer], owner_id: int) -> dict:
    """The owner's result as another authority's staff see it: the same ranking (their views of
    the catalogue differ only in the owner's own records, which matching leaves out), with each
    offering's peer evidence counted again for them, as "the owner uses this tool" may come from
    the owner's private records. The counts of other organisations, and so the scores, are equal."""
    out = dict(payload)
    offerings = []
    for m in payload.get("offerings", []):
        with index.lock:
            peer = peer_evidence(index, m["meta"]["tool_id"], viewers, owner_id)
        offerings.append({**m, "peer": peer})
    out["offerings"] = offerings
    return out


def _ranked(
    session: Session, index: MatchIndex, challenge: Challenge, viewers: list[Viewer], owner_cms: str, query: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    with index.lock:
        offerings, deployments = engine.rank(index, query, challenge.owner_id, owner_cms, viewers, MATCHES_KEPT)
    found = lessons._rank(session, index, challenge, viewers, LESSONS_KEPT)
    matches = {
        "offerings": [_match_out(m) for m in offerings],
        "deployments": [_match_out(m) for m in deployments],
        "categories": query.categories,
    }
    return matches, {"lessons": [list(f) for f in found]}


def compute(session: Session, index: MatchIndex, challenge: Challenge) -> list[StoredMatches]:
    """Rank a challenge's matches and lessons for every audience that may read its page (unsaved
    rows): a draft only for its owner."""
    owner_view, owner = engine.owner_viewer(session, challenge)
    owner_cms = norm_cms(owner.case_management_system if owner else None)
    query = build_query(challenge)
    results = {"owner": _ranked(session, index, challenge, [owner_view], owner_cms, query)}
    if challenge.status in access.PUBLISHED_CHALLENGE_STATUSES:
        # An authority owner sees exactly what other authorities' staff see, but for its own
        # records, which matching leaves out except as "you use this tool": one ranking serves both.
        if access.visible_levels(owner_view) == access.visible_levels(_AUTHORITY_STAFF):
            matches, found = results["owner"]
            staff = _viewers("authorities", owner_view)
            results["authorities"] = (_as_authority_staff(index, matches, staff, challenge.owner_id), found)
        else:
            results["authorities"] = _ranked(
                session, index, challenge, _viewers("authorities", owner_view), owner_cms, query
            )
        results["public"] = _ranked(session, index, challenge, _viewers("public", owner_view), owner_cms, query)
    rows = []
    for audience, (matches, found) in results.items():
        common = {
            "challenge_id": challenge.id,
            "audience": audience,
            "seen_change": index.seen_change,
            "challenge_updated_at": challenge.updated_at,
            "computed_at": utcnow(),
        }
        rows.append(StoredMatches(kind="matches", packed=StoredMatches.pack(matches), **common))
        rows.append(StoredMatches(kind="lessons", packed=StoredMatches.pack(found), **common))
    return rows


def store(session: Session, index: MatchIndex, challenges: Iterable[Challenge]) -> int:
    """Compute and replace the stored results of these challenges (the caller commits)."""
    done = 0
    for challenge in challenges:
        rows = compute(session, index, challenge)
        session.exec(sa.delete(StoredMatches).where(StoredMatches.challenge_id == challenge.id))
        session.exec(sa.delete(StoredFit).where(StoredFit.challenge_id == challenge.id))
        session.add_all(rows)
        owners = next(r for r in rows if r.audience == "owner" and r.kind == "matches").payload
        session.add_all(
            StoredFit(offering_id=m["meta"]["id"], challenge_id=challenge.id, rank=i, score=m["score"])
            for i, m in enumerate(owners["offerings"][:FIT_WITHIN])
        )
        done += 1
    return done


def stale_challenges(session: Session, latest: int, limit: int | None = None) -> list[Challenge]:
    """Challenges whose stored results are missing, older than the challenge, or behind the change
    log, the most out of date first."""
    newest = (
        select(
            StoredMatches.challenge_id,
            sa.func.min(StoredMatches.seen_change).label("seen"),
            sa.func.min(StoredMatches.challenge_updated_at).label("updated"),
        )
        .group_by(StoredMatches.challenge_id)
        .subquery()
    )
    query = (
        select(Challenge)
        .outerjoin(newest, newest.c.challenge_id == Challenge.id)
        .where(
            sa.or_(
                newest.c.challenge_id.is_(None),
                newest.c.updated != Challenge.updated_at,
                newest.c.seen < latest,
            )
        )
        .order_by(newest.c.challenge_id.is_not(None), sa.func.coalesce(newest.c.seen, -1), Challenge.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def latest_change(session: Session) -> int:
    return session.exec(select(sa.func.coalesce(sa.func.max(ChangeLog.id), 0))).one()


def refresh(session: Session, index: MatchIndex, seconds: float | None = None, batch: int = 50) -> int:
    """Recompute stale stored results, most out of date first, committing every `batch`
    challenges, until none is stale or `seconds` have passed. Returns how many were computed."""
    started = time.monotonic()
    done = 0
    while seconds is None or time.monotonic() - started < seconds:
        challenges = stale_challenges(session, index.seen_change, batch)
        if not challenges:
            break
        done += store(session, index, challenges)
        session.commit()
    return done


# --- serving (pages) ----------------------------------------------------------------------------


def _row(session: Session, challenge: Challenge, viewer: Viewer, kind: str) -> StoredMatches | None:
    row = session.exec(
        select(StoredMatches).where(
            StoredMatches.challenge_id == challenge.id,
            StoredMatches.audience == audience_of(viewer, challenge),
            StoredMatches.kind == kind,
        )
    ).first()
    # Results of an earlier version of the challenge answer a different question.
    if row is None or row.challenge_updated_at != challenge.updated_at:
        return None
    return row


def any_stored(session: Session) -> bool:
    return session.exec(select(StoredMatches.id).limit(1)).first() is not None


def usable(row: StoredMatches | None, index: MatchIndex | None) -> bool:
    """Serve the stored row rather than rank live: it is at least as recent as this process's
    index, or this process has no index to rank with."""
    return row is not None and (index is None or row.seen_change >= index.seen_change)


def matches_row(session: Session, challenge: Challenge, viewer: Viewer) -> StoredMatches | None:
    return _row(session, challenge, viewer, "matches")


def lessons_row(session: Session, challenge: Challenge, viewer: Viewer) -> StoredMatches | None:
    return _row(session, challenge, viewer, "lessons")


def served_matches(
    session: Session, challenge: Challenge, viewer: Viewer, row: StoredMatches, limit: int
) -> engine.MatchResult:
    """A stored result as this viewer may see it: every record asked about again on its live row."""
    started = time.perf_counter()
    owner_view, owner = engine.owner_viewer(session, challenge)
    viewers = [owner_view, viewer]
    payload = row.payload
    offerings = [_match_in(d) for d in payload.get("offerings", [])]
    deployments = [_match_in(d) for d in payload.get("deployments", [])]
    engine._attach_records(session, offerings, deployments, viewers, challenge.owner_id)
    offerings, deployments = offerings[:limit], deployments[:limit]
    system = owner.case_management_system if owner else None
    for m in offerings + deployments:
        m.owner_system = system
        m.why = explain(m)
    elapsed = (time.perf_counter() - started) * 1000
    return engine.MatchResult(challenge, offerings, deployments, dict(payload.get("categories", {})), elapsed)


def served_lessons(
    session: Session, challenge: Challenge, viewer: Viewer, row: StoredMatches, limit: int
) -> list[lessons.Lesson]:
    owner_view, _owner = engine.owner_viewer(session, challenge)
    found = [
        (dep_id, score, list(terms), [tuple(i) for i in ideas])
        for dep_id, score, terms, ideas in row.payload.get("lessons", [])
    ]
    return lessons._load(session, found, [owner_view, viewer], challenge.owner_id)[:limit]


def fitting_challenges(
    session: Session, offering: Any, viewer: Viewer, limit: int = 10
) -> list[tuple[Challenge, engine.Match]]:
    """Published challenges still taking interest whose stored owner's matches put this offering
    in their first FIT_WITHIN, each match as the viewer's audience sees it (its peer evidence
    counted for that audience) and worded for a supplier."""
    return fitting_for_offerings(session, [offering], viewer, limit).get(offering.id, [])


def fitting_for_offerings(
    session: Session, offerings: list[Any], viewer: Viewer, limit: int = 10
) -> dict[int, list[tuple[Challenge, engine.Match]]]:
    """fitting_challenges for several offerings at once (a supplier's dashboard): a few queries
    in all, each stored result read once."""
    ids = [o.id for o in offerings]
    if not ids:
        return {}
    pairs = session.exec(
        select(StoredFit.offering_id, Challenge)
        .join(Challenge, StoredFit.challenge_id == Challenge.id)
        .where(StoredFit.offering_id.in_(ids), clock.status_is(engine.OPEN_FOR_SUPPLIERS))
        .order_by(Challenge.id)
    ).all()
    challenges = {
        c.id: c
        for _o, c in pairs
        if c.status in access.PUBLISHED_CHALLENGE_STATUSES and access.can_view_challenge(viewer, c)
    }
    if not challenges:
        return {}
    payloads: dict[int, dict[str, Any]] = {}
    for row in session.exec(
        select(StoredMatches).where(StoredMatches.challenge_id.in_(list(challenges)), StoredMatches.kind == "matches")
    ):
        challenge = challenges[row.challenge_id]
        if row.audience == audience_of(viewer, challenge) and row.challenge_updated_at == challenge.updated_at:
            payloads[row.challenge_id] = row.payload
    owner_ids = {c.owner_id for c in challenges.values()}
    systems = dict(
        session.exec(
            select(Organisation.id, Organisation.case_management_system).where(Organisation.id.in_(owner_ids))
        ).all()
    )
    found: dict[int, list[tuple[Challenge, engine.Match]]] = {}
    for offering_id, challenge in pairs:
        payload = payloads.get(challenge.id)
        entry = next((d for d in (payload or {}).get("offerings", []) if d["meta"]["id"] == offering_id), None)
        if entry is None:
            continue
        match = _match_in(entry)
        match.owner_system = systems.get(challenge.owner_id)
        match.why = explain(match, SUPPLIER)
        found.setdefault(offering_id, []).append((challenge, match))
    for rows in found.values():
        rows.sort(key=lambda cm: (-cm[1].score, cm[0].ref))
        del rows[limit:]
    return found
