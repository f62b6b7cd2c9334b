"""Validation for the alerts form (and any API that sets alerts)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from catalogue import vocabulary
from catalogue.schemas import BaseSchema, Codes, StringList

MAX_KEYWORDS = 20


class AlertsSchema(BaseSchema):
    categories = Codes(vocabulary.CATEGORIES, "category", load_default=list)
    keywords = StringList("keyword", max_length=100, load_default=list)

    # Run even when a category is wrong, so every error is shown at once.
    @validates_schema(skip_on_field_errors=False)
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        keywords = data.get("keywords") or []
        if len(keywords) > MAX_KEYWORDS:
            raise ValidationError({"keywords": [f"Enter {MAX_KEYWORDS} keywords or fewer"]})
        if any(len(k) < 3 for k in keywords):
            raise ValidationError({"keywords": ["Each keyword must be at least 3 characters"]})
