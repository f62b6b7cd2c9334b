"""On a phone (375 CSS px) no page is wider than the screen: wide tables scroll inside their own
region, filters fold away, long words wrap, tags do not stack into tall boxes. Each role walks the
links its pages show, opening one URL per route (every page template, as that role sees it):
every page must fit, and no link may end in a 403 (no dead ends)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.browser.conftest import sign_in

PHONE = {"width": 375, "height": 740}
# Authority staff are walked as the admin (a member's pages are a subset of the admin's).
ROLES = [
    None,
    "admin@northmoor.example",
    "supplier@quillstone.example",
    "lead@northern-fells.example",
    "siteadmin@signpost.example",
]
# Pages no link leads to (or that show only after a search or an error), opened by every role.
START = ["/", "/search?q=transcription", "/search?q=zzzznothing", "/no-such-page"]
# Not pages: downloads, machine-readable answers, links that act (sign out, unsubscribe).
SKIP_ENDPOINT_WORDS = ("static", "csv", "export", "json", "openapi", "unsubscribe", "sign_out", "confirm", "reset")
PAGES_PER_ROLE = 90

# A tag squeezed into a column: more than two lines of text while narrower than the space its
# parent gives it ("B / et / a" beside the phase banner). A long tag as wide as the screen may wrap.
TALL_TAGS_JS = """() => [...document.querySelectorAll('.govuk-tag')].filter(tag => {
    const style = getComputedStyle(tag);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.25;
    const box = tag.getBoundingClientRect();
    const text = box.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return text > 2.5 * line && box.width < 0.9 * tag.parentElement.clientWidth;
}).map(tag => tag.textContent.trim())"""

OFFENDERS_JS = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > width + 1);
    // The innermost offenders say what to fix.
    return wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
        .slice(0, 3).map(el => el.outerHTML.slice(0, 160));
}"""


def _route(server_app: object, url: str) -> str | None:
    """The route a same-site URL opens (one visit per route and role), or None to skip it."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and not parts.netloc.startswith("127.0.0.1")):
        return None
    try:
        endpoint, _args = server_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return "404" if parts.path == "/no-such-page" else None
    if any(word in endpoint for word in SKIP_ENDPOINT_WORDS) or endpoint.startswith("api"):
        return None
    # The search page with and without words, and a results page, look different.
    return f"{endpoint}?{'q' if 'q=' in parts.query else ''}"


@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "anonymous").split("@")[0])
def test_no_page_is_wider_than_a_phone(browser, live_server: str, server_app, email: str | None) -> None:
    started = time.monotonic()
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        if email:
            sign_in(page, email)
        queue = [(url, "(start)") for url in START]
        seen: set[str] = set()
        too_wide: list[str] = []
        dead_ends: list[str] = []
        opened = 0
        while queue and opened < PAGES_PER_ROLE:
            url, linked_from = queue.pop(0)
            route = _route(server_app, url)
            if route is None or route in seen:
                continue
            seen.add(route)
            response = page.goto(url, wait_until="domcontentloaded")
            opened += 1
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            assert response.status < 500, f"{url} -> {response.status}"
            if response.status == 403:
                dead_ends.append(f"{url} (linked from {linked_from})")
            scroll_width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll_width > viewport:
                too_wide.append(f"{url}: {scroll_width} px wide; {page.evaluate(OFFENDERS_JS)}")
            tall = page.evaluate(TALL_TAGS_JS)
            if tall:
                too_wide.append(f"{url}: tags squeezed into tall boxes: {tall[:3]}")
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
            queue.extend((h.split("#", 1)[0], url) for h in hrefs if h.startswith("/") and not h.startswith("//"))
        assert opened > 10, f"only {opened} pages opened as {email}"
        who = email or "anonymous"
        assert not too_wide, f"as {who}, pages that do not fit {PHONE['width']} px:\n" + "\n".join(too_wide)
        assert not dead_ends, f"as {who}, links that end in 403:\n" + "\n".join(dead_ends)
        print(f"{email or 'anonymous'}: {opened} routes in {time.monotonic() - started:.1f} s")
    finally:
        context.close()
