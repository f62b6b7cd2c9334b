"""Whether a public record is about children's social care, from its words and the field's
thesaurus (catalogue.importers.relevance)."""

from __future__ import annotations

import pytest

from catalogue.importers.relevance import about_childrens_social_care


@pytest.mark.parametrize(
    "text",
    [
        "Drafts case notes for children's social workers.",
        "A chatbot for families asking about early help.",
        "Matches children in care with foster carers.",
        "Predicts which young people are at risk of exploitation.",
        "Helps care leavers find their pathway plan.",
    ],
)
def test_about_childrens_social_care(text: str) -> None:
    assert about_childrens_social_care(text).relevant, text


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("Predicts where parking enforcement officers are needed.", "council corporate services"),
        ("Plans waste and bin collection rounds.", "council corporate services"),
        ("Flags council tax discount claims.", "council corporate services"),
        ("Prioritises rent arrears of council housing tenants.", "housing"),
        ("Records case notes for adult social care professionals.", "adult social care"),
        ("Drafts case notes for adult social workers.", "adult social care"),
        ("Triage of safeguarding adults referrals.", "adult social care"),
        ("Allocates school admissions places to children.", "schools"),
        ("A chatbot for families about council tax.", "council corporate services"),
    ],
)
def test_other_sectors_are_named_in_the_reason(text: str, sector: str) -> None:
    found = about_childrens_social_care(text)
    assert not found.relevant and found.why.startswith(f"about {sector}"), (text, found)


def test_no_words_of_the_field_is_not_relevant() -> None:
    found = about_childrens_social_care("Answers questions on the website.")
    assert not found.relevant and "nothing in it names the children and families" in found.why
