"""The public endpoints of a running server: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from awsconn.api.calls import envelope, json_response
from awsconn.api.handlers import handles
from awsconn.api.metrics import CONTENT_TYPE
from awsconn.service.health import readiness

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
