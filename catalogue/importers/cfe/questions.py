"""The responses, question by question, into the plan (catalogue.importers.cfe.plan)."""

from __future__ import annotations

from typing import Any

from catalogue import bundle as bundle_io
from catalogue.cfe_models import CFE_ANSWERS, CFE_GENERAL
from catalogue.importers.cfe.answers import (
    _choice_text,
    dropped_reasons_for,
    is_yes,
    parse_ethics,
    parse_evaluation,
    parse_fte,
    parse_money,
    parse_single_view_status,
    parse_sources,
    parse_stage,
)
from catalogue.importers.cfe.attribute import attribute
from catalogue.importers.cfe.names import Mention, find_mentions, own_tool_name
from catalogue.importers.cfe.plan import CfeReport, Problem, _excerpt, _Plan, _short
from catalogue.importers.cfe.reading import Response
from catalogue.records.schemas import RESOURCE_FIELDS
from catalogue.schemas import TEXT_MAX


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
