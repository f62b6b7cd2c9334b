"""The JSON API under /api/v1 (flask-smorest): OpenAPI 3 at /api/v1/openapi.json, a
server-rendered reference at /api/v1/docs (no scripts from elsewhere), bearer-token
authentication only, the same visibility policy and the same schemas and services as the pages.

Errors are JSON in flask-smorest's shape; bad input is a 4xx with field errors
({"errors": {"json": {field: [message]}}}), never a 5xx."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from catalogue.api import contract, problems

API_PREFIX = "/api/v1"


class SignpostApi(Api):
    """flask-smorest's Api, answering errors as problem details only under /api/: other pages
    keep theirs."""

    ERROR_SCHEMA = problems.ProblemSchema

    def _register_error_handlers(self) -> None:
        app = self._app
        previous = app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)

        def handle(error: HTTPException) -> ResponseReturnValue:
            if request.path.startswith("/api/") or previous is None:
                return self.handle_http_exception(error)
            return previous(error)

        app.register_error_handler(HTTPException, handle)

    def handle_http_exception(self, error: HTTPException) -> ResponseReturnValue:
        """RFC 9457 problem details; a 429 says in how many seconds to try again."""
        if error.code == 429:
            from catalogue.ratelimit import retry_after

            data = dict(getattr(error, "data", None) or {})
            seconds = retry_after()
            data.setdefault("message", f"Too many requests: try again in {seconds} seconds")
            data["extensions"] = {"retry_after": seconds}  # flask-limiter adds the Retry-After header
            error.data = data  # type: ignore[attr-defined]
        return problems.problem(error)

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """A blueprint whose routes all name one shared tag (`doc_tag`: the packages' API
        blueprints of one heading, e.g. offerings and challenges) lists that tag once, not its own name."""
        super().register_blueprint(blp, parameters=parameters, **options)
        tag = getattr(blp, "doc_tag", None)
        if tag:
            tags = self.spec._tags  # apispec keeps the list private; flask-smorest appends one per blueprint
            tags[:] = [t for t in tags if t["name"] != options.get("name", blp.name)]
            if all(t["name"] != tag for t in tags):
                self.spec.tag({"name": tag, "description": blp.description})


# What the API answers but nobody writes (refs, names, times, whose record it is): a record as
# read may be sent back as it is, so these are dropped from a body unless its schema takes them.
READ_ONLY = frozenset(
    {
        "ref",
        "updated_at",
        "organisation",
        "organisation_name",
        "tool_name",
        "supplier",
        "supplier_name",
        "developed_by",
        "owner",
        "owner_name",
        "status",
        "topics_removed",
        "timetable",
        "questions_close",
        "deployments",
        "id",
        "challenge",
        "kind",
        "submitted_at",
        # Freshness (catalogue.upkeep): changed by confirming, not by writing it.
        "last_confirmed_at",
        "last_confirmed_by",
        "last_confirmed_by_name",
        "stale",
        # Alerts and email preferences (catalogue.notifications.alerts_api): derived and labels.
        "active",
        "kinds",
    }
)


class Parser(FlaskParser):
    """webargs' parser refusing unknown fields (422), after dropping the read-only ones."""

    def pre_load(self, location_data: Any, *, schema: Any, req: Any, location: str) -> Any:
        if location != "json" or not isinstance(location_data, Mapping):
            return location_data
        return {k: v for k, v in location_data.items() if k in schema.load_fields or k not in READ_ONLY}


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint; with `doc_tag`, its routes are documented under that tag,
    which blueprints of several packages may share (SignpostApi lists it once). A field the
    schema does not know is a 422 wherever it is sent (the forms' schemas drop them)."""

    ARGUMENTS_PARSER = Parser(unknown=RAISE)

    def __init__(self, *args: Any, doc_tag: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.doc_tag = doc_tag

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any) -> Any:
        if tags is None and self.doc_tag:
            tags = [self.doc_tag]
        return super().route(rule, parameters=parameters, tags=tags, **options)


OUTPUT_SUFFIXES = ("Out", "ListItem", "Page")


def schema_name(schema: Any) -> str:
    """OpenAPI names that tell the input, patch and output variants of one schema apart; an
    output's name ends in Out (or ListItem, Page)."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if name.endswith("ListItem"):
        name += "Out"
    if name.endswith(OUTPUT_SUFFIXES) or name.endswith("Patch"):
        return name
    if not isinstance(schema, type):
        if schema.partial:
            name += "Patch"
        elif schema.exclude or schema.only:
            name += "Input"
    return name


docs_bp = FlaskBlueprint("api_docs_page", __name__, url_prefix=API_PREFIX)


@docs_bp.get("/docs")
def docs() -> ResponseReturnValue:
    spec: dict[str, Any] = current_app.extensions["catalogue.api"].spec.to_dict()
    endpoints = []
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            params = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "query": [p["name"] for p in params],
                    "body": "requestBody" in operation,
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                }
            )
    return render_template("api/docs.html", title="API", endpoints=endpoints, spec_url=f"{API_PREFIX}/openapi.json")


def init_app(app: Flask) -> None:
    """The API object and its reference page; each feature adds its own API blueprints
    (catalogue.features.add_api)."""
    app.config.setdefault("API_TITLE", "Signpost API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "The evidence catalogue for children's social care. Send `Authorization: Bearer <token>` "
                "(make one on your account's API tokens page, /account/tokens: read only, or read and write, "
                "with an expiry; operators use `flask users token EMAIL`) to see what your organisation may see "
                "and to write; without a token you see public records only. A read-only token's writes are 403, "
                "an expired or revoked token 401. `GET /api/v1/changes` is the change feed. Lists take `page` and `per_page` and answer "
                '`{"items", "page", "per_page", "total", "pages"}`.'
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
    )
    marshmallow = MarshmallowPlugin(schema_name_resolver=schema_name)
    api = SignpostApi(
        app, spec_kwargs={"marshmallow_plugin": marshmallow, "extra_plugins": [contract.ContractPlugin()]}
    )
    contract.codes_to_enum(marshmallow)
    for name, response in contract.problem_responses().items():
        api.spec.components.response(name, response)
    app.extensions["catalogue.api"] = api
    app.register_blueprint(docs_bp)
