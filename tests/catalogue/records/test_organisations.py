"""'Edit your organisation': organisation admins (and site admins) keep the website, case
management system and contact (with or without consent to be contacted) up to date."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from catalogue.accounts.models import Organisation
from catalogue.changes import AuditEvent
from tests.factories import OrganisationFactory, UserFactory

FORM = {
    "website": "https://home.example.gov.uk",
    "case_management_system": "Mosaic",
    "contact_name": "Digital team",
    "contact_role": "Children's services digital lead",
    "contact_email": "digital@home.example.gov.uk",
    "contact_consent": "true",
}


@pytest.fixture
def people(db: Session) -> SimpleNamespace:
    la = OrganisationFactory(ref="la-home", name="Home Council")
    other = OrganisationFactory(ref="la-away", name="Away Council")
    supplier = OrganisationFactory(ref="sup-x", name="Supplier X", kind="supplier")
    return SimpleNamespace(
        la=la,
        admin=UserFactory(organisation_id=la.id, role="admin"),
        member=UserFactory(organisation_id=la.id),
        pending_admin=UserFactory(organisation_id=la.id, role="admin", status="pending"),
        other_admin=UserFactory(organisation_id=other.id, role="admin"),
        supplier_admin=UserFactory(organisation_id=supplier.id, role="admin"),
        site_admin=UserFactory(is_site_admin=True),
    )


def test_only_the_organisations_admins_and_site_admins_may_edit(people: SimpleNamespace, client_as) -> None:
    for who, status in {
        "admin": 200,
        "site_admin": 200,
        "member": 403,
        "pending_admin": 403,
        "other_admin": 403,
        "supplier_admin": 403,
    }.items():
        client = client_as(getattr(people, who))
        assert client.get("/organisations/la-home/edit").status_code == status, who
        posted = client.post("/organisations/la-home/edit", data=FORM)
        assert posted.status_code == (303 if status == 200 else 403), who
        link = "/organisations/la-home/edit" in client.get("/organisations/la-home").get_data(as_text=True)
        assert link is (status == 200), who
    assert client_as(None).get("/organisations/la-home/edit").status_code == 302
    assert client_as(None).post("/organisations/la-home/edit", data=FORM).status_code == 302
    assert client_as(people.site_admin).get("/organisations/nowhere/edit").status_code == 404


def test_saving_changes_the_organisation_and_the_audit_trail(
    people: SimpleNamespace,
    client_as,
    db: Session,
) -> None:
    client = client_as(people.admin)
    page = client.get("/organisations/la-home/edit").get_data(as_text=True)
    assert "Edit your organisation" in page and "never suppliers" in page
    assert client.post("/organisations/la-home/edit", data=FORM).status_code == 303
    db.rollback()
    db.expire_all()
    org = db.exec(select(Organisation).where(Organisation.ref == "la-home")).one()
    assert (org.website, org.case_management_system) == ("https://home.example.gov.uk", "Mosaic")
    assert (org.contact_email, org.contact_consent) == ("digital@home.example.gov.uk", True)
    event = db.exec(select(AuditEvent).where(AuditEvent.record_ref == "la-home", AuditEvent.action == "update")).one()
    assert event.actor_id == people.admin.id and event.organisation_id == people.la.id
    # Taking consent back and clearing the website.
    assert (
        client.post("/organisations/la-home/edit", data=FORM | {"contact_consent": "false", "website": ""}).status_code
        == 303
    )
    db.rollback()
    db.expire_all()
    org = db.exec(select(Organisation).where(Organisation.ref == "la-home")).one()
    assert org.contact_consent is False and org.website is None and org.contact_email == "digital@home.example.gov.uk"


def test_bad_answers_show_errors_and_keep_what_was_typed(
    people: SimpleNamespace,
    client_as,
    db: Session,
) -> None:
    client = client_as(people.admin)
    response = client.post(
        "/organisations/la-home/edit",
        data=FORM | {"website": "not a web address", "contact_email": "", "contact_role": "Typed role stays"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in text
    assert 'href="#website"' in text and 'href="#contact_email"' in text  # consent needs an email
    assert "Typed role stays" in text and "not a web address" in text
    db.rollback()
    db.expire_all()
    assert db.exec(select(Organisation).where(Organisation.ref == "la-home")).one().website is None


def test_the_contact_rule_on_the_page_follows_consent(
    people: SimpleNamespace,
    client_as,
) -> None:
    client_as(people.admin).post("/organisations/la-home/edit", data=FORM)
    email = FORM["contact_email"]

    def sees(user: object) -> bool:
        return email in client_as(user).get("/organisations/la-home").get_data(as_text=True)

    assert sees(people.other_admin) and sees(people.member)
    assert not sees(people.supplier_admin) and not sees(None) and not sees(people.pending_admin)
    client_as(people.admin).post("/organisations/la-home/edit", data=FORM | {"contact_consent": "false"})
    assert not sees(people.other_admin) and not sees(people.supplier_admin) and not sees(None)
    assert sees(people.member) and sees(people.site_admin)
