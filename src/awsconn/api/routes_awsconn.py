"""awsconn's own endpoints: a connector's permissions, history, regions and credentials;
the catalog and the offline policy engine; API tokens and the audit log.

Bodies are ``awsconn_shapes``; answers are the service's result models (the CLI's
``-o json``) with epoch-millisecond timestamps, in the ResponseDto envelope.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query
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
from awsconn.api.handlers import handles
from awsconn.api.harness_base import from_epoch_ms
from awsconn.api.wire import page, with_epoch_ms
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
from awsconn.service.audit import list_audit
from awsconn.timeouts import CREDENTIALS_TIMEOUT, REGIONS_TIMEOUT

__all__: list[str] = []


def _parameters(given: CapabilityParameters | None) -> dict[str, str | None]:
    return given.model_dump() if given is not None else {}


def _named(setting: str, given: list[NamedPolicy] | None) -> list[tuple[str, Any]]:
    """Policies as (label, document): the name given, else the setting and index."""
    return [(p.name or f"{setting}[{i}]", p.document) for i, p in enumerate(given or [])]


def _one(setting: str, given: NamedPolicy | None) -> tuple[str, Any] | None:
    return (given.name or setting, given.document) if given is not None else None


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


@handles("createToken")
def create_token(body: TokenCreateRequest, call: ScopedCall) -> Response:
    issued = tokens.create_token(
        call.ctx,
        name=body.name,
        role=body.role,
        scope=call.scope,
        access=body.access,
        expires=from_epoch_ms(body.expires_at)
        if body.expires_at is not None
        else tokens.DEFAULT_EXPIRES,
        description=body.description,
    )
    answer = {"token": issued.token, **with_epoch_ms(issued.info)}
    return call.ok(answer, headers={"Cache-Control": "no-store"})


@handles("listTokens")
def list_tokens(call: ScopedCall) -> Response:
    infos = tokens.list_tokens(call.ctx, scope=call.scope)
    return call.ok(with_epoch_ms(list(infos)))


@handles("revokeToken")
def revoke_token(identifier: str, call: ScopedCall) -> Response:
    tokens.revoke_token(call.ctx, token_id=identifier, scope=call.scope)
    return call.ok(True)


@handles("listAuditEvents")
def list_audit_events(
    call: ScopedCall,
    page_index: Annotated[int, Query(alias="pageIndex", description="the page, from 0")] = 0,
    page_size: Annotated[int, Query(alias="pageSize", description="1 to 1000")] = 50,
) -> Response:
    found = list_audit(call.ctx, limit=page_size, page_index=page_index, scope=call.scope)
    events = [with_epoch_ms(e) for e in found.events]
    return call.ok(
        page(events, page_index=page_index, page_size=page_size, total_items=found.total_items or 0)
    )
