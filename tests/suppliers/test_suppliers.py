"""Suppliers: profiles, offerings (ownership, drafts, bad input, filters), references (only the
deploying organisation confirms, nothing leaks to the supplier), alerts and the dashboard."""

from __future__ import annotations

import pytest
from sqlmodel import select

from catalogue import features
from catalogue.notifications.models import AlertSubscription, Notification, OutboxEmail
from suppliers import alerts
from suppliers.models import Offering, Reference
from tests.factories import (
    ChallengeFactory,
    DeploymentFactory,
    OfferingFactory,
    OrganisationFactory,
    ToolFactory,
    UserFactory,
)
from tests.helpers.requests import fresh
from tests.helpers.suppliers import OFFERING_FORM

# Each request in its own app context, the test session refreshed around it (tests.helpers.requests).
pytestmark = pytest.mark.usefixtures("isolated_requests")

MARKER = "quokkamarker-77"
DEP_MARKER = "wombatmarker-13"


@pytest.fixture
def app_config(app_config: dict) -> dict:
    # The search engineer's after-request sync is not under test here.
    return {**app_config, "SEARCH_SYNC_AFTER_REQUEST": False}


@pytest.fixture
def world(db):
    acme = OrganisationFactory(
        kind="supplier",
        name="Acme Notes Ltd",
        is_sme=True,
        accreditations=["cyber-essentials"],
        data_hosting="UK-hosted",
    )
    rival = OrganisationFactory(kind="supplier", name="Rival Systems plc", is_sme=False, data_hosting="US cloud")
    la = OrganisationFactory(kind="local-authority", name="Kirkby Council")
    other_la = OrganisationFactory(kind="local-authority", name="Wolds Council")
    tool = ToolFactory(name="Notewise", supplier_id=acme.id)
    users = {
        "acme": UserFactory(organisation_id=acme.id),
        "acme2": UserFactory(organisation_id=acme.id),
        "rival": UserFactory(organisation_id=rival.id),
        "la": UserFactory(organisation_id=la.id),
        "other_la": UserFactory(organisation_id=other_la.id),
        "pending_acme": UserFactory(organisation_id=acme.id, status="pending"),
    }
    published = OfferingFactory(
        supplier_id=acme.id,
        tool_id=tool.id,
        name="Notewise for councils",
        categories=["transcription"],
        case_management_systems=["Mosaic"],
        status="published",
    )
    draft = OfferingFactory(supplier_id=acme.id, name=f"Secret draft {MARKER}", status="draft")
    rival_offer = OfferingFactory(
        supplier_id=rival.id, name="Rival Chat", categories=["chatbot"], case_management_systems=["LCS"]
    )
    return {
        "acme": acme,
        "rival": rival,
        "la": la,
        "other_la": other_la,
        "tool": tool,
        "users": users,
        "published": published,
        "draft": draft,
        "rival_offer": rival_offer,
    }


# --- ownership and drafts ---------------------------------------------------------------------


def test_a_supplier_cannot_change_another_suppliers_offering(db, world, client_as):
    rival = client_as(world["users"]["rival"])
    ref = world["published"].ref
    assert rival.get(f"/offerings/{ref}/edit").status_code == 403
    response = rival.post(f"/offerings/{ref}/edit", data={**OFFERING_FORM, "status": "published"})
    assert response.status_code == 403
    assert rival.get(f"/offerings/{ref}/references").status_code == 403
    assert rival.post(f"/offerings/{ref}/references", data={"organisation": world["la"].ref}).status_code == 403
    fresh(db)
    assert db.get(Offering, world["published"].id).name == "Notewise for councils"
    assert db.exec(select(Reference)).first() is None
    # An authority member and a pending member of the supplier cannot either.
    assert client_as(world["users"]["la"]).get(f"/offerings/{ref}/edit").status_code == 403
    assert client_as(world["users"]["pending_acme"]).get(f"/offerings/{ref}/edit").status_code == 403


def test_drafts_are_invisible_to_everyone_but_their_supplier(db, world, client, client_as):
    ref = world["draft"].ref
    for who in (None, "rival", "la", "pending_acme"):
        c = client_as(world["users"][who]) if who else client
        assert c.get(f"/offerings/{ref}").status_code == 404, who
        assert c.get(f"/offerings/{ref}/edit").status_code in (302, 404), who
        for page in ("/offerings", f"/suppliers/{world['acme'].ref}", "/suppliers"):
            assert MARKER not in c.get(page).get_data(as_text=True), (who, page)
    acme = client_as(world["users"]["acme2"])
    assert MARKER in acme.get(f"/offerings/{ref}").get_data(as_text=True)
    assert MARKER in acme.get("/offerings").get_data(as_text=True)
    assert MARKER in acme.get("/suppliers/dashboard").get_data(as_text=True)


def test_only_suppliers_add_offerings(world, client, client_as):
    assert client.get("/offerings/new").status_code == 302
    assert client_as(world["users"]["la"]).get("/offerings/new").status_code == 403
    assert client_as(world["users"]["pending_acme"]).get("/offerings/new").status_code == 403
    assert client_as(world["users"]["acme"]).get("/offerings/new").status_code == 200


def test_create_save_draft_then_publish(db, world, client, client_as):
    acme = client_as(world["users"]["acme"])
    response = acme.post("/offerings/new", data={**OFFERING_FORM, "tool": world["tool"].ref, "status": "draft"})
    assert response.status_code == 303
    offering = db.exec(select(Offering).where(Offering.name == "Chronology builder")).one()
    assert offering.status == "draft" and offering.supplier_id == world["acme"].id
    assert offering.outcomes == ["Faster chronologies", "Fewer missed events"]
    assert offering.case_management_systems == ["Mosaic", "LiquidLogic"]
    assert offering.links == [{"title": "Security statement", "url": "https://example.com/security.pdf"}]
    assert offering.tool_id == world["tool"].id
    assert client.get(f"/offerings/{offering.ref}").status_code == 404
    form = acme.get(f"/offerings/{offering.ref}/edit").get_data(as_text=True)
    assert "Fewer missed events" in form and "https://example.com/security.pdf" in form
    acme.post(f"/offerings/{offering.ref}/edit", data={**OFFERING_FORM, "status": "published"})
    page = client.get(f"/offerings/{offering.ref}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Chronology builder – Offerings – Signpost" in html and "Security statement" in html


def test_bad_offering_input_is_reshown_with_errors(db, world, client_as):
    acme = client_as(world["users"]["acme"])
    bad = {
        **OFFERING_FORM,
        "name": "",
        "summary": f"Typed summary {MARKER}",
        "categories": ["not-a-category"],
        "links-1-title": "Brochure",
        "links-1-url": "http://insecure.example.com/b.pdf",
        "tool": "no-such-tool",
        "status": "published",
    }
    response = acme.post("/offerings/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and "Error: Add an offering – Signpost" in html
    assert "Enter the name of the offering" in html
    assert "is not a code we know" in html
    assert 'href="#links-1-url"' in html and "starting with https://" in html
    assert MARKER in html and "http://insecure.example.com/b.pdf" in html and "Brochure" in html
    # A valid form with an unknown tool is caught by the service, with the same care.
    response = acme.post("/offerings/new", data={**OFFERING_FORM, "tool": "no-such-tool"})
    assert response.status_code == 200 and "Choose a tool from the list" in response.get_data(as_text=True)
    assert db.exec(select(Offering).where(Offering.name == "Chronology builder")).first() is None


def test_an_offering_may_not_sell_a_competitors_tool(db, world, client_as):
    rival = client_as(world["users"]["rival"])
    unclaimed = ToolFactory(name="Unclaimed tool")
    acme_tool = world["tool"]
    form = rival.get("/offerings/new").get_data(as_text=True)
    assert unclaimed.ref in form and acme_tool.ref not in form, "the list offers only tools it may sell"
    response = rival.post("/offerings/new", data={**OFFERING_FORM, "tool": acme_tool.ref, "status": "published"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    assert "Choose a tool your organisation sells" in html
    rival_ref = world["rival_offer"].ref
    response = rival.post(f"/offerings/{rival_ref}/edit", data={**OFFERING_FORM, "tool": acme_tool.ref})
    assert response.status_code == 200 and "Choose a tool your organisation sells" in response.get_data(as_text=True)
    fresh(db)
    assert db.exec(select(Offering).where(Offering.tool_id == acme_tool.id)).all() == [
        db.get(Offering, world["published"].id)
    ]
    assert db.get(Offering, world["rival_offer"].id).tool_id is None
    # An unclaimed tool, or the supplier's own, is fine.
    response = rival.post(f"/offerings/{rival_ref}/edit", data={**OFFERING_FORM, "tool": unclaimed.ref})
    assert response.status_code == 303
    acme = client_as(world["users"]["acme"])
    response = acme.post("/offerings/new", data={**OFFERING_FORM, "tool": acme_tool.ref, "status": "published"})
    assert response.status_code == 303


# --- browsing and filters ----------------------------------------------------------------------


def test_offering_filters(world, client):
    def names(**args: str) -> str:
        return client.get("/offerings", query_string=args).get_data(as_text=True)

    assert "Notewise for councils" in names() and "Rival Chat" in names()
    page = names(category="chatbot")
    assert "Rival Chat" in page and "Notewise for councils" not in page
    page = names(cms="Mosaic")
    assert "Notewise for councils" in page and "Rival Chat" not in page
    page = names(sme="yes")
    assert "Notewise for councils" in page and "Rival Chat" not in page
    page = names(sme="no")
    assert "Rival Chat" in page and "Notewise for councils" not in page
    page = names(accreditation="cyber-essentials")
    assert "Notewise for councils" in page and "Rival Chat" not in page
    page = names(hosting="uk")
    assert "Notewise for councils" in page and "Rival Chat" not in page
    # Junk in filters never breaks the page.
    assert client.get("/offerings?page=abc&category=%3Cscript%3E").status_code == 200


def test_accreditations_are_stored_as_codes_and_filter(db, world, client, client_as):
    rival = client_as(world["users"]["rival"])
    form = {**OFFERING_FORM, "accreditations": ["dspt"], "other_accreditations": "ISO/IEC 27001\nISO 9001"}
    response = rival.post("/offerings/new", data={**form, "status": "published"})
    assert response.status_code == 303, response.get_data(as_text=True)
    fresh(db)
    offering = db.exec(select(Offering).where(Offering.supplier_id == world["rival"].id, Offering.tool_id.is_(None)))
    offering = [o for o in offering if o.name == "Chronology builder"][0]
    assert offering.accreditations == ["dspt", "iso-27001", "ISO 9001"]
    page = client.get("/offerings", query_string={"accreditation": "iso-27001"}).get_data(as_text=True)
    assert "Chronology builder" in page and "Notewise for councils" not in page
    html = client.get(f"/offerings/{offering.ref}").get_data(as_text=True)
    assert "Data Security and Protection Toolkit; ISO/IEC 27001; ISO 9001" in html and "iso-27001" not in html
    # The edit form ticks the codes and keeps the rest as text.
    html = rival.get(f"/offerings/{offering.ref}/edit").get_data(as_text=True)
    assert 'value="iso-27001" checked' in html and 'value="dspt" checked' in html
    assert 'value="cyber-essentials" checked' not in html and ">ISO 9001</textarea>" in html


def test_accreditation_labels_become_codes_inside_and_export_as_written(db, world):
    from catalogue.bundle import export_bundle, import_bundle

    bundle = {
        "format": "csc-catalogue-bundle",
        "version": 1,
        "offerings": [
            {
                "ref": "off-labelled",
                "supplier": world["rival"].ref,
                "name": "Labelled",
                "categories": ["other"],
                "accreditations": ["ISO 27001", "Cyber Essentials Plus", "G-Cloud 14", "BS 8484 compliant"],
            }
        ],
    }
    import_bundle(db, bundle)
    db.commit()
    row = db.exec(select(Offering).where(Offering.ref == "off-labelled")).one()
    assert row.accreditations == ["iso-27001", "cyber-essentials-plus", "g-cloud", "BS 8484 compliant"]
    exported = [o for o in export_bundle(db)["offerings"] if o["ref"] == "off-labelled"][0]
    assert exported["accreditations"] == bundle["offerings"][0]["accreditations"]


def test_demo_offerings_filter_by_accreditation(app, db, client):
    import json

    from markupsafe import escape

    from catalogue.cli import DEMO_BUNDLE

    assert app.test_cli_runner().invoke(args=["seed", "demo"]).exit_code == 0
    demo = json.loads(DEMO_BUNDLE.read_text())
    claiming = {o["name"] for o in demo["offerings"] if "ISO/IEC 27001" in o.get("accreditations", [])}
    assert len(claiming) >= 2
    page = client.get("/offerings", query_string={"accreditation": "iso-27001"}).get_data(as_text=True)
    for offering in demo["offerings"]:
        assert (str(escape(offering["name"])) in page) == (offering["name"] in claiming), offering["name"]


def test_supplier_directory_filters(world, client):
    page = client.get("/suppliers", query_string={"category": "transcription"}).get_data(as_text=True)
    assert "Acme Notes Ltd" in page and "Rival Systems plc" not in page
    page = client.get("/suppliers", query_string={"sme": "no"}).get_data(as_text=True)
    assert "Rival Systems plc" in page and "Acme Notes Ltd" not in page
    page = client.get("/suppliers", query_string={"cms": "LCS"}).get_data(as_text=True)
    assert "Rival Systems plc" in page and "Acme Notes Ltd" not in page
    assert "Suppliers – Signpost" in page


# --- profiles -----------------------------------------------------------------------------------


def test_profile_edit_is_for_members_only(db, world, client, client_as):
    ref = world["acme"].ref
    assert client.get(f"/suppliers/{ref}/edit").status_code == 302
    assert client_as(world["users"]["rival"]).get(f"/suppliers/{ref}/edit").status_code == 403
    assert client_as(world["users"]["rival"]).post(f"/suppliers/{ref}/edit", data={"name": "Hacked"}).status_code == 403
    assert client.get(f"/suppliers/{world['la'].ref}").status_code == 404, "only suppliers have supplier pages"
    fresh(db)
    assert db.get(type(world["acme"]), world["acme"].id).name == "Acme Notes Ltd"


def test_profile_edit_bad_input_then_save(db, world, client, client_as):
    acme = client_as(world["users"]["acme"])
    ref = world["acme"].ref
    bad = {
        "name": "Acme Notes Ltd",
        "website": "javascript:alert(1)",
        "company_number": "12",
        "is_sme": "yes",
        "contact_consent": "yes",
        "description": f"About us {MARKER}",
    }
    response = acme.post(f"/suppliers/{ref}/edit", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    assert "Enter the website address" in html and "company number" in html and "Enter a contact email" in html
    assert MARKER in html
    good = {
        "name": "Acme Notes Ltd",
        "website": "https://acme.example",
        "company_number": "sc 123456",
        "is_sme": "yes",
        "accreditations": ["cyber-essentials", "iso-27001"],
        "contact_name": "Ada",
        "contact_email": "ada@acme.example",
        "contact_consent": "yes",
    }
    assert acme.post(f"/suppliers/{ref}/edit", data=good).status_code == 303
    fresh(db)
    org = db.get(type(world["acme"]), world["acme"].id)
    assert org.company_number == "SC123456" and org.accreditations == ["cyber-essentials", "iso-27001"]
    # Contact details: signed-in approved members only, and only with consent.
    assert "ada@acme.example" not in client.get(f"/suppliers/{ref}").get_data(as_text=True)
    assert "ada@acme.example" in client_as(world["users"]["la"]).get(f"/suppliers/{ref}").get_data(as_text=True)


# --- references -------------------------------------------------------------------------------


def used_by_section(html: str) -> str:
    start = html.index("Used by</h2>")
    return html[start : html.index("<h2", start)]


def _cite(client, offering, org) -> None:
    response = client.post(f"/offerings/{offering.ref}/references", data={"organisation": org.ref, "note": "Team A"})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_a_reference_request_note_with_a_childs_details_is_refused(db, world, client_as):
    offering = world["published"]
    page = client_as(world["users"]["acme"]).post(
        f"/offerings/{offering.ref}/references",
        data={"organisation": world["la"].ref, "note": "As used for Callum, 7, at 22 Marlow Street"},
    )
    assert page.status_code == 200 and "Remove personal data" in page.get_data(as_text=True)
    db.rollback()
    assert db.exec(select(Reference)).all() == []


def test_reference_flow_reveals_nothing_to_the_supplier(db, world, client, client_as):
    users, offering = world["users"], world["published"]
    dep = DeploymentFactory(
        organisation_id=world["la"].id,
        tool_id=world["tool"].id,
        visibility="authorities",
        summary=f"Hidden summary {DEP_MARKER}",
        stage="implemented",
    )
    acme = client_as(users["acme"])
    _cite(acme, offering, world["la"])
    reference = db.exec(select(Reference)).one()
    assert reference.status == "pending" and reference.deployment_id is None
    # The supplier's pages show the organisation and the status, never the deployment.
    for page in (f"/offerings/{offering.ref}/references", "/suppliers/dashboard", f"/offerings/{offering.ref}"):
        html = acme.get(page).get_data(as_text=True)
        assert DEP_MARKER not in html and dep.ref not in html, page
    # The authority's members are told; nobody else.
    notes = db.exec(select(Notification).where(Notification.topic == "reference-requested")).all()
    assert {n.user_id for n in notes} == {users["la"].id}

    # Only the deploying organisation may answer.
    for who in ("acme", "rival", "other_la"):
        c = client_as(users[who])
        assert c.get(f"/references/{reference.id}").status_code == 404, who
        assert (
            c.post(f"/references/{reference.id}", data={"decision": "confirm", "deployment": dep.ref}).status_code
            == 404
        )
    la = client_as(users["la"])
    inbox = la.get("/references").get_data(as_text=True)
    assert "Acme Notes Ltd" in inbox and "Notewise for councils" in inbox
    assert DEP_MARKER in la.get(f"/references/{reference.id}").get_data(as_text=True), "they choose their own record"
    response = la.post(f"/references/{reference.id}", data={"decision": "confirm", "deployment": dep.ref})
    assert response.status_code == 303
    fresh(db)
    reference = db.get(Reference, reference.id)
    assert reference.status == "confirmed" and reference.deployment_id == dep.id
    assert reference.decided_by_id == users["la"].id

    # The offering now says so to those who may see the deployment; to anyone else it is not
    # counted at all (a count would reveal that a hidden record exists).
    for c in (client, acme, client_as(users["rival"])):
        html = c.get(f"/offerings/{offering.ref}").get_data(as_text=True)
        assert "app-evidence" not in used_by_section(html) and "No authority has confirmed" in html
        assert dep.ref not in html and DEP_MARKER not in html and "Kirkby Council" not in html
    html = client_as(users["other_la"]).get(f"/offerings/{offering.ref}").get_data(as_text=True)
    assert "Used by 1 authority." in html and f"/deployments/{dep.ref}" in html and "Kirkby Council" in html
    # The supplier hears the answer, without the deployment.
    note = db.exec(select(Notification).where(Notification.topic == "reference-confirmed")).all()
    assert {n.user_id for n in note} == {users["acme"].id, users["acme2"].id}
    assert all(DEP_MARKER not in n.body for n in note)
    emails = db.exec(select(OutboxEmail)).all()
    assert emails and all(DEP_MARKER not in e.body for e in emails)


def test_declined_references_never_show_and_counts_are_right(db, world, client, client_as):
    users, offering = world["users"], world["published"]
    third = OrganisationFactory(kind="local-authority", name="Third Council")
    third_user = UserFactory(organisation_id=third.id)
    deps = {
        "la": DeploymentFactory(
            organisation_id=world["la"].id, tool_id=world["tool"].id, stage="implemented", visibility="public"
        ),
        "other_la": DeploymentFactory(
            organisation_id=world["other_la"].id,
            tool_id=world["tool"].id,
            stage="dropped",
            dropped_reasons=["cost"],
            visibility="public",
        ),
        "third": DeploymentFactory(organisation_id=third.id, tool_id=world["tool"].id, visibility="public"),
    }
    acme = client_as(users["acme"])
    for org in (world["la"], world["other_la"], third):
        _cite(acme, offering, org)
    refs = {r.organisation_id: r for r in db.exec(select(Reference))}
    client_as(users["la"]).post(
        f"/references/{refs[world['la'].id].id}", data={"decision": "confirm", "deployment": deps["la"].ref}
    )
    client_as(users["other_la"]).post(
        f"/references/{refs[world['other_la'].id].id}",
        data={"decision": "confirm", "deployment": deps["other_la"].ref},
    )
    client_as(third_user).post(f"/references/{refs[third.id].id}", data={"decision": "decline"})
    html = used_by_section(client.get(f"/offerings/{offering.ref}").get_data(as_text=True))
    assert "Used by 2 authorities, 1 dropped it." in html
    assert "Kirkby Council" in html and "Wolds Council" in html and "Third Council" not in html
    dashboard_html = acme.get("/suppliers/dashboard").get_data(as_text=True)
    assert "Declined" in dashboard_html and "Confirmed" in dashboard_html
    # An answered request cannot be answered again.
    again = client_as(third_user).post(
        f"/references/{refs[third.id].id}", data={"decision": "confirm", "deployment": deps["third"].ref}
    )
    assert again.status_code == 409


def test_reference_counts_never_reveal_hidden_deployments(db, world, client, client_as):
    users, offering = world["users"], world["published"]
    third = OrganisationFactory(kind="local-authority", name="Third Council")
    private = DeploymentFactory(
        organisation_id=world["la"].id,
        tool_id=world["tool"].id,
        visibility="private",
        stage="dropped",
        dropped_reasons=["cost"],
        summary=f"Private {DEP_MARKER}",
    )
    shared = DeploymentFactory(
        organisation_id=world["other_la"].id,
        tool_id=world["tool"].id,
        visibility="authorities",
        stage="implemented",
        summary="Shared with authorities",
    )
    for dep in (private, shared):
        db.add(
            Reference(
                offering_id=offering.id, organisation_id=dep.organisation_id, deployment_id=dep.id, status="confirmed"
            )
        )
    db.commit()
    expected = {
        "anonymous": None,
        "supplier": None,
        "other LA": "Used by 1 authority.",
        "owner": "Used by 2 authorities, 1 dropped it.",
    }
    clients = {
        "anonymous": client,
        "supplier": client_as(users["acme"]),
        "other LA": client_as(UserFactory(organisation_id=third.id)),
        "owner": client_as(users["la"]),
    }
    for who, c in clients.items():
        html = c.get(f"/offerings/{offering.ref}").get_data(as_text=True)
        section = used_by_section(html)
        if expected[who] is None:
            assert "app-evidence" not in section and "dropped" not in section, who
        else:
            assert expected[who] in section, (who, section)
        assert "more confirmed" not in html and "shared only with" not in html, who
        assert (DEP_MARKER in html) == (who == "owner"), who
        assert (private.ref in html) == (who == "owner"), who
        assert (shared.ref in html) == (who in ("other LA", "owner")), who


def test_reference_answer_needs_one_of_their_own_deployments(db, world, client_as):
    users, offering = world["users"], world["published"]
    someone_elses = DeploymentFactory(organisation_id=world["other_la"].id, tool_id=world["tool"].id)
    _cite(client_as(users["acme"]), offering, world["la"])
    reference = db.exec(select(Reference)).one()
    la = client_as(users["la"])
    response = la.post(f"/references/{reference.id}", data={"decision": "confirm", "deployment": someone_elses.ref})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Record your experience of this tool before confirming" in html
    mine = DeploymentFactory(organisation_id=world["la"].id, tool_id=world["tool"].id)
    response = la.post(f"/references/{reference.id}", data={"decision": "confirm", "deployment": someone_elses.ref})
    assert response.status_code == 200 and "Choose which of your records" in response.get_data(as_text=True)
    response = la.post(f"/references/{reference.id}", data={"decision": "maybe"})
    assert response.status_code == 200 and "Choose whether to confirm or decline" in response.get_data(as_text=True)
    fresh(db)
    assert db.get(Reference, reference.id).status == "pending"
    assert (
        la.post(f"/references/{reference.id}", data={"decision": "confirm", "deployment": mine.ref}).status_code == 303
    )


def test_citing_rules(db, world, client_as):
    acme = client_as(world["users"]["acme"])
    published = world["published"]
    response = acme.post(f"/offerings/{published.ref}/references", data={"organisation": world["rival"].ref})
    assert response.status_code == 200 and "Choose the local authority or provider" in response.get_data(as_text=True)
    response = acme.post(f"/offerings/{published.ref}/references", data={"organisation": ""})
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
    _cite(acme, published, world["la"])
    response = acme.post(f"/offerings/{published.ref}/references", data={"organisation": world["la"].ref})
    assert "already asked Kirkby Council" in response.get_data(as_text=True)
    response = acme.post(f"/offerings/{world['draft'].ref}/references", data={"organisation": world["la"].ref})
    assert response.status_code == 200 and "Publish the offering" in response.get_data(as_text=True)
    assert len(db.exec(select(Reference)).all()) == 1


def test_a_supplier_may_have_only_so_many_reference_requests_waiting(db, world, client_as, monkeypatch):
    from suppliers import references

    monkeypatch.setattr(references, "MAX_PENDING_REFERENCES", 2)
    acme = client_as(world["users"]["acme"])
    councils = [OrganisationFactory(kind="local-authority", name=f"Council {n}") for n in range(3)]
    db.commit()
    _cite(acme, world["published"], councils[0])
    _cite(acme, world["published"], councils[1])
    response = acme.post(f"/offerings/{world['published'].ref}/references", data={"organisation": councils[2].ref})
    assert response.status_code == 200 and "2 requests waiting for an answer" in response.get_data(as_text=True)
    assert len(db.exec(select(Reference)).all()) == 2
    # Once one is answered there is room again.
    first = db.exec(select(Reference).where(Reference.organisation_id == councils[0].id)).one()
    first.status = "declined"
    db.add(first)
    db.commit()
    _cite(acme, world["published"], councils[2])


# --- alerts -----------------------------------------------------------------------------------


def test_challenge_alerts_reach_matching_subscribers_once(db, world):
    users = world["users"]
    db.add(AlertSubscription(user_id=users["acme"].id, categories=["transcription"], keywords=[]))
    db.add(AlertSubscription(user_id=users["rival"].id, categories=["placements"], keywords=["care leavers"]))
    db.add(AlertSubscription(user_id=users["acme2"].id, categories=[], keywords=["chronology"], active=False))
    db.commit()
    challenge = ChallengeFactory(
        owner_id=world["la"].id,
        status="market-engagement",
        title="Less time writing up visits",
        problem="Social workers write up visits at home in the evening.",
    )
    created = alerts.challenge_published(db, challenge)
    db.commit()
    assert {n.user_id for n in created} == {users["acme"].id}
    assert "Transcription" in created[0].body
    email = db.exec(select(OutboxEmail).where(OutboxEmail.user_id == users["acme"].id)).one()
    assert "/notifications/unsubscribe/" in email.body
    # Opening the same challenge later tells nobody twice.
    challenge.status = "open"
    assert alerts.challenge_published(db, challenge) == []
    other = ChallengeFactory(
        owner_id=world["la"].id, status="open", title="Support for care leavers", problem="Finding homes."
    )
    assert {n.user_id for n in alerts.challenge_published(db, other)} == {users["rival"].id}


def test_alert_keywords_match_word_forms_and_passing_words_alert_nobody(db, world):
    users = world["users"]
    db.add(AlertSubscription(user_id=users["acme"].id, categories=[], keywords=["chronology"]))
    db.add(AlertSubscription(user_id=users["rival"].id, categories=["risk-analytics", "admin-automation"]))
    db.add(AlertSubscription(user_id=users["acme2"].id, categories=["practice-guidance", "translation"]))
    db.commit()
    challenge = ChallengeFactory(
        owner_id=world["la"].id,
        status="open",
        title="Faster chronologies for court",
        problem="There is a risk that notes, forms and letters are missed when our policy changes, "
        "and staff use different languages in their records.",
    )
    created = alerts.challenge_published(db, challenge)
    assert {n.user_id for n in created} == {users["acme"].id}
    assert "‘chronology’" in created[0].body


def test_challenge_alerts_use_the_categories_the_commissioner_ticked(db, world):
    users = world["users"]
    db.add(AlertSubscription(user_id=users["acme"].id, categories=["transcription"], keywords=[]))
    db.commit()
    # Nothing in the words says transcription; the ticked category does.
    challenge = ChallengeFactory(
        owner_id=world["la"].id,
        status="open",
        title="Shorter meetings",
        problem="Minutes.",
        categories=["transcription"],
    )
    assert {n.user_id for n in alerts.challenge_published(db, challenge)} == {users["acme"].id}


def test_challenge_alerts_respect_visibility(db, world):
    db.add(AlertSubscription(user_id=world["users"]["acme"].id, categories=["transcription"], keywords=[]))
    db.commit()
    draft = ChallengeFactory(owner_id=world["la"].id, status="draft", title=f"Write up visits {MARKER}")
    assert alerts.challenge_published(db, draft) == []
    db.commit()
    assert not db.exec(select(OutboxEmail)).all()


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_is_for_suppliers_and_shows_registered_panels(db, world, client, client_as):
    assert client.get("/suppliers/dashboard").status_code == 302
    assert client_as(world["users"]["la"]).get("/suppliers/dashboard").status_code == 403
    assert client_as(world["users"]["pending_acme"]).get("/suppliers/dashboard").status_code == 403

    def panel(session, viewer):
        items = [{"text": "A challenge that fits", "href": "/challenges/x"}]
        return {"title": "Panel for tests", "template": "suppliers/_panel_list.html", "context": {"items": items}}

    def empty(session, viewer):
        return None

    features.add_dashboard_panel("tests-panel", panel)
    features.add_dashboard_panel("tests-empty", empty)
    try:
        html = client_as(world["users"]["acme"]).get("/suppliers/dashboard").get_data(as_text=True)
    finally:
        features.REGISTRY.dashboard_panels.pop("tests-panel", None)
        features.REGISTRY.dashboard_panels.pop("tests-empty", None)
    assert "Supplier dashboard – Signpost" in html
    assert "Notewise for councils" in html and MARKER in html, "own drafts are listed"
    assert "Rival Chat" not in html
    assert "Panel for tests" in html and "A challenge that fits" in html


CHILD_DETAILS = "Used with Jayden Smith, DOB 12/03/2015, of 14 Acacia Avenue, LS1 4AB"


def test_offering_and_profile_text_refuse_personal_data(db, world, client_as):
    acme = client_as(world["users"]["acme"])
    response = acme.post("/offerings/new", data={**OFFERING_FORM, "description": CHILD_DETAILS})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and "Remove personal data" in html
    assert 'href="#description"' in html and "Acacia Avenue" in html, "what was typed is shown again"
    assert db.exec(select(Offering).where(Offering.name == OFFERING_FORM["name"])).first() is None
    ref = world["published"].ref
    response = acme.post(f"/offerings/{ref}/edit", data={**OFFERING_FORM, "outcomes": CHILD_DETAILS})
    assert response.status_code == 200 and "Remove personal data" in response.get_data(as_text=True)
    fresh(db)
    assert db.get(Offering, world["published"].id).name == "Notewise for councils"
    profile = {
        "name": "Acme Notes Ltd",
        "website": "https://acme.example",
        "is_sme": "yes",
        "description": CHILD_DETAILS,
    }
    response = acme.post(f"/suppliers/{world['acme'].ref}/edit", data=profile)
    assert response.status_code == 200 and "Remove personal data" in response.get_data(as_text=True)
    fresh(db)
    assert "Acacia" not in (db.get(type(world["acme"]), world["acme"].id).description or "")
