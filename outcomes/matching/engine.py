"""Matching a challenge to the offerings that could solve it and the peer experience worth reading.

Two steps, so a challenge costs tens of milliseconds at 50k records:
1. candidates: the challenge's most telling terms (stems weighted by where they appear, plus
   thesaurus concepts) are looked up in the in-memory index (outcomes.matching.index); terms
   so common they say little are left to the second step. A few hundred best go on.
2. ranking: BM25-style text relevance over weighted fields, plus the categories inferred from
   the challenge, how well the offering's stated outcomes answer the challenge's, fit with the
   owner's case management system, peer evidence, and a discount for tools built for another
   sector. A deployment is scored BM25F-style on its own account and its tool's description as
   two fields, plus how well peers' accounts of the same tool answer the challenge, pooled.
   Each match keeps the facts that made its score, for the explanation.

Everything is seen as a member of the challenge's owner (catalogue.access.viewer_as_member_of);
pages add the current viewer too, so nobody is shown a record the policy hides from them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.records.models import Deployment, Tool
from outcomes import clock
from outcomes.matching.explain import SUPPLIER, explain
from outcomes.matching.index import DocMeta, MatchIndex, index_for, norm_cms
from outcomes.matching.query import Query, build_query, query_weights
from outcomes.matching.scoring import (
    CANDIDATES,
    WEIGHTS,
    add_feedback,
    bm25f,
    bridges,
    cms_fit,
    feedback_terms,
    focus_coverage,
    grant_set,
    idf_weights,
    outcome_claim,
    outcome_match,
    peer_evidence,
    peer_prior,
    pooled_own,
    resembles,
    sector_penalty,
    shared_terms,
    text_scores,
    visible,
)
from outcomes.matching.text import analyse
from outcomes.models import Challenge
from suppliers.models import Offering


@dataclass
class Match:
    kind: str  # offering | deployment
    meta: DocMeta
    score: float
    text: float = 0.0
    terms: list[str] = field(default_factory=list)  # challenge words it shares, best first
    bridges: list[tuple[str, str, str]] = field(default_factory=list)  # (concept label, challenge phrase, its phrase)
    categories: list[str] = field(default_factory=list)
    outcome: tuple[str, str, float] | None = None  # (challenge outcome, offering outcome, similarity)
    cms: str | None = None  # match | mismatch | unknown | None
    owner_system: str | None = None  # the challenge owner's case management system, as recorded
    sector: str | None = None
    peer: dict | None = None
    why: list[str] = field(default_factory=list)
    record: object | None = None
    parts: dict[str, float] = field(default_factory=dict)  # the score's components, for tuning and tests
    resembles: list[str] = field(default_factory=list)  # best matches whose words it shares (feedback)

    @property
    def ref(self) -> str:
        return self.meta.ref


@dataclass
class MatchResult:
    challenge: Challenge
    offerings: list[Match]
    deployments: list[Match]
    categories: dict[str, float]
    elapsed_ms: float

    def as_json(self) -> dict:
        def row(m: Match) -> dict:
            out = {"ref": m.ref, "score": round(m.score, 4), "why": m.why, "categories": m.categories}
            if m.kind == "deployment":
                out["stage"] = m.meta.stage
            if m.cms:
                out["cms_fit"] = m.cms
            if m.peer is not None:
                out["peer"] = m.peer
            return out

        return {
            "challenge": self.challenge.ref,
            "offerings": [row(m) for m in self.offerings],
            "deployments": [row(m) for m in self.deployments],
            "inferred_categories": {c: round(v, 2) for c, v in self.categories.items()},
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def rank(
    index: MatchIndex,
    query: Query,
    owner_id: int,
    owner_cms: str,
    viewers: list[Viewer],
    limit: int,
) -> tuple[list[Match], list[Match]]:
    """Ranked offerings and other organisations' deployments, visible to every viewer given."""
    w = WEIGHTS
    grants = [grant_set(v) for v in viewers]

    def keep_offering(meta: DocMeta) -> bool:
        return all(access.can_view_offering(v, meta) for v in viewers)

    def keep_deployment(meta: DocMeta) -> bool:
        return meta.owner_id != owner_id and all(visible(g, meta) for g in grants)

    # Peers' accounts first: a tool that peers used on this problem is evidence for its offerings.
    dep_corpus = index.deployments
    dep_qweights = query_weights(query, dep_corpus)
    dep_text = text_scores(dep_corpus, dep_qweights, keep_deployment, CANDIDATES)
    corpus = index.offerings
    qweights = query_weights(query, corpus)
    text = text_scores(corpus, qweights, keep_offering, CANDIDATES)
    # Pseudo-relevance feedback: the best-matching records' own words, down-weighted, re-score
    # the candidates (only them: the candidate stage stays bounded).
    sources: list[str] = []
    expansion = feedback_terms(((dep_corpus, dep_text), (corpus, text)), query, sources)
    fed = add_feedback(corpus, text, expansion) if expansion else {}
    # The deployment candidates, ranked again field by field, with the feedback terms.
    fielded = bm25f(dep_corpus, dep_text, idf_weights(dep_corpus, dep_qweights, expansion))
    dep_text = {slot: q + e for slot, (q, e, _) in fielded.items()}
    dep_fed = {slot: e for slot, (_, e, _) in fielded.items()}
    pooled = pooled_own(dep_corpus, {slot: own for slot, (_, _, own) in fielded.items()}, keep_deployment)
    dep_top = max(dep_text.values(), default=0.0) or 1.0
    tool_text: dict[int, float] = {}
    for slot, raw in dep_text.items():
        tid = dep_corpus.meta[slot].tool_id
        if tid is not None:
            tool_text[tid] = max(tool_text.get(tid, 0.0), raw / dep_top)

    offerings: list[Match] = []
    top_text = max(text.values(), default=0.0) or 1.0
    for slot, raw in text.items():
        meta = corpus.meta[slot]
        m = Match("offering", meta, 0.0, text=raw / top_text)
        m.resembles = resembles(fed.get(slot, 0.0), raw, meta.name, sources)
        m.categories = [c for c in meta.categories if c in query.categories]
        cat = max((query.categories[c] for c in m.categories), default=0.0)
        out_sim, _ = outcome_match(query, meta, corpus)
        m.cms, cms_mult = cms_fit(meta, owner_cms)
        m.sector, sector_mult = sector_penalty(query, meta)
        m.peer = peer_evidence(index, meta.tool_id, viewers, owner_id)
        used = tool_text.get(meta.tool_id, 0.0) if meta.tool_id is not None else 0.0
        focus = focus_coverage(query, meta, corpus)
        m.parts = {
            "text": w.text * m.text,
            "category": w.category * cat,
            "outcome": w.outcome * min(1.0, 2 * out_sim),
            "peer_relevance": w.peer_relevance * used,
            "focus": w.focus * focus,
            "sector_mult": sector_mult,
            "cms_mult": cms_mult,
        }
        base = (
            w.text * m.text
            + w.category * cat
            + w.outcome * min(1.0, 2 * out_sim)
            + w.peer_relevance * used
            + w.focus * focus
        ) * sector_mult
        m.score = (base + w.peer * peer_prior(m.peer)) * cms_mult
        offerings.append(m)
    offerings.sort(key=lambda m: (-m.score, m.meta.ref))
    offerings = offerings[:limit]
    for m in offerings:
        slot = corpus.slot_of[m.meta.id]
        m.terms = shared_terms(corpus, slot, qweights, query)
        m.bridges = bridges(query, m.meta)
        m.outcome = outcome_claim(query, m.meta, corpus)

    # Peers' accounts of one tool tell one story: the best account lifts the others a little, and
    # a tool most peers used for this problem lifts all its accounts (pooled).
    deployments: list[Match] = []
    corpus, qweights, text, top_text = dep_corpus, dep_qweights, dep_text, dep_top
    for slot, raw in text.items():
        meta = corpus.meta[slot]
        m = Match("deployment", meta, 0.0, text=raw / top_text)
        m.resembles = resembles(dep_fed.get(slot, 0.0), raw, meta.name, sources)
        m.categories = [c for c in meta.categories if c in query.categories]
        # No sector discount here: every deployment is an authority's or provider's own account.
        # Neither shared categories nor the tool's offerings add to the score: both are the same
        # for every account of a tool, and the tool's text and the pooled accounts say it better.
        m.parts = {
            "focus": w.dep_focus * focus_coverage(query, meta, corpus),
            "text": w.dep_text * m.text,
            "tool_text": w.dep_tool_text * tool_text.get(meta.tool_id, 0.0),
            "pooled": w.dep_pooled * pooled.get(meta.tool_id, 0.0),
        }
        m.score = sum(m.parts.values())
        deployments.append(m)
    deployments.sort(key=lambda m: (-m.score, m.meta.ref))
    deployments = deployments[:limit]
    for m in deployments:
        slot = corpus.slot_of[m.meta.id]
        m.terms = shared_terms(corpus, slot, qweights, query)
        m.bridges = bridges(query, m.meta)
    return offerings, deployments


# --- the public face --------------------------------------------------------------------------


def owner_viewer(session: Session, challenge: Challenge) -> tuple[Viewer, Organisation | None]:
    owner = session.get(Organisation, challenge.owner_id)
    kind = owner.kind if owner else "local-authority"
    return access.viewer_as_member_of(challenge.owner_id, kind), owner


# Rankings remembered per index generation and change-log position, challenge and viewers: a page
# seen again is not ranked again until a change is caught up (per process: an optimisation only).
_RANKED: dict[tuple, tuple[list[Match], list[Match]]] = {}


def match_challenge(
    session: Session,
    challenge: Challenge,
    limit: int = 10,
    also_visible_to: Viewer | None = None,
    index: MatchIndex | None = None,
) -> MatchResult:
    """The offerings and peer deployments for a challenge, as a member of its owner sees them
    (and, for pages, as the current viewer may see them too), each with why it matched."""
    started = time.perf_counter()
    index = index or index_for(session.get_bind())
    viewer, owner = owner_viewer(session, challenge)
    viewers = [viewer] + ([also_visible_to] if also_visible_to is not None else [])
    owner_cms = norm_cms(owner.case_management_system if owner else None)
    query = build_query(challenge)
    key = (index.generation, index.seen_change, challenge.id, challenge.updated_at, owner_cms, tuple(viewers), limit)
    ranked = _RANKED.get(key)
    if ranked is None:
        with index.lock:
            ranked = rank(index, query, challenge.owner_id, owner_cms, viewers, limit)
        if len(_RANKED) > 2000:
            _RANKED.clear()
        _RANKED[key] = ranked
    # Copies: the records and reasons attached below belong to this request.
    offerings, deployments = [replace(m) for m in ranked[0]], [replace(m) for m in ranked[1]]
    _attach_records(session, offerings, deployments, viewers, challenge.owner_id)
    system = owner.case_management_system if owner else None
    for m in offerings + deployments:
        m.owner_system = system
        m.why = explain(m)
    elapsed = (time.perf_counter() - started) * 1000
    return MatchResult(challenge, offerings, deployments, query.categories, elapsed)


def _attach_records(
    session: Session, offerings: list[Match], deployments: list[Match], viewers: list[Viewer], owner_id: int
) -> None:
    """Load the ranked records and ask the policy once more on the live rows: an index entry a
    moment out of date must never show what the policy now hides."""
    if offerings:
        rows = {o.id: o for o in session.exec(select(Offering).where(Offering.id.in_([m.meta.id for m in offerings])))}
        offerings[:] = [
            m
            for m in offerings
            if (r := rows.get(m.meta.id)) is not None and all(access.can_view_offering(v, r) for v in viewers)
        ]
        for m in offerings:
            m.record = rows[m.meta.id]
    if deployments:
        rows = {
            d.id: d for d in session.exec(select(Deployment).where(Deployment.id.in_([m.meta.id for m in deployments])))
        }
        deployments[:] = [
            m
            for m in deployments
            if (r := rows.get(m.meta.id)) is not None
            and r.organisation_id != owner_id
            and all(access.can_view(v, r) for v in viewers)
        ]
        for m in deployments:
            m.record = rows[m.meta.id]


def deployment_context(session: Session, matches: list[Match]) -> dict[int, tuple[Tool | None, Organisation | None]]:
    """Tools and organisations of matched deployments, for pages."""
    tool_ids = {m.meta.tool_id for m in matches if m.meta.tool_id}
    org_ids = {m.meta.owner_id for m in matches}
    tools = {t.id: t for t in session.exec(select(Tool).where(Tool.id.in_(tool_ids)))} if tool_ids else {}
    orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(org_ids)))} if org_ids else {}
    return {m.meta.id: (tools.get(m.meta.tool_id), orgs.get(m.meta.owner_id)) for m in matches}


OPEN_FOR_SUPPLIERS = ("market-engagement", "open")
CHALLENGE_CANDIDATES = 15  # challenges matched in full per offering, at most (each result is cached)


def challenges_for_offering(
    session: Session,
    offering: Offering,
    viewer: Viewer | None = None,
    limit: int = 10,
    within: int = 10,
    index: MatchIndex | None = None,
) -> list[tuple[Challenge, Match]]:
    """Published challenges still taking interest (market engagement or open) whose matches put
    this offering in their top `within`: what a supplier should look at. The offering's own words
    pick a few candidate challenges from the index; each is then matched in full (and remembered)."""
    viewer = viewer or access.ANONYMOUS
    # Pages pass the index they were given (background.ready_index): a request never builds one.
    index = index or index_for(session.get_bind())
    corpus = index.challenges
    analysed = analyse(
        [
            (offering.name, 2.0),
            (offering.summary, 2.0),
            ("\n".join(offering.outcomes or []), 1.5),
            (offering.description, 1.0),
        ]
    )
    qweights = {}
    for term, raw in analysed.terms.items():
        tid = corpus.term_id(term)
        if tid is not None and corpus.df[tid] > 0:
            qweights[tid] = math.log1p(raw)

    def open_to_suppliers(meta: DocMeta) -> bool:
        return meta.status in OPEN_FOR_SUPPLIERS

    with index.lock:
        candidates = text_scores(corpus, qweights, open_to_suppliers, CHALLENGE_CANDIDATES)
        ids = [corpus.meta[slot].id for slot in candidates]
    if not ids:
        return []
    # The clock's status: an open challenge past its closing date is no longer offered.
    query = select(Challenge).where(Challenge.id.in_(ids), clock.status_is(OPEN_FOR_SUPPLIERS))
    found = []
    for challenge in session.exec(query.order_by(Challenge.id)):
        # Published statuses only, and whatever else the policy says about this viewer.
        if challenge.status not in access.PUBLISHED_CHALLENGE_STATUSES or not access.can_view_challenge(
            viewer, challenge
        ):
            continue
        result = _cached_match(session, challenge, within, index)
        for m in result.offerings:
            if m.meta.id == offering.id:
                found.append((challenge, _as_seen_by(session, index, challenge, m, viewer)))
                break
    found.sort(key=lambda cm: (-cm[1].score, cm[0].ref))
    return found[:limit]


def _as_seen_by(session: Session, index: MatchIndex, challenge: Challenge, match: Match, viewer: Viewer) -> Match:
    """A cached match is the owner's view: its peer evidence counts deployments the owner may see
    (authorities-only ones too). What this viewer is shown is counted again for the owner's
    members and this viewer together, as match_challenge does for pages, with its reasons worded
    for the supplier who reads them."""
    owner_view, _owner = owner_viewer(session, challenge)
    with index.lock:
        peer = peer_evidence(index, match.meta.tool_id, [owner_view, viewer], challenge.owner_id)
    cms_mult = match.parts.get("cms_mult", 1.0)
    score = match.score + WEIGHTS.peer * (peer_prior(peer) - peer_prior(match.peer)) * cms_mult
    seen = replace(match, peer=peer, score=score)
    seen.why = explain(seen, SUPPLIER)
    return seen


_CACHE: dict[tuple, MatchResult] = {}


def _cached_match(session: Session, challenge: Challenge, limit: int, index: MatchIndex | None = None) -> MatchResult:
    """Owner's-view matches, remembered until the catalogue or the challenge changes."""
    index = index or index_for(session.get_bind())
    key = (str(session.get_bind().url), challenge.id, challenge.updated_at, index.seen_change, limit)
    result = _CACHE.get(key)
    if result is None:
        if len(_CACHE) > 2000:
            _CACHE.clear()
        result = _CACHE[key] = match_challenge(session, challenge, limit=limit, index=index)
    return result


def challenge_count(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(Challenge)).one()
