"""Rendering user-written text safely: simple Markdown, cleaned by nh3 before it reaches a page."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# C0 control characters other than tab, line feed and carriage return, and DEL. They are invisible,
# never meaningful in a record, and PostgreSQL refuses NUL in text outright.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_control_characters(text: str) -> str:
    """The text with invisible control characters removed (tabs and line breaks kept)."""
    return _CONTROL_CHARACTERS.sub("", text)


# Raw HTML in the source is escaped by markdown-it; nh3 is the second wall.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable(["image"])
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "code", "pre", "blockquote", "br", "h3", "h4"}
_ALLOWED_ATTRIBUTES = {"a": {"href"}}


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _markdown.render(text)
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # GOV.UK typography classes for the few block elements we allow.
    cleaned = (
        cleaned.replace("<p>", '<p class="govuk-body">')
        .replace("<ul>", '<ul class="govuk-list govuk-list--bullet">')
        .replace("<ol>", '<ol class="govuk-list govuk-list--number">')
        .replace("<a ", '<a class="govuk-link" ')
    )
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 above


def excerpt(text: str | None, length: int = 200) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"
