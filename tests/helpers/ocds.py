"""libcoveocds, the Open Contracting Partnership's own checks, run offline: the standard's schema
from ../shared/reference/ocds-1.1.5 and no network. Fixtures for the OCDS tests."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig

from tests.conftest import SHARED

REFERENCE = SHARED / "reference" / "ocds-1.1.5"


def _closed_codelists(schema: dict) -> dict[str, list[str]]:
    """The closed codelists' codes, from the schema's enums (the shared copy has no CSVs)."""
    found: dict[str, list[str]] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("codelist") and not node.get("openCodelist"):
                enum = node.get("enum") or (node.get("items") or {}).get("enum") or []
                found[node["codelist"]] = [c for c in enum if c is not None]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


@pytest.fixture(scope="module")
def standard_zip() -> bytes:
    """The standard's schema directory as libcoveocds reads it (a zip of the repository), built
    from the shared copy so no check needs the network."""
    root = "standard-1__1__5/schema/"
    schema = json.loads((REFERENCE / "release-schema.json").read_text())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("standard-1__1__5/", "")
        for name in ("release-schema.json", "release-package-schema.json"):
            z.writestr(root + name, (REFERENCE / name).read_text())
        # Used only for records with versioned releases, which are not published here.
        z.writestr(
            root + "versioned-release-validation-schema.json", '{"$schema": "http://json-schema.org/draft-04/schema#"}'
        )
        for name, codes in _closed_codelists(schema).items():
            z.writestr(root + "codelists/" + name, "Code\n" + "".join(f"{c}\n" for c in codes))
    return buffer.getvalue()


@pytest.fixture
def cove(standard_zip: bytes, monkeypatch: pytest.MonkeyPatch):
    def offline(*_args: object, **_kwargs: object) -> None:
        raise requests.ConnectionError("no network in tests")

    monkeypatch.setattr(requests.Session, "request", offline)

    def check(package: dict) -> dict:
        config = LibCoveOCDSConfig({"standard_zip": standard_zip, "context": "api"})
        result = ocds_json_output(
            json_data=json.loads(json.dumps(package)), lib_cove_ocds_config=config, record_pkg=False
        )
        assert result["validation_errors"] == [], result["validation_errors"]
        assert not result.get("additional_checks"), result["additional_checks"]
        assert not result.get("additional_closed_codelist_values"), result["additional_closed_codelist_values"]
        return result

    return check
