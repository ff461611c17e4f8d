"""``awsconn exec REF --server`` against an awsconn server: the local credential server
fetches from it (each fetch a ``connector.credentials`` the server audits), and the
command's boto3 reaches AWS with the role's credentials."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from client_fixtures import Runner, connector_doc

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, user_arn
from awsconn.client import Client

CHILD = """
import json, os, sys
import boto3
arn = boto3.client("sts", endpoint_url=sys.argv[2]).get_caller_identity()["Arn"]
json.dump({"arn": arn, "keys": "AWS_ACCESS_KEY_ID" in os.environ}, open(sys.argv[1], "w"))
"""


def test_exec_server_through_a_server_serves_the_role(
    client: Client,
    remote_cli: Runner,
    moto_auth: LocalAwsEndpoint,
    unique_name: str,
    tmp_path: Path,
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("sts:AssumeRole"))
    assert keys is not None
    role = moto_auth.create_role(
        f"{unique_name}-role",
        trust_principal=user_arn(unique_name),
        policy=allow_policy("sts:GetCallerIdentity"),
    )
    client.secrets.create(f"{unique_name}_sk", keys.secret_access_key)
    client.connectors.apply(
        connector_doc(unique_name, keys.access_key_id, f"{unique_name}_sk", role_arn=role.arn)
    )
    out = tmp_path / "child.json"
    argv = [sys.executable, "-c", CHILD, str(out), moto_auth.url]
    r = remote_cli("exec", unique_name, "--server", "--", *argv)
    assert r.code == 0, r.text
    seen = json.loads(out.read_text())
    assert f":assumed-role/{unique_name}-role/" in seen["arn"] and seen["keys"] is False
    r = remote_cli("exec", unique_name, "--server", "--here", "--", "true")
    assert r.code == 2 and "here" in r.err
