"""A well-formed request for every route of the table, in a given scope.

Well-formed means a caller allowed to make it would get past the shape checks: so a
refusal (401, 403) seen by the security tests is the refusal itself, not bad input.
"""

from __future__ import annotations

from typing import Any

from awsconn.api.paths import Route

IDENTIFIER = "probe_target"
_ALLOW_S3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
_POLICY = {"Version": "2012-10-17", "Statement": [_ALLOW_S3]}


def connector_body(org: str | None, identifier: str = IDENTIFIER) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": identifier,
        "identifier": identifier,
        "type": "Aws",
        "spec": {
            "credential": {"type": "InheritFromDelegate", "region": "us-east-1"},
            "delegateSelectors": ["probe"],
        },
    }
    if org:
        body["orgIdentifier"] = org
    return {"connector": body}


def secret_body(org: str | None, identifier: str = IDENTIFIER) -> dict[str, Any]:
    secret: dict[str, Any] = {
        "type": "SecretText",
        "name": identifier,
        "identifier": identifier,
        "spec": {
            "secretManagerIdentifier": "harnessSecretManager",
            "valueType": "Inline",
            "value": "probe-value",
        },
    }
    if org:
        secret["orgIdentifier"] = org
    return {"secret": secret}


BODIES: dict[str, Any] = {
    "getConnectorListV2": {"filterType": "Connector"},
    "checkConnectorPermissions": {"capabilities": ["s3-read"]},
    "setConnectorSchedule": {"testInterval": 15},
    "diffConnectorPermissions": {
        "capabilities": ["s3-read"],
        "whatIf": [{"document": _POLICY, "name": "new"}],
    },
    "generatePolicy": {"capabilities": ["s3-read"]},
    "generateTrustPolicy": {"trustedPrincipal": "arn:aws:iam::123456789012:root"},
    "evaluatePolicy": {"action": "s3:GetObject", "policies": [{"document": _POLICY}]},
    "simulatePolicies": {"cases": []},
    "lintPolicies": {"policies": [{"document": _POLICY}]},
    "createToken": {"name": "probe-token", "role": "viewer"},
    "submitTask": {"kind": "regions", "connector": IDENTIFIER},
    "listDelegates": {"filterType": "Delegate"},
    "registerDelegate": {"name": "probe-delegate", "tags": ["probe"], "version": "1.0.0"},
    "reportDelegateInit": {"delegateId": "0" * 32, "exitStatus": 0},
    "delegateHeartbeat": {"delegateId": "0" * 32, "running": []},
    "takeDelegateTask": {"delegateId": "0" * 32, "waitSeconds": 0},
    "finishDelegateTask": {
        "delegateId": "0" * 32,
        "taskId": "0" * 32,
        "attempt": 1,
        "error": {"code": "AWS_ERROR", "message": "probe"},
    },
    "disconnectDelegate": {"delegateId": "0" * 32},
}
_IDENTIFIERS = {
    "revokeToken": "0123456789abcdef",  # a token id
    "getTask": "0" * 32,  # a task id
    "cancelTask": "0" * 32,
}
QUERIES: dict[str, dict[str, str]] = {
    "expandActions": {"pattern": "s3:Get*"},
    "createDelegateToken": {"tokenName": "probe-delegate-token"},
    "revokeDelegateToken": {"tokenName": "probe-delegate-token"},
}


def request_for(row: Route, org: str | None) -> dict[str, Any]:
    """``httpx.Client.request`` keyword arguments for ``row`` in org ``org`` (account
    scope when None)."""
    path = row.path.replace("{identifier}", _IDENTIFIERS.get(row.operation, IDENTIFIER))
    params: dict[str, str] = dict(QUERIES.get(row.operation, {}))
    if row.scoped and org and not row.body_scope:
        params["orgIdentifier"] = org
    kwargs: dict[str, Any] = {"method": row.method, "url": path, "params": params}
    if row.operation in ("createConnector", "updateConnector"):
        kwargs["json"] = connector_body(org)
    elif row.operation == "applyConnectors":
        kwargs["json"] = [connector_body(org)]
        kwargs["params"]["dryRun"] = "true"
    elif row.operation in ("postSecret", "putSecret"):
        kwargs["json"] = secret_body(org)
    elif row.operation in BODIES:
        kwargs["json"] = BODIES[row.operation]
    return kwargs
