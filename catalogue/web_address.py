"""Web addresses: the one field type for every stored URL, and the one check before linking one.

Every schema that takes a web address (sign-up, organisation and supplier profiles, the bundle's
organisations, offering documents) uses `WebAddress`, which accepts absolute http and https
addresses only: a `javascript:` or `data:` address never reaches the database through any channel.
Templates link a stored address only through the `web_link` filter, which checks it again (rows
written before this check, or by hand) and shows anything else as plain text.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from marshmallow import ValidationError, fields, validate

SCHEMES: tuple[str, ...] = ("https", "http")
MAX_LENGTH = 500
# Characters RFC 3986 does not allow unencoded anywhere in an address.
_NOT_IN_URI = re.compile(r'[\s"<>\\^`{|}]')
WEBSITE_MESSAGE = "Enter the website address starting with https:// or http://, like https://example.com"


def is_web_address(value: Any, schemes: tuple[str, ...] = SCHEMES) -> bool:
    """An absolute address with a host and one of `schemes` (http and https by default)."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH or _NOT_IN_URI.search(value):
        return False
    try:
        validate.URL(schemes=set(schemes), require_tld=True)(value)
    except ValidationError:
        return False
    return True


class WebAddress(fields.String):
    """An absolute web address, http or https (https only with `https_only`), up to 500 characters.
    Surrounding spaces are dropped; an empty string is no address (None)."""

    def __init__(self, message: str = WEBSITE_MESSAGE, https_only: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"required": message, "invalid": message})
        super().__init__(**kwargs)
        self.message = message
        self.schemes = ("https",) if https_only else SCHEMES

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and not self.required:
            return None
        if len(text) > MAX_LENGTH:
            raise ValidationError(f"The web address must be {MAX_LENGTH} characters or fewer")
        if not is_web_address(text, self.schemes):
            raise ValidationError(self.message)
        return text


def web_link(value: Any, text: Any = None, schemes: tuple[str, ...] = SCHEMES) -> Markup:
    """A link to `value` if it is a web address (see `is_web_address`), else `text` (or the value)
    as plain text. The only way templates link a stored address."""
    label = value if text is None else text
    if not is_web_address(value, schemes):
        return escape("" if label is None else label)
    return Markup('<a class="govuk-link" rel="nofollow noopener noreferrer" href="{}">{}</a>').format(value, label)
