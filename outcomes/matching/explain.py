"""Why a match matched, in sentences its reader can check against the records.

At most four reasons, the strongest first. Each states a fact of the two records: words they share
that are specific to the problem (rare in the catalogue, not common English), the same idea in
different words (the thesaurus), an outcome about the same measure, the case management fit, the
sector, and peers' experience. Wording follows the reader: the commissioner who owns the challenge
reads "your challenge"; a supplier reads "the challenge" and "your offering".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalogue.vocabulary import CATEGORIES, DROPPED_REASONS, STAGES

if TYPE_CHECKING:
    from outcomes.matching.engine import Match

MAX_REASONS = 4
COMMISSIONER = "commissioner"
SUPPLIER = "supplier"

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


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def _stages(stages: dict[str, int]) -> str:
    order = ["fully-established", "implemented", "pilot"]
    return ", ".join(f"{stages[s]} {STAGES[s].lower()}" for s in order if stages.get(s))


def reasons(match: Match, audience: str = COMMISSIONER) -> list[tuple[float, str]]:
    """Every reason that holds, with its strength (higher first)."""
    mine = audience == COMMISSIONER
    challenge = "your challenge" if mine else "the challenge"
    its = "its" if mine or match.kind != "offering" else "your offering's"
    out: list[tuple[float, str]] = []
    meta = match.meta
    system = match.owner_system
    # Warnings first: they say why a record that reads well sits lower.
    if match.cms == "mismatch":
        listed = ", ".join(meta.cms) or "another system"
        whose = f"you use {system}" if mine else f"the challenge's owner uses {system}"
        out.append((0.95, f"Ranked lower: works only inside {listed}; {whose}"))
    elif match.cms == "unknown":
        whose = "yours" if mine else "the owner's"
        out.append(
            (0.9, f"Ranked a little lower: works only inside a case management system, and {whose} is not recorded")
        )
    if match.sector:
        out.append((0.85, f"Ranked lower: mostly described for {SECTOR_NAMES.get(match.sector, match.sector)}"))
    if match.outcome is not None:
        ours, theirs, _ = match.outcome
        whose = "your outcome" if mine else "the challenge's outcome"
        out.append((0.8, f"Answers {whose} “{ours}” with {its} “{theirs}”"))
    if match.terms:
        out.append((0.6 + 0.1 * match.text, f"Shares {challenge}'s words {_quote_list(match.terms[:4])}"))
    differ = [b for b in match.bridges if b[1] != b[2]]
    if differ:
        label, theirs_phrase, ours = differ[0]
        yours = "Your" if mine else "The challenge's"
        out.append((0.55, f"{yours} “{theirs_phrase}” and {its} “{ours}” are both about {label}"))
    if match.cms == "match" and system:
        how = "built into" if meta.delivery == "embedded" else "integrates with"
        whose = "your" if mine else "the owner's"
        out.append((0.5, f"Fits {whose} case management system: {how} {system}"))
    if match.kind == "offering" and match.peer is not None:
        peer = match.peer
        using = peer["organisations"] - peer["dropped"]
        if using:
            verb = "uses" if using == 1 else "use"
            tool = "its tool" if mine else "your tool"
            text = f"Peer evidence: {_count(using, 'other organisation')} {verb} {tool}"
            stages = _stages(peer["stages"])
            if stages:
                text += f" ({stages})"
            if peer["dropped"]:
                text += f"; {_count(peer['dropped'], 'organisation')} dropped it after a pilot"
            out.append((0.4 + 0.05 * min(using, 4), text))
        elif peer["dropped"]:
            out.append(
                (0.45, f"Peer evidence: {_count(peer['dropped'], 'organisation')} dropped its tool after a pilot")
            )
        if peer.get("owner_stage"):
            stage = STAGES.get(peer["owner_stage"], peer["owner_stage"]).lower()
            who = "You already record this tool yourselves" if mine else "The challenge's owner already records it"
            out.append((0.45, f"{who}: {stage}"))
    if match.kind == "deployment":
        stage = STAGES.get(meta.stage or "", meta.stage or "")
        if meta.stage == "dropped":
            dropped = [DROPPED_REASONS.get(r, r).lower() for r in getattr(match.record, "dropped_reasons", None) or []]
            because = f" ({'; '.join(dropped)})" if dropped else ""
            advice = "; read why before you buy" if mine else ""
            out.append((0.7, f"Peer experience: piloted, then not rolled out{because}{advice}"))
        elif stage:
            out.append((0.45, f"Peer experience: {stage.lower()}"))
    if match.categories and not match.terms and not differ:
        names = [CATEGORIES.get(c, c) for c in match.categories[:2]]
        out.append((0.3, "Same kind of tool: " + "; ".join(names)))
    return out


def explain(match: Match, audience: str = COMMISSIONER) -> list[str]:
    """At most four reasons, strongest first."""
    found = sorted(reasons(match, audience), key=lambda r: -r[0])
    return [text for _, text in found[:MAX_REASONS]]
