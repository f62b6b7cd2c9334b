"""The plan: what the file says, keyed by ref and merged across rows, before it becomes a bundle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from catalogue import bundle as bundle_io
from catalogue.accounts.models import Organisation
from catalogue.cfe_models import CFE_ANSWERS, CFE_GENERAL
from catalogue.importers.cfe.answers import (
    _choice_text,
    categories_for,
    dropped_reasons_for,
    is_yes,
    parse_ethics,
    parse_evaluation,
    parse_fte,
    parse_money,
    parse_single_view_status,
    parse_sources,
    parse_stage,
    uses_ai,
)
from catalogue.importers.cfe.attribute import attribute
from catalogue.importers.cfe.names import (
    NAME_MAX,
    Mention,
    closest_names,
    compact,
    find_mentions,
    organisation_key,
    own_tool_name,
    supplier_key,
    tool_key,
)
from catalogue.importers.cfe.reading import Response
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import (
    RESOURCE_FIELDS,
)
from catalogue.refs import slugify
from catalogue.schemas import TEXT_MAX

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
    answers_created: int = 0  # responses whose answers to Q11a–c and Q16–18 are kept anew
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
                f"{'Would keep' if self.dry_run else 'Kept'} the answers to Q11a–c and Q16–18 of {kept} response(s): "
                f"{self.answers_created} new, {self.answers_updated} updated."
            )
        if self.problems:
            out.append(f"{len(self.problems)} answer(s) not understood:")
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


def _problem(report: CfeReport, response: Response, question: str, message: str) -> None:
    report.problems.append(Problem(response.row, question, message))


def _plan_response(plan: _Plan, response: Response) -> None:
    """One response into the plan, question by question."""
    report = plan.report
    found = plan.organisation(response)
    if found is None:
        return
    org_ref, org_name, org_kind = found
    if org_kind not in bundle_io.EVIDENCE_KINDS:
        _problem(report, response, "organisation", f"{org_name} is not an authority or provider: not imported")
        return
    _plan_contact(plan, response, org_ref)
    stage, shared = _shared_answers(plan, response)
    in_use = _plan_in_use(plan, response, org_ref, org_name, stage, shared)
    dropped = _plan_dropped(plan, response, org_ref, org_name)
    own = _plan_own_tool(plan, response, org_ref, org_name, stage, shared)
    if own is not None:
        in_use[own[0]] = own[1]
    general = _plan_attributed(plan, response, in_use, dropped)
    _plan_kept_answers(plan, response, org_ref, general)
    _plan_resources(plan, response, own[0] if own else None, list(in_use))
    _plan_single_view(plan, response, org_ref, org_name)


# The answers about the tools in use, each shared out among the tools it names (attribute).
ATTRIBUTED: tuple[tuple[str, str, str], ...] = (
    ("Q3", "impact", "general_impact"),
    ("Q10", "learnings", "general_learnings"),
    ("Q12", "risk_assessment", "general_risk_assessment"),
    ("Q14", "safeguards", "general_safeguards"),
    ("Q15", "barriers", "general_barriers"),
    ("Q20", "evaluation_findings", "general_evaluation_findings"),
)


def _plan_attributed(
    plan: _Plan, response: Response, in_use: dict[str, list[str]], dropped: dict[str, list[str]]
) -> dict[str, str]:
    """Q3, Q12, Q14, Q15 and Q20 to the deployments whose tools they name; what names none is
    returned, to be kept with the response, unless the response is about one tool only. Q3 is
    about the tools of Q2 (Q9 tells of the organisation's own). A dropped tool gets the words
    that name it, never the rest."""
    general: dict[str, str] = {}
    q2_refs = {ref: names for ref, names in in_use.items() if plan.deployments[ref].get("stage") != "dropped"}
    own_refs = [ref for ref in in_use if plan.deployments[ref].get("tool") in plan.own_tool_refs]
    for question, field_name, general_column in ATTRIBUTED:
        text = response.get(question)
        if question == "Q10" and own_refs:
            continue  # the learnings from building its own tool: _plan_own_tool
        if question == "Q12":
            other = plan.ethics_other
            text = "\n\n".join(p for p in (text, f"Other ethics checks: {other}" if other else "") if p)
        if not text:
            continue
        candidates = {r: n for r, n in q2_refs.items() if not (question == "Q3" and r in own_refs)}
        sole = next(iter(candidates)) if len(candidates) == 1 else None
        shared = attribute(text, {**candidates, **dropped}, sole=sole)
        for ref, words in shared.by_ref.items():
            record = plan.deployments[ref]
            if field_name in record and record[field_name] != words:
                record[field_name] = f"{record[field_name]}\n\n{words}"
            else:
                record[field_name] = words
        if shared.general:
            if len(shared.general) > TEXT_MAX:
                _problem(plan.report, response, question, f"The answer is longer than {TEXT_MAX} characters: not kept")
            else:
                general[general_column] = shared.general
    return general


def _plan_contact(plan: _Plan, response: Response, org_ref: str) -> None:
    """The respondent, with consent to be contacted by DfE: proposed as the organisation's contact,
    shown to nobody as such until one of its admins confirms (Organisation.contact_pending), and
    only where the organisation has no contact yet (_apply_contacts). Without consent, a contact
    with the respondent's address is forgotten."""
    consent = is_yes(response.get("consent"))
    email = response.get("email")
    if consent and email:
        plan.contacts.setdefault(
            org_ref,
            {
                "contact_name": response.get("name")[:200] or None,
                "contact_email": email[:320],
                "contact_role": response.get("role")[:200] or None,
                "row": response.row,
            },
        )
    elif consent and response.get("name"):
        _problem(plan.report, response, "email", "A name but no email address: no contact proposed")
    elif not consent and email:
        plan.contacts.setdefault(org_ref, {"withdraw_email": email, "row": response.row})


def _plan_kept_answers(plan: _Plan, response: Response, org_ref: str, general: dict[str, str]) -> None:
    report = plan.report
    # Q11a–c, Q16–18, and what Q3, Q12, Q14, Q15 and Q20 said of no one tool: kept with the
    # response (never with the respondent's name or email).
    answers: dict[str, str] = {}
    for column, question, _heading in CFE_ANSWERS:
        answer = response.get(question)
        if len(answer) > TEXT_MAX:
            _problem(report, response, question, f"The answer is longer than {TEXT_MAX} characters: not kept")
        elif answer:
            answers[column] = answer
    answers.update({c: general[c] for c, _q, _h in CFE_GENERAL if c in general})
    if answers:
        plan.response(org_ref, {"respondent_kind": respondent_kind(response.get("kind")), "answers": answers})


def _shared_answers(plan: _Plan, response: Response) -> tuple[str | None, dict[str, Any]]:
    """The choices about every tool in use: stage, ethics checks, evaluation (the free text about
    them is shared out by _plan_attributed)."""
    report = plan.report
    stage = None
    if response.get("Q7"):
        stage = parse_stage(response.get("Q7"))
        if stage is None:
            _problem(report, response, "Q7", f"‘{_excerpt(response.get('Q7'))}’ is not a stage we know")
    evaluation = None
    if response.get("Q19"):
        evaluation = parse_evaluation(response.get("Q19"))
        if evaluation is None:
            _problem(report, response, "Q19", f"‘{_excerpt(response.get('Q19'))}’ is not an evaluation we know")
    ethics: list[str] = []
    plan.ethics_other = None
    if response.get("Q13"):
        ethics, plan.ethics_other, unknown = parse_ethics(response.get("Q13"))
        for part in unknown:
            _problem(report, response, "Q13", f"‘{_excerpt(part)}’ is not an ethics check we know")
    return stage, {"ethics_checks": ethics, "evaluation": evaluation}


def _plan_in_use(
    plan: _Plan, response: Response, org_ref: str, org_name: str, stage: str | None, shared: dict[str, Any]
) -> dict[str, list[str]]:
    """Q2: the tools in use, as deployments (ref -> the names the tool goes by)."""
    in_use: dict[str, list[str]] = {}
    report = plan.report
    if response.get("Q2"):
        mentions = find_mentions(response.get("Q2"), plan.known_tool_names())
        if not mentions:
            _problem(report, response, "Q2", f"No tool name found in ‘{_excerpt(response.get('Q2'))}’")
        for mention in mentions:
            tool_ref, tool_name = plan.tool(mention)
            ref = plan.deployment_ref(org_ref, tool_ref, dropped=False)
            plan.deployment(
                ref,
                {
                    "organisation": org_ref,
                    "tool": tool_ref,
                    "stage": stage or "implemented",
                    "summary": _short(mention.text),
                    **shared,
                },
                f"{tool_name} at {org_name}",
            )
            in_use[ref] = list(dict.fromkeys([mention.name, tool_name]))
    return in_use


def _plan_dropped(plan: _Plan, response: Response, org_ref: str, org_name: str) -> dict[str, list[str]]:
    """Q5: piloted, then dropped (ref -> the names the tool goes by)."""
    report = plan.report
    dropped: dict[str, list[str]] = {}
    if response.get("Q5"):
        story = response.get("Q5")
        mentions = find_mentions(story, plan.known_tool_names())
        if not mentions:
            _problem(report, response, "Q5", f"No tool name found in ‘{_excerpt(story)}’")
        for mention in mentions:
            tool_ref, tool_name = plan.tool(mention)
            held = plan.existing_deployments.get((org_ref, tool_ref), [])
            if held and all(stage != "dropped" for _ref, stage in held):
                # A pilot dropped once is history; the organisation's own record says it is in use.
                plan.report.skipped.append(
                    f"dropped pilot of {tool_name} at {org_name} (row {response.row}): the organisation's record "
                    f"{held[0][0]} says it is in use ({held[0][1]}), so it is not recorded over it"
                )
                continue
            reasons = dropped_reasons_for(mention.text) or dropped_reasons_for(story)
            if not reasons:
                reasons = ["other"]
                _problem(
                    report,
                    response,
                    "Q5",
                    f"No reason we know for dropping {tool_name}: recorded as ‘Other’ with the story",
                )
            ref = plan.deployment_ref(org_ref, tool_ref, dropped=True)
            plan.deployment(
                ref,
                {
                    "organisation": org_ref,
                    "tool": tool_ref,
                    "stage": "dropped",
                    "summary": _short(mention.text),
                    "dropped_reasons": reasons,
                    "dropped_detail": story,
                },
                f"{tool_name} at {org_name} (dropped)",
            )
            dropped[ref] = list(dict.fromkeys([mention.name, tool_name]))
    return dropped


def _plan_own_tool(
    plan: _Plan, response: Response, org_ref: str, org_name: str, stage: str | None, shared: dict[str, Any]
) -> tuple[str, list[str]] | None:
    """Q6: a tool the organisation built, its deployment and what Q9 and Q10 say of it."""
    if not response.get("Q6"):
        return None
    text = response.get("Q6")
    name = own_tool_name(text, org_name)
    mention = Mention(name=name, supplier=None, text=text)
    tool_ref, tool_name = plan.tool(mention, developed_by=org_ref)
    plan.own_tool_refs.add(tool_ref)
    own_ref = plan.deployment_ref(org_ref, tool_ref, dropped=False)
    plan.deployment(
        own_ref,
        {
            "organisation": org_ref,
            "tool": tool_ref,
            "stage": stage or "implemented",
            "summary": _short(text),
            "impact": response.get("Q9") or None,
            "learnings": response.get("Q10") or None,
            **shared,
        },
        f"{tool_name} at {org_name} (developed by them)",
    )
    return own_ref, list(dict.fromkeys([name, tool_name]))


def _plan_resources(plan: _Plan, response: Response, own_ref: str | None, in_use: list[str]) -> None:
    report = plan.report
    # Q8: resources, for the organisation's own tool (or its only tool).
    resources: dict[str, float] = {}
    for question, name in zip(("Q8a", "Q8b", "Q8c", "Q8d", "Q8e", "Q8f"), RESOURCE_FIELDS, strict=True):
        answer = response.get(question)
        if not answer:
            continue
        try:
            resources[name] = parse_fte(answer) if name.endswith("_fte") else parse_money(answer)
        except ValueError:
            what = "full-time equivalents" if name.endswith("_fte") else "an amount of money"
            _problem(report, response, question, f"‘{_excerpt(answer)}’ is not {what} we can read")
    if resources:
        target = own_ref or (in_use[0] if len(in_use) == 1 else None)
        if target is None:
            _problem(report, response, "Q8", "Resources given, but no single tool they belong to: not recorded")
        else:
            plan.deployments[target]["resources"] = resources


def _plan_single_view(plan: _Plan, response: Response, org_ref: str, org_name: str) -> None:
    report = plan.report
    # Q21–Q23: the single view.
    if response.get("Q21"):
        status = parse_single_view_status(response.get("Q21"))
        if status is None:
            _problem(report, response, "Q21", f"‘{_excerpt(response.get('Q21'))}’ is not a single-view status we know")
        else:
            sources, other_sources, unknown = parse_sources(response.get("Q22"))
            for part in unknown:
                _problem(report, response, "Q22", f"‘{_excerpt(part)}’ is not a data source we know: kept as other")
            plan.single_view(
                plan.single_view_ref(org_ref),
                {
                    "organisation": org_ref,
                    "status": status,
                    "sources": sources,
                    "other_sources": other_sources,
                    "documentation": response.get("Q23") or None,
                },
                f"single view at {org_name}",
            )
    elif response.get("Q22") or response.get("Q23"):
        _problem(report, response, "Q21", "Data sources given without saying whether there is a single view")


def respondent_kind(answer: str) -> str | None:
    """The form's 'responding on behalf of' choice as a code (catalogue.cfe_models.RESPONDENT_KINDS)."""
    text = _choice_text(answer)
    if text.startswith("individual"):
        return "individual"
    if "other" in text or "provider" in text:
        return "other-organisation"
    if "local authority" in text:
        return "local-authority"
    return None
