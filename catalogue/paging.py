"""What every list page reads from its query string and writes into its links: the page asked
for, and the current filters with some changed. One page of results is a `Page`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request


@dataclass
class Page:
    """One page of a list: its items, how many in all, which page, how many pages, and (for
    lists with facets) the options each filter offers."""

    items: list[Any]
    total: int
    page: int
    pages: int
    options: dict[str, list[str]] = field(default_factory=dict)


def page_number() -> int:
    """The page asked for (1 when it is missing or not a number)."""
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def query_without(**changes: Any) -> dict[str, Any]:
    """The current filters with some changed (None or "" removes one), for pagination and
    'remove filter' links."""
    args = {k: v for k, v in request.args.items() if v}
    for key, value in changes.items():
        if value in (None, ""):
            args.pop(key, None)
        else:
            args[key] = value
    return args
