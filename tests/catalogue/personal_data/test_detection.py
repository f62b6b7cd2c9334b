"""Possible personal data about a child or family: what counts, what does not, and masking."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.personal_data import check_fields, check_text_fields, find_personal_data, is_valid_nhs_number, mask


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_personal_data(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Jayden Smith, DOB 03/04/2015",
        "Jayden Smith, D.O.B. 3.4.15, was referred",
        "Jayden Smith was born 3 April 2015 in Leeds.",
        "Jayden (DOB: 3rd of April 2015) lives with his nan",
        "Date of birth: 03/04/2015, name Amelia Jones.",
        "Mary Ann Jones (born on April 3, 2015)",
    ],
)
def test_a_name_beside_a_date_of_birth_is_found(text: str) -> None:
    assert kinds(text) == ["name-and-date-of-birth"]


@pytest.mark.parametrize(
    "text",
    [
        "Children born 3 April 2015 or later are eligible.",
        "A child born on 03/04/2015 was",
        "The tool launched on 3 April 2015 in Leeds.",
        "Most of the children were born in 2015.",
        "Jayden Smith joined the team in 2015.",
    ],
)
def test_dates_without_a_name_and_birth_are_not_found(text: str) -> None:
    assert "name-and-date-of-birth" not in kinds(text)


@pytest.mark.parametrize(
    "text", ["NHS number 943 476 5919", "NHS 9434765919", "his number 943-476-5919.", "401 023 2137"]
)
def test_nhs_numbers_with_a_valid_check_digit_are_found(text: str) -> None:
    assert kinds(text) == ["nhs-number"]


@pytest.mark.parametrize(
    "text", ["9434765910", "12345 67890", "94347659190", "943 4765 919", "purchase order 943 476 5919"]
)
def test_ten_digits_with_an_invalid_check_digit_or_shape_are_not_nhs_numbers(text: str) -> None:
    assert "nhs-number" not in kinds(text)


def test_a_labelled_nhs_number_counts_even_with_a_mistyped_check_digit() -> None:
    assert kinds("NHS number 943 476 5918") == ["nhs-number"]


def test_modulus_11_rules() -> None:
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    # Remainder 1 gives check digit 10, which no NHS number can have.
    assert not any(is_valid_nhs_number(f"000000006{d}") for d in "0123456789")
    assert not is_valid_nhs_number("943476591")


@pytest.mark.parametrize(
    "text",
    [
        "Lives at 12 Acacia Avenue, LS6 2AB",
        "Flat 3, 45 Hyde Park Road, Leeds LS6 1AB",
        "the family moved to 7b Mill Lane, Bradford BD1 1AA last year",
        "12 acacia avenue ls6 2ab",
    ],
)
def test_a_house_number_and_street_beside_a_postcode_is_found(text: str) -> None:
    assert kinds(text) == ["address"]


@pytest.mark.parametrize(
    "text",
    [
        "Our office is in LS1 1UR",
        "We support 200 families in LS6 2AB.",
        "12 Acacia Avenue is a lovely street.",
        "Visit Civic Hall, Leeds LS1 1UR.",
    ],
)
def test_postcodes_without_a_home_address_are_not_found(text: str) -> None:
    assert "address" not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Call 07700 900123",
        "mobile 07700900123",
        "Mum's landline: 0113 496 0000",
        "+44 7700 900123",
        "his grandmother is on +44 (0)20 7946 0958",
        "ring dad on 020-7946-0958 after 5",
        "the family home number is 01632 960 001",
    ],
)
def test_personal_phone_numbers_are_found(text: str) -> None:
    assert kinds(text) == ["phone-number"]


@pytest.mark.parametrize(
    "text",
    [
        "We have 2000 2015 2016",
        "a budget of 250000 to 400000",
        "0770 090",
        "08000 123 456 is not a number we flag",
        "Reduce re-referrals by 15% within 12 months, from 23.5% to 20%.",
        "version 0.7.3",
        "Call the council switchboard on 0113 222 4444",
        "Front Door: 0300 123 4567",
        "Ring the sales team on 020 7946 0123",
    ],
)
def test_numbers_that_are_not_phone_numbers_are_not_found(text: str) -> None:
    assert kinds(text) == []


def test_findings_are_masked_and_ordered() -> None:
    text = "Jayden Smith, DOB 03/04/2015. Mum's phone 07700 900123, NHS 943 476 5919."
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == ["name-and-date-of-birth", "phone-number", "nhs-number"]
    for finding in findings:
        assert "Jayden" not in finding.excerpt and "900123" not in finding.excerpt
        assert "5919" not in finding.excerpt
        assert finding.reason
    assert findings[0].excerpt.startswith("J***** S****")
    assert mask("LS6 2AB") == "L** 2**"


def test_empty_text_has_no_findings() -> None:
    assert find_personal_data("") == []
    assert find_personal_data(None) == []


def test_check_fields_names_each_field_with_personal_data() -> None:
    data = {
        "title": "Reduce missed visits",
        "problem": "For example Jayden Smith, DOB 03/04/2015, missed three visits.",
        "users": ["Social workers", "Call 07700 900123"],
        "outcomes": [{"measure": "NHS 943 476 5919", "baseline": "1"}],
        "budget": None,
    }
    problems = check_fields(data, ["title", "problem", "users", "outcomes", "budget", "absent"])
    assert set(problems) == {"problem", "users", "outcomes"}
    assert "Jayden" not in problems["problem"]
    assert "J***** S****" in problems["problem"]
    assert "name beside their date of birth" in problems["problem"]
    assert "phone number" in problems["users"]


def test_check_fields_counts_further_findings() -> None:
    problems = check_fields({"problem": "07700 900123 and 07700 900124"}, ["problem"])
    assert "(and 1 more)" in problems["problem"]


@pytest.mark.parametrize(
    "text",
    [
        "Jayden Smith, 12/03/2015",
        "Jayden Smith, aged 7, 12 March 2015",
        "Jayden Smith (12.03.15) was referred",
        "Referral for Amelia Jones: 3rd April 2016",
        "Mary Ann Jones – March 3, 2015",
    ],
)
def test_a_name_beside_a_bare_past_date_is_found(text: str) -> None:
    assert kinds(text) in (["name-and-date-of-birth"], ["name-and-age"])
    assert "Jayden" not in find_personal_data(text)[0].excerpt


@pytest.mark.parametrize(
    "text",
    [
        "Phase 1 closes 12 March 2027",
        "Market engagement, 12/03/2026",
        f"Market engagement, 12/03/{date.today().year}",
        "Leeds City Council, 12/03/2019",
        "Acme Notes Ltd (12 March 2019)",
        "Monday 12 March 2026",
        "On Monday 12 March 2024 the Board met",
        "Social Care Reform Review, 12 March 2024",
        "Northern Innovation Partnership kicked off 1 May 2024",
        "2025-03-01 Kick-off with Leeds",
        "Jayden Smith joined the team on 12 March 2031.",
        "Quillstone Notes launched on 01/04/2024 in Northmoor.",
    ],
)
def test_timetables_organisations_and_future_dates_are_not_names_with_dates(text: str) -> None:
    assert kinds(text) == []


def test_check_text_fields_checks_every_text_value_and_skips_the_rest() -> None:
    data = {
        "approach": "Jayden Smith, 12/03/2015",
        "answers": ["fine", "Call 07700 900123"],
        "offering": "Jayden Smith, 12/03/2015",
        "price": 7700900123,
        "closes": date(2015, 3, 12),
    }
    assert set(check_text_fields(data, skip=("offering",))) == {"approach", "answers"}


# --- the texts issue 13 found published or wrongly blocked ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a question about Mia Jones, aged 4, who is on a child protection plan after her stepfather hit her",
        "Mia is 4 and lives at 14 Acacia Road; her mum's email is kelly.jones@example.com",
        "jayden smith dob 14/02/2016",
        "Jayden Smith, date of birth 2016-02-14",
        "Jayden Smith (born 2016)",
        "Jayden Smith, aged 9, lives with foster carers in Leeds",
        "Email from kelly.brown@gmail.com about her son",
        "Mia, 4 … Leo (6)",
        "address for letters is flat 2, Orchard Court, Mill Lane",
    ],
)
def test_what_issue_13_found_published_is_caught(text: str) -> None:
    assert find_personal_data(text)


def test_a_launch_date_beside_a_product_name_passes() -> None:
    assert find_personal_data("Quillstone Notes launched on 01/04/2024 in Northmoor.") == []


def test_only_nhs_numbers_and_named_dates_of_birth_cannot_be_overridden() -> None:
    never = find_personal_data("Jayden Smith dob 14/02/2016, NHS 943 476 5919")
    assert [f.overridable for f in never] == [False, False]
    assert all(f.overridable for f in find_personal_data("Mia, 4, lives at 14 Acacia Road"))


def test_a_confirmation_clears_overridable_findings_only() -> None:
    overridable = {"text": "Mia, 4, lives at 14 Acacia Road"}
    assert check_fields(overridable, ["text"]) and not check_fields(overridable, ["text"], confirmed=True)
    never = {"text": "Jayden Smith dob 14/02/2016"}
    assert "can never be published" in check_fields(never, ["text"], confirmed=True)["text"]


def test_scan_command_prints_one_json_object_per_line(tmp_path) -> None:
    import json

    from catalogue import create_app

    source = tmp_path / "texts.txt"
    source.write_text("Mia, 4, lives at 14 Acacia Road\nQuillstone Notes launched on 01/04/2024.\n", encoding="utf-8")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    result = app.test_cli_runner().invoke(args=["personal-data", "scan", str(source), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["line"], r["personal"]) for r in rows] == [(1, True), (2, False)]
    assert {f["kind"] for f in rows[0]["findings"]} == {"name-and-age", "address"}
    assert all("Acacia" not in f["excerpt"] for f in rows[0]["findings"])
    listing = app.test_cli_runner().invoke(args=["personal-data", "scan", str(source)])
    assert "line 1: possible personal data" in listing.output and "line 2: nothing found" in listing.output


def test_an_override_is_written_to_the_audit_trail_masked(db) -> None:
    from sqlmodel import select

    from catalogue.changes import AuditEvent
    from catalogue.personal_data import record_override, review_fields
    from catalogue.records.models import Tool

    review = review_fields({"approach": "Example: Mia, 4, lives at 14 Acacia Road"}, ["approach"])
    assert review.overridable
    tool = Tool(ref="tool-x", name="X")
    record_override(db, review, tool)  # flushes the new record first, for its id
    db.flush()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "override")).one()
    assert (event.record_type, event.record_ref) == ("tool", "tool-x")
    assert event.record_id == tool.id and tool.id is not None
    kinds = [f["kind"] for f in event.changes["personal_data_not_real_person"]["approach"]]
    assert kinds == ["name-and-age", "address"]
    assert "Acacia" not in str(event.changes)
