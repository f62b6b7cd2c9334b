"""Pages as fast as they can be: compressed answers when asked, content-hashed static files
cached for a year, and the references inside them (url()s, imports) still resolving."""

from __future__ import annotations

import gzip
import re
from urllib.parse import urljoin

import brotli
import pytest
from flask import Flask

from catalogue import assets
from catalogue.security import IMMUTABLE


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "SEARCH_SYNC_AFTER_REQUEST": False}


def _get(client, path: str, **kwargs):
    """The answer with its body read and its file closed (static files are streamed)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def _decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


def _asset_links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


@pytest.mark.parametrize("path", ["/", "/tools", "/search?q=notes"])
def test_pages_are_compressed_when_asked(client, db, path: str) -> None:
    plain = _get(client, path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    for encoding in ("br", "gzip"):
        answer = _get(client, path, headers={"Accept-Encoding": encoding})
        assert answer.headers["Content-Encoding"] == encoding
        assert b"<!DOCTYPE html>" in _decoded(answer)
        assert len(answer.get_data()) < len(plain.get_data()) / 3
    # A browser offering both gets brotli.
    assert _get(client, path, headers={"Accept-Encoding": "gzip, deflate, br"}).headers["Content-Encoding"] == "br"


def test_pages_link_hashed_assets_cached_for_a_year(client, db) -> None:
    page = _get(client, "/").get_data(as_text=True)
    links = _asset_links(page)
    for name in ("css/app", "init", "govuk/govuk-frontend.min", "favicon"):
        assert any(re.search(rf"/static/dist/{name}\.[0-9a-f]{{10}}\.", link) for link in links), (name, links)
    for link in links:
        answer = _get(client, link, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200, link
        assert answer.headers["Cache-Control"] == IMMUTABLE, link
        assert _decoded(answer)
    # The plain names still work and are revalidated, never kept a year.
    plain = _get(client, "/static/css/app.css")
    assert plain.status_code == 200 and plain.headers.get("Cache-Control") != IMMUTABLE


def test_static_files_are_compressed(client, db) -> None:
    css = next(link for link in _asset_links(_get(client, "/").get_data(as_text=True)) if link.endswith(".css"))
    raw = _get(client, css).get_data()
    for encoding in ("br", "gzip"):
        answer = _get(client, css, headers={"Accept-Encoding": encoding})
        assert answer.headers["Content-Encoding"] == encoding
        assert _decoded(answer) == raw
        assert len(answer.get_data()) < len(raw) / 4


def test_references_inside_hashed_files_resolve(client, db) -> None:
    links = _asset_links(_get(client, "/").get_data(as_text=True))
    css = next(link for link in links if link.endswith(".css"))
    for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", _get(client, css).get_data(as_text=True)):
        if ref.startswith(("data:", "#")):
            continue
        target = urljoin(css, ref).split("#")[0]
        assert _get(client, target).status_code == 200, (ref, target)
        assert _get(client, target).headers["Cache-Control"] == IMMUTABLE, target
    script = next(link for link in links if "/init." in link)
    imports = re.findall(r'from\s+"([^"]+)"', _get(client, script).get_data(as_text=True))
    assert imports and all(re.search(r"/static/dist/.+\.[0-9a-f]{10}\.js$", i) for i in imports), imports
    assert all(_get(client, i).status_code == 200 for i in imports)


def test_without_a_build_the_plain_names_are_served(app: Flask, tmp_path) -> None:
    assert assets.load_manifest(str(tmp_path)) == {}
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "manifest.json").write_text('{"a.css": "dist/a.0123456789.css", "b.js": "dist/gone.js"}')
    (tmp_path / "dist" / "a.0123456789.css").write_text("x")
    assert assets.load_manifest(str(tmp_path)) == {"a.css": "dist/a.0123456789.css"}  # missing files ignored
    (tmp_path / "dist" / "manifest.json").write_text("not json")
    assert assets.load_manifest(str(tmp_path)) == {}
    with app.test_request_context("/"):
        app.extensions["catalogue.assets"] = {}
        assert assets.asset_url("css/app.css") == "/static/css/app.css"
    assert assets.is_hashed("dist/css/app.0123456789.css")
    assert not assets.is_hashed("css/app.css") and not assets.is_hashed("dist/manifest.json")
