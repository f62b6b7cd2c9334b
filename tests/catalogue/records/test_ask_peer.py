"""Ask about this experience: authority-side members message the record's organisation through
the outbox without either address shown until the reply; suppliers refused with a pointer to the
challenge Q&A; only records the sender may see; throttled per day in the database; audited;
personal-data checked."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from catalogue.changes import AuditEvent
from catalogue.notifications.models import OutboxEmail
from catalogue.records.ask_peer import QUESTIONS_PER_DAY, PeerQuestion
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory


@pytest.fixture
def world(db):
    owner = OrganisationFactory(
        kind="local-authority",
        name="Riverside Council",
        contact_email="peer.contact@riverside.example",
        contact_name="Pat Contact",
        contact_consent=True,
    )
    asker_org = OrganisationFactory(kind="local-authority", name="Hillside Council")
    supplier = OrganisationFactory(kind="supplier", name="Quill Ltd")
    tool = ToolFactory(name="NoteQuill")
    public = DeploymentFactory(ref="dep-public", organisation_id=owner.id, tool_id=tool.id, visibility="public")
    private = DeploymentFactory(ref="dep-private", organisation_id=owner.id, tool_id=tool.id, visibility="private")
    asker = UserFactory(organisation_id=asker_org.id, email="asker@hillside.example", display_name="Sam Asker")
    seller = UserFactory(organisation_id=supplier.id)
    return {"owner": owner, "asker": asker, "seller": seller, "public": public, "private": private, "tool": tool}


def _emails(db) -> list[OutboxEmail]:
    db.rollback()
    return list(db.exec(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_question_and_reply_reveal_addresses_only_on_reply(client_as, client, db, world) -> None:
    asker = client_as(world["asker"])
    page = asker.get("/deployments/dep-public")
    assert "Ask about this experience" in page.get_data(as_text=True)
    response = asker.post("/deployments/dep-public/ask", data={"message": "How did you train staff?"})
    assert response.status_code == 303, response.get_data(as_text=True)
    [email] = _emails(db)
    assert email.to_address == "peer.contact@riverside.example"
    assert "How did you train staff?" in email.body and "Hillside Council" in email.body
    assert "asker@hillside.example" not in email.body
    link = re.search(r"http://[^\s]+/ask/reply/[^\s]+", email.body).group(0)
    path = link.split("5000", 1)[1] if "5000" in link else "/" + link.split("/", 3)[3]
    reply_page = client.get(path)
    assert reply_page.status_code == 200
    assert "How did you train staff?" in reply_page.get_data(as_text=True)
    assert "asker@hillside.example" not in reply_page.get_data(as_text=True)
    assert client.post(path, data={"reply": ""}).status_code == 422
    assert client.post(path, data={"reply": "Two half-day sessions."}).status_code == 303
    emails = _emails(db)
    to_asker = next(e for e in emails if e.to_address == "asker@hillside.example")
    assert "Two half-day sessions." in to_asker.body and "peer.contact@riverside.example" in to_asker.body
    to_contact = emails[-1] if emails[-1] is not to_asker else emails[-2]
    assert to_contact.to_address == "peer.contact@riverside.example" and "asker@hillside.example" in to_contact.body
    # Answered once; the audit trail has the question and the reply.
    assert "answered" in client.get(path).get_data(as_text=True)
    audits = db.exec(select(AuditEvent).where(AuditEvent.record_type == "peer_question")).all()
    assert {a.action for a in audits} == {"create", "update"}
    assert all(a.organisation_id == world["owner"].id for a in audits)
    assert client.get("/ask/reply/not-a-token").status_code == 404


def test_admins_receive_it_without_a_consenting_contact(client_as, db, world) -> None:
    owner = world["owner"]
    owner.contact_consent = False
    db.add(owner)
    db.commit()
    UserFactory(organisation_id=owner.id, role="admin", email="admin@riverside.example")
    UserFactory(organisation_id=owner.id, role="member", email="member@riverside.example")
    assert client_as(world["asker"]).post("/deployments/dep-public/ask", data={"message": "Hello"}).status_code == 303
    assert [e.to_address for e in _emails(db)] == ["admin@riverside.example"]


def test_suppliers_are_refused_with_a_pointer_to_challenges(client_as, db, world) -> None:
    response = client_as(world["seller"]).post("/deployments/dep-public/ask", data={"message": "Buy our tool"})
    assert response.status_code == 403
    assert "challenge" in response.get_data(as_text=True)
    assert _emails(db) == []


def test_only_records_the_sender_may_see(client_as, client, db, world) -> None:
    assert client_as(world["asker"]).post("/deployments/dep-private/ask", data={"message": "Hi"}).status_code == 404
    assert client.get("/deployments/dep-public/ask").status_code == 302  # sign in first
    assert _emails(db) == []


def test_throttled_per_sender_per_day_in_the_database(client_as, db, world) -> None:
    asker = client_as(world["asker"])
    for n in range(QUESTIONS_PER_DAY):
        assert asker.post("/deployments/dep-public/ask", data={"message": f"Question {n}"}).status_code == 303
    refused = asker.post("/deployments/dep-public/ask", data={"message": "One more"})
    assert refused.status_code == 429
    assert "Question 0" not in refused.get_data(as_text=True) and "One more" in refused.get_data(as_text=True)
    db.rollback()
    assert db.exec(select(sa.func.count()).select_from(PeerQuestion)).one() == QUESTIONS_PER_DAY


def test_personal_data_is_refused(client_as, db, world) -> None:
    response = client_as(world["asker"]).post(
        "/deployments/dep-public/ask", data={"message": "Did it help Jayden Smith dob 14/02/2016, NHS 943 476 5919?"}
    )
    assert response.status_code == 422
    assert _emails(db) == []
