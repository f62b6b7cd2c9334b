"""The classes of miss and false alarm that blind set E showed, in this file's own words:
pasted tables, dates of birth written around a name, initials with an age, a family by its plural
surname, short notes, identifiers from systems the list does not know, chat speakers and
products named once and then used."""

from __future__ import annotations

import pytest

from catalogue.personal_data import find_personal_data


@pytest.mark.parametrize(
    "text",
    [
        "Pupil | DOB | School\nJosh Carter | 04/04/2014 | Ridgeway Primary",
        "Young person\tAge\tPlacement\nNia Osei\t13\tResidential",
        "Care leaver | Age | Address\nKyra P | 19 | 12 Orchard Way",
        "dob of Kieran Lowe: 14/07/2013, per the referral",
        "Marcy Doyle 3/4/2016 new referral",
        "KB, born 11/2012, now in semi-independence",
        "Initials: A.O., aged 11, subject to a strategy discussion",
        "The Hendersons' eldest was arrested again at the weekend",
        "a 9-year-old girl named Precious told her teacher",
        "finn 8 kinship with aunt",
        "met with callum price hes 12 and at the pru",
        "CaseBook ref 5512093 relates to a baby on a child protection plan",
        "at 3 willow close with the kids till sunday",
        "they live at Rose Cottage, Mill Lane since the move",
    ],
)
def test_found(text: str) -> None:
    findings = find_personal_data(text)
    assert findings
    assert all(f.reason and "*" in f.excerpt for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        "Meeting with Sarah 12/03/2024 to agree the go-live plan",
        "Approved: Tom Ashworth 01/02/2025, Head of Service",
        "Reviewed Priya Shah 14/11/2024 - no changes",
        "The Year 6 cohort of 2024 moved up in September",
        "Phase 2 pilot in foster teams",
        "Name | Age | Role\nAnna Bright | 24 | Apprentice",
        "Age band | Count\n0-4 | 112\n5-9 | 140",
        "SEN (12) and EHCP (40) reviews were completed on time",
        "Release ref 2025041 fixed the child record search",
        "[09:12] Mel T: Siri was trialled with care leavers in the pilot",
        "Hazel is the council's chatbot; Hazel was piloted by the leaving care team last spring.",
        "Florence 2.0 release notes: Florence now flags missing visit notes for looked-after children",
        "HR (3) and IT (4) vacancies remain open",
        "Version 6 release for 12 foster teams",
    ],
)
def test_professional_text_passes(text: str) -> None:
    assert find_personal_data(text) == []


def test_a_table_row_is_reported_up_to_the_detail_not_past_it() -> None:
    text = "Name,Age\nLeah Dunn,10"
    (finding,) = find_personal_data(text)
    assert finding.kind == "name-and-age"
    assert text[finding.start : finding.end] == "Leah Dunn,10"
