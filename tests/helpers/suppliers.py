"""A complete offering form, as a supplier would post it."""

from __future__ import annotations

OFFERING_FORM = {
    "name": "Chronology builder",
    "summary": "Builds chronologies from case notes.",
    "categories": ["summarisation"],
    "outcomes": "Faster chronologies\nFewer missed events",
    "delivery": "standalone",
    "case_management_systems": "Mosaic\nLiquidLogic",
    "hosting": "UK-hosted",
    "links-0-title": "Security statement",
    "links-0-url": "https://example.com/security.pdf",
}
