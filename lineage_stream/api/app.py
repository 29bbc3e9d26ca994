"""The read-only HTTP API (JSON) and the lineage page, over one ``Reader``."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from lineage_stream.api.marquez import marquez_lineage
from lineage_stream.naming import AliasMap
from lineage_stream.query import formats, service
from lineage_stream.query.errors import BadQuery, GraphUnavailable, QueryError, QueryTimeout, UnknownDataset, UnknownJob
from lineage_stream.query.model import JobLineage, Lineage
from lineage_stream.query.resolve import Reader
from lineage_stream.query.spelling import MARQUEZ_DATASET_PREFIX

MARQUEZ_JOB_PREFIX = "job:"
from lineage_stream.query.times import parse_time

STATIC = Path(str(resources.files("lineage_stream.api") / "static"))
VENDOR_SCRIPT = STATIC / "vendor" / "cytoscape.min.js"


def _time(text: str | None) -> int | None:
    return parse_time(text, now_us=time.time_ns() // 1_000) if text else None


def create_app(reader: Reader, *, aliases: AliasMap | None = None) -> FastAPI:
    """The application: ``/`` the page, ``/api/...`` JSON, ``/api/v1/lineage`` Marquez-compatible. GET only."""
    app = FastAPI(title="lineage-stream", version="0.1.0", docs_url="/api/docs", openapi_url="/api/openapi.json",
                  redoc_url=None)

    @app.exception_handler(QueryError)
    async def query_error(_: Request, error: QueryError) -> JSONResponse:
        status = 404 if isinstance(error, (UnknownDataset, UnknownJob)) else 504 if isinstance(error, QueryTimeout) \
            else 503 if isinstance(error, GraphUnavailable) else 400
        body: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
        if isinstance(error, (UnknownDataset, UnknownJob)):
            body["suggestions"] = error.suggestions
        return JSONResponse(body, status_code=status)

    @app.exception_handler(BadQuery)
    async def bad_query(_: Request, error: BadQuery) -> JSONResponse:
        return JSONResponse({"error": "BadQuery", "message": str(error)}, status_code=400)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/api/lineage")
    def lineage(dataset: str, direction: str = "both", depth: int = 5, as_of: str | None = None,
                limit: int = service.DEFAULT_LIMIT) -> dict[str, Any]:
        result = service.lineage(reader, dataset, direction=direction, depth=depth, as_of_us=_time(as_of),
                                 limit=limit, aliases=aliases)
        return formats.lineage_dict(result)

    @app.get("/api/impact")
    def impact(dataset: str, depth: int = 10, limit: int = service.DEFAULT_LIMIT) -> dict[str, Any]:
        return formats.impact_dict(service.impact(reader, dataset, depth=depth, limit=limit, aliases=aliases))

    @app.get("/api/columns")
    def columns(dataset: str, field: str, depth: int = 10) -> dict[str, Any]:
        resolution, edges, truncated = service.columns(reader, dataset, field, depth=depth, aliases=aliases)
        return {"resolved": formats.resolution_dict(resolution), "field": field, "truncated": truncated,
                "edges": formats.column_dicts(edges)}

    @app.get("/api/runs")
    def runs(job: str, state: str | None = None, since: str | None = None, limit: int = 50) -> dict[str, Any]:
        found, rows = service.runs(reader, job, state=state, since_us=_time(since), limit=limit)
        return {"job": formats.ref(found), "runs": [formats.run_dict(r) for r in rows]}

    @app.get("/api/schema")
    def schema(dataset: str, since: str | None = None) -> dict[str, Any]:
        resolution, rows = service.schema(reader, dataset, since_us=_time(since), aliases=aliases)
        return {"resolved": formats.resolution_dict(resolution), "versions": [formats.schema_dict(r) for r in rows]}

    @app.get("/api/search")
    def search(q: str, limit: int = 50) -> dict[str, Any]:
        return {"results": service.search(reader, q, limit=limit)}

    @app.get("/api/v1/lineage")
    def marquez(node_id: str = Query(alias="nodeId"), depth: int = 20) -> dict[str, Any]:
        result: Lineage | JobLineage
        if node_id.startswith(MARQUEZ_JOB_PREFIX):
            result = service.job_lineage(reader, node_id, depth=min(depth, service.MAX_DEPTH))
        elif node_id.startswith(MARQUEZ_DATASET_PREFIX):
            result = service.lineage(reader, node_id, direction="both", depth=min(depth, service.MAX_DEPTH),
                                     aliases=aliases)
        else:
            raise BadQuery("nodeId must be dataset:<namespace>:<name> or job:<namespace>:<name>; "
                           "field node IDs are not served")
        seen = service.seen_times(reader, result.datasets(), result.jobs())
        times = {f"{kind}:{namespace}:{name}": span for (kind, namespace, name), span in seen.items()}
        return marquez_lineage(result, times)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
