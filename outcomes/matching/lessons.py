"""Lessons before buying: pilots other organisations dropped, ranked by how close their problem is
to the challenge's, each with one line saying why it is shown and what went wrong.

The candidates are the dropped deployments of other organisations that the challenge owner's
members and the current reader may both see, chosen in SQL by the policy's own clauses
(catalogue.access.visible_clause). They are ranked by the matching engine's own deployment text
scoring (BM25 candidates, then field-weighted BM25 over the pilot's own account and its tool's
description), not by a second scorer, and only on their text: a tool's popularity or its other
accounts say nothing about whether this pilot met the same problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.records.models import Deployment, Tool
from catalogue.vocabulary import DROPPED_REASONS
from outcomes.matching.engine import owner_viewer
from outcomes.matching.index import MatchIndex, index_for
from outcomes.matching.query import build_query, query_weights
from outcomes.matching.scoring import CANDIDATES, bm25f, bridges, idf_weights, shared_terms, text_scores
from outcomes.models import Challenge

# A pilot scoring below this share of the best lesson's score is too far from the problem to show.
RELATIVE_FLOOR = 0.35


@dataclass
class Lesson:
    deployment: Deployment
    tool: Tool | None
    organisation: Organisation | None
    score: float
    terms: list[str]  # the challenge's words its account shares, best first
    ideas: list[tuple[str, str, str]]  # thesaurus ideas both name: (label, challenge's phrase, its phrase)
    reasons: list[str]  # why it was dropped, as the vocabulary words them

    @property
    def ref(self) -> str:
        return self.deployment.ref

    @property
    def line(self) -> str:
        """Why it is shown and what went wrong, in one sentence."""
        if self.ideas:
            # The thesaurus's ideas both name say it in the field's words, not by chance words.
            why = "Shown because it too is about " + _and(
                [f"{label[0].lower() + label[1:]} (your “{ours}”)" for label, ours, _theirs in self.ideas[:2]]
            )
        else:  # ranked only with shared words or a shared idea (rank_lessons)
            why = f"Shown because it too is about {_and([f'“{t}”' for t in self.terms[:3]])}"
        wrong = "; ".join(self.reasons) if self.reasons else "not recorded"
        return f"{why}. What went wrong: {wrong}."


def _and(items: list[str], sep: str = ", ") -> str:
    return items[0] if len(items) == 1 else sep.join(items[:-1]) + " and " + items[-1]


def dropped_ids(session: Session, owner_id: int, viewers: list[Viewer]) -> set[int]:
    """Other organisations' dropped pilots every viewer may see, by the policy's SQL clauses."""
    query = select(Deployment.id).where(Deployment.stage == "dropped", Deployment.organisation_id != owner_id)
    for viewer in viewers:
        query = query.where(access.visible_clause(viewer, Deployment))
    return set(session.exec(query).all())


# Ranked lessons (ids, scores, reasons; never rows) remembered per challenge, viewer and index
# position, so a page seen again is not ranked again until the catalogue changes. Per process:
# an optimisation only, as every process replays the same change log.
_RANKED: dict[tuple, list[tuple[int, float, list[str], list[tuple[str, str, str]]]]] = {}


def rank_lessons(
    session: Session,
    challenge: Challenge,
    viewer: Viewer | None = None,
    limit: int = 5,
    index: MatchIndex | None = None,
) -> list[Lesson]:
    """Dropped pilots on the nearest problems, best first, seen as the owner's members and (when
    given) the current reader would both see them."""
    owner, _org = owner_viewer(session, challenge)
    viewers = [owner] + ([viewer] if viewer is not None else [])
    index = index or index_for(session.get_bind())
    key = (index.generation, index.seen_change, challenge.id, challenge.updated_at, viewer, limit)
    found = _RANKED.get(key)
    if found is None:
        found = _rank(session, index, challenge, viewers, limit)
        if len(_RANKED) > 5000:
            _RANKED.clear()
        _RANKED[key] = found
    return _load(session, found, viewers, challenge.owner_id)


def _rank(
    session: Session, index: MatchIndex, challenge: Challenge, viewers: list[Viewer], limit: int
) -> list[tuple[int, float, list[str], list[tuple[str, str, str]]]]:
    allowed = dropped_ids(session, challenge.owner_id, viewers)
    if not allowed:
        return []
    query = build_query(challenge)
    with index.lock:
        corpus = index.deployments
        qweights = query_weights(query, corpus)
        candidates = text_scores(corpus, qweights, lambda meta: meta.id in allowed, CANDIDATES)
        fielded = bm25f(corpus, candidates, idf_weights(corpus, qweights, {}))
        scored = sorted(((q, slot) for slot, (q, _e, _own) in fielded.items() if q > 0), key=lambda p: (-p[0], p[1]))
        top = scored[0][0] if scored else 0.0
        found = []
        for score, slot in scored:
            if score < RELATIVE_FLOOR * top or len(found) >= limit:
                break
            meta = corpus.meta[slot]
            terms = shared_terms(corpus, slot, qweights, query)
            ideas = bridges(query, meta)
            # Shown only with a reason its reader can check: a word or an idea both share.
            if terms or ideas:
                found.append((meta.id, score, terms, ideas))
    return found


def _load(
    session: Session,
    found: list[tuple[int, float, list[str], list[tuple[str, str, str]]]],
    viewers: list[Viewer],
    owner_id: int,
) -> list[Lesson]:
    """The live rows, the policy asked once more (the index may be a moment behind)."""
    if not found:
        return []
    rows = {d.id: d for d in session.exec(select(Deployment).where(Deployment.id.in_([f[0] for f in found])))}
    tool_ids = {d.tool_id for d in rows.values() if d.tool_id}
    tools = {t.id: t for t in session.exec(select(Tool).where(Tool.id.in_(tool_ids)))} if tool_ids else {}
    org_ids = {d.organisation_id for d in rows.values()}
    orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(org_ids)))}
    out = []
    for dep_id, score, terms, ideas in found:
        row = rows.get(dep_id)
        if (
            row is None
            or row.stage != "dropped"
            or row.organisation_id == owner_id
            or not all(access.can_view(v, row) for v in viewers)
        ):
            continue
        reasons = [DROPPED_REASONS.get(r, r) for r in row.dropped_reasons or []]
        out.append(Lesson(row, tools.get(row.tool_id), orgs.get(row.organisation_id), score, terms, ideas, reasons))
    return out
