"""Matching on the two judged sets (../shared/eval): measured floors, the outcome-claim precision,
and never below plain BM25 on nDCG@10, recall@10 or MRR. Floors are today's figures, so a change that costs
quality on either set fails here (issue 16; the targets are 0.90 / 0.95, see the README)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from sqlmodel import Session, select

from catalogue.bundle import import_bundle
from outcomes.matching import engine
from outcomes.models import Challenge
from tests.conftest import SHARED

_spec = importlib.util.spec_from_file_location("match_eval", SHARED / "eval" / "match_eval.py")
match_eval = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(match_eval)

# set: (offerings nDCG, offerings recall, deployments nDCG, deployments recall), measured, rounded
# down. dev2 deployments recall came up to BM25's with the related concepts (thesaurus.RELATED).
FLOORS = {"dev": (0.94, 0.97, 0.95, 0.94), "dev2": (0.89, 0.85, 0.94, 0.92)}


@pytest.mark.parametrize("name", ["dev", "dev2"])
def test_judged_set_quality(db: Session, name: str) -> None:
    bundle = json.loads((SHARED / "eval" / f"{name}-bundle.json").read_text())
    qrels = json.loads((SHARED / "eval" / f"{name}-qrels.json").read_text())
    import_bundle(db, bundle)
    db.commit()
    deps = {d["ref"]: d for d in bundle["deployments"]}
    chals = {c["ref"]: c for c in bundle["challenges"]}
    tools = {t["ref"]: t for t in bundle["tools"]}
    j = match_eval.join
    bm_off = match_eval.BM25(
        {
            o["ref"]: j(o.get("name"), o.get("summary"), o.get("description"), o.get("outcomes"))
            for o in bundle["offerings"]
        }
    )
    bm_dep = match_eval.BM25(
        {
            r: j(
                *(tools[d["tool"]].get(k) for k in ("name", "summary", "description")),
                d.get("summary"),
                d.get("impact"),
            )
            for r, d in deps.items()
        }
    )
    rows: dict[str, list] = {"off": [], "dep": [], "bm_off": [], "bm_dep": []}
    claims = [0, 0]
    for cref, judged in qrels.items():
        c = chals[cref]
        result = engine.match_challenge(db, db.exec(select(Challenge).where(Challenge.ref == cref)).one(), limit=10)
        allowed = {
            r
            for r, d in deps.items()
            if d.get("visibility", "authorities") != "private" or d["organisation"] == c["owner"]
        }
        jo = judged.get("offerings", {})
        jd = {r: g for r, g in judged.get("deployments", {}).items() if r in allowed}
        query = j(
            c.get("title"),
            c.get("problem"),
            c.get("users"),
            c.get("outcomes"),
            c.get("constraints"),
            c.get("tried_before"),
        )
        rows["off"].append(match_eval.scores_for([m.ref for m in result.offerings], jo, 10))
        rows["dep"].append(match_eval.scores_for([m.ref for m in result.deployments], jd, 10))
        rows["bm_off"].append(match_eval.scores_for(bm_off.rank(query), jo, 10))
        rows["bm_dep"].append(match_eval.scores_for(bm_dep.rank(query, allowed), jd, 10))
        for m in result.offerings:
            if any(r.startswith("Answers your outcome") for r in m.why):
                claims[1] += 1
                claims[0] += jo.get(m.ref, 0) > 0

    def mean(key: str, i: int) -> float:
        return match_eval.mean([r[i] for r in rows[key]])

    off_ndcg, off_recall, dep_ndcg, dep_recall = FLOORS[name]
    assert mean("off", 0) >= off_ndcg and mean("off", 1) >= off_recall
    assert mean("dep", 0) >= dep_ndcg and mean("dep", 1) >= dep_recall
    for kind in ("off", "dep"):
        for i in (0, 1, 2):  # nDCG, recall and MRR never below plain BM25
            assert mean(kind, i) >= mean("bm_" + kind, i) - 1e-9, (kind, i)
    assert claims[1] and claims[0] / claims[1] >= 0.9
