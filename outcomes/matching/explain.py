"""Why a match matched, in sentences a commissioner can check against the records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalogue.accounts.models import Organisation
from catalogue.vocabulary import CATEGORIES, DROPPED_REASONS, STAGES

if TYPE_CHECKING:
    from outcomes.matching.engine import Match

SECTOR_NAMES = {
    "adults": "adult social care",
    "housing": "housing",
    "schools": "schools",
    "police": "policing and criminal justice",
    "health": "health clinics",
    "corporate": "council corporate services",
}


def _quote_list(items: list[str]) -> str:
    quoted = [f"“{i}”" for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _stages(stages: dict[str, int]) -> str:
    order = ["fully-established", "implemented", "pilot"]
    parts = [f"{stages[s]} {STAGES[s].lower()}" for s in order if stages.get(s)]
    return ", ".join(parts)


def explain(match: Match, owner: Organisation | None) -> list[str]:
    """Short, truthful reasons, most telling first. Each names facts from the two records."""
    why: list[str] = []
    if match.terms:
        why.append(f"Shares your challenge's words {_quote_list(match.terms[:6])}")
    for label, theirs_phrase, ours in match.bridges[:3]:
        if theirs_phrase != ours:
            why.append(f"Your “{theirs_phrase}” and its “{ours}” are both about {label}")
    if match.resembles:
        why.append(f"Described in words like those of the closest matches, {_quote_list(match.resembles)}")
    if match.categories:
        names = [CATEGORIES.get(c, c) for c in match.categories]
        why.append("Shared categories: " + "; ".join(names))
    if match.outcome is not None:
        ours, theirs, _ = match.outcome
        why.append(f"Answers your outcome “{ours}” with “{theirs}”")
    system = owner.case_management_system if owner else None
    meta = match.meta
    if match.cms == "mismatch":
        listed = ", ".join(meta.cms) or "another system"
        why.append(f"Ranked lower: works only inside {listed} (built into a case management system); you use {system}")
    elif match.cms == "unknown":
        why.append("Ranked a little lower: works only inside a case management system, and yours is not recorded")
    elif match.cms == "match":
        how = "built into" if meta.delivery == "embedded" else "integrates with"
        why.append(f"Fits your case management system: {how} {system}")
    if match.sector:
        why.append(f"Ranked lower: mostly described for {SECTOR_NAMES.get(match.sector, match.sector)}")
    if match.kind == "offering" and match.peer is not None:
        peer = match.peer
        using = peer["organisations"] - peer["dropped"]
        if peer["organisations"]:
            text = f"Peer evidence: {using} other organisation{'s' if using != 1 else ''} use its tool"
            stages = _stages(peer["stages"])
            if stages:
                text += f" ({stages})"
            if peer["dropped"]:
                text += f"; {peer['dropped']} dropped it after a pilot"
            why.append(text)
        if peer.get("owner_stage"):
            why.append(
                f"You already record this tool yourselves: {STAGES.get(peer['owner_stage'], peer['owner_stage']).lower()}"
            )
    if match.kind == "deployment":
        stage = STAGES.get(meta.stage or "", meta.stage or "")
        if meta.stage == "dropped":
            reasons = [DROPPED_REASONS.get(r, r).lower() for r in getattr(match.record, "dropped_reasons", None) or []]
            because = f" ({'; '.join(reasons)})" if reasons else ""
            why.append(f"Peer experience: piloted, then not rolled out{because}; read why before you buy")
        elif stage:
            why.append(f"Peer experience: {stage.lower()}")
    return why
