"""ATRS drafts: filled from the deployment, blanks marked "To complete", seen only by those who
may view the deployment, and never holding a person's name or email."""

from __future__ import annotations

import pytest

from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory


def _get(client, url: str):
    with client.application.app_context():
        return client.get(url)


@pytest.fixture
def world(db):
    la = OrganisationFactory(
        kind="local-authority",
        name="Riverside Council",
        region="South West",
        contact_name="Pat Secretname",
        contact_email="pat.secret@example.org",
        contact_role="Head of Practice",
        contact_consent=True,
    )
    other = OrganisationFactory(kind="local-authority", name="Hillside Council")
    supplier = OrganisationFactory(kind="supplier", name="Quill Ltd", company_number="01234567", data_hosting="UK")
    tool = ToolFactory(name="NoteQuill", supplier_id=supplier.id, description="Drafts visit notes.")
    deployments = {
        vis: DeploymentFactory(
            ref=f"dep-{vis}",
            organisation_id=la.id,
            tool_id=tool.id,
            stage="implemented",
            visibility=vis,
            safeguards="PLANTEDSAFEGUARD every note approved by a practitioner",
            risk_assessment="DPIA and IG board review",
            ethics_checks=["ethical-impact-assessment", "staff-consultation"],
            evaluation="external-completed",
            evaluator="University of Somewhere",
            develop_gbp=45000,
        )
        for vis in ("public", "authorities", "private")
    }
    users = {
        "anonymous": None,
        "supplier": UserFactory(organisation_id=supplier.id),
        "other_la": UserFactory(organisation_id=other.id),
        "owner": UserFactory(organisation_id=la.id),
    }
    return users, deployments


VISIBLE = {
    "public": {"anonymous", "supplier", "other_la", "owner"},
    "authorities": {"other_la", "owner"},
    "private": {"owner"},
}


@pytest.mark.parametrize("visibility", list(VISIBLE))
@pytest.mark.parametrize("role", ["anonymous", "supplier", "other_la", "owner"])
def test_only_those_who_may_view_the_deployment_see_its_draft(world, client_as, role, visibility):
    users, _ = world
    client = client_as(users[role])
    page = _get(client, f"/deployments/dep-{visibility}/atrs")
    data = _get(client, f"/deployments/dep-{visibility}/atrs.json")
    if role in VISIBLE[visibility]:
        assert page.status_code == 200 and "PLANTEDSAFEGUARD" in page.get_data(as_text=True)
        assert data.status_code == 200 and "PLANTEDSAFEGUARD" in data.get_data(as_text=True)
    else:
        assert page.status_code == 404 and "PLANTEDSAFEGUARD" not in page.get_data(as_text=True)
        assert data.status_code == 404 and "PLANTEDSAFEGUARD" not in data.get_data(as_text=True)


def test_draft_fills_what_the_catalogue_knows(world, client_as):
    users, _ = world
    data = _get(client_as(users["owner"]), "/deployments/dep-private/atrs.json").get_json()
    assert data["status"] == "draft"
    assert data["tier_1"]["summary"]["name"] == "NoteQuill"
    assert data["tier_1"]["owner"]["organisation"] == "Riverside Council"
    assert data["tier_1"]["owner"]["contact_role"] == "Head of Practice"
    assert data["tier_1"]["owner"]["phase"] == "Production"
    tier_2 = data["tier_2"]
    assert tier_2["owner_and_responsibility"]["external_supplier"] == "Quill Ltd"
    assert tier_2["owner_and_responsibility"]["supplier_company_number"] == "01234567"
    assert tier_2["risks"]["impact_assessments"] == ["Ethical impact assessment", "Consultation with staff"]
    assert tier_2["risks"]["evaluation"] == "Completed external evaluation (University of Somewhere)"
    assert tier_2["tool_specification"]["resources"] == "Develop: £45,000"
    # Blanks are null and listed as to complete.
    assert data["tier_1"]["summary"]["contact_email"] is None
    assert "tier_1.summary.contact_email" in data["to_complete"]
    assert "tier_2.data.source_data" in data["to_complete"]
    assert "tier_1.summary.name" not in data["to_complete"]


def test_page_marks_blanks_and_never_shows_personal_data(world, client_as):
    users, _ = world
    client = client_as(users["owner"])
    page = _get(client, "/deployments/dep-public/atrs").get_data(as_text=True)
    assert "To complete" in page and "Transparency record draft: NoteQuill at Riverside Council – Signpost" in page
    for text in (page, _get(client, "/deployments/dep-public/atrs.json").get_data(as_text=True)):
        assert "Pat Secretname" not in text and "pat.secret@example.org" not in text


def test_contact_role_only_with_consent(db, client_as):
    la = OrganisationFactory(kind="local-authority", contact_role="Director of Secrets", contact_consent=False)
    DeploymentFactory(ref="dep-noconsent", organisation_id=la.id, tool_id=ToolFactory().id, visibility="public")
    data = _get(client_as(None), "/deployments/dep-noconsent/atrs.json").get_json()
    assert data["tier_1"]["owner"]["contact_role"] is None
    assert "Director of Secrets" not in str(data)


def test_dropped_deployment_says_why(db, client_as):
    la = OrganisationFactory(kind="local-authority")
    DeploymentFactory(
        ref="dep-dropped",
        organisation_id=la.id,
        tool_id=ToolFactory().id,
        visibility="public",
        stage="dropped",
        dropped_reasons=["cost", "ethics"],
        dropped_detail="Too dear.",
    )
    data = _get(client_as(None), "/deployments/dep-dropped/atrs.json").get_json()
    assert data["tier_1"]["owner"]["phase"] == "Retired"
    assert data["tier_2"]["risks"]["why_not_rolled_out"].startswith("Cost or affordability, Ethical or bias concerns")


def test_unknown_deployment_is_404(client):
    assert client.get("/deployments/no-such/atrs").status_code == 404
    assert client.get("/deployments/no-such/atrs.json").status_code == 404
