"""Figures checked for sense in the shared schemas (so form, API, bundle and importers agree):
staff time and money have upper bounds, 'maintain' is per year, stage and dates agree, and
recording a tool the organisation already recorded offers that record instead."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from catalogue.access import viewer_for
from catalogue.records import services
from catalogue.records.schemas import DeploymentSchema, stage_date_warnings
from catalogue.schemas import MAX_FTE, MAX_GBP
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory

BASE = {"ref": "dep-x", "organisation": "org-x", "tool": "tool-x", "stage": "pilot"}


def _errors(**fields: object) -> dict:
    try:
        DeploymentSchema().load({**BASE, **fields})
    except ValidationError as exc:
        return exc.messages
    return {}


def test_impossible_figures_are_refused_with_a_bound() -> None:
    errors = _errors(resources={"develop_fte": 1e9, "maintain_gbp": 1e12})
    assert "up to 500" in errors["resources"]["develop_fte"][0]
    assert "up to £50,000,000" in errors["resources"]["maintain_gbp"][0]
    assert "each year" in errors["resources"]["maintain_gbp"][0]
    assert _errors(resources={"develop_fte": MAX_FTE, "implement_gbp": MAX_GBP}) == {}


@pytest.mark.parametrize(
    ("fields", "where", "words"),
    [
        ({"stage": "implemented", "started": "2024-01", "ended": "2024-06"}, "ended", "still in use"),
        ({"stage": "fully-established", "ended": "2024-06"}, "ended", "still in use"),
        ({"started": "2999-01"}, "started", "future"),
        ({"started": "2024-01", "ended": "2999-01"}, "ended", "future"),
    ],
)
def test_stage_and_dates_must_agree(fields: dict, where: str, words: str) -> None:
    assert words in _errors(**fields)[where][0]


def test_dropped_without_an_end_month_is_a_warning_not_an_error() -> None:
    dropped = {"stage": "dropped", "dropped_reasons": ["cost"]}
    assert _errors(**dropped) == {}
    assert stage_date_warnings(dropped)
    assert stage_date_warnings({**dropped, "ended": "2024-05"}) == []


def test_figures_bound_the_api_too(client, db) -> None:
    from catalogue.accounts.services import issue_api_token

    la = OrganisationFactory(kind="local-authority")
    tool = ToolFactory()
    token = issue_api_token(db, UserFactory(organisation_id=la.id))
    db.commit()
    response = client.post(
        "/api/v1/deployments",
        json={"tool": tool.ref, "stage": "pilot", "resources": {"develop_fte": 1e9, "maintain_gbp": 1e12}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert "up to 500" in str(response.get_json()) and "up to £50,000,000" in str(response.get_json())


def test_recording_a_tool_again_offers_the_existing_record(app, db) -> None:
    la = OrganisationFactory(kind="local-authority")
    tool = ToolFactory(name="NoteQuill")
    DeploymentFactory(ref="dep-first", organisation_id=la.id, tool_id=tool.id)
    user = UserFactory(organisation_id=la.id)
    viewer = viewer_for(user, "local-authority")
    draft = {"tool_choice": "existing", "tool": tool.ref, "stage": "pilot", "visibility": "authorities"}
    with app.test_request_context():
        record, errors = services.save_deployment(db, viewer, draft)
        assert record is None
        assert 'href="/deployments/dep-first/edit"' in str(errors["tool"])
        assert "already recorded" in str(errors["tool"])
        step_errors = services.apply_step(db, viewer, {}, "tool", {"tool_choice": "existing", "tool": tool.ref})
        assert "dep-first" in str(step_errors["tool"])
        # Its own record, being edited, is not a duplicate of itself.
        assert (
            services.apply_step(
                db, viewer, {"_ref": "dep-first"}, "tool", {"tool_choice": "existing", "tool": tool.ref}
            )
            == {}
        )
        record, errors = services.save_deployment(db, viewer, {**draft, "summary": "Changed."}, "dep-first")
        assert errors == {} and record.ref == "dep-first"
