"""After the skip link (the address ends in #main-content), a form that fails posts back to its
own address without the fragment, so the error summary, not the main landmark, takes focus."""

from __future__ import annotations


def test_error_summary_takes_focus_after_the_skip_link(page) -> None:
    page.goto("/account/sign-in")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    assert page.url.endswith("#main-content")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "#" not in page.url
    page.wait_for_function("document.activeElement && document.activeElement.matches('.govuk-error-summary')")
