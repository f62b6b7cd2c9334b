"""Recall and false positives of the personal-data guard on labelled texts.

`tests/data/personal_data_cases.jsonl` is this project's own development set (the rules were
chosen on it); `../shared/eval/personal-data-dev.jsonl` is a held-out check written by others
and is only read here, never fitted. Targets on both: recall >= 0.95 on personal texts and at
most 5 % false positives on professional texts. `tests/data/personal_data_blind_a.jsonl` was
written for this project by someone who never saw the rules (200 texts); it was then used to
find which general signals were missing, so it is held to recall >= 0.90 and at most 5 % false
positives as a floor against regressions, not as a measure of unseen text.

`personal_data_blind_b.jsonl` (120 texts) and `personal_data_blind_c.jsonl` (168 texts) were
written the same way later. B scored recall 0.80 when first run, C 0.77; the rules were then
widened by kind of miss (names in capitals or surname first, names the list does not know beside
an explicit age, ages in the next sentence, year groups, attributed quotes, case numbers with
separators), tuned on B, and C was run once at the end: recall 0.977, no false positives. Both
are now held at what was reached, with room for one slip each.

`personal_data_blind_d.jsonl` (164 texts: event listings and joining instructions, supplier
proposals, procurement Q&A, job adverts and staff news, board minutes, parent forum posts, foster
carer newsletters, court, health visitor and youth-justice notes, email signatures) was written
before the next round of rules and run once: recall 0.878, false positives 0.146 (venue and
company addresses, staff with their age, a service "born" on a date, a date or house number
read as an age; misses on unknown names beside a relative, babies' ages in weeks, an address
without a street word). The rules were widened by those classes; it is now held like B and C.

`personal_data_blind_e.jsonl` (167 texts: council social posts, FOI answers, inspection extracts,
release notes and changelogs, accessibility statements, DPIA extracts, meeting chat logs, text
messages, pasted spreadsheets, plain-English and translated text, typos, snippets of a few words,
long paragraphs) was written before the next round and run once: recall 0.815, false positives
0.023 (a chat speaker read as a family member, a product named in one clause and used in the
next; misses on pasted tables, dates of birth as "dob for NAME is", "born 08/2009", a name with a
date and only a space, initials with an age, "the Brennans' youngest", "a 13-year-old called X",
"shes 14", short notes "Tyler 9 st bedes primary", an ID from an unlisted system beside a child,
an address beside "kids", a house name before the street). The rules were widened by those
classes; it is now held like B, C and D.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalogue.personal_data import find_personal_data

ROOT = Path(__file__).resolve().parents[3]
OWN = ROOT / "tests" / "data" / "personal_data_cases.jsonl"
BLIND_A = ROOT / "tests" / "data" / "personal_data_blind_a.jsonl"
BLIND_B = ROOT / "tests" / "data" / "personal_data_blind_b.jsonl"
BLIND_C = ROOT / "tests" / "data" / "personal_data_blind_c.jsonl"
BLIND_D = ROOT / "tests" / "data" / "personal_data_blind_d.jsonl"
BLIND_E = ROOT / "tests" / "data" / "personal_data_blind_e.jsonl"
SHARED = ROOT.parent / "shared" / "eval" / "personal-data-dev.jsonl"


def score(path: Path) -> tuple[float, float, list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    personal = [r for r in rows if r["personal"]]
    professional = [r for r in rows if not r["personal"]]
    missed = [r["text"] for r in personal if not find_personal_data(r["text"])]
    blocked = [r["text"] for r in professional if find_personal_data(r["text"])]
    recall = 1 - len(missed) / len(personal)
    false_positives = len(blocked) / len(professional)
    return recall, false_positives, ["missed: " + t for t in missed] + ["blocked: " + t for t in blocked]


def test_own_set_is_large_and_varied() -> None:
    rows = [json.loads(line) for line in OWN.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 100
    assert len({r["kind"] for r in rows if r["personal"]}) >= 10
    assert len({r["kind"] for r in rows if not r["personal"]}) >= 10


@pytest.mark.parametrize(
    "path",
    [
        OWN,
        pytest.param(
            SHARED, marks=pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside the project")
        ),
    ],
    ids=["own", "shared-dev"],
)
def test_recall_and_false_positives_meet_the_targets(path: Path) -> None:
    recall, false_positives, errors = score(path)
    assert recall >= 0.95, errors
    assert false_positives <= 0.05, errors


@pytest.mark.parametrize(
    "path",
    [BLIND_A, BLIND_B, BLIND_C, BLIND_D, BLIND_E],
    ids=["blind-a", "blind-b", "blind-c", "blind-d", "blind-e"],
)
def test_blind_sets_hold_what_was_reached(path: Path) -> None:
    recall, false_positives, errors = score(path)
    assert recall >= 0.98, errors
    assert false_positives <= 0.02, errors
