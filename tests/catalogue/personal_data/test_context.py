"""The rules in `catalogue/personal_data/context.py` and the widened shapes around them: names in
capitals or surname first, names the name list does not know, ages away from the name, year
groups, labelled records, attributed quotes, case numbers with separators, dates in words. Each
class is shown with wording of its own, and beside it the professional text it must let through."""

from __future__ import annotations

import pytest

from catalogue.personal_data import find_personal_data
from catalogue.personal_data.context import unshout


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_personal_data(text)]


def test_unshout_keeps_every_offset_and_leaves_acronyms() -> None:
    text = "Notes for MAISIE O'REILLY and the NHS CIN team; KHAN, Bilal"
    assert unshout(text) == "Notes for Maisie O'Reilly and the NHS CIN team; Khan, Bilal"
    assert len(unshout(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # names in capitals, and a name the list does not know beside an explicit age
        ("URGENT: JOSHUA PRENTICE (12) has gone missing from his placement", "name-and-age"),
        ("ALERT: TEMI ADEBAYO, 14, not in school today", "name-and-age"),
        ("Chukwuemeka Obi is 14 and has been missing from care three times this month.", "name-and-age"),
        ("Our notes said 'Ciara Byrne - 7 yrs' in the header", "name-and-age"),
        ("Referral for Temitope Balogun, aged 13, came in from the school nurse.", "name-and-age"),
        ("the assessment for Keeley Brandt, 15yrs, is overdue", "name-and-age"),
        ("Update on Deshawn Clarke - now 11 and settled with his aunt.", "name-and-age"),
        # the age in the next sentence, by pronoun or by label
        ("We spoke to Nikola Petrov again. He's only seven and very anxious.", "name-and-age"),
        ("Kezia Morgan. Age: 9. Allocated to the CIN team.", "name-and-age"),
        ("An opening quote does not hide a name: 'Imogen is 8 now and loves school'", "name-and-age"),
        # a year group or a school beside a name
        ("Rohan Mistry, Y8, was sent home early again.", "school"),
        ("Obinna Eze started reception at Hillview Infants last week.", "school"),
        ("Elsie Ward goes to St Peter's C of E Primary and is in Year 2.", "school"),
        # a child status before a name the list does not know
        ("Unaccompanied minor Yonas Tesfaye was placed in Croydon.", "name-and-circumstances"),
        # a labelled record
        ("Child: leon okoro. School: brampton juniors. Referral: neglect", "name-and-circumstances"),
        # a quote attributed to a family member by full name
        ("'I miss my brother' - said by Kacper Lewandowski to his foster carer.", "name-and-circumstances"),
        ("Feedback from Nadia Iqbal: 'my social worker never rings me back'", "name-and-circumstances"),
        # siblings listed after the sibling word, or surname first in capitals
        ("The Adeleke brothers - Tobi, Dayo and little Femi - share one room.", "siblings"),
        ("siblings: MURPHY, Aoife and MURPHY, Conor, both on CP plans", "siblings"),
        # case-system numbers with separators or under a bare label
        ("Liquidlogic case 40-1177-93 was opened in error.", "case-number"),
        ("The family ref is FAM/203344 in Eclipse.", "case-number"),
        ("UPN 9912-0043 appears on the school return.", "case-number"),
        ("please look up 4417782 on Mosaic before the strategy meeting", "case-number"),
        ("Jordan Ellery (who turns 18 next week) still has no pathway plan.", "name-and-age"),
        # dates of birth in words or as "born in Month Year", initials with a bare date
        ("dob: the twenty-third of march 2016", "date-of-birth"),
        ("She was born in November 2010 and is now in semi-independent living.", "date-of-birth"),
        ("KT 19/06/2014 - PEP overdue", "name-and-date-of-birth"),
        ("D.O.B. 02-Mar-2012 (from the health visitor's letter)", "date-of-birth"),
        ("d/o/b 7.9.16 taken from the nursery form", "date-of-birth"),
        # a street named as where someone lives, without a house number
        ("Since the split he has been staying on Rowan Crescent with his dad.", "address"),
        # one pupil described by school, year group and circumstances together
        ("Our only Year 9 student at Brookside who is a young carer for his mum was missed.", "unique-description"),
    ],
)
def test_the_widened_classes_are_found(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Greater Manchester, aged 16 and over, saw the biggest rise in referrals.",
        "Hilltop House (12) and Riverside Lodge (8) are our two children's homes.",
        "Microsoft Teams (2) and Zoom (3) were the most used platforms.",
        "Sam Ward - 15 years in children's services, now an independent consultant.",
        "Abdi Farah, now 12 months into the role, leads our data team.",
        "Jo Mills (Year 6 teacher) piloted the reading tool.",
        "Our three sisters projects - Alpha, Beta and Gamma - run across the region.",
        "Lucy, Emma and Priya from the digital team ran the siblings workshop.",
        "The children's workshop had sessions from Daniel, Fatima and Oliver of Northmoor Council.",
        '"It transformed our practice" - Helen Carter, Principal Social Worker, Eastshire.',
        "Rhys Evans, Service Manager, Cardiff: 'The tool gave my team their Fridays back.'",
        "Mosaic upgrade: date of award 2025-02-17, contract start 2025-04-01.",
        "Mosaic case management went live on 12/03/2019 for 4,500 cases.",
        "The ITT reference is CSC 2025 00431 and bids close in June.",
        "AB 12/04/2024 meeting notes were circulated.",
        "Children in Year 10 and Year 11 (aged 14 to 16) will test it.",
        "Young Person Participation Officer Grace Mensah will attend.",
        "Name: Sarah Collins, Role: Head of Commissioning, Team: Children's Services",
        "Quote from Dame Rachel de Souza in her 2024 report: 'children want to be heard'.",
        "Ruth Edwards is 4th on the shortlist for the evaluation contract.",
        "The team moved to Victoria Park offices in June.",
        "We migrated 1200000 records into Mosaic over one weekend.",
        "Sam Ward - 15 years' experience in children's services.",
        "Greater Manchester, 16, Leeds, 9 and Bristol, 4 were the pilot sites.",
        "Hilltop House is 12 and has 4 beds for children in care.",
        "Olivia Brooks, Y10 lead at Kingsbury High, ran the assembly.",
        "Emma Watson (13 films) is not a child in our care.",
        "Year 7 transition - Oakfield High, Moorside Primary and Brook Lane Juniors joined.",
        "Go-live for the portal is 14-Feb-2026 in all localities.",
    ],
)
def test_professional_text_beside_them_is_not_found(text: str) -> None:
    assert kinds(text) == []
