"""The check fills the keys AWS sets on every call of the identity (moto, auth enforced).

moto ignores conditions on identity policies, so its calls succeed whatever they test: the
engine alone decides them, and it must decide them as AWS would for these requests.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from permission_setup import READER, add_connector, allow, app_context, doc

from awsconn.aws.local_endpoint import ACCOUNT_ID, LocalAwsEndpoint
from awsconn.cli import main
from awsconn.service.connector_permissions import check_connector

pytestmark = pytest.mark.aws

NOW = datetime(2025, 6, 1, 12, 30, 0, tzinfo=UTC)


def test_connector_test_for_grants_a_policy_that_requires_https(
    moto_auth: LocalAwsEndpoint,
    unique_name: str,
    aws_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue: SUCCESS, then "not granted" and a policy to attach, exit 1."""
    keys = moto_auth.create_user(
        unique_name,
        doc(
            READER,
            allow(
                "RegionsOverHttps",
                ["ec2:DescribeRegions"],
                condition={"Bool": {"aws:SecureTransport": "true"}},
            ),
        ),
    )
    assert keys is not None
    add_connector(app_context(aws_env, tmp_path), "https_only", keys)
    for name in list(__import__("os").environ):
        if name.startswith(("AWS_", "AWSCONN_")):
            monkeypatch.delenv(name, raising=False)
    for key, value in aws_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWSCONN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))

    code = main(["connector", "test", "https_only", "--for", "describe-regions"])
    out = capsys.readouterr().out

    assert code == 0, out
    assert "permission describe-regions: GRANTED" in out
    assert "attach" not in out
    code = main(["connector", "test", "https_only", "--for", "describe-regions", "-o", "json"])
    perms = json.loads(capsys.readouterr().out)["permissions"]
    assert code == 0
    action = perms["capabilities"][0]["actions"][0]
    assert (action["status"], action["decision"]) == ("GRANTED", "Allowed")
    assert perms["context"]["connector"]["filled"]["aws:SecureTransport"] == "true"


def test_a_users_own_keys_are_filled_as_aws_sets_them(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, doc(READER))
    assert keys is not None
    sts = moto_auth.factory.client(moto_auth.spec(keys), "sts")
    user_id = sts.get_caller_identity()["UserId"]
    iam = moto_auth.admin_client("iam")
    iam.tag_user(UserName=unique_name, Tags=[{"Key": "team", "Value": "blue"}])
    user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}"
    iam.put_user_policy(
        UserName=unique_name,
        PolicyName="regions",
        PolicyDocument=json.dumps(
            doc(
                allow(
                    "EveryKeyOfTheCaller",
                    ["ec2:DescribeRegions"],
                    condition={
                        "StringEquals": {
                            "aws:PrincipalType": "User",
                            "aws:username": unique_name,
                            "aws:PrincipalArn": user_arn,
                            "aws:PrincipalAccount": ACCOUNT_ID,
                            "aws:userid": user_id,
                            "aws:PrincipalTag/team": "blue",
                            "aws:RequestedRegion": "us-east-1",
                        },
                        "Bool": {"aws:SecureTransport": "true"},
                        "DateEquals": {"aws:CurrentTime": "2025-06-01T12:30:00Z"},
                        "NumericEquals": {"aws:EpochTime": str(int(NOW.timestamp()))},
                        # An access key has no session: AWS sends no token issue time.
                        "Null": {"aws:TokenIssueTime": "true"},
                    },
                )
            )
        ),
    )
    ctx = app_context(aws_env, tmp_path, clock=lambda: NOW)
    ref = add_connector(ctx, unique_name, keys)

    report = check_connector(ctx, ref, ["describe-regions"])

    assert report is not None
    action = report.capabilities[0].actions[0]
    assert action.status == "GRANTED", action.wire()
    assert action.decided_by[0]["statement"] == "EveryKeyOfTheCaller"
    filled = report.context["connector"].filled
    assert filled["aws:CurrentTime"] == "2025-06-01T12:30:00Z"
    assert "aws:TokenIssueTime" not in filled


def test_a_role_sessions_keys_name_the_role_with_its_path(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, doc(allow("Assume", ["sts:AssumeRole"])))
    assert keys is not None
    iam = moto_auth.admin_client("iam")
    role_name = f"{unique_name}-deploy"
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}"},
            "Action": "sts:AssumeRole",
        }
    )
    role_arn = iam.create_role(
        RoleName=role_name,
        Path="/team/",
        AssumeRolePolicyDocument=json.dumps(trust),
        Tags=[{"Key": "stage", "Value": "prod"}],
    )["Role"]["Arn"]
    assert role_arn == f"arn:aws:iam::{ACCOUNT_ID}:role/team/{role_name}"
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="regions",
        PolicyDocument=json.dumps(
            doc(
                READER,
                allow(
                    "AsThisRoleSession",
                    ["ec2:DescribeRegions"],
                    condition={
                        "StringEquals": {
                            "aws:PrincipalType": "AssumedRole",
                            "aws:PrincipalArn": role_arn,
                            "aws:PrincipalTag/stage": "prod",
                        },
                        "StringLike": {"aws:userid": "AROA*:awsconn@*"},
                        "DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"},
                        "Null": {"aws:username": "true"},
                    },
                ),
            )
        ),
    )
    ctx = app_context(aws_env, tmp_path, clock=lambda: NOW)
    ref = add_connector(ctx, unique_name, keys, role_arn=role_arn)

    report = check_connector(ctx, ref, ["describe-regions"])

    assert report is not None
    action = report.capabilities[0].actions[0]
    assert action.status == "GRANTED", action.wire()
    filled = report.context["connector"].filled
    assert filled["aws:PrincipalArn"] == role_arn  # not the session's ARN
    assert "aws:TokenIssueTime" in filled and "aws:username" not in filled


def test_unreadable_tags_leave_the_tag_keys_unknown(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys = moto_auth.create_user(
        unique_name,
        doc(
            READER,
            {"Effect": "Deny", "Action": ["iam:ListUserTags"], "Resource": "*"},
            allow(
                "TeamBlue",
                ["ec2:DescribeRegions"],
                condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            ),
        ),
    )
    assert keys is not None
    ctx = app_context(aws_env, tmp_path, clock=lambda: NOW)
    ref = add_connector(ctx, unique_name, keys)

    report = check_connector(ctx, ref, ["describe-regions"])

    assert report is not None
    context = report.context["connector"]
    known = set(context.filled) | set(context.known_absent)
    assert "aws:PrincipalTag/team" not in known  # unknown: neither filled nor known absent
    assert not any(k.endswith("*") and "aws:PrincipalTag/".startswith(k[:-1]) for k in known)
    assert "aws:username" in known
    assert "aws:SecureTransport" in known
