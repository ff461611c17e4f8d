"""awsconn's own endpoints: who the caller is; connectors written as the CLI writes them
(several documents, all or nothing, dry runs); a connector's permissions, history,
regions and credentials; the catalog and the offline policy engine; API tokens and the
audit log.

Bodies are ``awsconn_shapes``; answers are the service's result models (the CLI's
``-o json``) with epoch-millisecond timestamps, in the ResponseDto envelope.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from awsconn.api.awsconn_shapes import (
    CapabilityParameters,
    NamedPolicy,
    PermissionCheckRequest,
    PermissionDiffRequest,
    PolicyEvaluateRequest,
    PolicyGenerateRequest,
    PolicyLintRequest,
    PolicySimulateRequest,
    TokenCreateRequest,
    TrustPolicyRequest,
)
from awsconn.api.calls import ScopedCall, UnscopedCall
from awsconn.api.connector_requests import check_query_scope, read_text
from awsconn.api.handlers import handles
from awsconn.api.harness_base import from_epoch_ms
from awsconn.api.wire import page, with_epoch_ms
from awsconn.errors import Problem, ValidationFailed
from awsconn.service import (
    connection,
    connectivity,
    connector_permissions,
    connectors,
    policy_engine,
    policy_generation,
    reference_data,
    tokens,
)
from awsconn.service.audit import list_audit, moment_of
from awsconn.timeouts import CREDENTIALS_TIMEOUT, REGIONS_TIMEOUT

__all__: list[str] = []


def _parameters(given: CapabilityParameters | None) -> dict[str, str | None]:
    return given.model_dump() if given is not None else {}


def _named(setting: str, given: list[NamedPolicy] | None) -> list[tuple[str, Any]]:
    """Policies as (label, document): the name given, else the setting and index."""
    return [(p.name or f"{setting}[{i}]", p.document) for i, p in enumerate(given or [])]


def _one(setting: str, given: NamedPolicy | None) -> tuple[str, Any] | None:
    return (given.name or setting, given.document) if given is not None else None


@handles("whoAmI")
def who_am_i(call: UnscopedCall) -> Response:
    return call.ok(with_epoch_ms(tokens.whoami(call.ctx)))


_WRITE_MODES = ("create", "apply", "import")


def _documents(text: str, is_yaml: bool) -> list[Any]:
    """The documents of the body: YAML ones after the other (``---``), or JSON (a list of
    documents, or one alone); every one a mapping, else bad input naming it."""
    from awsconn.iam.policy_json import load_json
    from awsconn.model.yaml_io import load_yaml_documents

    if is_yaml:
        return load_yaml_documents(text, source="request body")
    body = load_json(text, what="request body")
    docs = body if isinstance(body, list) else [body]
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict):
            where = f"[{i}]" if isinstance(body, list) else ""
            problem = Problem(where, "is not a connector document", allowed='{"connector": {...}}')
            raise ValidationFailed([problem], what="request body")
    return docs


@handles("applyConnectors")
async def apply_connectors(
    request: Request,
    call: ScopedCall,
    mode: Annotated[str, Query(description="create, apply or import")] = "apply",
    dry_run: Annotated[
        bool, Query(alias="dryRun", description="check and report, store nothing")
    ] = False,
) -> Response:
    from awsconn.service.connector_writes import apply_documents

    if mode not in _WRITE_MODES:
        allowed = ", ".join(_WRITE_MODES)
        problem = Problem("mode", "is not a write mode", given=mode, allowed=allowed)
        raise ValidationFailed([problem], what="query")
    text, is_yaml = await read_text(request)
    docs = _documents(text, is_yaml)
    for doc in docs:
        check_query_scope(doc, request.query_params)
    applied = await run_in_threadpool(
        apply_documents, call.ctx, docs, mode=mode, source="request body", dry_run=dry_run
    )
    return call.ok(with_epoch_ms(list(applied)))


@handles("checkConnectorPermissions")
def check_permissions(identifier: str, body: PermissionCheckRequest, call: ScopedCall) -> Response:
    report = connector_permissions.check_connector(
        call.ctx,
        call.ref(identifier),
        body.capabilities,
        parameters=_parameters(body.parameters),
        policy_files=_named("policies", body.policies),
        scps=_named("scps", body.scps),
        resource_policy=_one("resourcePolicy", body.resource_policy),
        use_simulator=body.use_simulator,
    )
    return call.ok(with_epoch_ms(report))


@handles("diffConnectorPermissions")
def diff_permissions(identifier: str, body: PermissionDiffRequest, call: ScopedCall) -> Response:
    report = connector_permissions.diff_connector(
        call.ctx,
        call.ref(identifier),
        body.capabilities,
        new_policies=_named("whatIf", body.what_if),
        parameters=_parameters(body.parameters),
        scps=_named("scps", body.scps),
        use_simulator=body.use_simulator,
    )
    return call.ok(with_epoch_ms(report))


@handles("getConnectionHistory")
def connection_history(
    identifier: str,
    call: ScopedCall,
    limit: Annotated[int, Query(description="1 to 1000")] = 20,
) -> Response:
    entries = connectors.history(call.ctx, call.ref(identifier), limit=limit)
    return call.ok(with_epoch_ms(list(entries)))


@handles("listConnectorRegions")
def connector_regions(
    identifier: str,
    call: ScopedCall,
    timeout: Annotated[float, Query(description="seconds, 1 to 600")] = REGIONS_TIMEOUT.default,
) -> Response:
    regions = connectivity.list_regions(call.ctx, call.ref(identifier), timeout_s=timeout)
    return call.ok(with_epoch_ms(regions))


@handles("getConnectorCredentials")
def connector_credentials(
    identifier: str,
    call: ScopedCall,
    timeout: Annotated[
        float, Query(description="seconds, 1 to 3600")
    ] = CREDENTIALS_TIMEOUT.default,
) -> Response:
    issued = connection.credential_process_output(call.ctx, call.ref(identifier), timeout_s=timeout)
    return call.ok(issued, headers={"Cache-Control": "no-store"})


@handles("listCapabilities")
def list_capabilities(call: UnscopedCall) -> Response:
    return call.ok(reference_data.capability_catalog())


@handles("listRegions")
def list_regions(call: UnscopedCall) -> Response:
    return call.ok(reference_data.known_regions())


@handles("generatePolicy")
def generate_policy(body: PolicyGenerateRequest, call: UnscopedCall) -> Response:
    made = policy_generation.policy_for(body.capabilities, _parameters(body.parameters))
    return call.ok({"policy": made.policy, "unscoped": made.unscoped})


@handles("generateTrustPolicy")
def generate_trust_policy(body: TrustPolicyRequest, call: UnscopedCall) -> Response:
    document = policy_generation.trust_policy(
        trusted_principal=body.trusted_principal,
        external_id=body.external_id,
        oidc_provider=body.oidc_provider,
        service_account=body.service_account,
    )
    return call.ok(document)


@handles("evaluatePolicy")
def evaluate_policy(body: PolicyEvaluateRequest, call: UnscopedCall) -> Response:
    decision = policy_engine.decide(
        action=body.action,
        resource=body.resource,
        principal=body.principal,
        resource_account=body.resource_account,
        context=body.context,
        unknown_keys=body.unknown_keys,
        identity=_named("policies", body.policies),
        boundaries=_named("boundaries", body.boundaries),
        scps=_named("scps", body.scps),
        resource_policy=_one("resourcePolicy", body.resource_policy),
        session_policy=_one("sessionPolicy", body.session_policy),
    )
    return call.ok(decision.to_dict())


@handles("simulatePolicies")
def simulate_policies(body: PolicySimulateRequest, call: UnscopedCall) -> Response:
    lines: list[dict[str, Any]] = []
    policy_engine.simulate(json.dumps(body.cases), lines.append)
    return call.ok(lines)


@handles("lintPolicies")
def lint_policies(body: PolicyLintRequest, call: UnscopedCall) -> Response:
    named = _named("policies", body.policies)
    labels = [
        label if [n for n, _ in named].count(label) == 1 else f"{label}#{i}"
        for i, (label, _) in enumerate(named)
    ]
    report = policy_engine.lint(
        [(label, json.dumps(doc)) for label, (_, doc) in zip(labels, named, strict=True)],
        body.kind,
    )
    findings = {name: [f.to_dict() for f in found] for name, found in report.findings.items()}
    return call.ok({"ok": report.ok, "errors": report.errors, "findings": findings})


@handles("expandActions")
def expand_actions(
    call: UnscopedCall,
    pattern: Annotated[str, Query(description="e.g. s3:Get*")],
) -> Response:
    return call.ok(reference_data.expand_action_pattern(pattern))


def _expires(body: TokenCreateRequest) -> Any:
    """When the token expires: ``expiresAt``, or ``expires`` in the CLI's words, not both."""
    if body.expires_at is not None and body.expires is not None:
        problem = Problem("expires", "goes with no expiresAt", allowed="one of them")
        raise ValidationFailed([problem], what="token")
    if body.expires_at is not None:
        return from_epoch_ms(body.expires_at)
    return body.expires if body.expires is not None else tokens.DEFAULT_EXPIRES


@handles("createToken")
def create_token(body: TokenCreateRequest, call: ScopedCall) -> Response:
    issued = tokens.create_token(
        call.ctx,
        name=body.name,
        role=body.role,
        scope=call.scope,
        access=body.access,
        expires=_expires(body),
        description=body.description,
    )
    answer = {"token": issued.token, **with_epoch_ms(issued.info)}
    return call.ok(answer, headers={"Cache-Control": "no-store"})


@handles("listTokens")
def list_tokens(
    call: ScopedCall,
    include_ended: Annotated[
        bool, Query(alias="includeEnded", description="revoked and expired tokens too")
    ] = False,
) -> Response:
    infos = tokens.list_tokens(call.ctx, scope=call.scope, include_ended=include_ended)
    return call.ok(with_epoch_ms(list(infos)))


@handles("revokeToken")
def revoke_token(identifier: str, call: ScopedCall) -> Response:
    info = tokens.revoke_token(call.ctx, token_id=identifier, scope=call.scope)
    return call.ok(with_epoch_ms(info))


@handles("listAuditEvents")
def list_audit_events(
    call: ScopedCall,
    page_index: Annotated[
        int | None, Query(alias="pageIndex", description="the page, from 0")
    ] = None,
    page_size: Annotated[int, Query(alias="pageSize", description="1 to 1000")] = 50,
    since: Annotated[str | None, Query(description="24h, 7d, 90m ago, or an ISO date")] = None,
    until: Annotated[str | None, Query(description="the forms of since")] = None,
    actor: Annotated[str | None, Query(description="a caller's name")] = None,
    action: Annotated[str | None, Query(description="an action or noun.*")] = None,
    target: Annotated[str | None, Query(description="a target as recorded")] = None,
    cursor: Annotated[str | None, Query(description="a page's nextCursor")] = None,
) -> Response:
    """Numbered pages (``pageIndex``, with the total) or, with ``cursor``, the page after
    the one that answered it as ``nextCursor`` (stable while events are appended)."""
    now = call.ctx.clock()
    found = list_audit(
        call.ctx,
        since=moment_of(since, setting="since", now=now) if since is not None else None,
        until=moment_of(until, setting="until", now=now) if until is not None else None,
        actor=actor,
        action=action,
        target=target,
        limit=page_size,
        cursor=cursor,
        page_index=0 if cursor is None and page_index is None else page_index,
        scope=call.scope,
    )
    events = [with_epoch_ms(e) for e in found.events]
    answer = page(
        events,
        page_index=page_index or 0,
        page_size=page_size,
        total_items=found.total_items or 0,
    )
    if found.total_items is None:  # cursor pages are not counted
        del answer["totalItems"], answer["totalPages"]
    if found.next_cursor is not None:
        answer["nextCursor"] = found.next_cursor
    return call.ok(answer)
