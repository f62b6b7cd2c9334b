"""Issue 18: a respondent who consented to be contacted by DfE has not consented to be contacted
by peers. Imported, they are shown to nobody as the organisation's contact (not on its page, not
as the recipient of "Ask about this experience", not in the ATRS draft) until one of the
organisation's admins confirms them."""

from __future__ import annotations

from sqlmodel import select

from catalogue import access
from catalogue.accounts.models import Organisation
from catalogue.records.ask_peer import recipients
from catalogue.records.models import Deployment
from seed.loader import load_reference_authorities
from tests.factories import UserFactory
from tests.helpers.accounts import viewer_of
from tests.helpers.cfe import make_csv, run_import

RESPONDENT = {
    "What is the name": "Leeds City Council",
    "What is your name": "Sam Respondent",
    "What is your email": "sam.respondent@leeds.example",
    "How would you describe": "Head of Service",
    "Do you consent": "Yes",
    "Q2": "NoteCraft",
}


def _imported(db):
    load_reference_authorities(db)
    db.commit()
    run_import(db, make_csv(RESPONDENT))
    leeds = db.exec(select(Organisation).where(Organisation.name == "Leeds")).one()
    wigan = db.exec(select(Organisation).where(Organisation.name == "Wigan")).one()
    people = {
        "admin": UserFactory(organisation_id=leeds.id, role="admin", email="admin@leeds.example"),
        "member": UserFactory(organisation_id=leeds.id),
        "peer": UserFactory(organisation_id=wigan.id),
        "site_admin": UserFactory(is_site_admin=True),
    }
    db.commit()
    return leeds, people


def test_an_imported_respondent_is_nobodys_contact_until_confirmed(db, client_as) -> None:
    leeds, people = _imported(db)
    assert leeds.contact_pending and not leeds.contact_consent
    for who, user in people.items():
        assert not access.can_see_contact(viewer_of(db, user), leeds), who
        page = client_as(user).get(f"/organisations/{leeds.ref}").get_data(as_text=True)
        proposal = "A contact proposed from the call for evidence" in page
        assert proposal is (who in ("admin", "site_admin")), who
        if not proposal:
            assert "sam.respondent@leeds.example" not in page and "Sam Respondent" not in page, who
    # Ask a peer goes to the organisation's admins, never to the unconfirmed respondent.
    assert recipients(db, leeds) == ["admin@leeds.example"]
    dep = db.exec(select(Deployment)).one()
    atrs = client_as(people["member"]).get(f"/deployments/{dep.ref}/atrs.json").get_json()
    assert atrs["tier_1"]["owner"]["contact_role"] is None


def test_an_admin_confirms_the_contact(db, client_as) -> None:
    leeds, people = _imported(db)
    # Only the organisation's admins (or a site admin) may decide.
    for who in ("member", "peer"):
        assert (
            client_as(people[who]).post(f"/organisations/{leeds.ref}/contact", data={"decision": "confirm"}).status_code
            == 403
        )
    db.rollback()
    db.refresh(leeds)
    assert leeds.contact_pending
    answer = client_as(people["admin"]).post(f"/organisations/{leeds.ref}/contact", data={"decision": "confirm"})
    assert answer.status_code == 303
    db.rollback()  # end this session's read transaction, to see the request's commit
    db.refresh(leeds)
    assert (leeds.contact_pending, leeds.contact_consent) == (None, True)
    assert access.can_see_contact(viewer_of(db, people["peer"]), leeds)
    page = client_as(people["peer"]).get(f"/organisations/{leeds.ref}").get_data(as_text=True)
    assert "sam.respondent@leeds.example" in page
    assert recipients(db, leeds) == ["sam.respondent@leeds.example"]
    # A second import keeps the confirmed contact as it is.
    run_import(db, make_csv(dict(RESPONDENT, **{"What is your email": "other@leeds.example"})))
    db.rollback()
    db.refresh(leeds)
    assert (leeds.contact_email, leeds.contact_pending, leeds.contact_consent) == (
        "sam.respondent@leeds.example",
        None,
        True,
    )


def test_an_admin_discards_the_proposed_contact(db, client_as) -> None:
    leeds, people = _imported(db)
    answer = client_as(people["admin"]).post(f"/organisations/{leeds.ref}/contact", data={"decision": "discard"})
    assert answer.status_code == 303
    db.rollback()
    db.refresh(leeds)
    assert (leeds.contact_name, leeds.contact_email, leeds.contact_pending, leeds.contact_consent) == (
        None,
        None,
        None,
        False,
    )
