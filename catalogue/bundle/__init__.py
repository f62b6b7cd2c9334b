"""Import and export of the exchange bundle (shared/spec/bundle-v1.schema.json).

`flask bundle import FILE` validates the WHOLE bundle first (format, version, every record
against its schema, duplicate refs, refs that resolve within the bundle or the database) and
writes nothing when anything is wrong; otherwise it writes every record in one transaction,
updating records in place by ref. `flask bundle export FILE` writes the same format with a
stable key order and lists sorted by ref, so export -> import -> export is byte-identical.
The format carries no offering status, so an export (even the operator's full one) holds only
published offerings, and an import creates new offerings published but leaves an existing
offering's status alone (a supplier's draft is never published by an import).

The core handles organisations, tools, deployments and single views. Feature packages add
their own lists with `catalogue.features.add_bundle_section`, so this module never imports
them.

The package: `sections` (the Section a list is described by, and the core's lists), `validate`,
`write`, `export` and `cli`.
"""

from __future__ import annotations

from catalogue.bundle.cli import bundle_cli, init_app, read_bundle_file
from catalogue.bundle.export import dumps, export_bundle
from catalogue.bundle.sections import (
    DEMO_FIELD,
    EVIDENCE_KINDS,
    FORMAT,
    ORGANISATION_FIELDS,
    VERSION,
    BundleError,
    RefField,
    Section,
    sections,
)
from catalogue.bundle.validate import _field_path, personal_data_problems, validate_bundle
from catalogue.bundle.write import ImportResult, import_bundle

__all__ = [
    "DEMO_FIELD",
    "EVIDENCE_KINDS",
    "FORMAT",
    "ORGANISATION_FIELDS",
    "VERSION",
    "BundleError",
    "ImportResult",
    "RefField",
    "Section",
    "_field_path",
    "bundle_cli",
    "dumps",
    "export_bundle",
    "import_bundle",
    "init_app",
    "personal_data_problems",
    "read_bundle_file",
    "sections",
    "validate_bundle",
]
