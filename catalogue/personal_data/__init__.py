"""Spotting details that identify a child or a family member in free text before it is stored.

`find_personal_data` runs the domain rules (`rules.py`) and explains each finding in words a
user understands, with the excerpt masked so the warning does not repeat the detail.
`check_fields` / `check_text_fields` turn findings into field errors for forms, the API and the
importers. A person who believes a finding is wrong may confirm "this is not about a real
person" (`confirmed=True`) and publish, except for an NHS number or a date of birth beside a
name, which can never be overridden; `record_override` writes that confirmation to the audit
trail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.personal_data.contacts import is_valid_nhs_number
from catalogue.personal_data.rules import hits

__all__ = [
    "CONFIRM_FIELD",
    "Finding",
    "Guarded",
    "Review",
    "check_fields",
    "check_text_fields",
    "find_personal_data",
    "guard",
    "is_valid_nhs_number",
    "mask",
    "record_override",
    "review_fields",
    "writer_confirmed",
]

# The name of the form checkbox and API boolean that says "this is not about a real person".
CONFIRM_FIELD = "not_real_person"

REASONS = {
    "name-and-age": "it looks like a person's name with their age",
    "date-of-birth": "it looks like a date of birth",
    "name-and-date-of-birth": "it looks like a person's name beside their date of birth",
    "school": "it names the school or nursery a child goes to",
    "address": "it looks like a home address",
    "email": "it looks like a family member's personal email address",
    "phone-number": "it looks like a personal phone number",
    "nhs-number": "it looks like an NHS number",
    "case-number": "it looks like a case or client number from a case recording system",
    "siblings": "it names a group of brothers and sisters",
    "name-and-circumstances": "it names a person beside their family or care circumstances",
    "unique-description": "it describes a child or family so closely that people nearby would know who it is",
}
# Never published, whatever the writer says.
NOT_OVERRIDABLE = frozenset({"nhs-number", "name-and-date-of-birth"})
# When two findings overlap, the stronger one is kept.
_STRENGTH = {kind: n for n, kind in enumerate(reversed(list(REASONS)))}
_STRENGTH.update({"nhs-number": 99, "name-and-date-of-birth": 98, "date-of-birth": 97})


@dataclass(frozen=True)
class Finding:
    kind: str
    reason: str
    excerpt: str  # masked
    start: int
    end: int

    @property
    def overridable(self) -> bool:
        return self.kind not in NOT_OVERRIDABLE

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "reason": self.reason, "excerpt": self.excerpt}


def mask(text: str) -> str:
    """Keep the first character of each word or number, star out the rest."""
    return re.sub(r"(?<=\w)\w", "*", text)


def find_personal_data(text: str | None) -> list[Finding]:
    """Every possible piece of personal data in `text`, in order of appearance, overlaps merged."""
    if not text:
        return []
    chosen: list[tuple[str, int, int]] = []
    candidates = [
        ("name-and-date-of-birth" if k == "date-of-birth" and named else k, s, e) for k, s, e, named in hits(text)
    ]
    for kind, start, end in sorted(candidates, key=lambda h: (-_STRENGTH[h[0]], h[1])):
        if not any(start < e and s < end for _, s, e in chosen):
            chosen.append((kind, start, end))
    chosen.sort(key=lambda h: h[1])
    return [Finding(kind, REASONS[kind], mask(text[start:end].strip()), start, end) for kind, start, end in chosen]


def _flatten(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "\n".join(_flatten(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return "\n".join(_flatten(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Review:
    """The findings in each field of one piece of writing."""

    findings: dict[str, list[Finding]]

    @property
    def overridable(self) -> bool:
        """True when every finding may be published once the writer confirms."""
        return all(f.overridable for found in self.findings.values() for f in found)

    def messages(self, can_confirm: bool = True) -> dict[str, str]:
        """{field: message} suited to a GOV.UK error summary: what was found, masked, and why;
        `can_confirm` where the writer may say it is not about a real person (not importers)."""
        problems = {}
        for field, found in self.findings.items():
            first = found[0]
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            if not can_confirm:
                advice = "Do not include information that could identify a child or family"
            elif all(f.overridable for f in found):
                advice = (
                    "Do not include information that could identify a child or family. If this is not "
                    "about a real person, say so below"
                )
            else:
                advice = "An NHS number or a date of birth beside a name can never be published"
            problems[field] = f"Remove personal data: “{first.excerpt}”{more} – {first.reason}. {advice}"
        return problems

    def as_audit(self) -> dict[str, list[dict[str, str]]]:
        return {field: [f.as_dict() for f in found] for field, found in self.findings.items()}


def review_fields(data: Mapping[str, Any], fields: Iterable[str]) -> Review:
    """The findings in each named field that has any."""
    found = {}
    for field in fields:
        findings = find_personal_data(_flatten(data.get(field)))
        if findings:
            found[field] = findings
    return Review(found)


def check_fields(
    data: Mapping[str, Any], fields: Iterable[str], confirmed: bool = False, can_confirm: bool = True
) -> dict[str, str]:
    """{field: message} for each named field whose text holds possible personal data. With
    `confirmed` (the writer said it is not about a real person) only what can never be
    overridden is left; the caller records the override with `record_override`."""
    review = review_fields(data, fields)
    if confirmed and can_confirm and review.overridable:
        return {}
    return review.messages(can_confirm)


def check_text_fields(
    data: Mapping[str, Any], skip: Iterable[str] = (), confirmed: bool = False, can_confirm: bool = True
) -> dict[str, str]:
    """`check_fields` over every free-text value of a validated form or API body (strings, and
    lists or mappings of them; numbers, dates and the `skip` names, such as references chosen
    from a list, are left alone). The one call each form and its API twin share, so they agree."""
    return check_fields(data, text_fields(data, skip), confirmed, can_confirm)


def text_fields(data: Mapping[str, Any], skip: Iterable[str] = ()) -> list[str]:
    skipped = set(skip) | {CONFIRM_FIELD}
    return [k for k, v in data.items() if k not in skipped and isinstance(v, str | list | tuple | Mapping)]


from catalogue.personal_data.guard import Guarded, guard, record_override, writer_confirmed  # noqa: E402
