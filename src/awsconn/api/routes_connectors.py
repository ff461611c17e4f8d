"""Harness's connector endpoints: create, update, get, list, listV2, delete, testConnection.

Each handler makes one service call with the request's context and wraps its result in
Harness's shapes (``wire.py``); the rules are the service's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from awsconn.api.calls import AllScopes, Call, ScopedCall, listed_scope
from awsconn.api.connector_requests import (
    check_query_scope,
    expected_version,
    in_body,
    read_document,
)
from awsconn.api.handlers import handles
from awsconn.api.harness_connectors import ConnectorFilterProperties
from awsconn.api.harness_errors import validation_result
from awsconn.api.waiting import run_waiting
from awsconn.api.wire import connector_responses, page
from awsconn.errors import ValidationFailed
from awsconn.service import connectivity, connector_writes, connectors
from awsconn.service.connector_pages import ConnectorFilter, list_page
from awsconn.timeouts import TEST_TIMEOUT

_KNOWN_CREDENTIALS = ("ManualConfig", "InheritFromDelegate", "Irsa", "OidcAuthentication")
PageIndex = Annotated[int, Query(alias="pageIndex", description="the page, counting from 0")]
SearchTerm = Annotated[
    str | None, Query(alias="searchTerm", description="identifier, name or tag contains this")
]


async def _save(request: Request, call: Call, mode: str) -> Response:
    document = await read_document(request)
    check_query_scope(document, request.query_params)
    version = expected_version(request) if mode == "update" else None
    try:
        detail, stored = await run_in_threadpool(
            connector_writes.save_document,
            call.ctx,
            document,
            mode=mode,  # type: ignore[arg-type]
            expected_version=version,
        )
    except ValidationFailed as exc:
        raise in_body(exc) from None
    return call.ok(
        connector_responses(call.ctx, [detail], account=call.account, version=stored)[0],
        headers={"ETag": f'"{stored}"'},
    )


@handles("createConnector")
async def create_connector(request: Request, call: ScopedCall) -> Response:
    return await _save(request, call, "create")


@handles("updateConnector")
async def update_connector(request: Request, call: ScopedCall) -> Response:
    return await _save(request, call, "update")


@handles("getConnector")
def get_connector(identifier: str, call: ScopedCall) -> Response:
    detail = connectors.get(call.ctx, call.ref(identifier))
    version = detail.status.version
    return call.ok(
        connector_responses(call.ctx, [detail], account=call.account)[0],
        headers={"ETag": f'"{version}"'},
    )


def _page(
    call: Call, page_index: int, page_size: int, wanted: ConnectorFilter, all_scopes: bool
) -> Response:
    found = list_page(
        call.ctx,
        listed_scope(call, all_scopes),
        page_index=page_index,
        page_size=page_size,
        wanted=wanted,
        below=all_scopes,
    )
    items = connector_responses(call.ctx, found.items, account=call.account)
    return call.ok(
        page(items, page_index=page_index, page_size=page_size, total_items=found.total_items)
    )


@handles("getConnectorList")
def get_connector_list(
    call: ScopedCall,
    page_index: PageIndex = 0,
    page_size: Annotated[int, Query(alias="pageSize", description="1 to 1000")] = 100,
    search_term: SearchTerm = None,
    type: Annotated[str | None, Query(description="Aws")] = None,
    all_scopes: AllScopes = False,
) -> Response:
    wanted = ConnectorFilter(search_term=search_term, matches_nothing=type not in (None, "Aws"))
    return _page(call, page_index, page_size, wanted, all_scopes)


def _filter_of(body: ConnectorFilterProperties, search_term: str | None) -> ConnectorFilter:
    """Harness's filter in awsconn's terms (every connector here is an Aws connector,
    CLOUD_PROVIDER, run by a delegate unless executeOnDelegate is false)."""
    nothing = bool(body.types) and "Aws" not in (body.types or [])
    nothing |= bool(body.categories) and "CLOUD_PROVIDER" not in (body.categories or [])
    kinds: list[str] = [k for k in body.credential_types or [] if k in _KNOWN_CREDENTIALS]
    nothing |= bool(body.credential_types) and not kinds
    if body.inheriting_credentials_from_delegate is not None:
        wanted = body.inheriting_credentials_from_delegate
        kinds = [k for k in kinds or _KNOWN_CREDENTIALS if (k == "InheritFromDelegate") == wanted]
        nothing |= not kinds
    modes = set(body.connector_connectivity_modes or [])
    on_delegate = None if len(modes) != 1 else "DELEGATE" in modes
    return ConnectorFilter(
        search_term=search_term,
        identifiers=body.connector_identifiers or (),
        names=body.connector_names or (),
        credential_types=kinds,
        statuses=body.connectivity_statuses or (),
        tags=body.tags or {},
        description=body.description,
        execute_on_delegate=on_delegate,
        tag_keys=body.tag_keys or (),
        matches_nothing=nothing,
    )


@handles("getConnectorListV2")
def get_connector_list_v2(
    body: ConnectorFilterProperties,
    call: ScopedCall,
    page_index: PageIndex = 0,
    page_size: Annotated[int, Query(alias="pageSize", description="1 to 1000")] = 50,
    search_term: SearchTerm = None,
    all_scopes: AllScopes = False,
) -> Response:
    return _page(call, page_index, page_size, _filter_of(body, search_term), all_scopes)


@handles("deleteConnector")
def delete_connector(identifier: str, call: ScopedCall) -> Response:
    connectors.delete(call.ctx, call.ref(identifier))
    return call.ok(True)


@handles("getTestConnectionResult")
async def connection_test(
    identifier: str,
    request: Request,
    call: ScopedCall,
    capabilities: Annotated[
        str | None, Query(description="awsconn: capabilities to check, comma-separated")
    ] = None,
    timeout: Annotated[float, Query(description="awsconn: seconds, 1 to 600")] = (
        TEST_TIMEOUT.default
    ),
) -> Response:
    """A connector that needs a delegate runs on one as a task: this request waits for it
    in the waiting pool (``waiting.py``)."""
    names = [n.strip() for n in capabilities.split(",") if n.strip()] if capabilities else None
    outcome = await run_waiting(
        request,
        connectivity.run_connector_test,
        call.ctx,
        call.ref(identifier),
        capabilities=names,
        timeout_s=timeout,
    )
    result = validation_result(outcome)
    request.app.state.metrics.test_run(result.status or "UNKNOWN")
    return call.ok(result.to_wire())
