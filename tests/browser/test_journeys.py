"""Journeys through the site as people take them, one test per journey."""

from __future__ import annotations

import re
import uuid

from tests.browser.conftest import assert_accessible, sign_in

NEW_PASSWORD = "amber kestrel under slate roofs"


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Sign in").first.is_visible()


def _emailed_link(seed, address: str, prefix: str) -> str:
    """The path of the link starting with `prefix` in the newest email to `address` (the outbox)."""
    from sqlmodel import select

    from catalogue.notifications.models import OutboxEmail

    with seed() as session:
        email = session.exec(
            select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id.desc())
        ).first()
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", email.body)
    assert match, email.body
    return match.group(1)


def test_sign_up_pending_approved_by_admin_then_sign_in(page, seed) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@northmoor.example"

    # Sign up as a member of a listed authority.
    page.goto("/account/sign-up")
    page.get_by_label("Your name").fill("Robin Newcomer")
    page.get_by_label("Work email address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("It is listed").check()
    page.get_by_label("Organisation", exact=True).select_option("la-northmoor")
    assert_accessible(page)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/account/check-email**")
    assert "Check your email" in page.content()
    assert_accessible(page)

    # The emailed link confirms the address; then the new member signs in, still pending.
    page.goto(_emailed_link(seed, email, "/account/confirm/"))
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_url("**/account/sign-in")
    assert "Your email address is confirmed" in page.content()
    sign_in(page, email, NEW_PASSWORD)
    assert "membership pending" in page.content()
    _sign_out(page)

    # The authority's admin approves the new member.
    sign_in(page, "admin@northmoor.example")
    page.goto("/account/members")
    assert email in page.content()
    assert_accessible(page)
    page.get_by_role("button", name=f"Approve {email}").click()
    page.wait_for_load_state()
    assert f"{email} is approved" in page.content()
    _sign_out(page)

    # The new member signs in, approved now.
    sign_in(page, email, NEW_PASSWORD)
    assert f"Signed in as {email}" in page.content()
    assert "membership pending" not in page.content()
    assert_accessible(page)
