"""Benchmarks run only through `make bench` (pytest tests/benchmarks -s), never in `make test`.
They print their figures and write them beside themselves; they assert behaviour, not time."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    # Files named bench_*.py are benchmarks too (a file named on the command line pytest collects itself).
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
