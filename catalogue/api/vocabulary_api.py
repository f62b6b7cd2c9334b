"""/api/v1/vocabulary: every code list the records use, each code with its label, so a client
can show what the pages show and send codes the API accepts."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from catalogue import vocabulary
from catalogue.api import Blueprint, common

blp = Blueprint("api_vocabulary", __name__, url_prefix="/api/v1", description="The code lists, with labels.")
common.install(blp)

# The bundle's lists, and the ones only the market uses.
LISTS: dict[str, Any] = {
    **vocabulary.SPEC_LISTS,
    "challenge_statuses": vocabulary.CHALLENGE_STATUSES,
    "accreditations": vocabulary.ACCREDITATIONS,
}


class CodeOut(Schema):
    code = fields.String(required=True, metadata={"example": "transcription"})
    label = fields.String(required=True, metadata={"example": "Transcription and note-taking"})


class VocabularyOut(Schema):
    lists = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(CodeOut)),
        metadata={"description": "each list's codes in the order the pages show them"},
    )


def _codes(values: Any) -> list[dict[str, str]]:
    if isinstance(values, dict):
        return [{"code": code, "label": label} for code, label in values.items()]
    return [{"code": value, "label": value} for value in values]  # regions: the name is the code


@blp.route("/vocabulary")
@blp.response(200, VocabularyOut)
def vocabulary_lists() -> dict[str, Any]:
    """Every code list, each code with its label."""
    return {"lists": {name: _codes(values) for name, values in LISTS.items()}}
