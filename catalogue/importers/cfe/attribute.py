"""Which tool an answer is about: Q3 impact, Q12 risks, Q14 safeguards, Q15 barriers and Q20
findings are each one answer for all the tools a response names, so copying it onto every tool
would have an interpreting service "save practitioners 4 hours a week" because the note-taking
app beside it does.

An answer is cut into sentences. A sentence goes to the tools it names; a sentence naming none
goes on with the tool the sentence before named when it starts by pointing back ("It", "This
tool", "They"); a sentence naming several is cut into clauses, each going to the tools it names
and a clause naming none staying with the clause before. What is left names no tool: it is about
the response as a whole (catalogue.cfe_models.CFE_GENERAL), unless the response is about one tool
only, when every word of the answer is about that tool.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from catalogue.importers.cfe.names import _ascii, compact, tool_key

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘(A-Z0-9])|\s*\n+\s*")
CLAUSE_CUT = re.compile(r"\s*;\s*|,\s+(?:and|but|while|whereas)\s+|\s+(?:but|while|whereas)\s+|,\s+(?=[A-Z])")
POINTS_BACK = re.compile(r"^(?:it|its|this|that|these|they|their|the\s+(?:tool|app|service|system|product))\b", re.I)


@dataclass
class Attributed:
    by_ref: dict[str, str] = field(default_factory=dict)  # deployment ref -> the words about it
    general: str | None = None  # the words about no one tool


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", _ascii(text)).split()


def _names_in(text: str, tools: Mapping[str, Sequence[str]]) -> list[str]:
    """The refs of the tools the text names, by any of their names, however spaced or cased."""
    words = _words(text)
    padded = " " + " ".join(words) + " "
    joined = {"".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    found = []
    for ref, names in tools.items():
        for name in names:
            spelled = " ".join(_words(name))
            key = tool_key(name) or compact(name)
            if (spelled and f" {spelled} " in padded) or (len(key) >= 3 and key in joined):
                found.append(ref)
                break
    return found


def _clauses(sentence: str) -> list[str]:
    return [c for c in CLAUSE_CUT.split(sentence) if c and c.strip()]


def attribute(text: str | None, tools: Mapping[str, Sequence[str]], sole: str | None = None) -> Attributed:
    """Share `text` out among `tools` (deployment ref -> the names it goes by). With `sole` (the
    one tool in use the response is about), what names no tool is about it; words naming another
    of `tools` (a dropped pilot, say) still go to that one."""
    result = Attributed()
    text = (text or "").strip()
    if not text:
        return result
    pieces: dict[str, list[tuple[int, str]]] = {}
    general: list[tuple[int, str]] = []
    previous: list[str] = []
    order = 0
    for sentence in (s.strip() for s in SENTENCE_END.split(text)):
        if not sentence:
            continue
        named = _names_in(sentence, tools)
        if not named and previous and POINTS_BACK.match(sentence):
            named = previous
        if len(named) <= 1:
            order += 1
            for ref in named:
                pieces.setdefault(ref, []).append((order, sentence))
            if not named:
                general.append((order, sentence))
            previous = named
            continue
        # Several tools in one sentence: clause by clause.
        current: list[str] = []
        for clause in _clauses(sentence):
            order += 1
            current = _names_in(clause, tools) or current
            if not current:
                general.append((order, clause.strip()))
                continue
            for ref in current:
                pieces.setdefault(ref, []).append((order, clause.strip()))
        previous = current
    if sole is not None and set(pieces) <= {sole}:
        result.by_ref[sole] = text  # all of it about the one tool: as written
        return result
    if sole is not None and general:
        pieces[sole] = sorted(pieces.get(sole, []) + general)
        general = []
    result.by_ref = {ref: _joined([p for _o, p in parts]) for ref, parts in pieces.items()}
    result.general = _joined([p for _o, p in general]) or None
    return result


def _joined(parts: list[str]) -> str:
    out = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if part[-1] not in '.!?)"”’':
            part += "."
        out.append(part[:1].upper() + part[1:])
    return " ".join(out)
