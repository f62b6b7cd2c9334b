"""The base schema and the fields every package's schemas share (refs, codes from the controlled
vocabulary, months, money, text without control characters). One schema per record lives with
its package (catalogue/records, suppliers/, outcomes/); they all build on these, so a message
is written once, for people ("Enter the month the pilot started, like 2025-03")."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from catalogue.refs import REF_PATTERN
from catalogue.text import without_control_characters

TEXT_MAX = 20000
MONTH_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})$")


class Ref(fields.String):
    """A stable reference: lower-case letters, digits, dots, dashes and underscores."""

    def __init__(self, what: str = "record", **kwargs: Any) -> None:
        self.what = what
        kwargs.setdefault(
            "error_messages",
            {
                "required": f"Enter the reference of the {what}",
                "invalid": f"Enter the reference of the {what} as text",
            },
        )
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not REF_PATTERN.match(text):
            raise ValidationError(
                f"The reference of the {self.what} must be 1 to 80 lower-case letters, digits, dots, "
                "dashes or underscores, starting with a letter or digit"
            )
        return text


class Text(fields.String):
    """A required or optional piece of text with a maximum length and a human message."""

    def __init__(self, label: str, max_length: int = TEXT_MAX, required: bool = False, **kwargs: Any) -> None:
        super().__init__(
            required=required,
            validate=validate.Length(
                min=1 if required else 0,
                max=max_length,
                error=f"{label} must be {max_length:,} characters or fewer",
            ),
            error_messages={"required": f"Enter {label.lower()}", "invalid": f"{label} must be text"},
            **kwargs,
        )
        self.label = label


class Whole(fields.Nested):
    """A nested record, validated whole even when its parent loads with `partial` (an API PATCH):
    the body replaces the record (or each record of a list) outright, so each must be complete,
    and the 422 names every missing field."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, partial: Any = None, **kwargs: Any) -> Any:
        return super()._deserialize(value, attr, data, partial=False, **kwargs)


class Codes(fields.Field):
    """A list of codes from one vocabulary: every code known, none repeated.
    Accepts a single string too (one checkbox ticked), and reports one message for the field."""

    def __init__(
        self, vocab: Mapping[str, str], what: str, min_items: int = 0, min_message: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.vocab = vocab
        self.what = what
        self.min_items = min_items
        self.min_message = min_message or f"Choose at least one {what}"

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"Give the {self.what} as a list of codes")
        codes = [v.strip() for v in value if v.strip()]
        unknown = [c for c in codes if c not in self.vocab]
        if unknown:
            raise ValidationError(f"‘{unknown[0]}’ is not a code we know. Choose each {self.what} from the list")
        if len(set(codes)) != len(codes):
            raise ValidationError(f"Each {self.what} must be given only once")
        if len(codes) < self.min_items:
            raise ValidationError(self.min_message)
        return codes

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> list[str] | None:
        return list(value) if value is not None else None


class Choice(fields.String):
    """One code from a vocabulary."""

    def __init__(self, vocab: Mapping[str, str] | list[str], message: str, **kwargs: Any) -> None:
        choices = list(vocab)
        kwargs.setdefault("error_messages", {"required": message, "invalid": message})
        super().__init__(validate=validate.OneOf(choices, error=message), **kwargs)


class StringList(fields.List):
    """A list of short texts (one a line in a form); blanks dropped."""

    def __init__(self, label: str, max_length: int = 200, **kwargs: Any) -> None:
        super().__init__(
            fields.String(
                validate=validate.Length(max=max_length, error=f"Each {label} must be {max_length} characters or fewer")
            ),
            error_messages={"invalid": f"Give the {label}s as a list"},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> list[str]:
        if isinstance(value, str):
            value = value.splitlines()
        if isinstance(value, list):
            value = [v.strip() if isinstance(v, str) else v for v in value]
            value = [v for v in value if v != ""]
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            # One message for the field, not one per list index, so the error summary can link to it.
            messages = exc.messages
            if isinstance(messages, dict):
                first = next(iter(messages.values()))
                messages = first if isinstance(first, list) else [first]
            raise ValidationError(messages) from exc


class Month(fields.String):
    """A month written YYYY-MM."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": message, "required": message})
        super().__init__(**kwargs)
        self.message = message

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        match = MONTH_PATTERN.match(text)
        if not match or not (1 <= int(match.group(2)) <= 12) or int(match.group(1)) < 1900:
            raise ValidationError(self.message)
        return text


# Upper bounds a real organisation could reach, so a slip of the keyboard (1e9 FTE, £1e12) cannot
# dominate the public insights totals. The largest English county employs a few thousand
# children's services staff and spends under £1bn a year on them: 500 FTE on one tool's phase, or
# £50m, is already far beyond any council's technology spend, yet leaves room for a regional
# partnership's shared system. Shared with suppliers/ and outcomes/ through money() and fte().
MAX_FTE = 500
MAX_GBP = 50_000_000


class Amount(fields.Float):
    """A number of pounds or of full-time equivalents, 0 up to `maximum`. Forms may type '£25,000'."""

    def __init__(self, message: str, maximum: float | None = None, too_big: str | None = None, **kwargs: Any) -> None:
        checks = [validate.Range(min=0, error=message)]
        if maximum is not None:
            checks.append(validate.Range(max=maximum, error=too_big or message))
        super().__init__(
            allow_nan=False,
            validate=checks,
            error_messages={"invalid": message, "special": message, "required": message},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> float:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").strip()
        number = super()._deserialize(value, attr, data, **kwargs)
        if number is None or math.isinf(number):
            raise self.make_error("invalid")
        return number


def money(what: str) -> Amount:
    return Amount(
        f"Enter {what} in pounds as a number, 0 or more, like 25000",
        maximum=MAX_GBP,
        too_big=f"Enter {what} in pounds, up to £{MAX_GBP:,}: check the number of zeros",
    )


def fte(what: str) -> Amount:
    return Amount(
        f"Enter {what} as full-time equivalent staff, 0 or more, like 1.5",
        maximum=MAX_FTE,
        too_big=f"Enter {what} as full-time equivalent staff, up to {MAX_FTE}: check the number",
    )


def bool_field(message: str) -> fields.Boolean:
    return fields.Boolean(error_messages={"invalid": message, "required": message})


class BaseSchema(Schema):
    """Unknown fields are ignored (the bundle allows extras); blank values count as not given;
    invisible control characters are removed from text before validation. Every write takes
    `not_real_person`: the personal-data check (catalogue.personal_data.guard) reads it from the
    request, so it is documented here once and dropped from the loaded data."""

    class Meta:
        unknown = EXCLUDE

    not_real_person = fields.Boolean(
        load_only=True,
        metadata={
            "description": (
                "Set true to say the text is not about a real person when the personal-data check "
                "refused it (a 422 whose errors.personal_data lists the findings with can_confirm). "
                "Recorded in the audit trail. NHS numbers and a date of birth beside a name are "
                "never published; importers cannot confirm."
            )
        },
        error_messages={"invalid": "Give not_real_person as true or false"},
    )

    @post_load
    def _drop_confirmation(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict):
            data.pop("not_real_person", None)
        return data

    @pre_load
    def _drop_blanks(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        clean: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = without_control_characters(value).strip()
            elif isinstance(value, list):
                value = [without_control_characters(v) if isinstance(v, str) else v for v in value]
            if value is None or value == "":
                continue
            clean[key] = value
        return clean


def answer_fields(schema: type[Schema]) -> tuple[str, ...]:
    """A schema's own questions, without the writer's `not_real_person` every write takes."""
    return tuple(name for name in schema._declared_fields if name != "not_real_person")


def fields_except(schema: type[Schema], *left_out: str) -> tuple[str, ...]:
    """A schema's own questions in their declared order, less those named: a list of fields
    written beside a schema derives from it, so adding a field to the schema adds it there too."""
    return tuple(name for name in answer_fields(schema) if name not in left_out)
