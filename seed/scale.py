"""`flask seed scale N`: N realistic records for load tests and benchmarks.

Organisations, tools, deployments, single views, offerings and challenges, with long
multi-paragraph texts composed from a vocabulary of children's social care and AI tools, a
mix of visibilities and draft/published states. factory-boy builds the rows as dicts, which
go in with bulk inserts in batches; one change-log row per record goes in alongside, so every
app server's search index catches up as it would after ordinary writes.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta

import click
import factory
import sqlalchemy as sa
from flask.cli import with_appcontext

from catalogue import vocabulary
from catalogue.db import engine, utcnow, writing

BATCH = 2000

# --- a vocabulary for plausible text ----------------------------------------------------------

PEOPLE = [
    "Social workers",
    "Team managers",
    "Family support workers",
    "Independent reviewing officers",
    "Practitioners in the MASH",
    "Early help coordinators",
    "Foster carers",
    "Personal advisers",
    "Child protection chairs",
    "Youth justice officers",
    "Residential care staff",
    "Newly qualified social workers",
    "Principal social workers",
    "Business support officers",
    "Virtual school staff",
    "Care leavers",
    "Parents and carers",
    "Advanced practitioners",
    "Fostering panel members",
    "Our data protection officer",
    "The information governance lead",
    "Heads of service",
    "Agency social workers",
    "Student social workers",
    "Edge of care workers",
    "Contact supervisors",
    "Court officers",
    "Disabled children's team practitioners",
]
DOING = [
    "used the tool to",
    "were trained to",
    "found it much easier to",
    "asked for a way to",
    "struggled to",
    "saved time when they had to",
    "were able to",
    "preferred to",
    "were nervous about using it to",
    "welcomed a faster way to",
    "tested whether it could",
    "relied on colleagues to",
]
TASKS = [
    "draft case notes after home visits",
    "summarise long chronologies before court hearings",
    "translate letters for families who speak Polish, Romanian or Arabic",
    "record the voice of the child in plain words",
    "prepare for strategy discussions",
    "write child and family assessments",
    "search years of case records",
    "complete referral forms for early help",
    "find placements that match a child's needs",
    "review supervision notes",
    "capture direct work with children and young people",
    "check consent before sharing information",
    "produce life-story books with children in care",
    "write pathway plans with care leavers",
    "transcribe child protection conferences",
    "turn meeting recordings into actions",
    "answer questions about policy and procedure",
    "spot patterns of neglect across siblings",
    "schedule visits around school hours",
    "keep chronologies up to date",
    "draft letters to parents",
    "prepare reports for the family court",
    "log contact sessions",
    "identify families who could use early help",
    "match foster carers to children",
]
WHEN = [
    "within two weeks of go-live",
    "during the six month pilot",
    "in the assessment and intervention teams",
    "across three localities",
    "without extra licences",
    "with support from the digital team",
    "after a short training session",
    "at the front door",
    "in the children in care service",
    "on their phones during visits",
    "in the out-of-hours service",
    "once the integration was finished",
]
FINDINGS = [
    "Average time spent on recording fell by {n}% over {m} months.",
    "Practitioners estimated they saved {h} hours a week each.",
    "Case notes were written on the day of the visit {n}% of the time, up from {k}%.",
    "Families told us letters were clearer and more respectful.",
    "Managers reported that supervision focused more on reflection than on catching up with records.",
    "The accuracy of transcripts dropped noticeably with strong regional accents and background noise.",
    "Some practitioners did not trust the summaries and rewrote them by hand.",
    "Quality audits found chronologies were more complete and more consistent.",
    "Staff turnover in the pilot teams fell over the same period, though other changes were happening too.",
    "Children's own words appeared more often in plans and reviews.",
    "The evaluation found no measurable change in timeliness of assessments.",
    "Licensing costs rose by {n}% at renewal, which the business case had not allowed for.",
]
CONCERNS = [
    "Information governance colleagues asked for a data protection impact assessment before any live data was used.",
    "The supplier could not confirm where audio recordings were stored, so hosting in the UK became a condition.",
    "We consulted the children in care council about recording conversations with young people.",
    "Staff were worried that automated summaries might lose the nuance of what families said.",
    "Bias in risk scores was raised by the ethics panel and the predictive feature was switched off.",
    "Integration with the case management system needed a change request that took months.",
    "Consent for recording was sought at the start of every visit and could be withdrawn.",
    "Recordings were deleted after thirty days once the note had been approved by the worker.",
    "A human always reviews and signs off the note before it is saved to the child's record.",
    "Procurement rules meant a full tender once spending passed the threshold.",
    "The pilot relied on a few enthusiastic champions, and adoption dropped when they moved on.",
]
RARE = [
    "kinship",
    "SGO",
    "Section 47",
    "Section 17",
    "PLO",
    "LADO",
    "CAMHS",
    "MARAC",
    "Ofsted",
    "ILACS",
    "Liquidlogic",
    "Mosaic",
    "Eclipse",
    "ContrOCC",
    "Azure",
    "Copilot",
    "Magic Notes",
    "Microsoft Teams",
    "Welsh",
    "Urdu",
    "Somali",
    "Tigrinya",
    "unaccompanied",
    "asylum-seeking",
    "neurodivergent",
    "autism",
    "exploitation",
    "county lines",
    "missing episodes",
    "return home interviews",
    "transitions",
    "respite",
    "short breaks",
    "EHCP",
    "SENCO",
    "youth offending",
    "restorative",
    "trauma-informed",
    "Signs of Safety",
    "Family Safeguarding",
    "Mockingbird",
    "Staying Put",
    "Staying Close",
    "Lifelong Links",
    "DSPT",
    "Cyber Essentials",
    "ISO 27001",
    "DPIA",
    "retention schedule",
    "subject access requests",
]
OUTCOME_WORDS = [
    "reduce time spent on recording",
    "improve the quality of assessments",
    "keep children safely at home",
    "increase placement stability",
    "hear the voice of the child",
    "cut agency spend",
    "improve staff retention",
    "speed up subject access requests",
    "reduce repeat referrals",
    "improve care leavers' outcomes",
]


class Writer:
    """Builds text from the vocabulary with a seeded random generator (reproducible)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def sentence(self) -> str:
        r = self.r
        kind = r.random()
        if kind < 0.45:
            text = f"{r.choice(PEOPLE)} {r.choice(DOING)} {r.choice(TASKS)} {r.choice(WHEN)}."
        elif kind < 0.7:
            text = r.choice(FINDINGS).format(
                n=r.randint(5, 60), m=r.randint(2, 18), h=r.randint(1, 9), k=r.randint(10, 50)
            )
        else:
            text = r.choice(CONCERNS)
        if r.random() < 0.3:
            text = text[:-1] + f", including work on {r.choice(RARE)}."
        return text

    def paragraph(self, low: int = 2, high: int = 4) -> str:
        return " ".join(self.sentence() for _ in range(self.r.randint(low, high)))

    def text(self, low: int = 2, high: int = 4) -> str:
        return "\n\n".join(self.paragraph() for _ in range(self.r.randint(low, high)))

    def short(self, limit: int = 480) -> str:
        return self.sentence()[:limit]


_writer = Writer(1)


def _text(low: int = 2, high: int = 4) -> factory.LazyFunction:
    return factory.LazyFunction(lambda: _writer.text(low, high))


def _pick(options: list | dict) -> factory.LazyFunction:
    values = list(options)
    return factory.LazyFunction(lambda: _writer.r.choice(values))


def _some(options: dict, low: int = 1, high: int = 3) -> factory.LazyFunction:
    values = list(options)
    return factory.LazyFunction(lambda: _writer.r.sample(values, _writer.r.randint(low, high)))


def _month() -> str:
    return f"{_writer.r.randint(2019, 2025)}-{_writer.r.randint(1, 12):02d}"


class _Row(factory.DictFactory):
    created_at = factory.LazyFunction(utcnow)
    updated_at = factory.LazyFunction(lambda: utcnow() - timedelta(minutes=_writer.r.randint(0, 500_000)))
    is_demo = True


class OrganisationRow(_Row):
    ref = factory.Sequence(lambda n: f"scale-org-{n}")
    name = factory.Sequence(
        lambda n: (
            f"{_writer.r.choice(['North', 'South', 'East', 'West', 'Mid', 'Upper'])} "
            f"{_writer.r.choice(['Shire', 'Vale', 'Borough', 'Riverside', 'Downs', 'Marsh'])} {n}"
        )
    )
    kind = "local-authority"
    region = _pick(vocabulary.REGIONS)
    description = factory.LazyFunction(lambda: _writer.paragraph(2, 4))
    contact_consent = False
    is_reference = False
    accreditations = factory.LazyFunction(list)


class ToolRow(_Row):
    ref = factory.Sequence(lambda n: f"scale-tool-{n}")
    name = factory.Sequence(
        lambda n: (
            f"{_writer.r.choice(['Note', 'Case', 'Family', 'Voice', 'Clear', 'Bright', 'Care'])}"
            f"{_writer.r.choice(['Scribe', 'Lens', 'Path', 'Assist', 'Bridge', 'Light', 'Link'])} {n}"
        )
    )
    summary = factory.LazyFunction(lambda: _writer.short())
    description = _text(2, 2)
    uses_ai = factory.LazyFunction(lambda: _writer.r.random() < 0.8)
    categories = _some(vocabulary.CATEGORIES, 1, 2)
    delivery = _pick(vocabulary.DELIVERY)
    case_management_systems = factory.LazyFunction(lambda: _writer.r.sample(["Liquidlogic", "Mosaic", "Eclipse"], 1))


class DeploymentRow(_Row):
    ref = factory.Sequence(lambda n: f"scale-dep-{n}")
    stage = _pick(vocabulary.STAGES)
    started = factory.LazyFunction(_month)
    summary = factory.LazyFunction(lambda: _writer.short())
    impact = _text(1, 2)
    learnings = _text(1, 2)
    barriers = factory.LazyFunction(lambda: _writer.paragraph(1, 3))
    risk_assessment = factory.LazyFunction(lambda: _writer.paragraph(1, 2))
    safeguards = factory.LazyFunction(lambda: _writer.paragraph(1, 2))
    evaluation = _pick(vocabulary.EVALUATION)
    evaluation_findings = factory.LazyFunction(lambda: _writer.paragraph(1, 3))
    ethics_checks = _some(vocabulary.ETHICS_CHECKS, 1, 2)
    visibility = factory.LazyFunction(lambda: _writer.r.choices(["public", "authorities", "private"], [5, 3, 2])[0])

    @factory.post_generation
    def dropped(obj: dict, create: bool, extracted: object, **kwargs: object) -> None:
        if obj["stage"] == "dropped":
            obj["dropped_reasons"] = _writer.r.sample(list(vocabulary.DROPPED_REASONS), _writer.r.randint(1, 3))
            obj["dropped_detail"] = _writer.paragraph(2, 3)
            obj["ended"] = _month()
        else:
            obj.update(dropped_reasons=[], dropped_detail=None, ended=None)


class SingleViewRow(_Row):
    ref = factory.Sequence(lambda n: f"scale-sv-{n}")
    status = _pick(vocabulary.SINGLE_VIEW_STATUS)
    sources = _some(vocabulary.SINGLE_VIEW_SOURCES, 2, 6)
    documentation = _text(2, 2)
    visibility = factory.LazyFunction(lambda: _writer.r.choices(["public", "authorities", "private"], [4, 4, 2])[0])


class OfferingRow(_Row):
    ref = factory.Sequence(lambda n: f"scale-off-{n}")
    name = factory.Sequence(lambda n: f"{_writer.r.choice(TASKS).capitalize()} service {n}")
    summary = factory.LazyFunction(lambda: _writer.short())
    description = _text(2, 3)
    categories = _some(vocabulary.CATEGORIES, 1, 3)
    outcomes = factory.LazyFunction(lambda: _writer.r.sample(OUTCOME_WORDS, 2))
    delivery = _pick(vocabulary.DELIVERY)
    case_management_systems = factory.LazyFunction(list)
    accreditations = _some(vocabulary.ACCREDITATIONS, 0, 2)
    pricing = factory.LazyFunction(lambda: f"From £{_writer.r.randint(2, 90)},000 a year per authority.")
    hosting = "UK data centres"
    links = factory.LazyFunction(list)
    status = factory.LazyFunction(lambda: "draft" if _writer.r.random() < 0.2 else "published")


class ChallengeRow(_Row):
    ref = factory.Sequence(lambda n: f"scale-challenge-{n}")
    title = factory.Sequence(lambda n: f"How can we {_writer.r.choice(OUTCOME_WORDS)}? ({n})")
    problem = _text(2, 3)
    users = factory.LazyFunction(lambda: _writer.paragraph(1, 2))
    outcomes = factory.LazyFunction(
        lambda: [
            {"outcome": o, "measure": "monthly audit", "baseline": "", "target": ""}
            for o in _writer.r.sample(OUTCOME_WORDS, 2)
        ]
    )
    constraints = factory.LazyFunction(lambda: _writer.paragraph(1, 2))
    tried_before = factory.LazyFunction(lambda: _writer.paragraph(1, 2))
    route = _pick(vocabulary.ROUTES)
    status = factory.LazyFunction(
        lambda: _writer.r.choice(
            ["draft", "draft", "open", "open", "market-engagement", "evaluating", "awarded", "closed"]
        )
    )
    closes = factory.LazyFunction(lambda: date.today() + timedelta(days=_writer.r.randint(-60, 120)))
    evaluation_criteria = factory.LazyFunction(list)
    requirements = factory.LazyFunction(list)


# --- inserting -----------------------------------------------------------------------------------

SHARES = {"tool": 0.08, "deployment": 0.52, "single_view": 0.04, "offering": 0.22, "challenge": 0.14}


def _tables() -> dict[str, sa.Table]:
    from catalogue.accounts.models import Organisation
    from catalogue.changes import ChangeLog
    from catalogue.search.documents import tables

    return {"organisation": Organisation.__table__, "change_log": ChangeLog.__table__, **tables()}


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict], kind: str | None) -> list[int]:
    """Insert rows in batches; returns their ids (and logs each for the search index)."""
    ids: list[int] = []
    for i in range(0, len(rows), BATCH):
        chunk = rows[i : i + BATCH]
        conn.execute(sa.insert(table), chunk)
        refs = [r["ref"] for r in chunk]
        found = dict(conn.execute(sa.select(table.c.ref, table.c.id).where(table.c.ref.in_(refs))).all())
        batch_ids = [found[r] for r in refs]
        ids.extend(batch_ids)
        if kind:
            now = utcnow()
            conn.execute(
                sa.insert(_tables()["change_log"]),
                [{"kind": kind, "record_id": rid, "op": "upsert", "at": now} for rid in batch_ids],
            )
    return ids


def _plan(n: int) -> dict[str, int]:
    counts = {kind: max(1, int(n * share)) for kind, share in SHARES.items()}
    counts["deployment"] += n - sum(counts.values())
    return counts


def seed_scale(n: int, seed: int = 1, progress: bool = False) -> dict[str, int]:
    """Create about n searchable records (plus the organisations they belong to)."""
    global _writer
    _writer = Writer(seed)
    # Refs stay unique when the command runs again on the same database.
    OrganisationRow.reset_sequence(int(time.time() * 1000) % 10**11 * 10, force=True)
    counts = _plan(n)
    t = _tables()
    r = _writer.r
    echo = (lambda msg: click.echo(msg, err=True)) if progress else (lambda msg: None)
    with writing(), engine().begin() as conn:
        n_las = max(2, n // 150)
        n_suppliers = max(2, n // 150)
        las = _insert(conn, t["organisation"], OrganisationRow.build_batch(n_las), None)
        suppliers = _insert(conn, t["organisation"], OrganisationRow.build_batch(n_suppliers, kind="supplier"), None)
        echo(f"organisations: {len(las) + len(suppliers)}")
        tools = _insert(
            conn,
            t["tool"],
            [ToolRow.build(supplier_id=r.choice(suppliers)) for _ in range(counts["tool"])],
            "tool",
        )
        echo(f"tools: {len(tools)}")
        for kind, make in (
            ("deployment", lambda: DeploymentRow.build(organisation_id=r.choice(las), tool_id=r.choice(tools))),
            ("single_view", lambda: SingleViewRow.build(organisation_id=r.choice(las), tool_id=r.choice(tools))),
            ("offering", lambda: OfferingRow.build(supplier_id=r.choice(suppliers), tool_id=r.choice(tools))),
            ("challenge", lambda: ChallengeRow.build(owner_id=r.choice(las))),
        ):
            made = 0
            for chunk in _chunked(counts[kind], BATCH):
                made += len(_insert(conn, t[kind], [make() for _ in range(chunk)], kind))
            echo(f"{kind}: {made}")
    return counts


def _chunked(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


@click.command("scale")
@click.argument("n", type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same texts).")
@with_appcontext
def scale_command(n: int, seed: int) -> None:
    """Create N realistic records (tools, deployments, single views, offerings, challenges)."""
    started = time.perf_counter()
    counts = seed_scale(n, seed=seed, progress=True)
    click.echo(
        f"created {sum(counts.values())} records in {time.perf_counter() - started:.1f}s: {counts}", file=sys.stdout
    )
    click.echo("the search index catches up from the change log; `flask search reindex` rebuilds it in one go")
