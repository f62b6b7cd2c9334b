"""Journeys through the site as people take them, one test per journey."""

from __future__ import annotations

import uuid

from tests.browser.conftest import assert_accessible, sign_in

NEW_PASSWORD = "amber kestrel under slate roofs"


def _sign_out(page) -> None:  # noqa: ANN001
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Sign in").first.is_visible()


def test_sign_up_pending_approved_by_admin_then_sign_in(page) -> None:  # noqa: ANN001
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
    page.wait_for_url("**/account")
    assert "you see public content only" in page.content()
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
