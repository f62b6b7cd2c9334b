"""Buyers are identified in an org-id.guide scheme a reader can resolve: English councils by the
Local Authorities for England register (GB-LAE), never by an invented scheme."""

from __future__ import annotations

import csv

from catalogue.accounts.models import Organisation
from outcomes.ocds.release import LOCAL_AUTHORITY_SCHEME, party_id, register_codes
from tests.conftest import SHARED


def _org(**fields) -> Organisation:
    return Organisation(ref="la-x", name="Leeds City Council", kind="local-authority", **fields)


def test_every_live_single_authority_of_the_reference_list_has_a_register_code() -> None:
    with (SHARED / "reference" / "dfe_las.csv").open(newline="") as handle:
        live = [
            row["new_la_code"]
            for row in csv.DictReader(handle)
            if row["status"] == "live" and row["new_la_code"].startswith("E")
        ]
    codes = register_codes()
    single = [code for code in live if "/" not in code]
    assert single and all(code in codes for code in single)
    assert all(len(value) == 3 and value.isupper() for value in codes.values())
    assert len(set(codes.values())) == len(codes)  # one register code per authority


def test_a_council_is_identified_by_its_register_code() -> None:
    org = _org(ons_code="E08000035")
    assert LOCAL_AUTHORITY_SCHEME == "GB-LAE"
    assert party_id(org, "ocds-x") == "GB-LAE-LDS"


def test_a_joint_service_without_one_register_code_keeps_a_local_id() -> None:
    org = _org(ons_code="E06000061 / E06000062")
    assert party_id(org, "ocds-x") == "ocds-x-org-la-x"


def test_a_company_number_wins_over_the_register() -> None:
    org = _org(ons_code="E08000035", company_number="09121572")
    assert party_id(org, "ocds-x") == "GB-COH-09121572"
