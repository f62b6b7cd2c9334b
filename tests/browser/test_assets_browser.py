"""A real browser loads a page's hashed, compressed CSS and scripts, and a returning visitor's
page is one request: the stylesheet and scripts come from the browser's cache."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_hashed_compressed_assets_load_and_stay_cached(page) -> None:
    fetched: list[tuple[str, str | None]] = []
    page.on("response", lambda r: fetched.append((r.url, r.headers.get("content-encoding"))))
    assert page.goto("/tools").status == 200
    page.wait_for_load_state("load")
    assets = [(url, enc) for url, enc in fetched if "/static/" in url]
    assert {re.sub(r".*/static/", "", u).split(".")[0] for u, _ in assets} >= {
        "dist/css/app",
        "dist/init",
        "dist/govuk/govuk-frontend",
    }, assets
    assert all(re.search(r"/static/dist/.+\.[0-9a-f]{10}\.", url) for url, _ in assets), assets
    # Compressed: the browser offers brotli and gets it for the page and the stylesheet.
    css = next(enc for url, enc in assets if url.endswith(".css"))
    assert css == "br"
    # The stylesheet applied (GOV.UK's width container) and the scripts ran (govuk-frontend-supported).
    assert page.evaluate("getComputedStyle(document.querySelector('.govuk-width-container')).maxWidth") != "none"
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert not page.problems.messages, page.problems.messages

    # Coming back: only the page itself goes to the server (Chromium's own account, over CDP).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    served: dict[str, str] = {}
    from_cache: set[str] = set()
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))

    def received(e: dict) -> None:
        served[e["requestId"]] = e["response"]["url"]
        if e["response"].get("fromDiskCache"):
            from_cache.add(e["requestId"])

    cdp.on("Network.responseReceived", received)
    page.goto("/deployments")  # a link followed, not a reload (a reload revalidates on purpose)
    page.wait_for_load_state("load")
    assert any("/static/dist/css/app." in u for u in served.values()), served
    network = [url for rid, url in served.items() if rid not in from_cache]
    assert [u for u in network if "/static/" not in u] and not [u for u in network if "/static/" in u], network
