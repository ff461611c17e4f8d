"""The FastAPI application: ``create_app(runtime, settings)`` builds it from the route table.

Every row of ``paths.ROUTES`` that is served (not ``planned``) becomes a route with its
method, path, operationId, summary and response model, handled by the function
registered for its operation (``handlers.py``); FastAPI itself serves ``/openapi.json``
(``/docs`` and its assets are awsconn's: ``routes_health.py``). The gate (``gate.py``)
wraps them all; errors are answered by ``error_handlers.py``. Blocking service calls run
in the thread pool, sized by ``settings.threads``. The OpenAPI document names the token
schemes and, for the connector writes, their JSON and YAML bodies. The lifespan starts the
background loops (``background.py``) once the store is open and stops them before it closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter
from starlette.responses import RedirectResponse, Response

from awsconn.api import (
    routes_awsconn,
    routes_connectors,
    routes_delegates,
    routes_health,
    routes_oidc,
    routes_secrets,
)
from awsconn.api.background import BackgroundLoops
from awsconn.api.error_handlers import install_error_handlers
from awsconn.api.gate import Gate
from awsconn.api.handlers import HANDLERS, handles
from awsconn.api.harness_envelopes import ErrorDTO
from awsconn.api.metrics import Metrics
from awsconn.api.paths import JSON, ROUTES, YAML, Route
from awsconn.api.settings import ServerSettings
from awsconn.service.connector_pages import status_counts
from awsconn.service.runtime import Runtime
from awsconn.service.tokens import identify, record_use
from awsconn.version import __version__
from awsconn.web.app import UI_PREFIX, install_web

__all__ = ["FRAMEWORK_ROUTES", "create_app"]

_ROUTE_MODULES = (
    routes_awsconn,
    routes_connectors,
    routes_delegates,
    routes_health,
    routes_oidc,
    routes_secrets,
)
FRAMEWORK_ROUTES = frozenset({"openapi"})
"""Operations FastAPI serves itself (the OpenAPI document)."""

_DESCRIPTION = (
    "Harness's NG API for AWS connectors and secrets, and awsconn's own endpoints, in "
    "ResponseDto envelopes. Every route but /healthz, /readyz, /metrics, /openapi.json "
    "and /docs takes a token: x-api-key: TOKEN or Authorization: Bearer TOKEN."
)
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorDTO, "description": text}
    for status, text in (
        (400, "bad input: every problem at its path"),
        (401, "no valid API token"),
        (403, "the token's role or scope does not allow it"),
        (404, "not found (or another account)"),
        (409, "a conflict, or a delegate is needed"),
        (413, "the body is too large"),
        (422, "the connector's AWS settings or identity must change"),
        (500, "the server failed (the correlation id to report)"),
        (502, "AWS or the network failed"),
        (503, "the store or AWS is not available"),
        (504, "AWS did not answer in time"),
    )
}
_PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {503: _ERRORS[503], 500: _ERRORS[500]}


def _openapi_extra(row: Route) -> dict[str, Any] | None:
    """A body FastAPI does not read itself: connector documents as JSON or YAML."""
    if YAML not in row.request_media_types or row.request is None:
        return None
    content: dict[str, Any] = {}
    for media in row.request_media_types:
        if media == JSON:
            content[media] = {"schema": {"$ref": f"#/components/schemas/{row.request.__name__}"}}
        else:
            content[media] = {"schema": {"type": "string"}}
    return {"requestBody": {"required": True, "content": content}}


def _responses(row: Route) -> dict[int | str, dict[str, Any]]:
    if row.public:
        out: dict[int | str, dict[str, Any]] = dict(_PUBLIC_ERRORS) if row.path == "/readyz" else {}
        if row.response is None:
            out[200] = {"content": {row.response_media_type: {}}, "description": row.summary}
        return out
    return _ERRORS


def _add_routes(app: FastAPI) -> None:
    assert all(m.__name__ for m in _ROUTE_MODULES)  # imported: their handlers are registered
    for row in ROUTES:
        if row.planned is not None or row.operation in FRAMEWORK_ROUTES:
            continue
        app.add_api_route(
            row.path,
            HANDLERS[row.operation],
            methods=[row.method],
            operation_id=row.operation,
            summary=row.summary,
            response_model=row.response,
            responses=_responses(row),
            openapi_extra=_openapi_extra(row),
            tags=["public" if row.public else ("harness" if row.harness_hook else "awsconn")],
        )


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=_DESCRIPTION, routes=app.routes
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in {r.request for r in ROUTES if YAML in r.request_media_types and r.request}:
        request = TypeAdapter(model).json_schema(
            by_alias=True, ref_template="#/components/schemas/{model}"
        )
        for name, definition in request.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas.setdefault(model.__name__, request)
    components["securitySchemes"] = {
        "ApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
        "Bearer": {"type": "http", "scheme": "bearer"},
    }
    protected = {(r.method.lower(), r.path) for r in ROUTES if not r.public}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if (method, path) in protected:
                operation["security"] = [{"ApiKey": []}, {"Bearer": []}]
    app.openapi_schema = schema
    return schema


@handles("webHome")
async def _web_home(request: Request) -> Response:
    """``/``: the web UI's start (its pages sign the browser in)."""
    root = str(request.scope.get("root_path") or "")
    return RedirectResponse(f"{root}{UI_PREFIX}/connectors", status_code=303)


def _settle_heap(runtime: Runtime) -> None:
    """Open the store, then move everything alive to the collector's permanent generation.

    A server holds many long-lived objects (SDK data, the IAM catalog, schemas): without
    this, each full collection walks them all, and one request in a hundred waited for
    it (a 100-connector page: p99 47 ms against a median of 6 ms; frozen: 7 ms).
    """
    import gc

    runtime.db  # noqa: B018  (the store opened: its engine and schema check, once)
    gc.collect()
    gc.freeze()


def create_app(runtime: Runtime, settings: ServerSettings | None = None) -> FastAPI:
    """The application over ``runtime`` (built once for the process, ``runs_as`` server)."""
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        _settle_heap(runtime)
        loops = BackgroundLoops(runtime, settings, metrics)
        loops.start()
        try:
            yield
        finally:
            loops.stop()
            runtime.close()

    app = FastAPI(
        title="awsconn",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url=None,  # routes_health serves /docs with its own assets (no CDN)
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
    )
    metrics = Metrics(lambda: status_counts(runtime))
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.metrics = metrics
    install_error_handlers(app)
    _add_routes(app)
    install_web(app, runtime, settings)  # the web UI at /ui (its own session sign-in)

    def who(token: str, address: str | None) -> tuple[Any, Any]:
        return identify(runtime, token, address=address)

    def used(token_id: str, moment: Any) -> None:
        record_use(runtime, token_id, moment)

    inline = runtime.store.local_point_reads
    app.add_middleware(Gate, identify=who, record_use=used, inline=inline, metrics=metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
