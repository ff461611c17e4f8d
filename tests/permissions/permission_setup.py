"""Shared set-up of the permission tests: stored connectors over the local moto server,
and policy documents written tersely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from awsconn.aws.sessions import StaticKeys
from awsconn.model import EntityRef, parse_ref
from awsconn.service import connectors, secrets
from awsconn.service.context import AppContext

# What a checked identity needs to read its own policies (the "policies" method).
READER = {
    "Sid": "ReadOwnPolicies",
    "Effect": "Allow",
    "Action": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
    "Resource": "*",
}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(
    sid: str,
    actions: list[str],
    resource: str | list[str] = "*",
    condition: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        out["Condition"] = condition
    return out


def app_context(aws_env: dict[str, str], tmp_path: Path, clock: Any = None) -> AppContext:
    environ = {**aws_env, "AWSCONN_HOME": str(tmp_path / "home")}
    return AppContext(environ=environ, clock=clock) if clock else AppContext(environ=environ)


def add_connector(
    ctx: AppContext,
    identifier: str,
    keys: StaticKeys,
    *,
    role_arn: str | None = None,
    external_id: str | None = None,
    selectors: str = "[]",
) -> EntityRef:
    """A ManualConfig connector with these keys (the secret stored encrypted)."""
    secrets.create(ctx, parse_ref(f"{identifier}_sk"), keys.secret_access_key.encode())
    cross = ""
    if role_arn:
        cross = f"      crossAccountAccess:\n        crossAccountRoleArn: {role_arn}\n"
        if external_id:
            cross += f"        externalId: '{external_id}'\n"
    text = (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n  type: Aws\n"
        "  spec:\n    credential:\n      type: ManualConfig\n      spec:\n"
        f"        accessKey: {keys.access_key_id}\n        secretKeyRef: {identifier}_sk\n"
        f"{cross}      region: us-east-1\n    delegateSelectors: {selectors}\n"
    )
    connectors.apply_yaml(ctx, text, mode="create")
    return parse_ref(identifier)
