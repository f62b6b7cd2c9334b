"""The bundle's lists: the Section a list is described by, the registry of sections, and the
core's own (tools, deployments, single views; organisations are written apart)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema

from catalogue import access, features
from catalogue.access import Viewer
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

FORMAT = "csc-catalogue-bundle"
VERSION = 1
EVIDENCE_KINDS = ("local-authority", "provider")


PROBLEM_MAX = 500


def _printable(text: str, limit: int = PROBLEM_MAX) -> str:
    """One line of printable text: messages echo what the bundle held (an unknown code, a ref),
    which may be huge or hold line breaks, NUL, terminal escapes or unpaired surrogates."""
    out = "".join(
        c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in text
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


class BundleError(Exception):
    """The bundle cannot be imported; `problems` names each failing record and field, one
    printable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the bundle")
        self.problems = [_printable(p) for p in problems]


@dataclass(frozen=True)
class RefField:
    """A bundle field that points at a record of another list by ref."""

    target: str  # the list it points into: "organisations", "tools", ...
    column: str  # the model column holding the id
    kinds: tuple[str, ...] = ()  # allowed organisation kinds, when it points at an organisation
    kinds_message: str = ""


@dataclass
class Section:
    """One list of the bundle: how to validate, write and export its records."""

    name: str
    model: Any
    schema: Callable[[], Schema]
    order: int
    # Plain fields copied between the bundle and same-named columns, in the bundle's key order.
    fields: tuple[str, ...]
    refs: Mapping[str, RefField] = field(default_factory=dict)
    # Where ref fields go in the exported key order: field -> the plain field it comes after.
    ref_after: Mapping[str, str] = field(default_factory=dict)
    # Extra column values for a loaded record (e.g. nested resources -> flat columns).
    to_columns: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Extra bundle fields for an exported row (e.g. flat columns -> nested resources).
    from_row: Callable[[Any], dict[str, Any]] | None = None
    # Called for every written row: (row, data, is_new) -> None (e.g. offerings are published).
    on_write: Callable[[Any, dict[str, Any], bool], None] | None = None
    # SQL filter of the rows a viewer may export.
    visible: Callable[[Viewer, Any], Any] | None = None
    # SQL filter of the rows the bundle format can carry at all, whoever exports (e.g. the
    # format has no offering status, so only published offerings leave, even in a full export).
    exportable: Callable[[Any], Any] | None = None
    # Columns reset to None/[] when an optional field is missing from the bundle.
    list_fields: tuple[str, ...] = ()


def sections() -> list[Section]:
    """The bundle's lists in order: the core's below, and those features register
    (catalogue.features.add_bundle_section)."""
    return features.bundle_sections()


def _section(name: str) -> Section:
    return features.REGISTRY.bundle_sections[name]


# --- the core's lists ---------------------------------------------------------------------------


def _resources_to_columns(data: dict[str, Any]) -> dict[str, Any]:
    resources = data.get("resources") or {}
    return {name: resources.get(name) for name in RESOURCE_FIELDS}


def _resources_from_row(row: Deployment) -> dict[str, Any]:
    resources = {name: getattr(row, name) for name in RESOURCE_FIELDS if getattr(row, name) is not None}
    return {"resources": resources} if resources else {}


features.add_bundle_section(
    Section(
        name="tools",
        model=Tool,
        schema=ToolSchema,
        order=20,
        fields=(
            "ref",
            "name",
            "summary",
            "description",
            "uses_ai",
            "categories",
            "delivery",
            "case_management_systems",
        ),
        refs={
            "supplier": RefField("organisations", "supplier_id", ("supplier",), "must be a supplier"),
            "developed_by": RefField(
                "organisations", "developed_by_id", EVIDENCE_KINDS, "must be a local authority or provider"
            ),
        },
        ref_after={"supplier": "categories", "developed_by": "categories"},
        visible=access.tool_visible_clause,
        list_fields=("categories", "case_management_systems"),
    )
)
# Deployments and single views name the organisation that records them, under one rule.
_EVIDENCE_AUTHOR = RefField(
    "organisations",
    "organisation_id",
    access.EVIDENCE_AUTHOR_KINDS,
    "must be a local authority, provider or partnership",
)
features.add_bundle_section(
    Section(
        name="deployments",
        model=Deployment,
        schema=DeploymentSchema,
        order=30,
        fields=("ref", *DEPLOYMENT_FIELDS),
        refs={
            "organisation": _EVIDENCE_AUTHOR,
            "tool": RefField("tools", "tool_id"),
        },
        ref_after={"organisation": "ref", "tool": "ref"},
        to_columns=_resources_to_columns,
        from_row=_resources_from_row,
        visible=access.visible_clause,
        list_fields=("dropped_reasons", "ethics_checks"),
    )
)
features.add_bundle_section(
    Section(
        name="single_views",
        model=SingleView,
        schema=SingleViewSchema,
        order=40,
        fields=("ref", *SINGLE_VIEW_FIELDS),
        refs={
            "organisation": _EVIDENCE_AUTHOR,
            "tool": RefField("tools", "tool_id"),
        },
        ref_after={"organisation": "ref", "tool": "other_sources"},
        visible=access.visible_clause,
        list_fields=("sources",),
    )
)

ORGANISATION_FIELDS = fields_except(OrganisationSchema, "members")
# Fictional (demo) records carry `"demo": true`, an extra field the format allows, so an export
# imported elsewhere still says which records are not real. Real records leave it out.
DEMO_FIELD = "demo"
# A reference authority's name and region come from the reference list, not from a bundle.
REFERENCE_OWNED = frozenset({"name", "kind", "region"})
