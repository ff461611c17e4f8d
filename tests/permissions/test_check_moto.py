"""The permission check against a real moto server (auth enforced).

moto has no SimulatePrincipalPolicy, so these run path b for real: the identity reads
its own policies (inline, managed, groups, boundary) and the engine decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from awsconn.aws.local_endpoint import ACCOUNT_ID, LocalAwsEndpoint, allow_policy
from awsconn.aws.sessions import StaticKeys
from awsconn.errors import AwsCallFailed
from awsconn.iam.capabilities import Parameters
from awsconn.service.permissions import check, diff

pytestmark = pytest.mark.aws

# What every checked identity needs to read its own policies (path b).
READER = {
    "Sid": "ReadOwnPolicies",
    "Effect": "Allow",
    "Action": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
    "Resource": "*",
}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(sid: str, actions: list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}


def _clients(moto: LocalAwsEndpoint, keys: StaticKeys, **spec: Any) -> Callable[[str], Any]:
    session_spec = moto.spec(keys, **spec)
    return lambda service: moto.factory.client(session_spec, service)


def test_user_inline_and_managed_policies_grant_s3_read(
    moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(
        unique_name,
        _doc(
            READER,
            _allow(
                "ReadBucket",
                ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:ListAllMyBuckets"],
            ),
        ),
    )
    assert keys is not None
    regions = moto_auth.create_policy(f"{unique_name}-regions", allow_policy("ec2:DescribeRegions"))
    moto_auth.admin_client("iam").attach_user_policy(UserName=unique_name, PolicyArn=regions)

    report = check(["s3-read"], clients=_clients(moto_auth, keys))

    assert report.method == "policies"
    assert report.summary == {"describe-regions": "GRANTED", "s3-read": "GRANTED"}
    assert report.ok and report.missing_policy() is None
    assert report.principal is not None
    assert report.principal.principal_arn == f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}"
    regions_check = report.capabilities[0].checks[0]
    assert regions_check.decided_by[0]["policy"] == regions
    s3_check = report.capabilities[1].checks[0]
    assert s3_check.decided_by[0]["statement"] == "ReadBucket"
    assert report.defaults["bucket"].startswith("*")
    assert any("simulator not used" in n for n in report.notes)


def test_group_policy_grants_part_of_ecr_push(
    moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    iam = moto_auth.admin_client("iam")
    keys = moto_auth.create_user(unique_name, _doc(READER))
    assert keys is not None
    iam.create_group(GroupName=unique_name)
    iam.add_user_to_group(GroupName=unique_name, UserName=unique_name)
    iam.put_group_policy(
        GroupName=unique_name,
        PolicyName="pull-only",
        PolicyDocument=json.dumps(
            _doc(
                _allow(
                    "Pull",
                    [
                        "ecr:GetAuthorizationToken",
                        "ecr:BatchGetImage",
                        "ecr:BatchCheckLayerAvailability",
                        "ec2:DescribeRegions",
                    ],
                )
            )
        ),
    )

    report = check(
        ["ecr-push"], clients=_clients(moto_auth, keys), params=Parameters.build(repository="app")
    )

    assert report.summary == {"describe-regions": "GRANTED", "ecr-push": "NOT_GRANTED"}
    assert not report.ok
    assert (
        report.capabilities[1].checks[0].decided_by[0]["policy"] == f"group/{unique_name}:pull-only"
    )
    missing = report.missing_policy()
    assert missing is not None
    statement = missing["Statement"][0]
    assert statement["Resource"] == f"arn:aws:ecr:us-east-1:{ACCOUNT_ID}:repository/app"
    assert "ecr:PutImage" in statement["Action"]
    assert "ecr:BatchGetImage" not in statement["Action"]
    assert report.defaults["account"].startswith(ACCOUNT_ID)
    assert report.defaults["region"].startswith("us-east-1")


def test_role_permission_boundary_limits_its_policies(
    moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    """moto keeps role boundaries (not user ones: see test_principal.py for those)."""
    boundary = moto_auth.create_policy(
        f"{unique_name}-boundary", _doc(READER, _allow("S3", ["s3:*", "sts:AssumeRole"]))
    )
    base = moto_auth.create_user(unique_name, _doc(_allow("Assume", ["sts:AssumeRole"])))
    assert base is not None
    role = moto_auth.create_role(
        f"{unique_name}-r",
        trust_principal=f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}",
        policy=_doc(READER, _allow("All", ["s3:*", "ec2:DescribeRegions"])),
    )
    moto_auth.admin_client("iam").put_role_permissions_boundary(
        RoleName=role.name, PermissionsBoundary=boundary
    )
    report = check(["s3-read"], clients=_clients(moto_auth, base, role_arn=role.arn))
    assert report.summary == {"describe-regions": "NOT_GRANTED", "s3-read": "GRANTED"}
    assert {"label": boundary, "layer": "boundary", "source": "boundary"} in report.policies
    assert any("boundary" in r for r in report.capabilities[0].checks[0].reasons)


def test_explicit_deny_is_reported_as_such(moto_auth: LocalAwsEndpoint, unique_name: str) -> None:
    keys = moto_auth.create_user(
        unique_name,
        _doc(
            READER,
            _allow("Objects", ["s3:*Object", "ec2:DescribeRegions"]),
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        ),
    )
    assert keys is not None
    report = check(
        ["s3-write"], clients=_clients(moto_auth, keys), params=Parameters.build(bucket="data")
    )
    assert report.summary["s3-write"] == "NOT_GRANTED"
    denies = report.explicit_denies()
    assert [(d.action, d.decided_by[0]["statement"]) for d in denies] == [
        ("s3:DeleteObject", "NoDelete")
    ]


def test_role_reached_by_cross_account_access(
    moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    base = moto_auth.create_user(unique_name, _doc(_allow("Assume", ["sts:AssumeRole"])))
    assert base is not None
    role = moto_auth.create_role(
        f"{unique_name}-deploy",
        trust_principal=f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}",
        external_id="ext-123",
        policy=_doc(READER, _allow("Regions", ["ec2:DescribeRegions"])),
    )
    pull = moto_auth.create_policy(
        f"{unique_name}-pull",
        _doc(
            _allow(
                "Pull",
                [
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "ecr:DescribeRepositories",
                    "ecr:ListImages",
                    "ecr:DescribeImages",
                ],
            )
        ),
    )
    moto_auth.admin_client("iam").attach_role_policy(RoleName=role.name, PolicyArn=pull)

    report = check(
        ["ecr-pull", "s3-read"],
        clients=_clients(moto_auth, base, role_arn=role.arn, external_id="ext-123"),
    )

    assert report.principal is not None
    assert ":assumed-role/" in report.principal.arn
    assert report.principal.principal_arn == role.arn
    assert report.summary == {
        "describe-regions": "GRANTED",
        "ecr-pull": "GRANTED",
        "s3-read": "NOT_GRANTED",
    }
    assert report.capabilities[1].checks[0].decided_by[0]["policy"] == pull


def test_without_iam_read_the_check_says_what_to_allow(
    moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(unique_name, _doc(_allow("Caller", ["sts:GetCallerIdentity"])))
    assert keys is not None
    with pytest.raises(AwsCallFailed) as info:
        check(["s3-read"], clients=_clients(moto_auth, keys))
    assert "iam:GetUser" in info.value.message
    assert info.value.hint is not None and "what-if" in info.value.hint


def test_simulator_not_implemented_falls_through(
    moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(
        unique_name,
        _doc(READER, _allow("Sim", ["iam:SimulatePrincipalPolicy", "ec2:DescribeRegions"])),
    )
    assert keys is not None
    report = check(["describe-regions"], clients=_clients(moto_auth, keys))
    assert report.method == "policies" and report.ok
    assert any("does not implement" in n for n in report.notes)


def test_diff_before_switching_policies(moto_auth: LocalAwsEndpoint, unique_name: str) -> None:
    keys = moto_auth.create_user(
        unique_name, _doc(READER, _allow("Read", ["s3:Get*", "s3:List*", "ec2:DescribeRegions"]))
    )
    assert keys is not None
    new = _doc(
        _allow("Regions", ["ec2:DescribeRegions"]),
        _allow("Write", ["s3:*Object"], "arn:aws:s3:::*/*"),
    )
    report = diff(
        ["s3-read", "s3-write"],
        clients=_clients(moto_auth, keys),
        new_policies=[("new.json", new)],
    )
    changes = {c.capability: c for c in report.changes()}
    assert changes["s3-read"].before == "GRANTED"
    assert changes["s3-read"].after == "NOT_GRANTED"
    assert changes["s3-read"].change == "loses"
    assert changes["s3-write"].change == "gains"
    assert changes["describe-regions"].change == "same"
    assert not report.ok
