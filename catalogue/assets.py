"""Static files as fast as they can be: compressed answers and content-hashed file names.

The asset build (scripts/build-assets.mjs, `npm run build`) writes a content-hashed copy of
each file the pages load under static/dist/ and a manifest naming them. `asset_url` resolves a
plain name through the manifest, so a page links to dist/css/app.<hash>.css, which never changes
and is cached for a year (catalogue.security.cache_headers); without a manifest (a development
checkout that has not built), or for a file it does not name, the plain name is served.

Every answer is compressed when the client asks (Flask-Compress: brotli, else gzip).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for
from flask_compress import Compress

log = logging.getLogger(__name__)

MANIFEST = Path("dist") / "manifest.json"
# dist/<path>.<ten hex digits>.<ext>: what the asset build names a hashed copy.
HASHED = re.compile(r"^dist/.+\.[0-9a-f]{10}\.[A-Za-z0-9]+$")


def load_manifest(static_folder: str | None) -> dict[str, str]:
    """{plain name: hashed name} for the hashed files that exist; {} without a build."""
    if not static_folder:
        return {}
    path = Path(static_folder) / MANIFEST
    try:
        entries = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        log.warning("asset manifest %s unreadable; serving plain file names", path)
        return {}
    return {plain: hashed for plain, hashed in entries.items() if (Path(static_folder) / hashed).is_file()}


def _manifest() -> dict[str, str]:
    app = current_app
    if app.debug:  # a rebuild while the development server runs is picked up
        return load_manifest(app.static_folder)
    return app.extensions["catalogue.assets"]


def asset_url(name: str) -> str:
    """The address of a static file: its content-hashed copy when the build made one."""
    return url_for("static", filename=_manifest().get(name, name))


def is_hashed(filename: str) -> bool:
    """A static file whose name carries its content's hash (so it never changes)."""
    return bool(HASHED.match(filename))


def init_app(app: Flask) -> None:
    # Brotli first (smaller), gzip for the rest; streamed answers (static files) too.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    compress = Compress(app)
    app.extensions["catalogue.assets"] = load_manifest(app.static_folder)

    @app.after_request
    def _read_static_file(response: Response) -> Response:
        # Registered after Compress, so it runs before it. A static file is streamed from
        # disk, and Flask-Compress would stream it through the compressor without closing the
        # file; read (and close) the few small files we serve, so it compresses them whole.
        if (
            request.endpoint == "static"
            and response.status_code == 200
            and response.is_streamed
            and response.mimetype in compress.compress_mimetypes_set
        ):
            response.direct_passthrough = False
            response.make_sequence()
        return response

    app.jinja_env.globals["asset_url"] = asset_url
