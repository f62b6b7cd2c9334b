"""Signing up and confirming through the pages, and the viewer a user signs in as."""

from __future__ import annotations

import re

from sqlmodel import select

from catalogue.access import viewer_for
from catalogue.accounts.models import Organisation
from catalogue.notifications.models import OutboxEmail

GOOD_PASSWORD = "velvet lantern orbit maple 42"


def sign_up(client, **fields: str):
    data = {
        "display_name": "Sam Example",
        "email": "sam@example.org",
        "password": GOOD_PASSWORD,
        "organisation_choice": "existing",
    }
    data.update(fields)
    return client.post("/account/sign-up", data=data)


def emails_to(db, address: str) -> list[OutboxEmail]:
    db.rollback()
    return list(db.exec(select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)))


def link_in(email: OutboxEmail, prefix: str) -> str:
    """The site-relative path of the first link in an email that starts with `prefix`."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", email.body)
    assert match, email.body
    return match.group(1)


def confirm_and_sign_in(client, db, email: str, password: str = GOOD_PASSWORD):
    path = link_in(emails_to(db, email)[-1], "/account/confirm/")
    assert "Confirm my email address" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 303
    response = client.post("/account/sign-in", data={"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def viewer_of(db, user):
    if user is None:
        return viewer_for(None)

    kind = db.get(Organisation, user.organisation_id).kind if user.organisation_id else None
    return viewer_for(user, organisation_kind=kind)
