"""Accounts: sign-up into an existing authority or a new supplier, approval by organisation
admins and site admins, password rules, the operator CLI and the audit trail."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import select

from catalogue.access import viewer_for, visible_levels
from catalogue.accounts import services
from catalogue.accounts.models import ApiToken, Organisation, User
from catalogue.accounts.passwords import verify_password
from catalogue.changes import AuditEvent
from tests.factories import PASSWORD, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.accounts import GOOD_PASSWORD, confirm_and_sign_in, emails_to, link_in, sign_up


@pytest.fixture
def council(db):
    return OrganisationFactory(kind="local-authority", name="Northshire Council", ref="northshire")


def _user(db, email: str) -> User:
    db.rollback()  # a fresh snapshot: requests and commands wrote on other connections
    db.expire_all()
    return db.exec(select(User).where(User.email == email)).one()


def test_sign_up_with_an_existing_authority_is_pending(db, client, council: Organisation) -> None:
    response = sign_up(client, organisation_ref=council.ref, email="Sam@Example.org")
    assert response.status_code == 303 and "/account/check-email" in response.headers["Location"]
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)
    user = _user(db, "sam@example.org")
    assert (user.status, user.role, user.organisation_id) == ("pending", "member", council.id)
    assert verify_password(user.password_hash, GOOD_PASSWORD) and user.email_confirmed_at is None
    # Not signed in until the address is confirmed, and sign-in says no more than for a wrong password.
    assert client.get("/account").status_code == 302
    refused = client.post("/account/sign-in", data={"email": "sam@example.org", "password": GOOD_PASSWORD})
    assert refused.status_code == 200 and "Enter a correct email address and password" in refused.get_data(as_text=True)
    confirm_and_sign_in(client, db, "sam@example.org")
    assert _user(db, "sam@example.org").email_confirmed_at is not None
    # Signed in, told they are pending, and the policy gives them public content only.
    page = client.get("/account").get_data(as_text=True)
    assert "sam@example.org" in page
    home = client.get("/").get_data(as_text=True)
    assert "membership pending" in home
    assert visible_levels(viewer_for(user, organisation_kind="local-authority")) == ("public",)


def test_sign_up_registering_a_new_supplier(db, client) -> None:
    response = sign_up(
        client,
        organisation_choice="new",
        new_organisation_name="Brightwave Analytics Ltd",
        new_organisation_kind="supplier",
        new_organisation_website="https://brightwave.example",
    )
    assert response.status_code == 303
    user = _user(db, "sam@example.org")
    org = db.get(Organisation, user.organisation_id)
    assert (org.name, org.kind, org.website) == ("Brightwave Analytics Ltd", "supplier", "https://brightwave.example")
    assert (user.role, user.status) == ("admin", "pending")
    confirm_and_sign_in(client, db, "sam@example.org")
    # A pending organisation admin cannot approve anyone yet.
    assert client.get("/account/members").status_code == 403


def test_new_organisation_with_a_listed_name_is_refused(db, client, council: Organisation) -> None:
    response = sign_up(
        client, organisation_choice="new", new_organisation_name="northshire council", new_organisation_kind="provider"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "already listed" in page
    assert db.exec(select(User)).first() is None


def test_sign_up_errors_keep_what_was_typed_but_not_the_password(client, council: Organisation) -> None:
    response = sign_up(client, organisation_ref=council.ref, password="short pw")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#password"' in page
    assert "Password must be 12 characters or more" in page
    assert 'value="Sam Example"' in page and 'value="sam@example.org"' in page
    assert "short pw" not in page
    assert f'value="{council.ref}" selected' in page or f'value="{council.ref}"  selected' in page


@pytest.mark.parametrize("password", ["password1234", "Password1234!", "qwertyuiopas", "aaaaaaaaaaaaaaaa"])
def test_common_passwords_are_refused(client, council: Organisation, password: str) -> None:
    page = sign_up(client, organisation_ref=council.ref, password=password).get_data(as_text=True)
    assert "Password is too common" in page
    assert password not in page


def test_password_containing_the_email_is_refused(client, council: Organisation) -> None:
    page = sign_up(
        client, organisation_ref=council.ref, email="samantha@example.org", password="samantha is my long pass"
    ).get_data(as_text=True)
    assert "Password must not contain your email address" in page


def test_duplicate_email_answers_like_a_new_one_and_tells_the_owner(db, client, council: Organisation) -> None:
    owner = UserFactory(email="sam@example.org", organisation_id=council.id)
    db.commit()
    fresh = sign_up(app_client(client), organisation_ref=council.ref, email="new.person@example.org")
    response = sign_up(client, organisation_ref=council.ref, email="SAM@example.org ")
    assert response.status_code == fresh.status_code == 303
    assert response.headers["Location"] == fresh.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page and "already exists" not in page
    assert len(db.exec(select(User)).all()) == 2
    (notice,) = emails_to(db, "sam@example.org")
    assert "Someone tried to create" in notice.subject and "/account/forgotten-password" in notice.body
    assert "/account/confirm/" not in notice.body and notice.user_id == owner.id
    (confirm,) = emails_to(db, "new.person@example.org")
    assert "Confirm your email address" in confirm.subject


def app_client(client):
    return client.application.test_client()


def test_confirmation_link_works_once_and_not_when_forged(db, client, council: Organisation) -> None:
    sign_up(client, organisation_ref=council.ref)
    path = link_in(emails_to(db, "sam@example.org")[-1], "/account/confirm/")
    assert client.get(path[:-3] + "xyz").status_code == 400
    assert client.post(path).status_code == 303
    assert client.post(path).status_code == 400
    assert "This link has expired" in client.get(path).get_data(as_text=True)


def test_password_reset_answers_the_same_for_any_address(db, client, council: Organisation) -> None:
    UserFactory(email="sam@example.org", organisation_id=council.id)
    db.commit()
    known = client.post("/account/forgotten-password", data={"email": "Sam@example.org"})
    unknown = client.post("/account/forgotten-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert emails_to(db, "nobody@example.org") == []
    (email,) = emails_to(db, "sam@example.org")
    assert "Reset your password" in email.subject


def test_password_reset_sets_a_new_password_once_and_signs_out_everywhere(db, client, client_as, council) -> None:
    user = UserFactory(email="sam@example.org", organisation_id=council.id)
    db.commit()
    old_token = user.session_token
    elsewhere = client_as(user)
    assert elsewhere.get("/account").status_code == 200
    client.post("/account/forgotten-password", data={"email": "sam@example.org"})
    path = link_in(emails_to(db, "sam@example.org")[-1], "/account/reset-password/")
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    short = client.post(path, data={"new_password": "too short"})
    assert short.status_code == 200 and "There is a problem" in short.get_data(as_text=True)
    new_password = "a freshly chosen passphrase"
    assert client.post(path, data={"new_password": new_password}).status_code == 303
    assert client.post(path, data={"new_password": "another passphrase entirely"}).status_code == 400
    assert elsewhere.get("/account").status_code == 302
    stored = _user(db, "sam@example.org")
    assert verify_password(stored.password_hash, new_password) and stored.session_token != old_token
    signed_in = client.post("/account/sign-in", data={"email": "sam@example.org", "password": new_password})
    assert signed_in.status_code == 303


def test_forgotten_password_form_shows_errors_and_keeps_what_was_typed(client) -> None:
    page = client.post("/account/forgotten-password", data={"email": "not an address"}).get_data(as_text=True)
    assert "There is a problem" in page and 'href="#email"' in page and 'value="not an address"' in page


def test_missing_fields_each_have_a_message(client) -> None:
    page = client.post("/account/sign-up", data={}).get_data(as_text=True)
    for message in ("Enter your name", "Enter your email address", "Enter a password"):
        assert message in page


def test_unknown_organisation_ref_is_refused(client) -> None:
    page = sign_up(client, organisation_ref="no-such-council").get_data(as_text=True)
    assert "Choose your organisation from the list" in page


# --- approval --------------------------------------------------------------------------------


@pytest.fixture
def people(db, council: Organisation):
    other = OrganisationFactory(kind="local-authority", name="Southshire Council")
    return {
        "admin": UserFactory(organisation_id=council.id, role="admin", email="admin@northshire.example"),
        "member": UserFactory(organisation_id=council.id, email="member@northshire.example"),
        "pending": UserFactory(organisation_id=council.id, status="pending", email="new@northshire.example"),
        "other_admin": UserFactory(organisation_id=other.id, role="admin", email="admin@southshire.example"),
        "other_pending": UserFactory(organisation_id=other.id, status="pending", email="new@southshire.example"),
        "site_admin": UserFactory(is_site_admin=True, email="ops@signpost.example"),
    }


def test_org_admin_sees_and_approves_own_pending_members(db, client_as, people) -> None:
    client = client_as(people["admin"])
    page = client.get("/account/members").get_data(as_text=True)
    assert "new@northshire.example" in page and "new@southshire.example" not in page
    response = client.post(f"/account/members/{people['pending'].id}/approve")
    assert response.status_code == 303
    user = _user(db, "new@northshire.example")
    assert user.status == "approved" and user.approved_by_id == people["admin"].id and user.approved_at
    # The approved member now sees what authorities see.
    assert visible_levels(viewer_for(user, organisation_kind="local-authority")) == ("public", "authorities")


def test_org_admin_rejects_and_the_rejected_user_is_signed_out(db, client_as, people) -> None:
    pending_client = client_as(people["pending"])
    assert pending_client.get("/account").status_code == 200
    assert client_as(people["admin"]).post(f"/account/members/{people['pending'].id}/reject").status_code == 303
    assert _user(db, "new@northshire.example").status == "rejected"
    assert pending_client.get("/account").status_code == 302


def test_org_admin_cannot_decide_for_another_organisation(db, client_as, people) -> None:
    client = client_as(people["admin"])
    assert client.post(f"/account/members/{people['other_pending'].id}/approve").status_code == 403
    assert _user(db, "new@southshire.example").status == "pending"


@pytest.mark.parametrize("role", ["member", "pending"])
def test_members_cannot_approve(db, client_as, people, role: str) -> None:
    client = client_as(people[role])
    assert client.get("/account/members").status_code == 403
    assert client.post(f"/account/members/{people['other_pending'].id}/approve").status_code == 403
    assert _user(db, "new@southshire.example").status == "pending"


def test_site_admin_approves_anyone(db, client_as, people) -> None:
    client = client_as(people["site_admin"])
    page = client.get("/account/members").get_data(as_text=True)
    assert "new@northshire.example" in page and "new@southshire.example" in page
    assert client.post(f"/account/members/{people['other_pending'].id}/approve").status_code == 303
    user = _user(db, "new@southshire.example")
    assert user.status == "approved" and user.approved_by_id == people["site_admin"].id


def test_site_admin_approves_a_new_supplier_admin(db, client, client_as, people) -> None:
    sign_up(client, organisation_choice="new", new_organisation_name="Nimbus Ltd", new_organisation_kind="supplier")
    confirm_and_sign_in(client, db, "sam@example.org")
    user = _user(db, "sam@example.org")
    assert client_as(people["site_admin"]).post(f"/account/members/{user.id}/approve").status_code == 303
    assert _user(db, "sam@example.org").status == "approved"
    assert client.get("/account/members").status_code == 200  # now an organisation admin


def test_unknown_user_cannot_be_decided(client_as, people) -> None:
    assert client_as(people["site_admin"]).post("/account/members/999999/approve").status_code == 403


def test_anonymous_is_sent_to_sign_in(client) -> None:
    for path in ("/account", "/account/members", "/account/audit"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    assert client.post("/account/members/1/approve").status_code == 302


# --- password change ---------------------------------------------------------------------------


def test_change_password(db, client_as, people) -> None:
    client = client_as(people["member"])
    wrong = client.post("/account/password", data={"current_password": "nope", "new_password": GOOD_PASSWORD})
    assert "Your current password is not right" in wrong.get_data(as_text=True)
    weak = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "password1234"})
    assert "Password is too common" in weak.get_data(as_text=True)
    ok = client.post("/account/password", data={"current_password": PASSWORD, "new_password": GOOD_PASSWORD})
    assert ok.status_code == 303
    assert verify_password(_user(db, "member@northshire.example").password_hash, GOOD_PASSWORD)


# --- operator CLI ------------------------------------------------------------------------------


def _cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_create_member_and_admin(app: Flask, db, council: Organisation) -> None:
    result = _cli(app, "users", "create", "Lee@Example.org", "--org", council.ref, "--password", GOOD_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "created lee@example.org (member of Northshire Council)" in result.output
    result = _cli(
        app, "users", "create", "boss@example.org", "--org", council.ref, "--role", "admin", "--password", GOOD_PASSWORD
    )
    assert result.exit_code == 0, result.output
    lee, boss = _user(db, "lee@example.org"), _user(db, "boss@example.org")
    assert (lee.status, lee.role, boss.role) == ("approved", "member", "admin")
    assert lee.organisation_id == council.id


def test_cli_create_refuses_bad_input(app: Flask, db, council: Organisation) -> None:
    weak = _cli(app, "users", "create", "lee@example.org", "--org", council.ref, "--password", "password1234")
    assert weak.exit_code != 0 and "too common" in weak.output
    no_org = _cli(app, "users", "create", "lee@example.org", "--org", "nowhere", "--password", GOOD_PASSWORD)
    assert no_org.exit_code != 0 and "no organisation" in no_org.output
    UserFactory(email="taken@example.org")
    taken = _cli(app, "users", "create", "taken@example.org", "--org", council.ref, "--password", GOOD_PASSWORD)
    assert taken.exit_code != 0 and "already exists" in taken.output
    db.rollback()
    db.expire_all()
    assert [u.email for u in db.exec(select(User)).all()] == ["taken@example.org"]


def test_cli_create_admin(app: Flask, db) -> None:
    result = _cli(app, "users", "create-admin", "ops@example.org", "--password", GOOD_PASSWORD)
    assert result.exit_code == 0, result.output
    user = _user(db, "ops@example.org")
    assert user.is_site_admin and user.status == "approved" and user.organisation_id is None


def test_cli_token_and_revoke(app: Flask, db, people) -> None:
    result = _cli(app, "users", "token", "member@northshire.example", "--label", "nightly export")
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert raw.startswith("sp_")
    db.rollback()
    db.expire_all()
    stored = db.exec(select(ApiToken)).one()
    assert stored.label == "nightly export" and raw not in stored.token_hash
    assert services.user_for_token(db, raw).email == "member@northshire.example"
    revoked = _cli(app, "users", "revoke-tokens", "member@northshire.example")
    assert revoked.exit_code == 0 and "revoked 1 tokens" in revoked.output
    db.rollback()
    db.expire_all()
    assert services.user_for_token(db, raw) is None
    assert _cli(app, "users", "token", "nobody@example.org").exit_code != 0


# --- audit trail -------------------------------------------------------------------------------


def test_audit_trail_org_admin_sees_own_organisation_only(db, client_as, people, council: Organisation) -> None:
    other = db.get(Organisation, people["other_admin"].organisation_id)
    for org, name in ((council, "Northshire Borough Council"), (other, "Southshire Borough Council")):
        org.name = name
        db.add(org)
    db.commit()
    page = client_as(people["admin"]).get("/account/audit").get_data(as_text=True)
    assert "Organisation: Northshire Borough Council" in page and "Southshire Borough Council" not in page
    assert "Changed" in page and "to Northshire Borough Council" in page
    admin_page = client_as(people["site_admin"]).get("/account/audit").get_data(as_text=True)
    assert "Organisation: Northshire Borough Council" in admin_page
    assert "Organisation: Southshire Borough Council" in admin_page


def test_audit_trail_names_who_acted(db, client_as, people, council: Organisation) -> None:
    admin = client_as(people["admin"])
    assert admin.post(f"/account/members/{people['pending'].id}/approve").status_code == 303
    member = client_as(people["member"])
    new_password = "a brand new passphrase for audit"
    assert (
        member.post("/account/password", data={"current_password": PASSWORD, "new_password": new_password}).status_code
        == 303
    )
    token = services.issue_api_token(db, people["member"])
    db.commit()
    ToolFactory(ref="tool-audited")
    api = client_as(None)
    created = api.post(
        "/api/v1/deployments",
        json={"tool": "tool-audited", "stage": "pilot"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.get_json()
    db.rollback()
    events = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    updates = [e for e in events if e.record_type == "user_account" and e.action == "update"]
    approval = next(e for e in updates if e.record_id == people["pending"].id)
    assert approval.actor_id == people["admin"].id and approval.changes["status"] == ["pending", "approved"]
    password = next(e for e in updates if e.record_id == people["member"].id)
    assert password.actor_id == people["member"].id and list(password.changes) == ["password_hash"]
    # Neither the hash nor the session token ever reaches the trail.
    stored = _user(db, people["member"].email)
    assert stored.password_hash not in str(password.changes) and "session_token" not in password.changes
    deployment = next(e for e in events if e.record_type == "deployment")
    assert deployment.actor_id == people["member"].id
    page = admin.get("/account/audit").get_data(as_text=True)
    # Who by name, what from what to what, never the hash, never "user_account 7".
    assert people["admin"].display_name in page and people["member"].display_name in page
    assert f"Account: {people['pending'].display_name}" in page and "user_account" not in page
    assert "Status: from pending to approved" in page
    assert "Password hash: changed (not shown)" in page and stored.password_hash not in page


def test_rejection_is_audited(db, client_as, people) -> None:
    assert client_as(people["admin"]).post(f"/account/members/{people['pending'].id}/reject").status_code == 303
    db.rollback()
    event = db.exec(
        select(AuditEvent).where(AuditEvent.record_type == "user_account", AuditEvent.action == "update")
    ).one()
    assert event.actor_id == people["admin"].id and event.changes["status"] == ["pending", "rejected"]


@pytest.mark.parametrize("role", ["member", "pending"])
def test_audit_trail_is_for_admins_only(client_as, people, role: str) -> None:
    assert client_as(people[role]).get("/account/audit").status_code == 403
