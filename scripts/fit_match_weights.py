"""Re-fit the matcher's combination weights on the judged sets, one set against the other.

    .venv/bin/python scripts/fit_match_weights.py [--eval ../shared/eval] [--sets dev dev2]

Each judged set (BUNDLE.json + QRELS.json under --eval) is imported into a throw-away database
through the CLI, exactly as ../shared/eval/match_eval.py does; every challenge is then matched
in-process with each additive weight set to 1, so a match's `parts` are its raw signals (text,
category, outcome, peers' use, focus; for deployments text, tool text, pooled accounts, focus).
Coordinate ascent then maximises mean nDCG@10 + recall@10 over those signals:

- on each set alone, reporting how the weights fitted there score on the other set (a weight
  that helps one set and hurts the other is fitted to its words, not better);
- on all sets at once, accepting a step only when no set loses on nDCG@10 or recall@10.

It prints the weights in force (outcomes.matching.scoring.WEIGHTS) beside the fitted ones; it
changes no code. It also prints the claim precision: of the top-10 offerings whose explanation
says they answer one of the challenge's outcomes, how many are judged relevant (target 0.9).

Last run (issue 16, about a minute, after weaker words joined the candidates in small catalogues):
claims 11 of 12 on dev, 8 of 8 on dev2. Offerings fitted on dev (text 0.72, focus 0) kept dev2's
nDCG and raised its recall by one item, but the neighbouring settings tried lost on dev2 and the claim
precision on dev fell to 11 of 13; fitted on dev2, dev lost 0.005 nDCG and 0.024 recall;
deployments fitted on either set gained nothing on the other. WEIGHTS stay as they are.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OFFERING_SIGNALS = ("text", "category", "outcome", "peer_relevance", "focus")
DEPLOYMENT_SIGNALS = ("text", "tool_text", "pooled", "focus")
STEPS = (0.0, 0.5, 0.7, 0.85, 1.2, 1.4, 2.0)  # multipliers tried per weight and round
K = 10


def _import(bundle: Path, folder: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder}/eval.db", SEARCH_INDEX_DIR=f"{folder}/index")
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    for step in (["db", "upgrade"], ["bundle", "import", str(bundle)]):
        subprocess.run(flask + step, env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603 (our own CLI)
    return env


def signals(bundle_path: Path, qrels_path: Path) -> list[tuple[dict, dict, list, list]]:
    """Per judged challenge: (offering judgments, deployment judgments, offering rows, deployment
    rows), a row being (ref, raw signals)."""
    from catalogue import create_app
    from outcomes.matching import engine, scoring

    bundle = json.loads(bundle_path.read_text())
    qrels = json.loads(qrels_path.read_text())
    deps = {d["ref"]: d for d in bundle["deployments"]}
    chals = {c["ref"]: c for c in bundle["challenges"]}
    folder = tempfile.mkdtemp(prefix="fit-weights-")
    os.environ.update(_import(bundle_path, folder))
    ones = {name: 1.0 for name in OFFERING_SIGNALS} | {f"dep_{n}": 1.0 for n in DEPLOYMENT_SIGNALS}
    in_force, engine.WEIGHTS = engine.WEIGHTS, dataclasses.replace(scoring.WEIGHTS, **ones)
    rows = []
    try:
        app = create_app()
        with app.app_context():
            from sqlmodel import select

            from catalogue.db import get_session
            from outcomes.models import Challenge

            session = get_session()
            for ref, judged in qrels.items():
                owner = chals[ref]["owner"]
                allowed = {
                    r
                    for r, d in deps.items()
                    if d.get("visibility", "authorities") != "private" or d["organisation"] == owner
                }
                challenge = session.exec(select(Challenge).where(Challenge.ref == ref)).one()
                result = engine.match_challenge(session, challenge, limit=200)
                offerings = [(m.ref, dict(m.parts, peer=scoring.peer_prior(m.peer))) for m in result.offerings]
                deployments = [(m.ref, dict(m.parts)) for m in result.deployments]
                judged_deps = {r: g for r, g in judged.get("deployments", {}).items() if r in allowed}
                # The explanation does not depend on the weights: whether each match claims to
                # answer an outcome is kept, and judged on the ranking the weights in force give.
                claimed = {m.ref for m in result.offerings if m.outcome is not None}
                rows.append((judged.get("offerings", {}), judged_deps, offerings, deployments, claimed))
    finally:
        engine.WEIGHTS = in_force
    return rows


def _dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def _measure(ranked: list[str], judged: dict[str, int]) -> tuple[float, float] | None:
    relevant = {r for r, g in judged.items() if g > 0}
    if not relevant:
        return None
    ideal = _dcg(sorted(judged.values(), reverse=True)[:K])
    return _dcg([judged.get(r, 0) for r in ranked[:K]]) / ideal, len(relevant & set(ranked[:K])) / len(relevant)


def _offering_score(p: dict, w: dict) -> float:
    base = sum(w[k] * p[k] for k in OFFERING_SIGNALS) * p["sector_mult"]
    return (base + w["peer"] * p["peer"]) * p["cms_mult"]


def _deployment_score(p: dict, w: dict) -> float:
    return sum(w[k] * p[k] for k in DEPLOYMENT_SIGNALS)


def evaluate(rows: list, w: dict, kind: str) -> tuple[float, float]:
    """Mean nDCG@10 and recall@10 of the ranking these weights give."""
    found = []
    for judged_off, judged_dep, offerings, deployments, *_ in rows:
        if kind == "offerings":
            ranked, judged, score = offerings, judged_off, _offering_score
        else:
            ranked, judged, score = deployments, judged_dep, _deployment_score
        order = [ref for ref, _ in sorted(ranked, key=lambda r: (-score(r[1], w), r[0]))]
        if (m := _measure(order, judged)) is not None:
            found.append(m)
    return sum(m[0] for m in found) / len(found), sum(m[1] for m in found) / len(found)


def claim_precision(rows: list, w: dict) -> tuple[int, int]:
    """(judged relevant, all) among the top-10 offerings that claim to answer one of the
    challenge's outcomes ("Answers your outcome ..."), ranked by these weights."""
    right = total = 0
    for judged_off, _, offerings, _, claimed in rows:
        order = [ref for ref, _ in sorted(offerings, key=lambda r: (-_offering_score(r[1], w), r[0]))]
        for ref in order[:K]:
            if ref in claimed:
                total += 1
                right += judged_off.get(ref, 0) > 0
    return right, total


def fit(sets: dict[str, list], start: dict, kind: str, guard: dict | None = None) -> dict:
    """Coordinate ascent on the sum over `sets` of nDCG + recall; with `guard` ({set: (nDCG,
    recall)}), a step that leaves any set below its guard is refused."""
    w, best = dict(start), sum(sum(evaluate(rows, start, kind)) for rows in sets.values())
    for _ in range(5):
        moved = False
        for key in start:
            for step in STEPS:
                trial = dict(w, **{key: w[key] * step if w[key] else step * 0.1})
                scores = {name: evaluate(rows, trial, kind) for name, rows in sets.items()}
                if guard and any(s[i] < guard[n][i] - 1e-9 for n, s in scores.items() for i in (0, 1)):
                    continue
                total = sum(sum(s) for s in scores.values())
                if total > best + 1e-6:
                    w, best, moved = trial, total, True
        if not moved:
            break
    return w


def _fmt(w: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in w.items())


def main() -> None:
    from outcomes.matching.scoring import WEIGHTS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--sets", nargs="+", default=["dev", "dev2"])
    a = ap.parse_args()
    folder = Path(a.eval)
    sets = {n: signals(folder / f"{n}-bundle.json", folder / f"{n}-qrels.json") for n in a.sets}
    starts = {
        "offerings": {k: getattr(WEIGHTS, k) for k in OFFERING_SIGNALS} | {"peer": WEIGHTS.peer},
        "deployments": {k: getattr(WEIGHTS, f"dep_{k}") for k in DEPLOYMENT_SIGNALS},
    }
    for kind, start in starts.items():
        now = {n: evaluate(rows, start, kind) for n, rows in sets.items()}
        print(f"{kind}: in force  {_fmt(start)}")
        print("   " + "  ".join(f"{n} {s[0]:.3f}/{s[1]:.3f}" for n, s in now.items()))
        if kind == "offerings":
            for n, rows in sets.items():
                right, total = claim_precision(rows, start)
                share = f"{right / total:.2f}" if total else "n/a"
                print(f"   {n}: 'answers your outcome' in the top {K}: {right} of {total} judged relevant ({share})")
        for name in sets:
            w = fit({name: sets[name]}, start, kind)
            scores = "  ".join(
                f"{n} {evaluate(r, w, kind)[0]:.3f}/{evaluate(r, w, kind)[1]:.3f}" for n, r in sets.items()
            )
            print(f"  fitted on {name}: {_fmt(w)}\n   {scores}")
        w = fit(sets, start, kind, guard=now)
        scores = "  ".join(f"{n} {evaluate(r, w, kind)[0]:.3f}/{evaluate(r, w, kind)[1]:.3f}" for n, r in sets.items())
        print(f"  joint, no set may lose: {_fmt(w)}\n   {scores}")


if __name__ == "__main__":
    main()
