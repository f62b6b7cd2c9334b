"""Reading the call-for-evidence CSV: rows of answers keyed by question or detail."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from catalogue.text import without_control_characters


class CfeError(Exception):
    """The file cannot be read at all (not CSV, not UTF-8, no organisation column)."""


# --- reading the file ----------------------------------------------------------------------------

DETAIL_COLUMNS = {
    "name": "what is your name",
    "email": "what is your email address",
    "kind": "are you responding on behalf of",
    "organisation": "what is the name of your organisation",
    "role": "how would you describe your current role",
    "consent": "do you consent to being contacted",
}
QUESTION_PATTERN = re.compile(r"^\s*q\s*(\d{1,2}[a-f]?)\s*[.:)]", re.IGNORECASE)


@dataclass
class Response:
    row: int  # the spreadsheet row: the header is row 1
    answers: dict[str, str]

    def get(self, key: str) -> str:
        return self.answers.get(key, "").strip()


def read_responses(text: str) -> list[Response]:
    """Rows of the CSV as answers keyed by question ("Q7", "Q8a") or detail ("organisation")."""
    text = without_control_characters(text.lstrip("\ufeff"))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CfeError(f"The file is not a CSV file we can read: {exc}") from exc
    if not rows:
        raise CfeError("The file is empty")
    columns: dict[int, str] = {}
    for index, header in enumerate(rows[0]):
        plain = " ".join(header.split()).lower().replace("’", "'")
        match = QUESTION_PATTERN.match(plain)
        if match:
            columns[index] = "Q" + match.group(1).lower()
            continue
        for key, start in DETAIL_COLUMNS.items():
            if plain.startswith(start):
                columns[index] = key
    if "organisation" not in columns.values():
        raise CfeError("No column ‘What is the name of your organisation?’: is this a call-for-evidence export?")
    responses = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        answers = {columns[i]: cell for i, cell in enumerate(cells) if i in columns and cell.strip()}
        responses.append(Response(number, answers))
    return responses
