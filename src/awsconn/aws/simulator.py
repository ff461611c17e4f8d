"""AWS's own policy simulator (iam:SimulatePrincipalPolicy), per (action, resource).

AWS evaluates everything it knows (identity policies, groups, boundary, SCPs), so when
the caller may use it, it is the best answer. When it may not, or the endpoint does not
implement it (moto answers an HTML 500 that botocore raises as ResponseParserError),
``SimulatorUnavailable`` tells the caller to fall through to reading the policies.

The simulator knows no request context of its own: the condition keys the caller knows
go in as ``ContextEntries``; keys a policy needs that were not given come back in
``MissingContextValues`` (the simulator then treats them as absent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from awsconn.errors import AwsCallFailed, AwsFailure

__all__ = [
    "MatchedStatement",
    "SimulatedDecision",
    "SimulatorUnavailable",
    "context_entries",
    "simulate",
]

_UNAVAILABLE_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "NotImplemented",
        "InvalidAction",
        "UnknownOperationException",
        "UnsupportedOperation",
    }
)
_BATCH = 100  # action names per call: well under the request size limit
# ContextKeyType of the global keys whose type is not a string (lower-case names).
_KEY_TYPES = {
    "aws:securetransport": "boolean",
    "aws:principalisawsservice": "boolean",
    "aws:viaawsservice": "boolean",
    "aws:multifactorauthpresent": "boolean",
    "aws:currenttime": "date",
    "aws:tokenissuetime": "date",
    "aws:epochtime": "date",
    "aws:multifactorauthage": "numeric",
    "aws:sourceip": "ip",
    "aws:vpcsourceip": "ip",
}


class SimulatorUnavailable(Exception):
    """The simulator cannot answer here; ``reason`` says why (shown in the report)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MatchedStatement:
    """A statement the simulator says decided: its policy id and type, and where it starts."""

    policy_id: str
    policy_type: str
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"policy": self.policy_id, "policyType": self.policy_type}
        if self.line is not None:
            out["line"] = self.line
            out["column"] = self.column
        return out


@dataclass(frozen=True)
class SimulatedDecision:
    """AWS's decision for one (action, resource): allowed, explicitDeny or implicitDeny."""

    action: str
    resource: str
    decision: str
    matched: tuple[MatchedStatement, ...] = ()
    allowed_by_boundary: bool | None = None
    allowed_by_organizations: bool | None = None
    missing_context: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


def simulate(
    iam: Any,
    principal_arn: str,
    pairs: Sequence[tuple[str, str]],
    *,
    resource_policy: Mapping[str, Any] | None = None,
    context: Mapping[str, str | Sequence[str]] | None = None,
) -> list[SimulatedDecision]:
    """Decide each (action, resource) pair; one call per resource and batch of actions.

    ``context``: condition keys of the request (a list value is a multi-valued key).
    """
    by_resource: dict[str, list[str]] = {}
    for action, resource in pairs:
        actions = by_resource.setdefault(resource, [])
        if action not in actions:
            actions.append(action)
    out: list[SimulatedDecision] = []
    for resource, actions in by_resource.items():
        for start in range(0, len(actions), _BATCH):
            args: dict[str, Any] = {
                "PolicySourceArn": principal_arn,
                "ActionNames": actions[start : start + _BATCH],
                "ResourceArns": [resource],
            }
            if resource_policy is not None:
                args["ResourcePolicy"] = json.dumps(resource_policy)
            if context:
                args["ContextEntries"] = context_entries(context)
            out.extend(_results(iam, args, resource))
    return out


def context_entries(context: Mapping[str, str | Sequence[str]]) -> list[dict[str, Any]]:
    """Condition keys as the simulator's ``ContextEntries`` (typed; lists as ``...List``)."""
    out: list[dict[str, Any]] = []
    for key, value in context.items():
        kind = _KEY_TYPES.get(key.lower(), "string")
        values = [value] if isinstance(value, str) else list(value)
        out.append(
            {
                "ContextKeyName": key,
                "ContextKeyValues": values,
                "ContextKeyType": kind if isinstance(value, str) else f"{kind}List",
            }
        )
    return out


def _results(iam: Any, args: dict[str, Any], resource: str) -> list[SimulatedDecision]:
    out: list[SimulatedDecision] = []
    marker: str | None = None
    while True:
        call = dict(args, Marker=marker) if marker else args
        answer = _call(iam, call)
        for result in answer.get("EvaluationResults", []):
            out.append(_decision(result, resource))
        if not answer.get("IsTruncated") or not answer.get("Marker"):
            return out
        marker = answer["Marker"]


def _decision(result: Mapping[str, Any], resource: str) -> SimulatedDecision:
    matched = tuple(
        MatchedStatement(
            policy_id=str(m.get("SourcePolicyId", "")),
            policy_type=str(m.get("SourcePolicyType", "")),
            line=(m.get("StartPosition") or {}).get("Line"),
            column=(m.get("StartPosition") or {}).get("Column"),
        )
        for m in result.get("MatchedStatements", [])
    )
    boundary = (result.get("PermissionsBoundaryDecisionDetail") or {}).get(
        "AllowedByPermissionsBoundary"
    )
    orgs = (result.get("OrganizationsDecisionDetail") or {}).get("AllowedByOrganizations")
    return SimulatedDecision(
        action=str(result["EvalActionName"]),
        resource=str(result.get("EvalResourceName") or resource),
        decision=str(result["EvalDecision"]),
        matched=matched,
        allowed_by_boundary=boundary,
        allowed_by_organizations=orgs,
        missing_context=tuple(result.get("MissingContextValues", [])),
    )


def _call(iam: Any, args: dict[str, Any]) -> Any:
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError

    try:
        return iam.simulate_principal_policy(**args)
    except ResponseParserError as exc:
        raise SimulatorUnavailable(
            "the endpoint does not implement iam:SimulatePrincipalPolicy"
        ) from exc
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _UNAVAILABLE_CODES:
            raise SimulatorUnavailable(f"iam:SimulatePrincipalPolicy was refused ({code})") from exc
        if status in (500, 501):
            raise SimulatorUnavailable(
                f"iam:SimulatePrincipalPolicy failed on the endpoint (HTTP {status})"
            ) from exc
        message = str(exc.response.get("Error", {}).get("Message", exc))
        raise AwsCallFailed(
            AwsFailure(
                code="AWS_ERROR",
                message=f"iam:SimulatePrincipalPolicy failed: {message}",
                aws_error_code=code,
                request_id=exc.response.get("ResponseMetadata", {}).get("RequestId"),
            )
        ) from exc
