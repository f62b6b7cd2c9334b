"""`flask seed demo`: fictional demo catalogue and accounts, safe to repeat."""

from __future__ import annotations

import json

import jsonschema
from flask import Flask
from sqlmodel import Session, func, select

from catalogue.accounts.models import Organisation, User
from catalogue.accounts.passwords import password_problem, verify_password
from catalogue.cli import DEMO_ACCOUNTS, DEMO_BUNDLE, DEMO_PASSWORD
from catalogue.records.models import Deployment
from seed.loader import reference_authorities
from suppliers.models import Offering
from tests.conftest import SHARED


def test_demo_bundle_follows_the_spec_and_is_fictional() -> None:
    bundle = json.loads(DEMO_BUNDLE.read_text())
    jsonschema.Draft202012Validator(json.loads((SHARED / "spec" / "bundle-v1.schema.json").read_text())).validate(
        bundle
    )
    real_names = {row["name"].lower() for row in reference_authorities()}
    for org in bundle["organisations"]:
        assert "ons_code" not in org
        words = org["name"].lower()
        assert not any(name in words for name in real_names if len(name) > 4), org["name"]
    stages = [d["stage"] for d in bundle["deployments"]]
    assert stages.count("dropped") >= 8
    assert {d["visibility"] for d in bundle["deployments"]} == {"public", "authorities", "private"}
    assert all(d.get("dropped_detail") for d in bundle["deployments"] if d["stage"] == "dropped")


def test_seed_demo_is_safe_to_repeat(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    counts = {
        m.__name__: db.exec(select(func.count()).select_from(m)).one()
        for m in (Organisation, Deployment, Offering, User)
    }
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0, second.output
    db.expire_all()
    assert counts == {
        m.__name__: db.exec(select(func.count()).select_from(m)).one()
        for m in (Organisation, Deployment, Offering, User)
    }
    assert set(db.exec(select(Deployment.is_demo)).all()) == {True}
    assert (
        db.exec(select(func.count()).select_from(Organisation).where(Organisation.is_reference.is_(True))).one() == 153
    )

    for email, _name, org_ref, role, site_admin in DEMO_ACCOUNTS:
        user = db.exec(select(User).where(User.email == email)).one()
        assert user.status == "approved" and user.role == role and user.is_site_admin == site_admin
        assert verify_password(user.password_hash, DEMO_PASSWORD)
        assert password_problem(DEMO_PASSWORD, email) is None
        if org_ref:
            assert db.get(Organisation, user.organisation_id).ref == org_ref
