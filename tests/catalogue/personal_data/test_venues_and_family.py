"""Classes widened after blind set D: an organisation's or venue's address is not a family's home;
a member of staff named with their age and job is not a child; a date or a street number after a
name is not an age; a service "born" on a date is no one's birthday. And the other way: a name the
list does not know beside a relative, babies' ages in weeks or months, ages in a clause, informal
notes, and a home address without a street word. Wording here is this file's own."""

from __future__ import annotations

import pytest

from catalogue.personal_data import find_personal_data


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_personal_data(text)]


@pytest.mark.parametrize(
    "text",
    [
        # venues and organisations' addresses
        "Briefing for bidders: Ferngate Civic Centre, 2 Market Street, FG1 3CD, 9:30 start.",
        "Please sign in at Reception, Room 12, County Hall, Bedford MK42 9AP.",
        "The workshop will be held at Ashby Library, 4 Bridge Road, Ashby LE65 1AB.",
        "Hearings are listed at the Family Court, Newland Courts, 19 Crown Street, Ipswich IP1 3AA.",
        "Send invoices to Finance, Copperleaf Ltd, 60 Dock Wharf, Hull HU1 2AB.",
        "We have booked Marlow House, 8 Albert Street, Derby DE1 2AB, for the partners' session.",
        "Our team moved to the 3rd floor, Town Hall Annexe, 6 Mill Street, Ripon HG4 1AA.",
        "Drop in to 12 Park Road, Bury BL9 0AB any time during the webinar week.",
        "Find us at Redwing House, 5 Tannery Street, Leek ST13 5AB.",
        # staff with their age and job title
        "Priyanka Desai, aged 38, joins us as Service Manager for the front door.",
        "Colleague news: Gareth Hume, 60, retires as business support officer after 25 years.",
        "Meet Bola Adeyemi, 27, our new data analyst in the performance team.",
        # a date or a street after a name
        "Session led by Judge (retd) Helen Ward, 14 October, by video.",
        "Venue: Carlton Library, 2 Station Road, Carlton.",
        # a service born on a date
        "Born on the 2nd of March 2024, the edge-of-care service has supported 40 families.",
        # relative words used of an organisation
        "Coram's sister charity runs the adoption helpline.",
        "Parent to Parent is a national charity for families of disabled children.",
        # a historic figure, and an activity run by a board at a venue
        "Practice history: Sarah Baines, aged 9, was apprenticed to a mill in 1833, as the Factory Act debates show.",
        "Youth offending board: 9 young people did reparation at Hillside Allotments, 4 Moor Road, Ilkley LS29 8AB.",
        # a surname as a family of products, a quoted film title
        "The Brannigan family of apps covers referrals, plans and reviews.",
        "Screening: 'My sister Rosa' - a short film about young carers, with Q&A after.",
    ],
)
def test_professional_text_passes(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a home address is tied to a person even beside a venue word
        ("Her home address is 14 Linnet Close, Hull HU5 3AB, near the civic centre.", "address"),
        ("Write c/o Mr Obi, 3 Mill Yard, Preston PR1 2AB, not to the council offices.", "address"),
        ("they live at 9 Foxglove, Thaxted, just off the high street", "address"),
        ("The kids sleep at my house, 6 Orchard Rise, Leek ST13 6AB, on Fridays.", "address"),
        # casework meets in homes: a meeting or a school word does not make a home a venue
        ("Strategy meeting at 18 Quarry Close, Barnsley S70 2AB, where the aunt now cares for both girls.", "address"),
        ("The boys were dropped at 5 Swift Lane, Crewe CW1 3AB after school.", "address"),
        ("Taxi booked from 8 Sedge Way, Ely CB6 1AB to the contact centre.", "address"),
        ("My address is 31 Heathfield, Stansted.", "address"),
        # a parent's or carer's age is personal even when a job is named
        ("Rebecca Lowe, 29, mother of two, works as a support worker.", "name-and-age"),
        ("Foster carer Denise Hart, 54, retired nurse, has looked after Callum for a year.", "name-and-age"),
        # a name the list does not know beside a relative
        ("Obinna's dad has asked for more contact.", "name-and-circumstances"),
        ("She is the nan of Tendai and brings him to the clinic.", "name-and-circumstances"),
        ("mum of ruby says the ramp still hasn't come", "name-and-circumstances"),
        ("Their daughter Nneka refuses to go to the contact centre.", "name-and-circumstances"),
        # babies' ages and ages in a clause
        ("Visit today: Ebere is 3 weeks old and feeding every two hours.", "name-and-age"),
        ("newborn Adaeze, 10 days, jaundiced; mum very tired", "name-and-age"),
        ("Tariq has just turned 9 and asked his carer about his birth dad.", "name-and-age"),
        ("Our little Keziah is deaf and 5, and the school won't help.", "name-and-age"),
        # informal notes
        ("ryan cole 14 absconded from the home overnight, mum informed", "name-and-age"),
        # a sibling group in lower case
        ("sibling group: jade, tommy and leah - placed apart since the summer", "siblings"),
    ],
)
def test_personal_text_is_found(text: str, kind: str) -> None:
    found = find_personal_data(text)
    assert kind in [f.kind for f in found]
    # every finding says why, and the excerpt is masked
    assert all(f.reason and "*" in f.excerpt for f in found)
