"""The name rules in `catalogue/personal_data/people.py`: a name in any case beside a child or
family signal is found; the same names in professional writing are not."""

from __future__ import annotations

import pytest

from catalogue.personal_data import find_personal_data


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_personal_data(text)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Millie-Mae is 5 and stays with her aunt at weekends.", "name-and-age"),
        ("met with jacob reid (aged 14) at the library", "name-and-age"),
        ("Our thanks to Nadia Rahman, who at seventeen led the training for members.", "name-and-age"),
        ("Evie Clarke 9 yrs - strategy discussion held", "name-and-age"),
        ("pupil: ethan gray, year 6, brook lane primary", "school"),
        ("harry is at brookfield academy and was excluded twice", "school"),
        ("Leo goes to the Meadowbank Pupil Referral Unit three days a week.", "school"),
        ("'Nobody listens to me,' said Holly Baker at her review.", "name-and-circumstances"),
        ("Dad, Wayne Foster, is back in the family home after prison.", "name-and-circumstances"),
        ("mrs and mr khan (kinship carers in bolton) want the app in Urdu", "name-and-circumstances"),
        ("brothers lewis and dylan roberts share a room at the placement", "siblings"),
        ("JM, 11/04/2013, referral from school nurse", "name-and-date-of-birth"),
        ("the boy was born on the 9th of june 2016 in the hospital car park", "date-of-birth"),
        ("A 10-year-old girl from Sark was moved to the mainland in 2024 after the storm.", "unique-description"),
    ],
)
def test_names_in_a_child_or_family_context_are_found(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Authors: Lucy Hill and Owen Price, Centre for Evidence, 2024.",
        "Iris was used to transcribe supervision notes under a two-year licence.",
        "Rates for E09000033 (Westminster) and E06000001 (Hartlepool) were excluded as too small.",
        "The independent review into the death of a named child was published in 2022.",
        "The Daniel Pelka case prompted a review of child protection in Coventry in 2013.",
        "Children aged 11 to 15 were 40% of the pilot's users in 2023.",
        "'The pilot cut drafting time,' said Nina Shah, head of service.",
        "Child C, aged 9, was placed with kinship carers in 2021; the names are changed.",
    ],
)
def test_professional_text_is_not_found(text: str) -> None:
    assert kinds(text) == []
