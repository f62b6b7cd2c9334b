"""The guided deployment form and the single view form: who may use them, bad input, saving."""

from __future__ import annotations

import html
import json
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from catalogue.changes import AuditEvent
from catalogue.records.models import Deployment, SingleView, Tool
from catalogue.records.services import STEP_TITLES
from tests.factories import DeploymentFactory, OrganisationFactory, SingleViewFactory, ToolFactory, UserFactory
from tests.helpers.records_forms import ANSWERS, draft_of, step, walk_to_check


@pytest.fixture
def people(db: Session) -> SimpleNamespace:
    la = OrganisationFactory(ref="la-home", name="Home Council")
    other = OrganisationFactory(ref="la-away", name="Away Council", region="South West")
    supplier = OrganisationFactory(ref="sup-x", name="Supplier X", kind="supplier")
    tool = ToolFactory(ref="tool-notes", name="Notes Tool")
    return SimpleNamespace(
        la=la,
        other=other,
        supplier=supplier,
        tool=tool,
        owner=UserFactory(organisation_id=la.id),
        pending=UserFactory(organisation_id=la.id, status="pending"),
        other_la=UserFactory(organisation_id=other.id),
        supplier_user=UserFactory(organisation_id=supplier.id),
        site_admin=UserFactory(is_site_admin=True),
    )


def test_who_may_open_the_form(people: SimpleNamespace, client_as) -> None:
    anonymous = client_as(None).get("/deployments/new")
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.location
    for who in ("pending", "supplier_user", "site_admin"):
        assert client_as(getattr(people, who)).get("/deployments/new").status_code == 403, who
        assert client_as(getattr(people, who)).post("/deployments/new/tool", data={}).status_code == 403, who
    assert client_as(people.owner).get("/deployments/new").status_code == 200
    assert client_as(people.other_la).get("/deployments/new").status_code == 200


def test_full_flow_saves_one_deployment_with_audit(people: SimpleNamespace, client_as, db: Session) -> None:
    client = client_as(people.owner)
    draft = walk_to_check(client, "/deployments/new/", ANSWERS)
    saved = step(client, "/deployments/new/check", draft, action="save")
    assert saved.status_code == 303
    db.rollback()  # a fresh snapshot: the request committed on its own connection
    db.expire_all()
    row = db.exec(select(Deployment)).one()
    assert row.organisation_id == people.la.id and row.tool_id == people.tool.id
    assert row.stage == "dropped" and row.dropped_reasons == ["accuracy", "cost"]
    assert row.implement_fte == 1.5 and row.implement_gbp == 25000
    assert row.visibility == "authorities" and row.created_by_id == people.owner.id
    assert saved.location.endswith(f"/deployments/{row.ref}")
    audit = db.exec(select(AuditEvent).where(AuditEvent.record_type == "deployment")).one()
    assert audit.action == "create" and audit.actor_id == people.owner.id
    page = client.get(saved.location).get_data(as_text=True)
    assert "<strong>less common</strong>" in page


def test_each_question_page_leads_to_the_next_in_order(people: SimpleNamespace, client_as) -> None:
    # A dropped pilot is asked about its impact and learnings too: dropping is not a shortcut.
    client = client_as(people.owner)
    draft = draft_of(client.get("/deployments/new"))
    for name, fields in ANSWERS.items():
        response = step(client, f"/deployments/new/{name}", draft, **fields)
        draft = draft_of(response)
        following = list(ANSWERS)[list(ANSWERS).index(name) + 1 :]
        expected = STEP_TITLES[following[0]] if following else "Check your answers"
        assert expected in response.get_data(as_text=True), (name, expected)


def test_the_dropped_question_is_only_asked_for_dropped_tools(people: SimpleNamespace, client_as) -> None:
    client = client_as(people.owner)
    answers = dict(ANSWERS)
    answers["stage"] = {"stage": "pilot", "started": "2025-01"}
    answers.pop("dropped")
    draft = walk_to_check(client, "/deployments/new/", answers)
    assert "Why was it dropped?" not in step(client, "/deployments/new/check", draft, goto="check").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("name", "fields", "error_field", "message", "typed"),
    [
        ("tool", {}, "tool_choice", "Choose whether the tool is already listed", None),
        ("tool", {"tool_choice": "existing", "tool": ""}, "tool", "Choose the tool", None),
        ("tool", {"tool_choice": "existing", "tool": "tool-nope"}, "tool", "Choose a tool from the list", None),
        (
            "tool",
            {"tool_choice": "new", "new_tool-summary": "Typed summary"},
            "new_tool-name",
            "Enter the name of the tool",
            "Typed summary",
        ),
        (
            "tool",
            {"tool_choice": "new", "new_tool-name": "Brand new"},
            "new_tool-categories",
            "Choose at least one category",
            "Brand new",
        ),
        (
            "tool",
            {"tool_choice": "new", "new_tool-name": "notes tool", "new_tool-categories": ["other"]},
            "new_tool-name",
            "already listed",
            None,
        ),
        ("stage", {"started": "2025-01"}, "stage", "Choose the stage", "2025-01"),
        (
            "stage",
            {"stage": "pilot", "started": "March 2025"},
            "started",
            "Enter the month the pilot started, like 2025-03",
            "March 2025",
        ),
        ("stage", {"stage": "pilot", "started": "2025-05", "ended": "2025-02"}, "ended", "same as or after", "2025-02"),
        ("about", {"summary": "x" * 501}, "summary", "500 characters or fewer", None),
        ("about", {"summary": "About Jane Smith, date of birth 12/03/2015"}, "summary", "Remove personal data", None),
        ("safeguards", {"ethics_checks": ["none", "staff-consultation"]}, "ethics_checks", "on its own", None),
        ("evaluation", {"evaluation": "so-so"}, "evaluation", "Choose how the tool has been evaluated", None),
        (
            "resources",
            {"resources-develop_gbp": "-5", "resources-maintain_fte": "lots"},
            "resources-develop_gbp",
            "0 or more",
            "lots",
        ),
        ("visibility", {"visibility": "everyone"}, "visibility", "Choose who can see this record", None),
    ],
)
def test_bad_input_on_each_step_is_shown_and_kept(
    people: SimpleNamespace,
    client_as,
    name: str,
    fields: dict,
    error_field: str,
    message: str,
    typed: str | None,
) -> None:
    client = client_as(people.owner)
    response = step(client, f"/deployments/new/{name}", json.dumps({"visibility": "authorities"}), **fields)
    assert response.status_code == 200
    text = html.unescape(response.get_data(as_text=True))
    assert "There is a problem" in text
    assert f'href="#{error_field}"' in text
    assert message in text
    assert "<title>Error: " in text
    if typed:
        assert f'value="{typed}"' in text or typed in text


def test_dropped_needs_a_reason(people: SimpleNamespace, client_as) -> None:
    client = client_as(people.owner)
    draft = json.dumps({"tool_choice": "existing", "tool": "tool-notes", "stage": "dropped"})
    response = step(client, "/deployments/new/dropped", draft, dropped_detail="We stopped it")
    text = response.get_data(as_text=True)
    assert "Choose at least one reason" in text and 'href="#dropped_reasons"' in text
    assert "We stopped it" in text


def test_new_tool_is_created_with_the_deployment(people: SimpleNamespace, client_as, db: Session) -> None:
    client = client_as(people.owner)
    answers = dict(ANSWERS)
    answers["tool"] = {
        "tool_choice": "new",
        "new_tool-name": "Homegrown Helper",
        "new_tool-summary": "Built by our data team",
        "new_tool-categories": ["admin-automation"],
        "new_tool-uses_ai": "false",
        "new_tool-built_here": "yes",
    }
    draft = walk_to_check(client, "/deployments/new/", answers)
    assert step(client, "/deployments/new/check", draft, action="save").status_code == 303
    db.rollback()  # a fresh snapshot: the request committed on its own connection
    db.expire_all()
    tool = db.exec(select(Tool).where(Tool.name == "Homegrown Helper")).one()
    assert tool.developed_by_id == people.la.id and tool.uses_ai is False and tool.categories == ["admin-automation"]
    assert db.exec(select(Deployment)).one().tool_id == tool.id


def test_tampered_draft_is_checked_again_before_saving(people: SimpleNamespace, client_as, db: Session) -> None:
    client = client_as(people.owner)
    draft = json.dumps({"tool_choice": "existing", "tool": "tool-notes", "stage": "dropped", "visibility": "public"})
    response = step(client, "/deployments/new/check", draft, action="save")
    assert response.status_code == 200
    assert "Choose at least one reason" in response.get_data(as_text=True)
    assert db.exec(select(Deployment)).first() is None
    assert step(client, "/deployments/new/check", "not json", action="save").status_code == 200
    assert client.post("/deployments/new/nonsense", data={}).status_code == 404


@pytest.fixture
def existing(people: SimpleNamespace) -> Deployment:
    return DeploymentFactory(ref="dep-home", organisation_id=people.la.id, tool_id=people.tool.id, visibility="private")


def test_who_may_edit(people: SimpleNamespace, existing: Deployment, client_as) -> None:
    url = "/deployments/dep-home/edit"
    assert client_as(None).get(url).status_code == 302
    # Cannot see it (private): 404, the same as a missing record.
    for who in ("pending", "supplier_user", "other_la"):
        assert client_as(getattr(people, who)).get(url).status_code == 404, who
        assert client_as(getattr(people, who)).post(url + "/check", data={"action": "save"}).status_code == 404, who
    assert client_as(people.owner).get(url).status_code == 200
    assert client_as(people.site_admin).get(url).status_code == 200


def test_other_authority_may_see_but_not_change(
    people: SimpleNamespace, existing: Deployment, client_as, db: Session
) -> None:
    existing.visibility = "authorities"
    db.add(existing)
    db.commit()
    client = client_as(people.other_la)
    assert client.get("/deployments/dep-home").status_code == 200
    assert "Change this record" not in client.get("/deployments/dep-home").get_data(as_text=True)
    assert client.get("/deployments/dep-home/edit").status_code == 403
    assert client.post("/deployments/dep-home/edit/check", data={"action": "save"}).status_code == 403


def test_edit_is_prefilled_and_changes_are_audited(
    people: SimpleNamespace, existing: Deployment, client_as, db: Session
) -> None:
    client = client_as(people.owner)
    check = client.get("/deployments/dep-home/edit")
    assert "Check your answers" in check.get_data(as_text=True)
    assert "Piloted with two assessment teams." in check.get_data(as_text=True)
    draft = draft_of(check)
    about = step(client, "/deployments/dep-home/edit/check", draft, goto="about")
    assert ">Piloted with two assessment teams.</textarea>" in about.get_data(as_text=True)
    back = step(
        client,
        "/deployments/dep-home/edit/about",
        draft_of(about),
        summary="A new summary",
        impact="",
        learnings="",
        barriers="",
    )
    assert "Check your answers" in back.get_data(as_text=True)
    saved = step(client, "/deployments/dep-home/edit/check", draft_of(back), action="save")
    assert saved.status_code == 303
    db.rollback()  # a fresh snapshot: the request committed on its own connection
    db.expire_all()
    row = db.exec(select(Deployment).where(Deployment.ref == "dep-home")).one()
    assert row.summary == "A new summary" and row.impact is None
    event = db.exec(select(AuditEvent).where(AuditEvent.record_ref == "dep-home", AuditEvent.action == "update")).one()
    assert event.changes["summary"][1] == "A new summary"


def test_changing_stage_to_dropped_asks_why(people: SimpleNamespace, existing: Deployment, client_as) -> None:
    client = client_as(people.owner)
    draft = draft_of(client.get("/deployments/dep-home/edit"))
    response = step(client, "/deployments/dep-home/edit/stage", draft, stage="dropped", started="2025-01", ended="")
    assert "Why was it dropped?" in response.get_data(as_text=True)


# --- single views --------------------------------------------------------------------------------


def test_single_view_permissions_and_bad_input(people: SimpleNamespace, client_as, db: Session) -> None:
    assert client_as(None).get("/single-views/new").status_code == 302
    assert client_as(people.supplier_user).get("/single-views/new").status_code == 403
    assert client_as(people.pending).get("/single-views/new").status_code == 403
    client = client_as(people.owner)
    bad = client.post("/single-views/new", data={"other_sources": "Typed sources", "sources": ["housing"]})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'href="#status"' in text and "Typed sources" in text
    assert db.exec(select(SingleView)).first() is None
    good = client.post(
        "/single-views/new",
        data={"status": "live", "sources": ["housing", "education"], "visibility": "private", "tool": "tool-notes"},
    )
    assert good.status_code == 303
    db.rollback()  # a fresh snapshot: the request committed on its own connection
    db.expire_all()
    view = db.exec(select(SingleView)).one()
    assert (
        view.organisation_id == people.la.id
        and view.tool_id == people.tool.id
        and view.sources == ["housing", "education"]
    )
    # Private: others cannot see or change it.
    assert client_as(people.other_la).get(f"/single-views/{view.ref}").status_code == 404
    assert client_as(people.other_la).post(f"/single-views/{view.ref}/edit", data={"status": "no"}).status_code == 404
    edit = client.post(f"/single-views/{view.ref}/edit", data={"status": "no", "visibility": "public"})
    assert edit.status_code == 303
    db.rollback()  # a fresh snapshot: the request committed on its own connection
    db.expire_all()
    assert db.get(SingleView, view.id).status == "no"


def test_single_view_of_another_org_visible_but_not_editable(people: SimpleNamespace, client_as) -> None:
    SingleViewFactory(ref="sv-away", organisation_id=people.other.id, visibility="authorities")
    client = client_as(people.owner)
    assert client.get("/single-views/sv-away").status_code == 200
    assert client.get("/single-views/sv-away/edit").status_code == 403
    assert client_as(people.supplier_user).get("/single-views/sv-away").status_code == 404
