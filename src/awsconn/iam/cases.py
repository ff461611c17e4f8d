"""Simulation cases (the iam-simulate JSON format) to a :class:`PolicySet` and a
:class:`Request`; used by ``awsconn policy simulate`` and the conformance test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsconn.errors import InvalidInput
from awsconn.iam.policyset import PolicySet
from awsconn.iam.request import Request

__all__ = ["case_policy_set", "case_request"]


def case_request(case: Mapping[str, Any]) -> Request:
    """``request`` of a case; a principal ``{"type": "Anonymous"}`` is an anonymous caller."""
    r = case.get("request")
    if not isinstance(r, Mapping) or "action" not in r:
        raise InvalidInput("a case needs request.action")
    raw_principal = r.get("principal")
    principal = (
        None if isinstance(raw_principal, Mapping) or raw_principal is None else str(raw_principal)
    )
    resource = r.get("resource") or {}
    if isinstance(resource, str):
        resource = {"resource": resource}
    return Request(
        principal=principal,
        action=str(r["action"]),
        resource=str(resource.get("resource", "*")),
        resource_account=resource.get("accountId"),
        context=dict(r.get("context") or {}),
        wildcard_only=bool(r.get("wildcardOnlyAction", False)),
    )


def case_policy_set(case: Mapping[str, Any]) -> PolicySet:
    """Every policy of a case; AWS's allow-all RCP is implied by :class:`PolicySet` itself."""
    scps = case.get("serviceControlPolicies")
    rcps = case.get("resourceControlPolicies")
    return PolicySet(
        identity=case.get("identityPolicies") or [],
        boundaries=case.get("permissionBoundaries") or [],
        scps=None if scps is None else [level.get("policies", []) for level in scps],
        rcps=None if rcps is None else [level.get("policies", []) for level in rcps],
        resource_policy=case.get("resourcePolicy"),
        session_policy=case.get("sessionPolicy"),
        endpoint_policies=case.get("endpointPolicies"),
    )
