"""Lost-update protection for the edit forms (tool, deployment, offering, challenge section), as
If-Match gives the API: the form carries the version of the record it was opened at (a hidden
`version` field, the record's updated_at); a save whose version is no longer the record's is
refused with a message, nothing overwritten. The form is shown again with what was typed and
the current version, so sending it again (having looked) saves."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

FIELD = "version"
MESSAGE = (
    "Someone else changed this record after you opened this page, so your changes have not been "
    "saved. Open the record in another tab to see what changed; save again to replace it with "
    "what you typed here"
)


def version_of(record: Any) -> str:
    """The record's version as the form carries it."""
    stamp = getattr(record, "updated_at", None)
    return stamp.isoformat() if stamp is not None else ""


def stamp(record: Any, data: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The form's data with the version of the record it is opened at."""
    data[FIELD] = version_of(record)
    return data


def check(record: Any, data: MutableMapping[str, Any], sent: str | None = None) -> dict[str, str]:
    """{} when the form was opened at the record's current version (or carries none: a form
    made before this field), else the error; after a refusal `data` carries the current version."""
    given = sent if sent is not None else data.get(FIELD)
    current = version_of(record)
    if given and given != current:
        data[FIELD] = current
        return {FIELD: MESSAGE}
    return {}
