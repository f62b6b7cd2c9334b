"""/api/v1/search: the same search as the search page, hits and facet counts over what the
viewer may see (the engine filters by the policy's grants)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from catalogue.api import Blueprint, common

blp = Blueprint("api_search", __name__, url_prefix="/api/v1", description="Search every kind of record.")
common.install(blp)


class SearchArgs(common.PageArgs):
    q = common.text_arg(500)
    kind = fields.List(common.text_arg(40), metadata={"description": "one or more kinds of record"})
    sort = common.text_arg(40)
    exact = fields.Boolean(
        load_default=False,
        metadata={"description": "search for the words exactly as typed, without spelling correction"},
    )


class HitOut(Schema):
    kind = fields.String()
    ref = fields.String()
    title = fields.String()
    url = fields.String()
    snippet = fields.String()
    score = fields.Float()


class SearchOut(Schema):
    query = fields.String()
    items = fields.List(fields.Nested(HitOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.Raw())))
    corrected_from = fields.String(
        allow_none=True,
        metadata={
            "description": "set when the words typed found nothing and these results are for `query`, their "
            "spelling correction (as the search page says); send `exact=true` to search for them as typed",
            "example": "transcripton",
        },
    )
    suggestion = fields.String(
        allow_none=True, metadata={"description": "did you mean: a correction that also finds records, or null"}
    )


@blp.route("/search")
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchOut)
def search(args: dict[str, Any]) -> dict[str, Any]:
    """Hits and facet counts, only from records you may see."""
    from catalogue.search import engine

    results = engine.search(
        common.viewer(),
        args.get("q", ""),
        kinds=args.get("kind") or None,
        page=args["page"],
        per_page=args["per_page"],
        sort=args.get("sort") or "relevance",
        correct=not args["exact"],
    )
    return {
        "query": results.query,
        "items": [
            {
                "kind": hit.kind,
                "ref": hit.ref,
                "title": hit.title.striptags(),
                "url": hit.url,
                "snippet": hit.snippet.striptags(),
                "score": round(float(hit.score), 4),
            }
            for hit in results.hits
        ],
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "pages": results.pages,
        "facets": {name: [[value, count] for value, count in counts] for name, counts in results.facets.items()},
        "corrected_from": results.corrected_from,
        "suggestion": results.suggestion,
    }
