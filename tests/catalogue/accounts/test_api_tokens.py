"""Self-service API tokens (/account/tokens): named, scoped, expiring, revocable; the secret shown
once and stored hashed; the API enforces scope (403 on writes) and expiry (401)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from catalogue.accounts.models import ApiToken
from catalogue.accounts.services import hash_token, issue_api_token
from catalogue.db import utcnow
from tests.factories import DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.api import call


def _member(db):
    org = OrganisationFactory(kind="local-authority", name="Tokenshire")
    user = UserFactory(organisation_id=org.id)
    tool = ToolFactory(ref="tool-tok")
    DeploymentFactory(ref="dep-tok", organisation_id=org.id, tool_id=tool.id, visibility="public")
    return user


def _make(client, label="Warehouse", scope="read", days="30"):
    return client.post("/account/tokens", data={"label": label, "scope": scope, "expires_in_days": days})


def _secret(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('id="token-secret">') + len('id="token-secret">')
    return html[start : html.index("</code>", start)]


def test_the_page_needs_signing_in_and_is_linked_from_the_account(app, db, client, client_as):
    assert client.get("/account/tokens").status_code in (302, 303)
    signed_in = client_as(_member(db))
    assert "/account/tokens" in signed_in.get("/account").get_data(as_text=True)
    assert "You have no API tokens" in signed_in.get("/account/tokens").get_data(as_text=True)


def test_a_token_is_shown_once_and_stored_hashed(app, db, client_as):
    user = _member(db)
    signed_in = client_as(user)
    made = _make(signed_in, scope="write", days="90")
    assert made.status_code == 200 and "no-store" in made.headers["Cache-Control"]
    secret = _secret(made)
    assert secret.startswith("sp_")
    db.expire_all()
    stored = db.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash == hash_token(secret) and secret not in stored.token_hash
    assert stored.label == "Warehouse" and stored.scope == "write"
    assert timedelta(days=89) < stored.expires_at - utcnow() <= timedelta(days=90)
    listing = signed_in.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing and "Warehouse" in listing and "Never used" in listing


def test_every_error_is_shown_at_once_with_what_was_typed(app, db, client_as):
    signed_in = client_as(_member(db))
    response = _make(signed_in, label="x" * 201, scope="admin", days="3")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("200 characters or fewer", "Choose what the token may do", "Choose when the token expires"):
        assert message in html
    assert "x" * 201 in html
    assert db.exec(select(ApiToken)).all() == []


def test_a_read_token_reads_but_may_not_write(app, db, client, client_as):
    user = _member(db)
    secret = _secret(_make(client_as(user), scope="read"))
    assert call(client, "GET", "/api/v1/deployments/dep-tok", secret).status_code == 200
    refused = call(client, "PATCH", "/api/v1/deployments/dep-tok", secret, json={"impact": "Changed"})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json" and "only read" in refused.get_json()["detail"]
    posted = call(client, "POST", "/api/v1/deployments", secret, json={})
    assert posted.status_code == 403


def test_a_write_token_writes(app, db, client, client_as):
    user = _member(db)
    secret = _secret(_make(client_as(user), scope="write"))
    changed = call(client, "PATCH", "/api/v1/deployments/dep-tok", secret, json={"impact": "Changed by the API"})
    assert changed.status_code == 200, changed.get_json()


def test_last_use_is_recorded(app, db, client, client_as):
    user = _member(db)
    secret = _secret(_make(client_as(user)))
    call(client, "GET", "/api/v1/deployments", secret)
    db.expire_all()
    assert db.exec(select(ApiToken)).one().last_used_at is not None


def test_an_expired_token_is_refused(app, db, client):
    user = _member(db)
    secret = issue_api_token(db, user, label="old", scope="write", expires_at=utcnow() - timedelta(seconds=1))
    db.commit()
    response = call(client, "GET", "/api/v1/deployments", secret)
    assert response.status_code == 401 and "expired" in response.get_json()["detail"]


def test_revoking_stops_a_token_and_only_its_owner_may(app, db, client, client_as):
    user = _member(db)
    other = UserFactory(organisation_id=user.organisation_id)
    signed_in = client_as(user)
    secret = _secret(_make(signed_in))
    token = db.exec(select(ApiToken)).one()
    assert client_as(other).post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert call(client, "GET", "/api/v1/deployments", secret).status_code == 200
    revoked = signed_in.post(f"/account/tokens/{token.id}/revoke")
    assert revoked.status_code == 303
    assert call(client, "GET", "/api/v1/deployments", secret).status_code == 401
    assert "Revoked" in signed_in.get("/account/tokens").get_data(as_text=True)


def test_the_operators_command_still_makes_lasting_write_tokens(app, db):
    user = _member(db)
    result = app.test_cli_runner().invoke(args=["users", "token", user.email, "--label", "ops"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    stored = db.exec(select(ApiToken)).one()
    assert stored.scope == "write" and stored.expires_at is None
