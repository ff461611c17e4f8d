"""Simulation cases (the iam-simulate JSON format) to a :class:`PolicySet` and a
:class:`Request`; used by ``awsconn policy simulate`` and the conformance test.

A case is user input: a wrong shape is an :class:`InvalidInput` naming the field
(``request.context.aws:SourceIp: ...``), never a crash. JSON booleans and numbers in
the request context are read as their text (``true`` -> ``"true"``, ``5`` -> ``"5"``),
as they are in policy documents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from awsconn.errors import InvalidInput
from awsconn.iam.grammar import scalar_text
from awsconn.iam.policyset import PolicySet
from awsconn.iam.request import Request

__all__ = ["RESPONSES", "case_expected", "case_policy_set", "case_request"]

RESPONSES = ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied")


def _context(raw: Any) -> dict[str, str | list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("request.context: must be an object of condition keys")
    out: dict[str, str | list[str]] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            items = [scalar_text(v) for v in value]
            if all(i is not None for i in items):
                out[str(key)] = [i for i in items if i is not None]
                continue
        else:
            text = scalar_text(value)
            if text is not None:
                out[str(key)] = text
                continue
        raise InvalidInput(
            f"request.context.{key}: must be a string, number, boolean or a list of them"
            f" (given {json.dumps(value)})"
        )
    return out


def case_request(case: Mapping[str, Any]) -> Request:
    """``request`` of a case; a principal ``{"type": "Anonymous"}`` is an anonymous caller."""
    r = case.get("request")
    if not isinstance(r, Mapping) or "action" not in r:
        raise InvalidInput("a case needs request.action")
    action = r["action"]
    if not isinstance(action, str) or not action:
        raise InvalidInput("request.action: must be a string service:Action")
    raw_principal = r.get("principal")
    if raw_principal is not None and not isinstance(raw_principal, str | Mapping):
        raise InvalidInput("request.principal: must be an ARN, a service principal or an object")
    principal = None if isinstance(raw_principal, Mapping) else raw_principal
    resource = r.get("resource") or {}
    if isinstance(resource, str):
        resource = {"resource": resource}
    if not isinstance(resource, Mapping):
        raise InvalidInput('request.resource: must be an ARN or {"resource": ARN, "accountId": ID}')
    arn = resource.get("resource", "*")
    account = resource.get("accountId")
    if not isinstance(arn, str):
        raise InvalidInput("request.resource.resource: must be an ARN or *")
    if account is not None and not isinstance(account, str):
        raise InvalidInput("request.resource.accountId: must be a string")
    return Request(
        principal=principal,
        action=action,
        resource=arn,
        resource_account=account,
        context=_context(r.get("context")),
        wildcard_only=bool(r.get("wildcardOnlyAction", False)),
    )


def _list(case: Mapping[str, Any], field: str) -> list[Any]:
    value = case.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{field}: must be a list of policies")
    return value


def _levels(case: Mapping[str, Any], field: str) -> list[list[Any]] | None:
    if case.get(field) is None:
        return None
    levels: list[list[Any]] = []
    for i, level in enumerate(_list(case, field)):
        policies = level.get("policies", []) if isinstance(level, Mapping) else None
        if not isinstance(policies, list):
            raise InvalidInput(f'{field}[{i}]: must be {{"policies": [...]}} (one org level)')
        levels.append(policies)
    return levels


def case_policy_set(case: Mapping[str, Any]) -> PolicySet:
    """Every policy of a case; AWS's allow-all RCP is implied by :class:`PolicySet` itself."""
    endpoints = case.get("endpointPolicies")
    return PolicySet(
        identity=_list(case, "identityPolicies"),
        boundaries=_list(case, "permissionBoundaries"),
        scps=_levels(case, "serviceControlPolicies"),
        rcps=_levels(case, "resourceControlPolicies"),
        resource_policy=case.get("resourcePolicy"),
        session_policy=case.get("sessionPolicy"),
        endpoint_policies=None if endpoints is None else _list(case, "endpointPolicies"),
    )


def case_expected(case: Mapping[str, Any]) -> str | None:
    """``expected.response``, one of :data:`RESPONSES`, or ``None`` when not given."""
    expected = case.get("expected")
    if expected is None or (isinstance(expected, Mapping) and "response" not in expected):
        return None
    response = expected.get("response") if isinstance(expected, Mapping) else None
    if response not in RESPONSES:
        raise InvalidInput(
            f"expected.response: must be one of {', '.join(RESPONSES)} (given {response!r})"
        )
    return response if isinstance(response, str) else None
