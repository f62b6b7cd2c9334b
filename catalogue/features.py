"""How the feature packages plug into the core: the core finds them, it never names them.

The list of features is `catalogue.config.FEATURES` (the one place that names them). Each is a
module or package with `init_app(app)`, which registers everything it brings through the calls
below: its blueprints (pages and API), its CLI groups, its bundle section, its search kinds, its
followable kinds, its supplier dashboard panels, the offerings listed on a tool page and the
records whose search documents borrow another record's text. `create_app` calls each feature's
`init_app` in the listed order; `import_models` imports every feature's tables for the mapper,
Alembic and the tests.

The registries other than blueprints and commands are process-wide (the search indexer, the
bundle and the change log run outside a request) and idempotent: registering the same name twice
replaces, so building several apps in one process is harmless.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click
from flask import Blueprint, Flask

from catalogue.config import FEATURES

if TYPE_CHECKING:
    from sqlmodel import Session

    from catalogue.access import Viewer
    from catalogue.bundle import Section
    from catalogue.search.kinds import SearchKind

# The core's own tables outside a feature's models module (change log, audit, rate limits).
CORE_MODELS = ("catalogue.changes", "catalogue.ratelimit", "catalogue.cfe_models")

PanelFn = Callable[["Session", "Viewer"], "dict[str, Any] | None"]
ToolLister = Callable[["Session", "Viewer", int], "list[Any]"]
DependentsFn = Callable[[Any, Any], "list[tuple[str, list[int]]]"]
StandingFn = Callable[[Any, str, "set[int]"], "dict[int, tuple[str, str | None, str]]"]


@dataclass(frozen=True)
class Followable:
    """A kind of record users may follow: its table and the pattern of its page's address."""

    name: str
    model: Any
    url: str  # e.g. "/tools/{ref}"


@dataclass
class Registry:
    bundle_sections: dict[str, Section] = field(default_factory=dict)
    search_kinds: dict[str, SearchKind] = field(default_factory=dict)
    followable: dict[str, Followable] = field(default_factory=dict)
    dashboard_panels: dict[str, PanelFn] = field(default_factory=dict)
    tool_listers: dict[str, ToolLister] = field(default_factory=dict)
    dependents: dict[str, DependentsFn] = field(default_factory=dict)
    standing: dict[str, StandingFn] = field(default_factory=dict)


REGISTRY = Registry()


# --- finding the features ---------------------------------------------------------------------


def feature_modules(names: tuple[str, ...] = FEATURES) -> Iterator[Any]:
    for name in names:
        yield importlib.import_module(name)


def import_models(names: tuple[str, ...] = FEATURES) -> None:
    """Import every table (each feature's `models` module, and the core's own), so
    `SQLModel.metadata` and the mapper see them all."""
    for name in CORE_MODELS:
        importlib.import_module(name)
    for name in names:
        if importlib.util.find_spec(name) is None:
            raise ModuleNotFoundError(f"feature {name} not found", name=name)
        parent = importlib.import_module(name)
        if hasattr(parent, "__path__") and importlib.util.find_spec(f"{name}.models") is not None:
            importlib.import_module(f"{name}.models")


def init_features(app: Flask, names: tuple[str, ...] = FEATURES) -> None:
    for module in feature_modules(names):
        module.init_app(app)


# --- pages, API and commands (per app) ---------------------------------------------------------


def add_blueprint(app: Flask, blueprint: Blueprint) -> None:
    app.register_blueprint(blueprint)


def add_api(app: Flask, blueprint: Any) -> None:
    """A flask-smorest blueprint under /api/v1: token-authenticated, so exempt from CSRF."""
    from catalogue import csrf

    csrf.exempt(blueprint)
    app.extensions["catalogue.api"].register_blueprint(blueprint)


def add_cli(app: Flask, command: click.Command) -> None:
    app.cli.add_command(command)


# --- process-wide hooks ------------------------------------------------------------------------


def add_bundle_section(section: Section) -> None:
    REGISTRY.bundle_sections[section.name] = section


def bundle_sections() -> list[Section]:
    return sorted(REGISTRY.bundle_sections.values(), key=lambda s: s.order)


def add_search_kind(kind: SearchKind) -> None:
    REGISTRY.search_kinds[kind.name] = kind


def search_kinds() -> dict[str, SearchKind]:
    return REGISTRY.search_kinds


def add_followable(name: str, model: Any, url: str) -> None:
    REGISTRY.followable[name] = Followable(name, model, url)


def followable() -> dict[str, Followable]:
    return REGISTRY.followable


def add_dashboard_panel(name: str, fn: PanelFn) -> None:
    """A supplier dashboard panel: fn(session, viewer) -> None (nothing to show) or a dict with
    `title`, `template` and `context`. Panels show in the order registered; each must show only
    what the viewer may see (ask catalogue.access)."""
    REGISTRY.dashboard_panels[name] = fn


def dashboard_panels() -> dict[str, PanelFn]:
    return REGISTRY.dashboard_panels


def add_tool_lister(name: str, fn: ToolLister) -> None:
    """fn(session, viewer, tool_id) -> records the viewer may see that sell the tool (its page lists them)."""
    REGISTRY.tool_listers[name] = fn


def tool_listers() -> list[ToolLister]:
    return list(REGISTRY.tool_listers.values())


def add_dependents(name: str, fn: DependentsFn) -> None:
    """fn(session, obj) -> [(kind, ids)]: indexed records whose text includes obj's, queued for
    reindexing in the change log when obj changes."""
    REGISTRY.dependents[name] = fn


def dependents_hooks() -> list[DependentsFn]:
    return list(REGISTRY.dependents.values())


def add_standing(name: str, fn: StandingFn) -> None:
    """fn(connection, kind, ids) -> {id: (visibility, owners, ref)}: who may see each record now,
    as the search index stores it; the change log keeps it with each change (the change feed)."""
    REGISTRY.standing[name] = fn


def standing_hooks() -> list[StandingFn]:
    return list(REGISTRY.standing.values())
