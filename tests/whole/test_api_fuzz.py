"""schemathesis against the app's own OpenAPI document: generated requests to every operation,
reads and writes, signed in with a real token or not, never get a 5xx, and every answer is one
the document promises (status listed, content type, body schema). At least 1,000 cases in all."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalogue.accounts import services
from tests.factories import (
    ChallengeFactory,
    DeploymentFactory,
    OfferingFactory,
    OrganisationFactory,
    ToolFactory,
    UserFactory,
)

CASES_PER_OPERATION = 60
CONTRACT = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MINIMUM_CASES = 1000


def test_generated_requests_never_get_a_server_error(app, db) -> None:
    la = OrganisationFactory(kind="local-authority", ref="fuzz-la")
    supplier = OrganisationFactory(kind="supplier", ref="fuzz-supplier")
    tool = ToolFactory(ref="fuzz-tool")
    DeploymentFactory(ref="fuzz-dep", organisation_id=la.id, tool_id=tool.id)
    OfferingFactory(ref="fuzz-off", supplier_id=supplier.id, tool_id=tool.id)
    ChallengeFactory(ref="fuzz-challenge", owner_id=la.id, status="open")
    user = UserFactory(organisation_id=la.id)
    token = services.issue_api_token(db, user)
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    server_errors: list[str] = []
    broken: list[str] = []
    writes = 0
    total = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy()

        @settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, signed_in=st.booleans())
        def call(case, signed_in: bool) -> None:
            nonlocal total, writes
            total += 1
            writes += case.method.upper() != "GET"
            # Uncompressed: the WSGI transport hands schemathesis the body as sent, and requests'
            # default Accept-Encoding would have Flask-Compress send brotli (tested in test_assets).
            plain = {"Accept-Encoding": "identity"}
            response = case.call(headers={**headers, **plain} if signed_in else plain)
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} -> {response.status_code}")
            try:
                case.validate_response(response, checks=CONTRACT)
            except Exception as exc:  # schemathesis raises a failure group naming each broken check
                broken.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {exc}"[:500])

        call()
    print(f"schemathesis: {total} generated cases, {writes} of them writes")  # shown with -s
    assert not server_errors, server_errors[:10]
    assert not broken, broken[:5]
    assert total >= MINIMUM_CASES, f"only {total} generated cases"
    assert writes >= 300, f"only {writes} generated writes"
