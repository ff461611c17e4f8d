"""One API request as the handlers see it: who calls, in which scope, by when, and how the
answer is wrapped.

The gate (``gate.py``) has already authenticated the caller; :func:`scoped_call` and
:func:`unscoped_call` (FastAPI dependencies) add the request's scope, read from
Harness's query parameters, and its deadline, and make the
:class:`~awsconn.service.context.AppContext` the one service call runs with. On a scoped
route the service asks the caller's permission in the scope it acts on (and records a
refused write in the audit log); the policy engine and the catalog read nothing of any
scope, so an unscoped route asks the route table's permission here, wherever the
caller's grant is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.responses import Response

from awsconn.api.paths import ROUTES, Route
from awsconn.aws.deadline import Deadline
from awsconn.errors import NotFound, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope, scope_of_settings
from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem
from awsconn.service.access import Caller, Permission
from awsconn.service.context import AppContext
from awsconn.service.runtime import Runtime

__all__ = [
    "AllScopes",
    "Call",
    "ScopedCall",
    "UnscopedCall",
    "envelope",
    "json_response",
    "listed_scope",
    "scope_of_query",
]

_BY_OPERATION: dict[str, Route] = {r.operation: r for r in ROUTES}
_SETTING_NAMES = {"org": "orgIdentifier", "project": "projectIdentifier"}


def json_response(
    body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON answer, compact, UTF-8, no NaN (the body is built from JSON-ready values)."""
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(text, status_code=status, media_type="application/json", headers=headers)


def envelope(data: Any, correlation_id: str) -> dict[str, Any]:
    """Harness's ResponseDto around ``data``."""
    return {"status": "SUCCESS", "data": data, "metaData": {}, "correlationId": correlation_id}


def scope_of_query(
    account: str | None, org: str | None, project: str | None, *, server_account: str
) -> Scope:
    """The scope Harness's query parameters name; another account than the server's is
    NotFound naming it; problems name the parameters."""
    if account is not None and account != server_account:
        raise NotFound(
            f"account {account!r} not found: this server holds account {server_account!r}",
            hint=f"leave accountIdentifier out or set it to {server_account!r}",
        )
    try:
        return scope_of_settings(org or None, project or None)
    except ValidationFailed as exc:
        renamed = [
            Problem(_SETTING_NAMES.get(p.path, p.path), p.message, p.given, p.allowed)
            for p in exc.problems
        ]
        raise ValidationFailed(renamed, what="scope") from None


@dataclass(frozen=True)
class Call:
    """One request: its AppContext (runtime, caller, deadline), its scope (the caller's
    own grant on an unscoped route) and correlation id."""

    ctx: AppContext
    scope: Scope
    correlation_id: str
    route: Route

    @property
    def account(self) -> str:
        return self.ctx.account

    def ref(self, identifier: str) -> EntityRef:
        """The entity ``identifier`` names in this request's scope (400 at ``identifier``
        when it is not one)."""
        if why := identifier_problem(identifier):
            problem = Problem("identifier", why, given=identifier, allowed=IDENTIFIER_RULE)
            raise ValidationFailed([problem], what="path")
        return EntityRef(self.scope, identifier)

    def ok(self, data: Any, *, headers: Mapping[str, str] | None = None) -> Response:
        """``data`` in the route's envelope."""
        return json_response(envelope(data, self.correlation_id), headers=headers)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _context(request: Request) -> tuple[AppContext, Route, str]:
    runtime = _runtime(request)
    caller: Caller = request.state.caller
    timeout = request.app.state.settings.request_timeout_s
    ctx = AppContext(
        runtime=runtime, caller=caller, deadline=Deadline(timeout, workers=runtime.workers)
    )
    route = _BY_OPERATION[request.scope["route"].operation_id]
    return ctx, route, request.state.correlation_id


async def scoped_call(
    request: Request,
    account_identifier: Annotated[
        str | None,
        Query(alias="accountIdentifier", description="the server's account; another is 404"),
    ] = None,
    org_identifier: Annotated[
        str | None, Query(alias="orgIdentifier", description="the organization")
    ] = None,
    project_identifier: Annotated[
        str | None,
        Query(alias="projectIdentifier", description="the project (needs orgIdentifier)"),
    ] = None,
) -> Call:
    """The Call of a scoped route (the service asks the permission in the scope it acts on)."""
    ctx, route, correlation_id = _context(request)
    scope = scope_of_query(
        account_identifier, org_identifier, project_identifier, server_account=ctx.account
    )
    return Call(ctx, scope, correlation_id, route)


async def unscoped_call(request: Request) -> Call:
    """The Call of an unscoped route: its permission asked wherever the caller's grant is."""
    ctx, route, correlation_id = _context(request)
    if isinstance(route.permission, Permission):
        ctx.caller.require(route.permission, ctx.caller.scope)
    return Call(ctx, ctx.caller.scope, correlation_id, route)


AllScopes = Annotated[
    bool,
    Query(
        alias="allScopes",
        description="awsconn's extension: this scope and every scope inside it (without "
        "orgIdentifier: every scope the caller may see), by scope then identifier",
    ),
]


def listed_scope(call: Call, all_scopes: bool) -> Scope:
    """The scope a listing starts from: the query's; with ``allScopes`` and no
    ``orgIdentifier``, the caller's own grant (every scope it may see, as the CLI lists
    on a local store)."""
    if all_scopes and call.scope == Scope():
        return call.ctx.caller.scope
    return call.scope


ScopedCall = Annotated[Call, Depends(scoped_call)]
UnscopedCall = Annotated[Call, Depends(unscoped_call)]
