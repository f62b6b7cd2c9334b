"""Writing the plan: merge with records already held, validate each record through its schema,
then write through the exchange bundle, and keep contacts (with consent) and the kept answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlmodel import Session, select

from catalogue import bundle as bundle_io
from catalogue import vocabulary
from catalogue.accounts.models import Organisation
from catalogue.cfe_models import ALL_ANSWERS, CfeResponse
from catalogue.db import utcnow
from catalogue.importers.cfe.plan import CfeReport, Problem, _Plan
from catalogue.importers.cfe.questions import _plan_response
from catalogue.importers.cfe.reading import read_responses
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.schemas import (
    DEPLOYMENT_FIELDS,
    RESOURCE_FIELDS,
    SINGLE_VIEW_FIELDS,
    DeploymentSchema,
    OrganisationSchema,
    SingleViewSchema,
    ToolSchema,
)

IMPORTED_VISIBILITY = "authorities"


def _existing_values(row: Any, names: Iterable[str]) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(row, name)
        if value not in (None, "", []):
            values[name] = list(value) if isinstance(value, list) else value
    return values


def _merge_existing(plan: _Plan) -> tuple[set[str], set[str]]:
    """Records already in the catalogue keep what the import does not say (and their visibility)."""
    existing_deployments = {
        d.ref: d
        for d in plan.session.exec(select(Deployment).where(Deployment.ref.in_(list(plan.deployments) or [""])))
    }
    for ref, row in existing_deployments.items():
        merged = _existing_values(row, DEPLOYMENT_FIELDS)
        resources = _existing_values(row, RESOURCE_FIELDS)
        new = plan.deployments[ref]
        # The summary an import gives is only the words naming the tool: the record's own stays.
        keep = {"resources"} | ({"summary"} if merged.get("summary") else set())
        merged.update({k: v for k, v in new.items() if k not in keep})
        resources.update(new.get("resources") or {})
        if resources:
            merged["resources"] = resources
        merged["visibility"] = row.visibility
        if merged.get("stage") != "dropped":
            merged.pop("dropped_reasons", None)
        plan.deployments[ref] = merged
    for data in plan.deployments.values():
        data.setdefault("visibility", IMPORTED_VISIBILITY)
    existing_views = {
        s.ref: s
        for s in plan.session.exec(select(SingleView).where(SingleView.ref.in_(list(plan.single_views) or [""])))
    }
    for ref, row in existing_views.items():
        merged = _existing_values(row, SINGLE_VIEW_FIELDS)
        if row.tool_id is not None:
            tool = plan.session.get(Tool, row.tool_id)
            if tool is not None:
                merged["tool"] = tool.ref
        merged.update(plan.single_views[ref])
        merged["visibility"] = row.visibility
        plan.single_views[ref] = merged
    for data in plan.single_views.values():
        data.setdefault("visibility", IMPORTED_VISIBILITY)
    return set(existing_deployments), set(existing_views)


def _check(plan: _Plan, schema: Any, data: dict[str, Any], what: str, kind: str) -> bool:
    """One planned record through its schema and the personal-data check; problems reported."""
    report = plan.report
    row = plan.rows.get((kind, data["ref"]), 0)
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        for path, message in bundle_io._field_path(exc.messages):
            report.problems.append(Problem(row, f"{what}, field {path}", f"{message}: not imported"))
        return False
    personal = bundle_io.personal_data_problems(schema, loaded)
    for path, message in personal.items():
        report.problems.append(Problem(row, f"{what}, field {path}", f"{message}: nothing was imported"))
        report.refused = True
    return not personal


def _check_kept_answers(plan: _Plan) -> None:
    """The answers kept with each response through the same personal-data check."""
    from catalogue.personal_data import guard

    for record in plan.responses.values():
        found = guard(record["answers"], list(record["answers"]), can_confirm=False).problems
        for column, message in found.items():
            question = next(q for c, q, _h in ALL_ANSWERS if c == column)
            plan.report.problems.append(
                Problem(
                    record["row"],
                    f"answers of {record['organisation']}, field {column} ({question})",
                    f"{message}: nothing was imported",
                )
            )
            plan.report.refused = True


def _validate(plan: _Plan) -> None:
    """Every planned record through its schema; a record that fails is reported and left out,
    with the records that depend on it."""
    dropped_orgs: set[str] = set()
    dropped_tools: set[str] = set()

    for ref, data in list(plan.new_orgs.items()):
        if not _check(plan, OrganisationSchema(), data, f"organisation {data['name']}", "organisation"):
            plan.new_orgs.pop(ref)
            dropped_orgs.add(ref)
    for key, data in list(plan.new_suppliers.items()):
        if not _check(plan, OrganisationSchema(), data, f"supplier {data['name']}", "organisation"):
            plan.new_suppliers.pop(key)
            dropped_orgs.add(data["ref"])
    for key, data in list(plan.new_tools.items()):
        if data.get("supplier") in dropped_orgs:
            data.pop("supplier")
        if data.get("developed_by") in dropped_orgs or not _check(
            plan, ToolSchema(), data, f"tool {data['name']}", "tool"
        ):
            plan.new_tools.pop(key)
            dropped_tools.add(data["ref"])
    for ref, data in list(plan.deployments.items()):
        label = plan.labels.get(("deployment", ref), ref)
        if (
            data.get("organisation") in dropped_orgs
            or data.get("tool") in dropped_tools
            or not _check(plan, DeploymentSchema(), data, f"deployment {label}", "deployment")
        ):
            plan.deployments.pop(ref)
    for ref, data in list(plan.single_views.items()):
        label = plan.labels.get(("single view", ref), ref)
        if data.get("organisation") in dropped_orgs or not _check(plan, SingleViewSchema(), data, label, "single view"):
            plan.single_views.pop(ref)


def _credit_new_tools(session: Session, plan: _Plan) -> None:
    """A tool the import adds was named by a respondent: that organisation added it to the
    catalogue and may change it (catalogue.access.can_change_tool), as if it had used the form."""
    adders: dict[str, str] = {}
    for record in plan.deployments.values():
        adders.setdefault(record.get("tool", ""), record["organisation"])
    refs = [data["ref"] for data in plan.new_tools.values() if data["ref"] in adders]
    if not refs:
        return
    wanted = select(Organisation.ref, Organisation.id).where(Organisation.ref.in_(set(adders.values())))
    org_ids = {ref: id_ for ref, id_ in session.exec(wanted)}
    for tool in session.exec(select(Tool).where(Tool.ref.in_(refs), Tool.added_by_id.is_(None))):
        tool.added_by_id = org_ids.get(adders[tool.ref])
        session.add(tool)


def _apply_contacts(session: Session, plan: _Plan) -> None:
    """Propose each consenting respondent as their organisation's contact, awaiting its admins'
    confirmation; an organisation's contact is never replaced."""
    refs = list(plan.contacts)
    if not refs:
        return
    report = plan.report
    for org in session.exec(select(Organisation).where(Organisation.ref.in_(refs)).order_by(Organisation.ref)):
        contact = plan.contacts[org.ref]
        if "withdraw_email" in contact:
            # The same person now says no: forget them. Anyone else's contact stays.
            if org.contact_email and org.contact_email.lower() == contact["withdraw_email"].lower():
                org.contact_name = org.contact_email = org.contact_role = org.contact_pending = None
                org.contact_consent = False
                session.add(org)
                report.updated.append(f"contact of {org.name}: the respondent withdrew consent, so forgotten")
            continue
        if org.contact_email:
            same = org.contact_email.lower() == contact["contact_email"].lower()
            why = "already its contact" if same else "it has a contact already, never replaced by an import"
            report.skipped.append(f"respondent as contact of {org.name}: {why}")
            continue
        org.contact_name = contact["contact_name"]
        org.contact_email = contact["contact_email"]
        org.contact_role = contact["contact_role"]
        org.contact_consent = False  # consent to DfE is not consent to peers: its admins decide
        org.contact_pending = f"call for evidence (row {contact['row']})"
        session.add(org)
        report.created.append(f"proposed contact of {org.name}: shown to nobody until one of its admins confirms it")


def _apply_responses(session: Session, plan: _Plan) -> None:
    """Keep the answers with each response: new ones created, those an earlier import of the same
    responses kept replaced by what the file says now. Responses of an organisation that failed
    its schema (already reported) are left out with it."""
    if not plan.responses:
        return
    org_refs = {r["organisation"] for r in plan.responses.values()}
    org_ids = {
        ref: id_
        for ref, id_ in session.exec(select(Organisation.ref, Organisation.id).where(Organisation.ref.in_(org_refs)))
    }
    existing = {r.key: r for r in session.exec(select(CfeResponse).where(CfeResponse.key.in_(list(plan.responses))))}
    now = utcnow()
    for key, data in plan.responses.items():
        org_id = org_ids.get(data["organisation"])
        if org_id is None:
            continue
        row = existing.get(key)
        if row is None:
            row = CfeResponse(key=key, organisation_id=org_id)
            plan.report.answers_created += 1
        else:
            plan.report.answers_updated += 1
        row.organisation_id = org_id
        row.respondent_kind = data["respondent_kind"]
        for column, _question, _heading in ALL_ANSWERS:
            setattr(row, column, data["answers"].get(column))
        row.imported_at = now
        session.add(row)


def import_call_for_evidence(session: Session, text: str, *, dry_run: bool = False) -> CfeReport:
    """Plan, validate and write the responses in the caller's transaction (the caller commits,
    or rolls back for a dry run). Raises CfeError only when the file cannot be read at all."""
    report = CfeReport(dry_run=dry_run)
    responses = read_responses(text)
    report.responses = len(responses)
    has_reference = session.exec(
        select(sa.func.count()).select_from(Organisation).where(Organisation.is_reference.is_(True))
    ).one()
    if not has_reference:
        from seed.loader import load_reference_authorities

        report.reference_loaded, _ = load_reference_authorities(session)
    plan = _Plan(session, report)
    for response in responses:
        plan.row = response.row
        _plan_response(plan, response)
    existing_deployments, existing_views = _merge_existing(plan)
    _validate(plan)
    _check_kept_answers(plan)
    if report.refused:
        # Personal data in any imported text: nothing is written, whatever else passed.
        session.rollback()
        return report

    bundle = {
        "format": bundle_io.FORMAT,
        "version": bundle_io.VERSION,
        "organisations": list(plan.new_orgs.values()) + list(plan.new_suppliers.values()),
        "tools": list(plan.new_tools.values()),
        "deployments": list(plan.deployments.values()),
        "single_views": list(plan.single_views.values()),
    }
    try:
        bundle_io.import_bundle(session, bundle)
    except bundle_io.BundleError as exc:  # a rule only the whole bundle can check
        report.problems.extend(Problem(0, "bundle", p) for p in exc.problems)
        session.rollback()
        return report
    _apply_contacts(session, plan)
    _apply_responses(session, plan)
    _credit_new_tools(session, plan)
    session.flush()

    for data in plan.new_orgs.values():
        report.created.append(f"organisation {data['name']} ({vocabulary.ORGANISATION_KINDS[data['kind']]})")
    for data in plan.new_suppliers.values():
        report.created.append(f"supplier {data['name']}")
    for data in plan.new_tools.values():
        report.created.append(f"tool {data['name']}")
    for ref in plan.deployments:
        label = f"deployment {ref}: {plan.labels.get(('deployment', ref), ref)}"
        if ref in existing_deployments:
            report.updated.append(f"{label} (the organisation's record of this tool already held)")
        else:
            report.created.append(label)
    for ref in plan.single_views:
        label = f"{plan.labels.get(('single view', ref), ref)} ({ref})"
        if ref in existing_views:
            report.updated.append(f"{label} (the organisation's single view already held)")
        else:
            report.created.append(label)
    return report
