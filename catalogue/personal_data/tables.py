"""A table pasted as text (tabs, pipes or commas between cells) names a child by its columns:
a header with a person column ("Name", "Child", "Initials", "Care leaver") and a column that pins
the person down ("Age", "DOB", "Address", "Postcode", "NHS no", "School"), then rows that fill
them in. The sentence rules never see such rows as sentences, so they are read here, row by row.

Staff lists ("Name | Role | Team") and statistics by age band have no person column beside an
age, date of birth or address, or have a job column, and pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Hit = tuple[str, int, int, bool]

_PERSON_COLUMN = re.compile(
    r"^(?:(?:child(?:'s)?|young person|yp|pupil|client|service user|full|first)?[ _]?name|child|children|initials"
    r"|young person|yp|pupil|care leaver|client|service user)$",
    re.IGNORECASE,
)
# Column label -> the kind of finding a filled-in cell makes.
_DETAIL_COLUMNS = (
    (re.compile(r"^age(?: \(years\))?$", re.I), "name-and-age"),
    (re.compile(r"^(?:d\.?o\.?b\.?|date[ _]of[ _]birth|birth[ _]?date|born)$", re.I), "date-of-birth"),
    (re.compile(r"^(?:home )?address$|^postcode$", re.I), "address"),
    (re.compile(r"^nhs(?:[ _]?(?:no\.?|number))?$", re.I), "nhs-number"),
    (re.compile(r"^school(?: name)?$|^nursery$", re.I), "school"),
)
_JOB_COLUMN = re.compile(r"^(?:role|job(?: title)?|post|position|team|grade|department)$", re.IGNORECASE)
_DATE = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{2}|\d{4})$|^(?:19|20)\d{2}-\d{1,2}-\d{1,2}$")


def _cells(line: str, sep: str) -> list[tuple[str, int]]:
    """(cell text stripped, offset of the cell in the line) for each cell."""
    out, pos = [], 0
    for part in line.split(sep):
        stripped = part.strip()
        out.append((stripped, pos + (part.find(stripped) if stripped else 0)))
        pos += len(part) + len(sep)
    return out


def _filled(kind: str, value: str) -> bool:
    if kind == "name-and-age":
        return value.isdigit() and int(value) <= 25
    if kind == "date-of-birth":
        return bool(_DATE.match(value))
    if kind == "address":
        return bool(re.search(r"\d", value) and re.search(r"[A-Za-z]{2}", value))
    if kind == "nhs-number":
        return len(re.sub(r"\D", "", value)) == 10
    return bool(re.search(r"[A-Za-z]{3}", value))


def table_rows(text: str) -> Iterator[Hit]:
    lines = list(re.finditer(r"[^\n]+", text))
    for i, header in enumerate(lines):
        sep = next((s for s in ("\t", "|", ",") if header.group(0).count(s) >= 1), None)
        if sep is None:
            continue
        labels = [c for c, _ in _cells(header.group(0), sep)]
        person = next((n for n, c in enumerate(labels) if _PERSON_COLUMN.match(c)), None)
        if person is None or any(_JOB_COLUMN.match(c) for c in labels):
            continue
        details = [(n, kind) for n, c in enumerate(labels) for rx, kind in _DETAIL_COLUMNS if rx.match(c)]
        for row in lines[i + 1 :]:
            cells = _cells(row.group(0), sep)
            if len(cells) != len(labels):
                break
            if not re.search(r"[A-Za-z]", cells[person][0]):
                continue
            for n, kind in details:
                value, at = cells[n]
                if _filled(kind, value):
                    # From the person's cell to the detail's, so the span ends on the detail.
                    start = row.start() + min(cells[person][1], at)
                    end = row.start() + max(cells[person][1] + len(cells[person][0]), at + len(value))
                    yield kind, start, end, kind in ("date-of-birth", "nhs-number")
                    break
