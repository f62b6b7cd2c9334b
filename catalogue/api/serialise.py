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


class DeploymentOut(DeploymentSchema):
    organisation_name = fields.String(dump_only=True)
    tool_name = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    source = fields.Nested(SourceOut, dump_only=True)


class SingleViewOut(SingleViewSchema):
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


def deployment(row: Deployment, org: Organisation, used: Tool) -> dict[str, Any]:
    data = _columns(row, DEPLOYMENT_COLUMNS)
    data.update(organisation=org.ref, organisation_name=org.name, tool=used.ref, tool_name=used.name)
    data["resources"] = compact({name: getattr(row, name) for name in RESOURCE_FIELDS})
    data["updated_at"] = row.updated_at
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
    return [deployment(d, orgs[d.organisation_id], used[d.tool_id]) for d in rows]


def single_views(session: Session, rows: list[SingleView]) -> list[dict[str, Any]]:
    orgs = refs_by_id(session, Organisation, [s.organisation_id for s in rows])
    used = refs_by_id(session, Tool, [s.tool_id for s in rows])
    out = []
    for view in rows:
        data = _columns(view, SINGLE_VIEW_COLUMNS)
        org = orgs[view.organisation_id]
        data.update(organisation=org.ref, organisation_name=org.name, updated_at=view.updated_at)
        data["tool"] = used[view.tool_id].ref if view.tool_id in used else None
        out.append(compact(data))
    return out
