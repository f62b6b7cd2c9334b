"""One-off work moved out of a worker's first request into its start-up.

Profiled on the demo data, a challenge page's first request on a fresh process spent about
85 % of its time compiling the Jinja templates it uses (the GOV.UK macros, the layout, the
page), and most of the rest setting up the ORM's mappers; later requests take a few
milliseconds. So each process compiles every template when
the app is created, and keeps the compiled code in a bytecode cache under the instance folder,
so that the next worker or restart loads it instead of compiling again. Compiled templates are
immutable data derived from the files on disk (the cache key includes the source's checksum),
so sharing them between processes can never change what a page shows.

Off in tests (WARM_UP False): each test creates its own app and would pay for every template.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from jinja2 import FileSystemBytecodeCache
from sqlalchemy.orm import configure_mappers


def init_app(app: Flask) -> None:
    if not app.config.get("WARM_UP"):
        return
    started = time.perf_counter()
    cache_dir = Path(app.config["INSTANCE_DIR"]) / "template-cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache_dir))
    compiled = compile_templates(app)
    # The ORM otherwise sets up every mapper's relationships in the first query (about 60 ms).
    # Pure Python, no connection: nothing is opened that a forked worker could inherit.
    configure_mappers()
    load_word_lists()
    app.extensions["catalogue.warm_up"] = {
        "templates": compiled,
        "seconds": time.perf_counter() - started,
    }


def load_word_lists() -> None:
    """Read the fixed word lists a first save or search would otherwise load in its request:
    the given-name dictionary of the personal-data guard (~90 ms) and the search thesaurus's
    lookup keys (~40 ms). Both are cached for the life of the process and never change."""
    from catalogue.personal_data.names import is_given_name
    from catalogue.search import expand

    is_given_name("mia")
    expand._keys()  # its own cache, filled ahead of the first search


def compile_templates(app: Flask) -> int:
    """Load every template into the environment's cache, so no request compiles one."""
    env = app.jinja_env
    names = env.list_templates()
    # The in-memory cache must hold them all, or the first ones loaded would be pushed out.
    if env.cache is not None and env.cache.capacity < len(names):
        raise RuntimeError(f"jinja cache_size {env.cache.capacity} < {len(names)} templates")
    for name in names:
        env.get_template(name)
    return len(names)
