"""The public endpoints of a running server: liveness, readiness, Prometheus metrics, and
the API's documentation page (Swagger UI) with its own assets.

The page loads nothing from elsewhere: its script, styles and icon come from the
``swagger-ui-py`` package (Swagger UI's release files and its Apache-2.0 license, served
at ``/docs/assets/LICENSE``), the OpenAPI document from this server, and Swagger UI's
online validator is off. A server without internet access shows the same page.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from awsconn.api.calls import envelope, json_response
from awsconn.api.handlers import handles
from awsconn.api.metrics import CONTENT_TYPE
from awsconn.errors import InternalError, NotFound
from awsconn.service.health import readiness

DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "LICENSE": "text/plain; charset=utf-8",
}
"""What /docs/assets serves (Swagger UI's files, by name) and as what."""

__all__: list[str] = []


@handles("healthz")
async def healthz(request: Request) -> Response:
    """The process answers (no store access): for liveness probes."""
    return json_response(envelope({"status": "UP"}, request.state.correlation_id))


@handles("readyz")
async def readyz(request: Request) -> Response:
    """The store answers at this version's schema: for readiness probes (503 otherwise)."""
    ready = await run_in_threadpool(readiness, request.app.state.runtime)
    return json_response(envelope(ready, request.state.correlation_id))


@handles("metrics")
async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(request.app.state.metrics.render)
    return Response(body, media_type=CONTENT_TYPE)


@functools.cache
def _assets_folder() -> Path:
    """Swagger UI's release files, as the ``swagger-ui-py`` package installs them (found
    without importing it: its package imports web-framework adapters)."""
    import importlib.util

    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise InternalError(
            "the documentation page's assets are missing (the swagger-ui-py package)",
            hint="reinstall awsconn: pip install awsconn",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@functools.cache
def _asset(name: str) -> bytes:
    return (_assets_folder() / name).read_bytes()


@handles("docs")
async def docs(request: Request) -> Response:
    """The documentation page: Swagger UI over this server's OpenAPI document."""
    root = request.scope.get("root_path") or ""
    assets = f"{root}/docs/assets"
    page = get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json",
        title=f"{request.app.title} API",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},  # no call to Swagger's online validator
    )
    return Response(page.body, media_type="text/html; charset=utf-8")


@handles("docsAsset")
async def docs_asset(asset: str) -> Response:
    """One of :data:`DOCS_ASSETS`; any other name is 404."""
    media = DOCS_ASSETS.get(asset)
    if media is None:
        raise NotFound(f"no documentation asset {asset[:80]!r}")
    body = await run_in_threadpool(_asset, asset)
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})
