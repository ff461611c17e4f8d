"""Path a (AWS's simulator, via botocore's Stubber with real-shaped answers), user
boundaries via Stubber (moto keeps none for users), and path c (what-if) fully offline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from awsconn.aws.principal import principal_of_arn, read_policies
from awsconn.iam.capabilities import Parameters
from awsconn.service.permissions import check

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/ci/deployer"


def _session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )


@pytest.fixture
def stubbed() -> Iterator[tuple[dict[str, Any], Stubber, Stubber]]:
    session = _session()
    clients = {"sts": session.client("sts"), "iam": session.client("iam")}
    sts, iam = Stubber(clients["sts"]), Stubber(clients["iam"])
    with sts, iam:
        sts.add_response(
            "get_caller_identity",
            {"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": USER_ARN},
        )
        yield clients, sts, iam
        iam.assert_no_pending_responses()


def _result(action: str, resource: str, decision: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": decision,
        "MatchedStatements": [],
        "MissingContextValues": [],
    }
    out.update(extra)
    return out


def test_path_a_uses_the_simulator_and_names_the_matched_statement(stubbed: Any) -> None:
    clients, _, iam = stubbed
    iam.add_response("list_user_tags", {"Tags": [], "IsTruncated": False})
    matched = {
        "SourcePolicyId": "deployer-inline",
        "SourcePolicyType": "IAM Policy",
        "StartPosition": {"Line": 3, "Column": 5},
        "EndPosition": {"Line": 8, "Column": 6},
    }
    iam.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                _result("ec2:DescribeRegions", "*", "allowed", MatchedStatements=[matched])
            ],
            "IsTruncated": False,
        },
        {
            "PolicySourceArn": USER_ARN,
            "ActionNames": ["ec2:DescribeRegions"],
            "ResourceArns": ["*"],
            "ContextEntries": ANY,
        },
    )
    iam.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                _result("s3:PutObject", "arn:aws:s3:::b/*", "allowed", MatchedStatements=[matched])
            ],
            "IsTruncated": True,
            "Marker": "page2",
        },
        {
            "PolicySourceArn": USER_ARN,
            "ActionNames": ANY,
            "ResourceArns": ["arn:aws:s3:::b/*"],
            "ContextEntries": ANY,
        },
    )
    iam.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                _result("s3:GetObject", "arn:aws:s3:::b/*", "implicitDeny"),
                _result(
                    "s3:DeleteObject",
                    "arn:aws:s3:::b/*",
                    "explicitDeny",
                    MatchedStatements=[dict(matched, SourcePolicyId="no-delete")],
                ),
            ],
            "IsTruncated": False,
        },
        {
            "PolicySourceArn": USER_ARN,
            "ActionNames": ANY,
            "ResourceArns": ["arn:aws:s3:::b/*"],
            "ContextEntries": ANY,
            "Marker": "page2",
        },
    )

    report = check(["s3-write"], clients=clients.__getitem__, params=Parameters.build(bucket="b"))

    assert report.method == "simulator"
    assert report.summary == {"describe-regions": "GRANTED", "s3-write": "NOT_GRANTED"}
    by_action = {c.action: c for c in report.capabilities[1].checks}
    assert by_action["s3:PutObject"].decided_by[0]["policy"] == "deployer-inline"
    assert by_action["s3:PutObject"].decided_by[0]["line"] == 3
    assert by_action["s3:DeleteObject"].decision == "ExplicitlyDenied"
    assert by_action["s3:GetObject"].decision == "ImplicitlyDenied"
    missing = report.missing_policy()
    assert missing is not None
    assert missing["Statement"] == [
        {
            "Sid": "S3Objects",
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:GetObject"],
            "Resource": "arn:aws:s3:::b/*",
        }
    ]


def test_simulator_refused_falls_through_to_reading_policies(stubbed: Any) -> None:
    clients, _, iam = stubbed
    iam.add_response("list_user_tags", {"Tags": [], "IsTruncated": False})
    iam.add_client_error("simulate_principal_policy", "AccessDenied", http_status_code=403)
    iam.add_response("get_user", {"User": _user()})
    iam.add_response("list_user_policies", {"PolicyNames": ["p"], "IsTruncated": False})
    iam.add_response(
        "get_user_policy",
        {
            "UserName": "deployer",
            "PolicyName": "p",
            # AWS sends documents URL-encoded; botocore usually decodes them, not always.
            "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
            "%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ec2%3ADescribeRegions%22%2C"
            "%22Resource%22%3A%22%2A%22%7D%5D%7D",
        },
    )
    iam.add_response("list_attached_user_policies", {"AttachedPolicies": [], "IsTruncated": False})
    iam.add_response("list_groups_for_user", {"Groups": [], "IsTruncated": False})

    report = check(["describe-regions"], clients=clients.__getitem__)

    assert report.method == "policies" and report.ok
    assert any("refused (AccessDenied)" in n for n in report.notes)


def _user(**extra: Any) -> dict[str, Any]:
    from datetime import datetime

    user = {
        "Path": "/ci/",
        "UserName": "deployer",
        "UserId": "AIDAEXAMPLEEXAMPLE",
        "Arn": USER_ARN,
        "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
    }
    user.update(extra)
    return user


def test_user_boundary_and_paginated_lists_are_read() -> None:
    iam = _session().client("iam")
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/boundary"
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    with Stubber(iam) as stub:
        stub.add_response(
            "get_user",
            {
                "User": _user(
                    PermissionsBoundary={
                        "PermissionsBoundaryType": "Policy",
                        "PermissionsBoundaryArn": boundary,
                    }
                )
            },
        )
        stub.add_response(
            "list_user_policies", {"PolicyNames": ["a"], "IsTruncated": True, "Marker": "m"}
        )
        stub.add_response(
            "get_user_policy", {"UserName": "deployer", "PolicyName": "a", "PolicyDocument": doc}
        )
        stub.add_response(
            "list_user_policies",
            {"PolicyNames": ["b"], "IsTruncated": False},
            {"UserName": "deployer", "Marker": "m"},
        )
        stub.add_response(
            "get_user_policy", {"UserName": "deployer", "PolicyName": "b", "PolicyDocument": doc}
        )
        stub.add_response(
            "list_attached_user_policies", {"AttachedPolicies": [], "IsTruncated": False}
        )
        stub.add_response(
            "list_groups_for_user",
            {
                "Groups": [
                    {
                        "Path": "/",
                        "GroupName": "g",
                        "GroupId": "AGPAEXAMPLEEXAMPLE1",
                        "Arn": f"arn:aws:iam::{ACCOUNT}:group/g",
                        "CreateDate": _user()["CreateDate"],
                    }
                ],
                "IsTruncated": False,
            },
        )
        stub.add_response("list_group_policies", {"PolicyNames": [], "IsTruncated": False})
        stub.add_response(
            "list_attached_group_policies", {"AttachedPolicies": [], "IsTruncated": False}
        )
        stub.add_response(
            "get_policy",
            {"Policy": {"PolicyName": "boundary", "Arn": boundary, "DefaultVersionId": "v2"}},
        )
        stub.add_response(
            "get_policy_version",
            {"PolicyVersion": {"Document": doc, "VersionId": "v2", "IsDefaultVersion": True}},
        )
        found = read_policies(iam, principal_of_arn(USER_ARN))
    assert [p.name for p in found.identity] == ["a", "b"]
    assert found.boundary is not None and found.boundary.label == boundary
    assert found.boundary.document["Statement"][0]["Action"] == "s3:*"


@pytest.mark.parametrize(
    ("arn", "principal"),
    [
        (
            "arn:aws:sts::111122223333:assumed-role/deploy/sess",
            "arn:aws:iam::111122223333:role/deploy",
        ),
        (
            "arn:aws-us-gov:sts::111122223333:assumed-role/deploy/s",
            "arn:aws-us-gov:iam::111122223333:role/deploy",
        ),
        ("arn:aws-cn:sts::111122223333:assumed-role/r/s", "arn:aws-cn:iam::111122223333:role/r"),
        (USER_ARN, USER_ARN),
    ],
)
def test_assumed_role_maps_to_its_role_in_any_partition(arn: str, principal: str) -> None:
    assert principal_of_arn(arn).principal_arn == principal


def test_path_c_what_if_makes_no_aws_call_at_all() -> None:
    def no_aws(service: str) -> Any:
        raise AssertionError(f"what-if called AWS ({service})")

    identity = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Pull", "Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
            {"Sid": "Regions", "Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"},
        ],
    }
    scp = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoPush", "Effect": "Deny", "Action": "ecr:PutImage", "Resource": "*"},
        ],
    }
    report = check(
        ["ecr-pull", "ecr-push"],
        clients=no_aws,
        policy_files=[("identity.json", identity)],
        scps=[("scp.json", scp)],
        params=Parameters.build(account=ACCOUNT, repository="app"),
    )
    assert report.method == "what-if"
    assert report.summary == {
        "describe-regions": "GRANTED",
        "ecr-pull": "GRANTED",
        "ecr-push": "NOT_GRANTED",
    }
    put = next(c for c in report.capabilities[2].checks if c.action == "ecr:PutImage")
    assert put.decision == "ExplicitlyDenied"
    assert put.decided_by[0]["policy"] == "scp.json" and put.decided_by[0]["statement"] == "NoPush"
    assert report.defaults["region"].startswith("us-east-1")


def test_wildcard_capability_missing_policy_keeps_the_seeds_wildcards() -> None:
    report = check(
        ["serverless-lambda"],
        policy_files=[
            (
                "regions.json",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["ec2:DescribeRegions", "lambda:GetFunction"],
                            "Resource": "*",
                        }
                    ],
                },
            )
        ],
    )
    assert report.summary["serverless-lambda"] == "NOT_GRANTED"
    missing = report.missing_policy()
    assert missing is not None
    actions = missing["Statement"][0]["Action"]
    assert "apigateway:*" in actions
    assert "lambda:GetFunction" not in actions and "lambda:*" not in actions
    assert "lambda:InvokeFunction" in actions
