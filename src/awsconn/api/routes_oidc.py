"""The OIDC issuer's public documents: discovery and the JWKS (``service/oidc_issuer.py``).

Served without a token (AWS fetches them) as plain JSON, not in an envelope, under the
server's root: the issuer URL is the server's public URL (its path the reverse proxy's
root path), so ``{issuer}/.well-known/openid-configuration`` reaches this route. A server
started without an issuer URL is not an issuer: both answer 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from awsconn.api.calls import json_response
from awsconn.api.handlers import handles
from awsconn.errors import NotFound
from awsconn.service import oidc_issuer
from awsconn.service.access import SERVER_CALLER
from awsconn.service.context import AppContext

__all__: list[str] = []

_CACHE = {"Cache-Control": "public, max-age=60"}
"""Short: a rotated key must reach verifiers well within the old key's overlap."""


def _issuer_context(request: Request) -> AppContext:
    runtime = request.app.state.runtime
    if oidc_issuer.configured_issuer(runtime.environ) is None:
        raise NotFound(
            "this server is not an OIDC issuer: it was started without an issuer URL",
            hint=f"start it with its issuer URL ({oidc_issuer.ISSUER_URL_ENV})",
        )
    return AppContext(runtime=runtime, caller=SERVER_CALLER)


async def _answer(request: Request, document: Any) -> Response:
    ctx = _issuer_context(request)
    body = await run_in_threadpool(document, ctx)
    return json_response(body, headers=_CACHE)


@handles("oidcDiscovery")
async def oidc_discovery(request: Request) -> Response:
    """The OpenID Connect Discovery document (issuer, jwks_uri, RS256)."""
    return await _answer(request, oidc_issuer.discovery)


@handles("oidcJwks")
async def oidc_jwks(request: Request) -> Response:
    """The issuer's public signing keys (the signing key and those still in overlap)."""
    return await _answer(request, oidc_issuer.jwks)
