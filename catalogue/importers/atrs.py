"""The public Algorithmic Transparency Recording Standard (ATRS) register as a source of evidence.

`flask import atrs FILE.json [--dry-run]` reads published records shaped
{publishing_body, tool_name, title, url, published, description} (a list, or {"records": [...]}).

- A record published by an English local authority (matched to the 153 reference authorities
  however the body writes its name: "Barnet Council", "London Borough of Sutton", "Newcastle City
  Council") becomes that authority's deployment of the tool (an existing tool matched by name,
  else a new one), public like the record it comes from, with the description as its summary,
  the stage the description implies (`infer_stage`) and its provenance: the register's name, the
  record's address, the date GOV.UK published it and when Signpost read it.
- A body of the children's social care sector that is not an authority (`SECTOR_GOVERNMENT`,
  `PROVIDER_WORDS`) becomes a government or provider organisation; a provider's record also
  becomes its deployment. Government bodies do not hold deployments in Signpost (only authorities,
  providers and partnerships record experience), so their record adds the organisation only.
- A record of an authority about another service (parking, waste, council tax, housing, adult
  social care: judged from its words against the field's thesaurus, catalogue.importers.relevance)
  is still imported (the register is kept by body), and the summary names it for review.
- Everything else is skipped, with the reason (and, for a council-like name that matched no
  authority, the closest reference names).

Deployments are written by `catalogue.records.services.save_deployment`, acting as an approved
member of the organisation, so the form's validation, the personal-data check, the audit trail and
the search index's change log all apply. The text is first checked with `can_confirm=False`: an
importer cannot say "this is not about a real person". The source address is the key: a record
imported before is left alone unless GOV.UK republished it (a newer `published`), when its summary,
stage and date are brought up to date. One failing record rolls the whole import back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from catalogue import access
from catalogue import bundle as bundle_io
from catalogue.access import Viewer
from catalogue.accounts.models import Organisation
from catalogue.db import utcnow
from catalogue.importers.cfe.answers import categories_for, dropped_reasons_for, uses_ai
from catalogue.importers.cfe.names import closest_names, organisation_key, tool_key
from catalogue.importers.relevance import about_childrens_social_care
from catalogue.records import services
from catalogue.records.models import Deployment, Tool
from catalogue.refs import slugify

SOURCE_NAME = "Algorithmic Transparency Recording Standard (GOV.UK)"
SUMMARY_MAX = 500
# Imported from a public register, so public here too.
VISIBILITY = "public"

# Bodies of the children's social care sector that are central government (by name key).
SECTOR_GOVERNMENT: dict[str, str] = {
    "cafcass": "Cafcass",
    "children and family court advisory and support service": "Cafcass",
    "ofsted": "Ofsted",
    "department for education": "Department for Education",
    "dfe": "Department for Education",
    "social work england": "Social Work England",
    "children s commissioner": "Children's Commissioner for England",
    "childrens commissioner": "Children's Commissioner for England",
    "children s commissioner for england": "Children's Commissioner for England",
    "youth justice board": "Youth Justice Board",
}
# Words that make a body a children's social care provider (trusts and companies running an
# authority's children's services, fostering and adoption agencies).
PROVIDER_WORDS = ("children's trust", "childrens trust", "children's services", "fostering", "adoption agency")
COUNCIL_WORDS = re.compile(r"\b(council|borough|county|city of|metropolitan|unitary)\b", re.I)
NOT_ENGLISH = re.compile(r"\b(wales|welsh|scotland|scottish|northern ireland)\b", re.I)

# How a description says what stage the tool is at: the first rule whose words appear wins.
# Without any, a published ATRS record describes a tool the body runs (the standard asks for
# records of tools in use or about to be), so the default is "implemented".
STAGE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "dropped",
        (
            "decommissioned",
            "no longer in use",
            "no longer used",
            "discontinued",
            "retired",
            "stopped using",
            "switched off",
        ),
    ),
    (
        "pilot",
        ("pilot", "piloting", "trial", "trialling", "trialing", "proof of concept", "prototype", "test and learn"),
    ),
    ("fully-established", ("business as usual", "embedded in", "fully established", "well established")),
    ("implemented", ("live", "in use", "rolled out", "in production", "deployed", "go-live", "went live")),
)
DEFAULT_STAGE = "implemented"


class AtrsError(Exception):
    """The file cannot be read at all (not JSON, not a list of records)."""


def read_records(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AtrsError(f"The file is not JSON: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("records")
    if not isinstance(data, list):
        raise AtrsError("The file holds no list of records (a list, or an object with ‘records’)")
    return data


def infer_stage(text: str) -> tuple[str, str]:
    """(stage, why) from a record's words; see STAGE_RULES."""
    lowered = " " + re.sub(r"\s+", " ", text.lower()) + " "
    for stage, words in STAGE_RULES:
        for word in words:
            if re.search(rf"(?<![a-z]){re.escape(word)}", lowered):
                return stage, f"the description says ‘{word}’"
    return DEFAULT_STAGE, "no stage words in the description: default"


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return " ".join(value.split()) if isinstance(value, str) else ""


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "…"


def _published(value: str) -> str | None:
    match = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    return match.group(1) if match else None


@dataclass
class Outcome:
    index: int
    title: str
    action: str  # create | update | unchanged | skip | fail
    detail: str

    def line(self, dry_run: bool) -> str:
        verb = {
            "create": "would create" if dry_run else "created",
            "update": "would update" if dry_run else "updated",
            "unchanged": "unchanged",
            "skip": "skipped",
            "fail": "refused",
        }[self.action]
        return f"#{self.index} {self.title}: {verb}: {self.detail}"


@dataclass
class AtrsReport:
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    reference_loaded: int = 0

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def failed(self) -> bool:
        return self.count("fail") > 0

    def lines(self) -> list[str]:
        out = [f"{len(self.outcomes)} ATRS record(s) read."]
        if self.reference_loaded:
            out.append(f"Loaded the {self.reference_loaded} reference authorities first.")
        out += [o.line(self.dry_run) for o in self.outcomes]
        counts = ", ".join(f"{self.count(a)} {a}" for a in ("create", "update", "unchanged", "skip", "fail"))
        if self.failed:
            out.append(f"Nothing was written: every record must pass for any to be imported ({counts}).")
        elif self.dry_run:
            out.append(f"Dry run: nothing was written ({counts}).")
        else:
            out.append(f"Imported ({counts}).")
        return out


class _Importer:
    def __init__(self, session: Session, report: AtrsReport, retrieved: datetime) -> None:
        self.session = session
        self.report = report
        self.retrieved = retrieved
        references = session.exec(select(Organisation).where(Organisation.is_reference.is_(True))).all()
        self.authorities = {organisation_key(o.name): o for o in references}
        self.reference_names = {organisation_key(o.name): o.name for o in references}

    # --- who published it ---------------------------------------------------------------------

    def _existing_body(self, name: str, kind: str) -> Organisation | None:
        key = organisation_key(name)
        rows = self.session.exec(select(Organisation).where(Organisation.kind == kind)).all()
        return next((o for o in rows if organisation_key(o.name) == key), None)

    def _body_organisation(self, name: str, kind: str) -> tuple[Organisation, bool]:
        """The sector body's organisation: found by name, else created through the bundle writer
        (the organisation schema and the same write as a bundle or the call-for-evidence import)."""
        found = self._existing_body(name, kind)
        if found is not None:
            return found, False
        ref = slugify(name)
        if self.session.exec(select(Organisation.id).where(Organisation.ref == ref)).first() is not None:
            ref = slugify(f"{name}-{kind}")
        bundle_io.import_bundle(
            self.session,
            {
                "format": bundle_io.FORMAT,
                "version": bundle_io.VERSION,
                "organisations": [{"ref": ref, "name": name, "kind": kind}],
            },
        )
        return self.session.exec(select(Organisation).where(Organisation.ref == ref)).one(), True

    def _closest(self, body: str) -> str:
        return ", ".join(closest_names(body, self.reference_names)) or "none close"

    def classify(self, body: str) -> tuple[str, Any, str]:
        """('authority', org, '') | ('government'|'provider', canonical name, '') | ('skip', None, why)."""
        if not body:
            return "skip", None, "the record names no publishing body"
        key = organisation_key(body)
        if key in self.authorities:
            return "authority", self.authorities[key], ""
        if NOT_ENGLISH.search(body):
            return "skip", None, f"{body} is not an English body"
        if key in SECTOR_GOVERNMENT:
            return "government", SECTOR_GOVERNMENT[key], ""
        plain = body.lower().replace("’", "'") + " "
        if any(word in plain for word in PROVIDER_WORDS):
            return "provider", body, ""
        if COUNCIL_WORDS.search(body):
            return "skip", None, f"{body} matched no English local authority (closest: {self._closest(body)})"
        return "skip", None, f"{body} is neither an English local authority nor a children's social care body"

    # --- the record -----------------------------------------------------------------------------

    def _tool(self, viewer: Viewer, name: str) -> Tool | None:
        """An existing tool the organisation may see, matched by name however it is spelled."""
        key = tool_key(name)
        tools = self.session.exec(select(Tool).where(access.tool_visible_clause(viewer, Tool))).all()
        return next((t for t in tools if tool_key(t.name) == key), None)

    def run(self, index: int, record: Any) -> Outcome:
        if not isinstance(record, dict):
            return Outcome(index, "(not a record)", "skip", "not an object with the ATRS fields")
        body, tool_name, url = _text(record, "publishing_body"), _text(record, "tool_name"), _text(record, "url")
        description = _text(record, "description")
        title = _text(record, "title") or f"{body}: {tool_name}"
        if not url:
            return Outcome(index, title, "skip", "the record has no address (url) to link to and key on")
        kind, who, why = self.classify(body)
        if kind == "skip":
            return Outcome(index, title, "skip", why)
        notes: list[str] = []
        if kind == "authority":
            # Every record an authority publishes is public evidence of what it uses (the register
            # is kept by body, not by service), so it is imported; one about another service
            # (parking, housing, adult care) is named in the summary for an admin to review.
            relevance = about_childrens_social_care(title, tool_name, description)
            if not relevance.relevant:
                notes.append(f"review: the record is {relevance.why}")
        # The importer's own check first, with can_confirm=False: nobody can vouch for the text.
        from catalogue.personal_data import guard

        problems = guard({"summary": description, "tool": tool_name}, ["summary", "tool"], can_confirm=False).problems
        if problems:
            return Outcome(index, title, "fail", "; ".join(f"{k}: {v}" for k, v in problems.items()))
        if kind == "authority":
            org = who
        else:
            org, created = self._body_organisation(who, kind)
            if created:
                notes.append(f"new {kind} organisation {org.name}")
            if kind == "government":
                detail = "organisation only: government bodies do not hold deployments in Signpost"
                return Outcome(
                    index, title, "create" if created else "unchanged", f"{', '.join(notes) or org.name}; {detail}"
                )
        if not tool_name:
            return Outcome(index, title, "skip", "the record names no tool")
        return self._deployment(index, title, org, tool_name, description, url, record, notes)

    def _deployment(
        self,
        index: int,
        title: str,
        org: Organisation,
        tool_name: str,
        description: str,
        url: str,
        record: dict[str, Any],
        notes: list[str],
    ) -> Outcome:
        viewer = Viewer(organisation_id=org.id, organisation_kind=org.kind, approved=True)
        published = _published(_text(record, "published"))
        stage, stage_why = infer_stage(f"{title} {description}")
        existing = self.session.exec(select(Deployment).where(Deployment.source_url == url)).first()
        if existing is not None and existing.organisation_id != org.id:
            return Outcome(
                index,
                title,
                "fail",
                f"its address is already the source of {existing.ref}, another organisation's record",
            )
        if existing is not None and (existing.source_published or "") >= (published or ""):
            return Outcome(index, title, "unchanged", f"already imported as {existing.ref}")
        tool = self._tool(viewer, tool_name)
        if existing is None and tool is not None:
            same = self.session.exec(
                select(Deployment.ref).where(Deployment.organisation_id == org.id, Deployment.tool_id == tool.id)
            ).first()
            if same is not None:
                return Outcome(
                    index, title, "skip", f"{org.name} has already recorded {tool.name} as {same}: not duplicated"
                )
        draft: dict[str, Any] = (
            services.draft_from_deployment(self.session, existing) if existing else {"visibility": VISIBILITY}
        )
        draft.update({"stage": stage, "summary": _short(description) if description else ""})
        if stage == "dropped":
            draft["dropped_reasons"] = dropped_reasons_for(description) or ["other"]
        if existing is None and tool is not None:
            draft.update({"tool_choice": "existing", "tool": tool.ref})
        elif existing is None:
            draft.update(
                {
                    "tool_choice": "new",
                    "new_tool": {
                        "name": tool_name[:200],
                        "categories": categories_for(f"{tool_name} {description}"),
                        "uses_ai": uses_ai(f"{tool_name} {description}"),
                    },
                }
            )
            notes.append(f"new tool {tool_name}")
        deployment, errors = services.save_deployment(self.session, viewer, draft, existing.ref if existing else None)
        if errors:
            return Outcome(index, title, "fail", "; ".join(f"{k}: {v}" for k, v in errors.items()))
        deployment.source_name = SOURCE_NAME
        deployment.source_url = url
        deployment.source_published = published
        deployment.source_retrieved = self.retrieved
        self.session.add(deployment)
        self.session.flush()
        tool_row = self.session.get(Tool, deployment.tool_id)
        what = f"deployment {deployment.ref} of {tool_row.name} by {org.name}, stage {stage} ({stage_why})"
        if notes:
            what += f"; {', '.join(notes)}"
        return Outcome(index, title, "update" if existing else "create", what)


def import_atrs(
    session: Session, records: list[Any], *, dry_run: bool = False, retrieved: datetime | None = None
) -> AtrsReport:
    """Import the records in the caller's transaction. The caller commits unless this is a dry run
    or the report failed (then it rolls back: all or nothing)."""
    report = AtrsReport(dry_run=dry_run)
    has_reference = session.exec(
        select(sa.func.count()).select_from(Organisation).where(Organisation.is_reference.is_(True))
    ).one()
    if not has_reference:
        from seed.loader import load_reference_authorities

        report.reference_loaded, _ = load_reference_authorities(session)
    importer = _Importer(session, report, retrieved or utcnow())
    for index, record in enumerate(records, start=1):
        report.outcomes.append(importer.run(index, record))
    return report
