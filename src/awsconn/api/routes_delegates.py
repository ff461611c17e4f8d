"""Delegates and tasks over HTTP: Harness's delegate-token and listDelegates endpoints, the
delegate protocol (v1) and awsconn's task endpoints.

- Harness's ``/ng/api/delegate-token-ng`` and ``/ng/api/delegate-setup/listDelegates``
  answer in Harness's older ``RestResponse`` envelope (``resource``), as Harness does.
  Delegate tokens live in the account: a request naming an org or project is asked the
  permission there and then refused, naming the parameter.
- The protocol (``/ng/api/awsconn/delegate/v1/...``) runs as the delegate token's caller
  (``delegate:work``): register, init, heartbeat, take (a long poll), finish, disconnect.
  ``take`` answers the claimed task, the one answer that carries secret values (a
  ManualConfig's keys, for this delegate only): it is never cached or logged.
- Requests that wait (``take``, ``submitTask`` and ``getTask`` with ``waitSeconds``) run
  in the waiting pool
  (``waiting.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query, Request
from starlette.responses import Response

from awsconn.api.calls import Call, ScopedCall, UnscopedCall, json_response
from awsconn.api.delegate_shapes import (
    DelegateDisconnectRequest,
    DelegateFinishRequest,
    DelegateHeartbeatRequest,
    DelegateInitReport,
    DelegateRegisterRequest,
    DelegateTakeRequest,
    TaskSubmitRequest,
)
from awsconn.api.handlers import handles
from awsconn.api.harness_base import from_epoch_ms, to_epoch_ms
from awsconn.api.harness_delegates import (
    DelegateFilterPropertiesDto,
    DelegateListResponse,
    DelegateReplica,
    DelegateTokenDetails,
    EmbeddedUser,
)
from awsconn.api.waiting import run_waiting
from awsconn.api.wire import with_epoch_ms
from awsconn.errors import Problem, ValidationFailed
from awsconn.model import Scope
from awsconn.model.results import DelegateInfo, TokenInfo
from awsconn.service import delegates, task_submit, tasks, tokens
from awsconn.service.access import Permission
from awsconn.service.token_values import TokenKind

__all__: list[str] = []

_NO_STORE = {"Cache-Control": "no-store"}


def _rest(call: Call, resource: Any, *, headers: dict[str, str] | None = None) -> Response:
    """Harness's ``RestResponse`` around ``resource``."""
    body = {"metaData": {}, "resource": resource, "responseMessages": []}
    return json_response(body, headers=headers)


def _account_only(call: Call, permission: Permission) -> None:
    """Delegate tokens and delegates are the account's: the permission is asked in the
    scope the request names, then a scope below the account is refused."""
    call.ctx.caller.require(permission, call.scope)
    if call.scope != Scope():
        name = "projectIdentifier" if call.scope.project else "orgIdentifier"
        problem = Problem(
            name, "delegate tokens belong to the account: leave it out", given=call.scope.label()
        )
        raise ValidationFailed([problem], what="delegate token request")


# -- Harness: delegate tokens ---------------------------------------------------------


def _token_details(call: Call, info: TokenInfo, value: str | None = None) -> dict[str, Any]:
    details = DelegateTokenDetails(
        account_id=call.account,
        created_at=to_epoch_ms(info.created_at),
        created_by=EmbeddedUser(name=info.created_by),
        name=info.name,
        revoke_after=to_epoch_ms(info.expires_at) if info.expires_at else None,
        status="ACTIVE" if info.status == "active" else "REVOKED",
        uuid=info.id,
        value=value,
        prefix=info.prefix,
        description=info.description,
        revoked_at=to_epoch_ms(info.revoked_at) if info.revoked_at else None,
        last_used_at=to_epoch_ms(info.last_used_at) if info.last_used_at else None,
    )
    return details.to_wire()


@handles("createDelegateToken")
def create_delegate_token(
    call: ScopedCall,
    token_name: Annotated[str, Query(alias="tokenName")],
    revoke_after: Annotated[int | None, Query(alias="revokeAfter", description="epoch ms")] = None,
) -> Response:
    _account_only(call, Permission.TOKEN_ADMIN)
    expires = from_epoch_ms(revoke_after) if revoke_after is not None else "never"
    issued = tokens.create_delegate_token(call.ctx, name=token_name, expires=expires)
    return _rest(call, _token_details(call, issued.info, issued.token), headers=_NO_STORE)


@handles("getDelegateTokens")
def get_delegate_tokens(
    call: ScopedCall,
    name: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query(description="ACTIVE or REVOKED")] = None,
) -> Response:
    if status not in (None, "ACTIVE", "REVOKED"):
        problem = Problem(
            "status", "is not a token status", given=status, allowed="ACTIVE, REVOKED"
        )
        raise ValidationFailed([problem], what="delegate token query")
    infos = tokens.list_tokens(
        call.ctx, kind=TokenKind.DELEGATE, include_ended=status != "ACTIVE", scope=call.scope
    )
    found = [_token_details(call, i) for i in infos if name is None or i.name == name]
    if status is not None:
        found = [d for d in found if d["status"] == status]
    return _rest(call, found)


@handles("revokeDelegateToken")
def revoke_delegate_token(
    call: ScopedCall, token_name: Annotated[str, Query(alias="tokenName")]
) -> Response:
    _account_only(call, Permission.TOKEN_ADMIN)
    info = tokens.revoke_token(call.ctx, name=token_name, kind=TokenKind.DELEGATE)
    return _rest(call, _token_details(call, info))


# -- Harness: listDelegates -------------------------------------------------------------


def _replica(info: DelegateInfo) -> DelegateReplica:
    from awsconn.service.delegates import HEARTBEAT_WINDOW

    return DelegateReplica(
        connected=info.connected,
        expiring_at=to_epoch_ms(info.last_heartbeat + HEARTBEAT_WINDOW),
        host_name=info.host_name,
        last_heartbeat=to_epoch_ms(info.last_heartbeat),
        uuid=info.id,
        version=info.version,
        tags=list(info.tags),
        capabilities=list(info.capabilities) if info.capabilities is not None else None,
        status=info.status,
        reason=info.reason,
        init_status=info.init_status,
        init_exit_code=info.init_exit_code,
        init_output=info.init_output,
        running_tasks=list(info.running_tasks),
    )


def _wanted(info: DelegateInfo, body: DelegateFilterPropertiesDto) -> bool:
    if body.delegate_name is not None and body.delegate_name not in info.name:
        return False
    if body.host_name is not None and body.host_name not in (info.host_name or ""):
        return False
    if body.delegate_tags and not set(body.delegate_tags) <= set(info.tags):
        return False
    connected = body.status in ("CONNECTED", "ENABLED") or body.delegate_instance_filter == (
        "AVAILABLE"
    )
    gone = body.status in ("DISCONNECTED", "DELETED", "DISABLED") or (
        body.delegate_instance_filter == "EXPIRED"
    )
    return not ((connected and not info.connected) or (gone and info.connected))


def _groups(infos: Sequence[DelegateInfo]) -> list[DelegateListResponse]:
    """Harness lists a delegate (its name) with its replicas (the running instances)."""
    by_name: dict[str, list[DelegateInfo]] = {}
    for info in infos:
        by_name.setdefault(info.name, []).append(info)
    out = []
    for name, group in by_name.items():
        newest = max(group, key=lambda i: i.registered_at)
        out.append(
            DelegateListResponse(
                name=name,
                type="awsconn",
                tags=list(newest.tags),
                connected=any(i.connected for i in group),
                last_heart_beat=to_epoch_ms(max(i.last_heartbeat for i in group)),
                legacy=False,
                auto_upgrade="OFF",
                delegate_replicas=[_replica(i) for i in group],
            )
        )
    return out


@handles("listDelegates")
def list_harness_delegates(body: DelegateFilterPropertiesDto, call: ScopedCall) -> Response:
    infos = delegates.list_delegates(call.ctx, scope=call.scope)
    return _rest(call, [g.to_wire() for g in _groups([i for i in infos if _wanted(i, body)])])


@handles("listAwsconnDelegates")
def list_delegates(
    call: UnscopedCall,
    connected: Annotated[bool, Query(description="only those connected now")] = False,
) -> Response:
    infos = delegates.list_delegates(call.ctx, connected_only=connected)
    return call.ok(with_epoch_ms(infos))


# -- tasks ----------------------------------------------------------------------------------


def _names(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


@handles("submitTask")
async def submit_task(body: TaskSubmitRequest, request: Request, call: ScopedCall) -> Response:
    deadline = body.deadline_seconds
    task = await run_waiting(
        request,
        task_submit.submit,
        call.ctx,
        body.kind,
        call.ref(body.connector),
        body.params,
        deadline_s=deadline if deadline is not None else tasks.TASK_DEADLINE.default,
        wait_s=body.wait_seconds,
    )
    return call.ok(with_epoch_ms(task), headers=_NO_STORE)


@handles("listTasks")
def list_tasks(
    call: ScopedCall,
    connector: Annotated[str | None, Query(description="one connector of the scope")] = None,
    state: Annotated[str | None, Query(description="states, comma-separated")] = None,
    kind: Annotated[str | None, Query(description="kinds, comma-separated")] = None,
    limit: Annotated[int, Query(description="1 to 1000")] = 100,
    offset: Annotated[int, Query()] = 0,
) -> Response:
    found = tasks.list_tasks(
        call.ctx,
        scope=call.scope,
        connector=call.ref(connector) if connector else None,
        states=_names(state),
        kinds=_names(kind),
        limit=limit,
        offset=offset,
    )
    return call.ok(with_epoch_ms(found), headers=_NO_STORE)


@handles("getTask")
async def get_task(
    identifier: str,
    request: Request,
    call: ScopedCall,
    wait_seconds: Annotated[float, Query(alias="waitSeconds", description="0 to 3600")] = 0.0,
) -> Response:
    if wait_seconds:
        task = await run_waiting(
            request, tasks.wait, call.ctx, identifier, wait_seconds, scope=call.scope
        )
    else:
        task = await run_waiting(request, tasks.get, call.ctx, identifier, scope=call.scope)
    return call.ok(with_epoch_ms(task), headers=_NO_STORE)


@handles("cancelTask")
def cancel_task(identifier: str, call: ScopedCall) -> Response:
    return call.ok(with_epoch_ms(tasks.cancel(call.ctx, identifier, scope=call.scope)))


# -- the delegate protocol, v1 ------------------------------------------------------------


@handles("registerDelegate")
def register(body: DelegateRegisterRequest, call: UnscopedCall) -> Response:
    info = delegates.register(
        call.ctx,
        name=body.name,
        tags=body.tags,
        version=body.version,
        capabilities=body.capabilities,
        init_script=body.init_script,
        host_name=body.host_name,
    )
    return call.ok(with_epoch_ms(info))


@handles("reportDelegateInit")
def report_init(body: DelegateInitReport, call: UnscopedCall) -> Response:
    info = delegates.report_init(
        call.ctx,
        body.delegate_id,
        exit_status=body.exit_status,
        output_tail=body.output_tail,
        capabilities=body.capabilities,
    )
    return call.ok(with_epoch_ms(info))


@handles("delegateHeartbeat")
def heartbeat(body: DelegateHeartbeatRequest, call: UnscopedCall) -> Response:
    return call.ok(with_epoch_ms(tasks.heartbeat(call.ctx, body.delegate_id, body.running)))


@handles("takeDelegateTask")
async def take(body: DelegateTakeRequest, request: Request, call: UnscopedCall) -> Response:
    claimed = await run_waiting(
        request, tasks.claim, call.ctx, body.delegate_id, wait_s=body.wait_seconds
    )
    data = with_epoch_ms(claimed) if claimed is not None else None
    return call.ok(data, headers=_NO_STORE)


@handles("finishDelegateTask")
def finish(body: DelegateFinishRequest, call: UnscopedCall) -> Response:
    task = tasks.finish(
        call.ctx, body.delegate_id, body.task_id, body.attempt, result=body.result, error=body.error
    )
    return call.ok(with_epoch_ms(task), headers=_NO_STORE)


@handles("disconnectDelegate")
def disconnect(body: DelegateDisconnectRequest, call: UnscopedCall) -> Response:
    return call.ok(with_epoch_ms(delegates.disconnect(call.ctx, body.delegate_id)))
