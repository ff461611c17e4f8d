"""Assuming the cross-account role is checked as the identity under it (moto, auth enforced)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from permission_setup import READER, add_connector, allow, app_context, doc

from awsconn.aws.local_endpoint import ACCOUNT_ID, LocalAwsEndpoint
from awsconn.aws.sessions import StaticKeys
from awsconn.cli import main
from awsconn.service.connector_permissions import check_connector

pytestmark = pytest.mark.aws


def _cross_account(
    moto: LocalAwsEndpoint, name: str, *, external_id: str | None = None
) -> tuple[StaticKeys, str]:
    """A user that may assume a role; the role itself may not assume anything."""
    role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-deploy"
    keys = moto.create_user(name, doc(READER, allow("AssumeDeploy", ["sts:AssumeRole"], role_arn)))
    assert keys is not None
    role = moto.create_role(
        f"{name}-deploy",
        trust_principal=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        external_id=external_id,
        policy=doc(READER, allow("Regions", ["ec2:DescribeRegions"])),
    )
    assert role.arn == role_arn
    return keys, role_arn


def test_permissions_check_for_sts_assume_role_checks_the_base_user(
    moto_auth: LocalAwsEndpoint,
    unique_name: str,
    aws_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keys, role_arn = _cross_account(moto_auth, unique_name)
    add_connector(app_context(aws_env, tmp_path), "prod_aws", keys, role_arn=role_arn)
    for name in list(__import__("os").environ):
        if name.startswith(("AWS_", "AWSCONN_")):
            monkeypatch.delenv(name, raising=False)
    for key, value in aws_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWSCONN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))

    code = main(["permissions", "check", "prod_aws", "--for", "sts-assume-role", "-o", "json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0, report
    assert report["summary"] == {"describe-regions": "GRANTED", "sts-assume-role": "GRANTED"}
    assume = report["capabilities"][1]
    assert assume["identity"] == "base"
    assert assume["actions"][0]["resource"] == role_arn  # the role filled from the connector
    assert "crossAccountRoleArn" in report["defaults"]["role"]
    assert report["basePrincipal"]["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}"
    assert ":assumed-role/" in report["principal"]["arn"]  # describe-regions: as the role

    code = main(["permissions", "check", "prod_aws", "--for", "sts-assume-role"])
    out = capsys.readouterr().out
    assert code == 0
    assert "base identity (under the role): arn:aws:iam::" in out
    assert "sts-assume-role: GRANTED (1/1 granted) [checked as the identity under the role]" in out


def test_the_external_id_joins_the_request_context(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys, role_arn = _cross_account(moto_auth, unique_name, external_id="ext-42")
    ctx = app_context(aws_env, tmp_path)
    ref = add_connector(ctx, unique_name, keys, role_arn=role_arn, external_id="ext-42")
    user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}"

    def trust(external_id: str) -> tuple[str, dict[str, object]]:
        statement = {
            "Sid": "TrustTheUser",
            "Effect": "Allow",
            "Principal": {"AWS": user_arn},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }
        return "trust.json", doc(statement)

    report = check_connector(ctx, ref, ["sts-assume-role"], resource_policy=trust("ext-42"))
    assert report is not None
    assume = report.capabilities[1].actions[0]
    assert assume.status == "GRANTED", assume.wire()
    assert report.context["base"].assume_role_external_id == "ext-42"

    report = check_connector(ctx, ref, ["sts-assume-role"], resource_policy=trust("other"))
    assert report is not None
    assume = report.capabilities[1].actions[0]
    assert assume.status == "NOT_GRANTED"
    unmet = assume.near_misses[0]["unmetConditions"][0]
    assert (unmet["key"], unmet["requestValues"]) == ("sts:ExternalId", ["ext-42"])
