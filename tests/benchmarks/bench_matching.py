"""Matching latency at scale: median elapsed_ms per challenge over a seeded catalogue.

Run with `make bench` (or `.venv/bin/pytest tests/benchmarks/bench_matching.py -s -p no:cacheprovider`).
MATCH_BENCH_N sets the number of seeded records (default 50000), MATCH_BENCH_SAMPLE how many
challenges are matched (default 200). Each step runs in a fresh process through the command
line, as the evaluation does: `flask db upgrade`, `flask seed scale N`, then `flask match --all
--json --sample S` twice (the first builds the index from the database and saves a snapshot, the
second starts from the snapshot). Figures are printed and written to results-matching.txt;
nothing is asserted about time here (no timed assertions in tests).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from catalogue.config import PROJECT_ROOT

N = int(os.environ.get("MATCH_BENCH_N", "50000"))
SAMPLE = int(os.environ.get("MATCH_BENCH_SAMPLE", "200"))
RESULTS = Path(__file__).with_name("results-matching.txt")


def _flask(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    flask = [str(PROJECT_ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    if not Path(flask[0]).exists():
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    done = subprocess.run(flask + list(args), env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done, time.perf_counter() - started


def test_matching_latency_at_scale(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path}/bench.db",
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
        INSTANCE_DIR=str(tmp_path),
        FLASK_DEBUG="0",
    )
    _flask(env, "db", "upgrade")
    _, seed_s = _flask(env, "seed", "scale", str(N))
    lines = [f"matching benchmark: {N} seeded records, {SAMPLE} challenges, limit 10, cores {os.cpu_count()}"]
    lines.append(f"seed: {seed_s:.1f} s")
    for label in ("cold (index built from the database)", "warm start (index snapshot loaded)"):
        done, wall = _flask(env, "match", "--all", "--json", "--limit", "10", "--sample", str(SAMPLE))
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        assert len(rows) == SAMPLE
        assert all({"challenge", "offerings", "deployments", "elapsed_ms"} <= set(r) for r in rows)
        elapsed = sorted(r["elapsed_ms"] for r in rows)
        p90 = elapsed[int(len(elapsed) * 0.9) - 1]
        lines.append(
            f"{label}: process wall {wall:.1f} s; per challenge median {statistics.median(elapsed):.1f} ms, "
            f"p90 {p90:.1f} ms, max {elapsed[-1]:.1f} ms"
        )
    report = "\n".join(lines)
    print("\n" + report)
    RESULTS.write_text(report + "\n")
