"""Call-for-evidence files in the consultation system's layout, and importing one."""

from __future__ import annotations

import csv
import io

from catalogue.importers.cfe import (
    import_call_for_evidence,
)
from tests.conftest import SHARED

EXAMPLE = SHARED / "spec" / "call-for-evidence-example.csv"


HEADER = next(csv.reader(io.StringIO(EXAMPLE.read_text(encoding="utf-8"))))


def _column(key: str) -> int:
    for index, text in enumerate(HEADER):
        if text.lower().startswith(key.lower()):
            return index
    raise KeyError(key)


def make_csv(*responses: dict[str, str]) -> str:
    """A file in the consultation system's layout; keys are 'Q7', 'Q8b' or the detail's first words."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for response in responses:
        row = [""] * len(HEADER)
        for key, value in response.items():
            row[_column(key + ("." if key.startswith("Q") else ""))] = value
        writer.writerow(row)
    return buffer.getvalue()


def run_import(db, text: str, dry_run: bool = False):
    report = import_call_for_evidence(db, text, dry_run=dry_run)
    if dry_run:
        db.rollback()
    else:
        db.commit()
    return report
