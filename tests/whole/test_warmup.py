"""Start-up warm-up (catalogue.warmup): a process compiles its templates before any request."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from catalogue import create_app
from catalogue.personal_data import names as name_lists
from catalogue.search import expand


def test_warm_up_compiles_every_template_at_start(app_config: dict, tmp_path: Path) -> None:
    name_lists._strict_names.cache_clear()
    expand._keys.cache_clear()
    app = create_app(dict(app_config, WARM_UP=True))
    env = app.jinja_env
    names = env.list_templates()
    assert "outcomes/show.html" in names
    # Every template is in the in-memory cache before the first request...
    assert len(env.cache) == len(names)
    assert app.extensions["catalogue.warm_up"]["templates"] == len(names)
    # ...and its compiled code on disk, where the next worker loads it instead of compiling.
    cached = list((tmp_path / "template-cache").glob("__jinja2_*.cache"))
    assert len(cached) == len(names)
    # The fixed word lists are read once, before any save or search needs them.
    assert name_lists._strict_names.cache_info().currsize == 1
    assert expand._keys.cache_info().currsize == 1
    app.extensions["catalogue.engine"].dispose()


def test_warm_up_is_off_in_tests(app: Flask) -> None:
    assert app.config["WARM_UP"] is False
    assert len(app.jinja_env.cache) == 0
    assert app.jinja_env.bytecode_cache is None
    assert "catalogue.warm_up" not in app.extensions


def test_testing_apps_skip_the_warm_up_unless_asked(app_config: dict) -> None:
    config = {k: v for k, v in app_config.items() if k != "WARM_UP"}
    app = create_app(config)
    assert app.config["WARM_UP"] is False
    assert len(app.jinja_env.cache) == 0
    app.extensions["catalogue.engine"].dispose()
