"""The seams state machine (tests.whole.machine) at length: many more and longer sequences of
real actions than `make test` runs, each step followed by a crawl of every channel as every role.

`make bench` runs it; SEAMS_BENCH_EXAMPLES (default 30) and SEAMS_BENCH_STEPS (default 20) set
the size (about 15 minutes of CPU at the defaults). It asserts behaviour (no marker reaches a
role the policy hides it from, every count is the viewer's), shrinks any failure to its shortest
sequence, prints how much it covered, and writes that to results-seams.txt."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.whole import crawl, machine

EXAMPLES = int(os.environ.get("SEAMS_BENCH_EXAMPLES", "30"))
STEPS = int(os.environ.get("SEAMS_BENCH_STEPS", "20"))
RESULTS = Path(__file__).with_name("results-seams.txt")

settings.register_profile(
    "seams-long",
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    database=None,
)


def test_seams_at_length(migrated_template: str) -> None:
    if not migrated_template.endswith(".db"):
        pytest.skip("the machine copies a SQLite database for each example")
    machine.TEMPLATE["path"] = migrated_template
    tally = {"crawls": 0, "requests": 0}
    real_crawl = crawl.crawl

    def counted(*args: object, **kwargs: object) -> crawl.Findings:
        findings = real_crawl(*args, **kwargs)
        tally["crawls"] += 1
        tally["requests"] += findings.requests
        return findings

    machine.crawling.crawl = counted
    started = time.perf_counter()
    try:
        run_state_machine_as_test(machine.SeamsMachine, settings=settings.get_profile("seams-long"))
    finally:
        machine.crawling.crawl = real_crawl
        seconds = time.perf_counter() - started
        line = (
            f"seams: {EXAMPLES} examples of up to {STEPS} steps, {tally['crawls']} crawls, "
            f"{tally['requests']} requests, {seconds:.0f} s"
        )
        print(line)
        RESULTS.write_text(line + "\n", encoding="utf-8")
