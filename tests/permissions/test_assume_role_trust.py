"""Assuming the connector's role is decided with the role's trust policy; when the role may
not read it, what AWS just did stands in (Stubber: the simulator path, which moto lacks)."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from awsconn.service.permission_context import CredentialFacts, SessionFacts
from awsconn.service.permission_reports import report_model
from awsconn.service.permissions import check

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deploy"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/awsconn@prod"
USER_ARN = "arn:aws:iam::999988887777:user/ci"


def _clients() -> dict[str, Any]:
    session = boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    return {"sts": session.client("sts"), "iam": session.client("iam")}


def _result(action: str, resource: str) -> dict[str, Any]:
    return {
        "EvaluationResults": [
            {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": "allowed",
                "MatchedStatements": [],
                "MissingContextValues": [],
            }
        ],
        "IsTruncated": False,
    }


def test_an_unreadable_trust_policy_is_replaced_by_what_aws_did() -> None:
    role, user = _clients(), _clients()
    sent: list[dict[str, Any]] = []
    user["iam"].meta.events.register(
        "provide-client-params.iam.SimulatePrincipalPolicy",
        lambda params, **_: sent.append(dict(params)),
    )
    stubs = [Stubber(c) for c in (*role.values(), *user.values())]
    role_sts, role_iam, user_sts, user_iam = stubs
    role_sts.add_response(
        "get_caller_identity",
        {"UserId": "AROAEXAMPLE:awsconn@prod", "Account": ACCOUNT, "Arn": SESSION_ARN},
    )
    user_sts.add_response(
        "get_caller_identity", {"UserId": "AIDAEXAMPLE", "Account": "999988887777", "Arn": USER_ARN}
    )
    # As the role: GetRole refused (no path for aws:PrincipalArn), tags refused.
    role_iam.add_client_error("get_role", "AccessDenied", http_status_code=403)
    role_iam.add_client_error("list_role_tags", "AccessDenied", http_status_code=403)
    role_iam.add_response(
        "simulate_principal_policy",
        _result("ec2:DescribeRegions", "*"),
        {
            "PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:role/deploy",
            "ActionNames": ["ec2:DescribeRegions"],
            "ResourceArns": ["*"],
            "ContextEntries": ANY,
        },
    )
    role_iam.add_client_error("get_role", "AccessDenied", http_status_code=403)  # the trust
    # As the user under the role: assuming it, with the stand-in as the role's policy.
    user_iam.add_response("list_user_tags", {"Tags": [], "IsTruncated": False})
    user_iam.add_response(
        "simulate_principal_policy",
        _result("sts:AssumeRole", ROLE_ARN),
        {
            "PolicySourceArn": USER_ARN,
            "ActionNames": ["sts:AssumeRole"],
            "ResourceArns": [ROLE_ARN],
            "ResourcePolicy": ANY,
            "ContextEntries": ANY,
        },
    )
    facts = SessionFacts(
        role_arn=ROLE_ARN,
        external_id="ext-1",
        credentials=CredentialFacts(long_term=False, clean=True),
        base_credentials=CredentialFacts(long_term=True, clean=True),
    )
    for stub in stubs:
        stub.activate()

    report = check(
        ["sts-assume-role"],
        clients=role.__getitem__,
        base_clients=user.__getitem__,
        session=facts,
    )

    for stub in stubs:
        stub.assert_no_pending_responses()
    assert report.summary == {"describe-regions": "GRANTED", "sts-assume-role": "GRANTED"}
    assert report.trust_policy is not None and "not readable" in report.trust_policy[0]
    stand_in = json.loads(sent[0]["ResourcePolicy"])
    assert stand_in["Statement"][0]["Principal"] == {"AWS": USER_ARN}
    entries = {e["ContextKeyName"]: e["ContextKeyValues"] for e in sent[0]["ContextEntries"]}
    assert entries["sts:ExternalId"] == ["ext-1"]
    assert report.base_principal is not None and report.base_principal.arn == USER_ARN
    # The role's path could not be read: aws:PrincipalArn is not guessed.
    assert "aws:PrincipalArn" not in report_model(report).context["connector"].filled
