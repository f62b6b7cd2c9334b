"""The development bundle and the bundle format's JSON Schema (../shared)."""

from __future__ import annotations

import json

from tests.conftest import SHARED

DEV_BUNDLE = SHARED / "eval" / "dev-bundle.json"


SPEC = SHARED / "spec" / "bundle-v1.schema.json"


def dev_bundle() -> dict:
    return json.loads(DEV_BUNDLE.read_text())
