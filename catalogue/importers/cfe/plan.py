"""The plan: what the file says, keyed by ref and merged across rows, before it becomes a bundle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from catalogue.accounts.models import Organisation
from catalogue.importers.cfe.answers import (
    _choice_text,
    categories_for,
    uses_ai,
)
from catalogue.importers.cfe.names import (
    NAME_MAX,
    Mention,
    closest_names,
    compact,
    organisation_key,
    supplier_key,
    tool_key,
)
from catalogue.importers.cfe.reading import Response
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.refs import slugify

SUMMARY_MAX = 500
# --- the import -----------------------------------------------------------------------------------


@dataclass
class Problem:
    row: int
    question: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, " if self.row else ""
        return f"{where}{self.question}: {self.message}"


@dataclass
class CfeReport:
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what the file says that was not written, and why
    problems: list[Problem] = field(default_factory=list)
    responses: int = 0
    reference_loaded: int = 0
    answers_created: int = 0  # responses whose answers not about one tool are kept anew
    answers_updated: int = 0  # ... or update those kept by an earlier import
    refused: bool = False  # personal data found in an imported text: nothing written

    def lines(self) -> list[str]:
        verb = ("would create", "would update") if self.dry_run else ("created", "updated")
        out = [f"{self.responses} response(s) read."]
        if self.reference_loaded:
            out.append(f"Loaded the {self.reference_loaded} reference authorities first.")
        out += [f"{verb[0]} {what}" for what in self.created]
        out += [f"{verb[1]} {what}" for what in self.updated]
        out += [f"{'would skip' if self.dry_run else 'skipped'} {what}" for what in self.skipped]
        kept = self.answers_created + self.answers_updated
        if kept:
            out.append(
                f"{'Would keep' if self.dry_run else 'Kept'} the answers about no one tool (Q11a–c, Q16–18, the rest of Q3, Q10, Q12, Q14, Q15, Q20) "
                f"of {kept} response(s): "
                f"{self.answers_created} new, {self.answers_updated} updated."
            )
        if self.problems:
            out.append(f"{len(self.problems)} problem(s): answers not understood, names not matched, records refused:")
            out += [f"  {p}" for p in self.problems]
        if self.refused:
            out.append("Nothing was written: personal data was found in the text named above.")
            return out
        out.append(
            ("Dry run: nothing was written." if self.dry_run else "Imported.")
            + f" {len(self.created)} created, {len(self.updated)} updated, {len(self.skipped)} skipped."
        )
        return out


def _excerpt(text: str, length: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def _short(text: str | None, length: int = SUMMARY_MAX) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"


def _stable_ref(*parts: str) -> str:
    """A ref from the parts; shortened with a hash of the whole when too long, so it never changes."""
    full = slugify("-".join(parts), max_length=400)
    if len(full) <= 80:
        return full
    digest = hashlib.sha1(full.encode()).hexdigest()[:8]  # noqa: S324 - a name, not a secret
    return f"{full[:71].rstrip('-')}-{digest}"


class _Plan:
    """What the file says, keyed by ref, merged across rows, before it becomes a bundle."""

    def __init__(self, session: Session, report: CfeReport) -> None:
        self.session = session
        self.report = report
        orgs = list(session.exec(select(Organisation)))
        # Reference authorities first, so a created organisation never shadows one.
        self.orgs_by_key: dict[str, Organisation] = {}
        self.reference_names = {organisation_key(o.name): o.name for o in orgs if o.is_reference}
        for org in sorted(orgs, key=lambda o: (not o.is_reference, o.id or 0)):
            self.orgs_by_key.setdefault(organisation_key(org.name), org)
        self.suppliers_by_key: dict[str, Organisation] = {supplier_key(o.name): o for o in orgs if o.kind == "supplier"}
        self.taken_org_refs = {o.ref for o in orgs}
        tools = list(session.exec(select(Tool)))
        self.tools_by_key: dict[str, Tool] = {}
        for tool in tools:
            self.tools_by_key.setdefault(tool_key(tool.name), tool)
        self.taken_tool_refs = {t.ref for t in tools}
        # Records already held, by organisation and tool: an import updates them, never adds a
        # second record beside them (the records service keeps one record per tool, too).
        org_refs = {o.id: o.ref for o in orgs}
        tool_refs = {t.id: t.ref for t in tools}
        self.existing_deployments: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for dep in session.exec(select(Deployment).order_by(Deployment.id)):
            pair = (org_refs.get(dep.organisation_id, ""), tool_refs.get(dep.tool_id, ""))
            self.existing_deployments.setdefault(pair, []).append((dep.ref, dep.stage))
        self.existing_views: dict[str, str] = {}
        for view in session.exec(select(SingleView).order_by(SingleView.id)):
            self.existing_views.setdefault(org_refs.get(view.organisation_id, ""), view.ref)
        self.planned_pairs: dict[tuple[str, str], str] = {}
        self.new_orgs: dict[str, dict[str, Any]] = {}  # ref -> bundle organisation
        self.new_org_keys: dict[str, str] = {}  # key -> ref
        self.new_suppliers: dict[str, dict[str, Any]] = {}  # supplier key -> bundle organisation
        self.new_tools: dict[str, dict[str, Any]] = {}  # tool key -> bundle tool
        self.deployments: dict[str, dict[str, Any]] = {}
        self.single_views: dict[str, dict[str, Any]] = {}
        self.contacts: dict[str, dict[str, Any]] = {}  # org ref -> contact
        self.responses: dict[str, dict[str, Any]] = {}  # key -> CfeResponse values
        self.responses_of: dict[str, list[dict[str, Any]]] = {}  # org ref -> its responses, in file order
        self.labels: dict[tuple[str, str], str] = {}
        self.rows: dict[tuple[str, str], int] = {}  # (kind, ref) -> the row that last spoke of it
        self.row = 0
        self.own_tool_refs: set[str] = set()  # tools the responding organisations built
        self.ethics_other: str | None = None  # Q13's 'Other (please specify)' of the response read

    # organisations ------------------------------------------------------------------------

    def organisation(self, response: Response) -> tuple[str, str, str] | None:
        """(ref, name, kind) of the responding organisation, creating it in the plan if new."""
        name = " ".join(response.get("organisation").split())
        kind_answer = _choice_text(response.get("kind"))
        if not name:
            self.report.problems.append(
                Problem(response.row, "organisation", "No organisation named: the response was not imported")
            )
            return None
        if len(name) > NAME_MAX:
            self.report.problems.append(
                Problem(response.row, "organisation", f"The name is longer than {NAME_MAX} characters: not imported")
            )
            return None
        key = organisation_key(name)
        org = self.orgs_by_key.get(key) if key else None
        if org is not None:
            return org.ref, org.name, org.kind
        if key in self.new_org_keys:
            data = self.new_orgs[self.new_org_keys[key]]
            return data["ref"], data["name"], data["kind"]
        if kind_answer.startswith("individual"):
            self.report.problems.append(
                Problem(
                    response.row,
                    "organisation",
                    f"An individual's response naming ‘{_excerpt(name)}’, which is not an organisation we know: "
                    "not imported",
                )
            )
            return None
        kind = "provider" if "other" in kind_answer or "provider" in kind_answer else "local-authority"
        if not kind_answer:
            self.report.problems.append(
                Problem(response.row, "organisation kind", "Not answered: taken to be a local authority")
            )
        if kind == "local-authority":
            close = closest_names(name, self.reference_names)
            self.report.problems.append(
                Problem(
                    response.row,
                    "organisation",
                    f"‘{_excerpt(name)}’ matched none of the reference authorities "
                    f"(closest: {', '.join(close) or 'none close'}): created as a new organisation, "
                    "without a region or ONS code",
                )
            )
        ref = _stable_ref(name)
        if ref in self.taken_org_refs:
            ref = _stable_ref("cfe", name)
        self.taken_org_refs.add(ref)
        self.new_orgs[ref] = {"ref": ref, "name": name, "kind": kind}
        self.rows[("organisation", ref)] = response.row
        self.new_org_keys[key] = ref
        return ref, name, kind

    def supplier(self, name: str | None) -> str | None:
        if not name:
            return None
        key = supplier_key(name)
        if not key:
            return None
        if key in self.suppliers_by_key:
            return self.suppliers_by_key[key].ref
        if key not in self.new_suppliers:
            clean = " ".join(name.split())[:NAME_MAX]
            ref = _stable_ref(clean)
            if ref in self.taken_org_refs:
                ref = _stable_ref("supplier", clean)
            if ref in self.taken_org_refs:
                return None
            self.taken_org_refs.add(ref)
            self.new_suppliers[key] = {"ref": ref, "name": clean, "kind": "supplier"}
            self.rows[("organisation", ref)] = self.row
        return self.new_suppliers[key]["ref"]

    # tools --------------------------------------------------------------------------------

    def known_tool_names(self) -> dict[str, str]:
        names = {k: t.name for k, t in self.tools_by_key.items()}
        names.update({k: t["name"] for k, t in self.new_tools.items()})
        return names

    def tool(self, mention: Mention, developed_by: str | None = None) -> tuple[str, str]:
        """(ref, name) of the tool, matched by its normalised name or planned as new."""
        key = tool_key(mention.name) or compact(mention.name)
        existing = self.tools_by_key.get(key)
        if existing is not None:
            return existing.ref, existing.name
        if key in self.new_tools:
            data = self.new_tools[key]
            if not data.get("supplier") and not data.get("developed_by"):
                supplier_ref = self.supplier(mention.supplier)
                if supplier_ref:
                    data["supplier"] = supplier_ref
            return data["ref"], data["name"]
        ref = _stable_ref(mention.name)
        if ref in self.taken_tool_refs:
            ref = _stable_ref(mention.name, key[:20], "tool")
        self.taken_tool_refs.add(ref)
        # No summary from the answer: a tool is a catalogue entry that may become public, and the
        # answer (a dropped pilot's story, say) stays in the deployment, with its visibility.
        data: dict[str, Any] = {
            "ref": ref,
            "name": mention.name,
            "categories": categories_for(f"{mention.name} {mention.text}"),
        }
        ai = uses_ai(mention.text)
        if ai is not None:
            data["uses_ai"] = ai
        if developed_by:
            data["developed_by"] = developed_by
        else:
            supplier_ref = self.supplier(mention.supplier)
            if supplier_ref:
                data["supplier"] = supplier_ref
        self.new_tools[key] = data
        self.rows[("tool", ref)] = self.row
        return ref, mention.name

    # records ------------------------------------------------------------------------------

    def deployment_ref(self, org_ref: str, tool_ref: str, *, dropped: bool) -> str:
        """The organisation's record of the tool: one already held (the one at the same kind of
        stage first), else one planned from an earlier row, else a new ref derived from both."""
        pair = (org_ref, tool_ref)
        held = self.existing_deployments.get(pair)
        if held:
            same = [ref for ref, stage in held if (stage == "dropped") == dropped]
            return (same or [held[0][0]])[0]
        if pair not in self.planned_pairs:
            self.planned_pairs[pair] = _stable_ref("cfe", org_ref, tool_ref, *(["dropped"] if dropped else []))
        return self.planned_pairs[pair]

    def single_view_ref(self, org_ref: str) -> str:
        """The organisation's single view already held, else a new ref."""
        return self.existing_views.get(org_ref) or _stable_ref("cfe", org_ref, "single-view")

    def deployment(self, ref: str, values: dict[str, Any], label: str) -> None:
        record = self.deployments.setdefault(ref, {"ref": ref})
        record.update({k: v for k, v in values.items() if v not in (None, "", [], {})})
        self.labels[("deployment", ref)] = label
        self.rows[("deployment", ref)] = self.row

    def single_view(self, ref: str, values: dict[str, Any], label: str) -> None:
        record = self.single_views.setdefault(ref, {"ref": ref})
        record.update({k: v for k, v in values.items() if v not in (None, "", [], {})})
        self.labels[("single view", ref)] = label
        self.rows[("single view", ref)] = self.row

    def response(self, org_ref: str, values: dict[str, Any]) -> None:
        """The answers kept with a response. Its key is the organisation and the response's place
        among that organisation's responses in the file: the same file keys them the same way, and
        a corrected export updates them in place. The same answers twice are one response."""
        earlier = self.responses_of.setdefault(org_ref, [])
        if any(r["answers"] == values["answers"] for r in earlier):
            return
        parts = ["cfe", org_ref, "response"] + ([str(len(earlier) + 1)] if earlier else [])
        record = {"key": _stable_ref(*parts), "organisation": org_ref, "row": self.row, **values}
        earlier.append(record)
        self.responses[record["key"]] = record
