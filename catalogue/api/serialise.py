"""Records as API JSON: bundle-shaped (records point at each other by ref), dumped through the
same schemas that validate input, plus a few read-only names. Contact details are never here:
no serialiser reads an organisation's contact_* columns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, fields
from sqlmodel import Session, select

from catalogue.accounts.models import Organisation
from catalogue.api.common import compact
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
from catalogue.schemas import fields_except
from catalogue.web_address import WebAddress

ORGANISATION_COLUMNS = fields_except(OrganisationSchema, "members")
TOOL_COLUMNS = fields_except(ToolSchema, "supplier", "developed_by")
DEPLOYMENT_COLUMNS = ("ref", *DEPLOYMENT_FIELDS)
SINGLE_VIEW_COLUMNS = ("ref", *SINGLE_VIEW_FIELDS)


class OrganisationOut(OrganisationSchema):
    class Meta:
        exclude = ("members",)


class ToolOut(ToolSchema):
    updated_at = fields.DateTime(dump_only=True)


class SourceOut(Schema):
    """Where an imported deployment came from (catalogue.importers); absent when typed in."""

    name = fields.String(dump_only=True)
    url = WebAddress(dump_only=True)
    published = fields.String(dump_only=True, metadata={"description": "date the source published it, YYYY-MM-DD"})
    retrieved = fields.DateTime(dump_only=True, metadata={"description": "when Signpost last read it"})


class FreshnessOut(Schema):
    """When the record was last confirmed as true, by which organisation, and whether that was
    more than 12 months ago (catalogue.upkeep)."""

    last_confirmed_at = fields.DateTime(dump_only=True)
    last_confirmed_by = fields.String(dump_only=True, metadata={"description": "organisation ref"})
    last_confirmed_by_name = fields.String(dump_only=True)
    stale = fields.Boolean(dump_only=True, metadata={"description": "not confirmed in the last 12 months"})


FRESHNESS_FIELDS = tuple(FreshnessOut().fields)


def freshness(row: Any, orgs: dict[int, Organisation]) -> dict[str, Any]:
    by = orgs.get(row.last_confirmed_by_id) if row.last_confirmed_by_id is not None else None
    return {
        "last_confirmed_at": row.last_confirmed_at or row.updated_at,
        "last_confirmed_by": by.ref if by else None,
        "last_confirmed_by_name": by.name if by else None,
        "stale": row.stale,
    }


def confirmers(session: Session, rows: Iterable[Any]) -> dict[int, Organisation]:
    return refs_by_id(session, Organisation, [r.last_confirmed_by_id for r in rows])


class DeploymentOut(DeploymentSchema, FreshnessOut):
    organisation_name = fields.String(dump_only=True)
    tool_name = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    source = fields.Nested(SourceOut, dump_only=True)


class SingleViewOut(SingleViewSchema, FreshnessOut):
    organisation_name = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


def _columns(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def refs_by_id(session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(sorted(wanted))))}


def organisation(org: Organisation) -> dict[str, Any]:
    return compact(_columns(org, ORGANISATION_COLUMNS))


def tool(row: Tool, orgs: dict[int, Organisation]) -> dict[str, Any]:
    data = _columns(row, TOOL_COLUMNS)
    data["supplier"] = orgs[row.supplier_id].ref if row.supplier_id in orgs else None
    data["developed_by"] = orgs[row.developed_by_id].ref if row.developed_by_id in orgs else None
    data["updated_at"] = row.updated_at
    return compact(data)


def tools(session: Session, rows: list[Tool]) -> list[dict[str, Any]]:
    orgs = refs_by_id(session, Organisation, [t.supplier_id for t in rows] + [t.developed_by_id for t in rows])
    return [tool(t, orgs) for t in rows]


def deployment(
    row: Deployment, org: Organisation, used: Tool, confirmed_by: dict[int, Organisation] | None = None
) -> dict[str, Any]:
    data = _columns(row, DEPLOYMENT_COLUMNS)
    data.update(organisation=org.ref, organisation_name=org.name, tool=used.ref, tool_name=used.name)
    data["resources"] = compact({name: getattr(row, name) for name in RESOURCE_FIELDS})
    data["updated_at"] = row.updated_at
    data.update(freshness(row, {org.id: org, **(confirmed_by or {})}))
    if row.source_url:
        data["source"] = {
            "name": row.source_name,
            "url": row.source_url,
            "published": row.source_published,
            "retrieved": row.source_retrieved,
        }
    return compact(data)


def deployments(session: Session, rows: list[Deployment]) -> list[dict[str, Any]]:
    orgs = refs_by_id(session, Organisation, [d.organisation_id for d in rows])
    used = refs_by_id(session, Tool, [d.tool_id for d in rows])
    by = confirmers(session, rows)
    return [deployment(d, orgs[d.organisation_id], used[d.tool_id], by) for d in rows]


def single_views(session: Session, rows: list[SingleView]) -> list[dict[str, Any]]:
    orgs = refs_by_id(session, Organisation, [s.organisation_id for s in rows])
    used = refs_by_id(session, Tool, [s.tool_id for s in rows])
    by = confirmers(session, rows)
    out = []
    for view in rows:
        data = _columns(view, SINGLE_VIEW_COLUMNS)
        org = orgs[view.organisation_id]
        data.update(organisation=org.ref, organisation_name=org.name, updated_at=view.updated_at)
        data["tool"] = used[view.tool_id].ref if view.tool_id in used else None
        data.update(freshness(view, by))
        out.append(compact(data))
    return out
