"""AWS's simulator gets the keys the check fills, and a deny for want of a key only the real
request carries is DEPENDS (botocore's Stubber: moto has no iam:SimulatePrincipalPolicy)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from awsconn.service.permission_context import CredentialFacts, SessionFacts
from awsconn.service.permission_reports import report_model
from awsconn.service.permissions import check

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/ci/deployer"
NOW = datetime(2025, 6, 1, 12, 30, 0, tzinfo=UTC)
LONG_TERM = SessionFacts(credentials=CredentialFacts(long_term=True, clean=True))


@pytest.fixture
def stubbed() -> Iterator[tuple[dict[str, Any], Stubber, list[dict[str, Any]]]]:
    session = boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    clients = {"sts": session.client("sts"), "iam": session.client("iam")}
    sent: list[dict[str, Any]] = []
    clients["iam"].meta.events.register(
        "provide-client-params.iam.SimulatePrincipalPolicy",
        lambda params, **_: sent.append(dict(params)),
    )
    sts, iam = Stubber(clients["sts"]), Stubber(clients["iam"])
    with sts, iam:
        sts.add_response(
            "get_caller_identity",
            {"UserId": "AIDAEXAMPLEUSER", "Account": ACCOUNT, "Arn": USER_ARN},
        )
        iam.add_response(
            "list_user_tags", {"Tags": [{"Key": "team", "Value": "blue"}], "IsTruncated": False}
        )
        yield clients, iam, sent
        iam.assert_no_pending_responses()


def _simulated(iam: Stubber, decision: str, missing: list[str]) -> None:
    iam.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                {
                    "EvalActionName": "ec2:DescribeRegions",
                    "EvalResourceName": "*",
                    "EvalDecision": decision,
                    "MatchedStatements": [],
                    "MissingContextValues": missing,
                }
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


def test_the_filled_keys_go_to_the_simulator_as_context_entries(stubbed: Any) -> None:
    clients, iam, sent = stubbed
    _simulated(iam, "allowed", [])

    report = check(["describe-regions"], clients=clients.__getitem__, now=NOW, session=LONG_TERM)

    assert report.method == "simulator" and report.ok
    entries = {e["ContextKeyName"]: e for e in sent[0]["ContextEntries"]}
    assert entries["aws:SecureTransport"] == {
        "ContextKeyName": "aws:SecureTransport",
        "ContextKeyValues": ["true"],
        "ContextKeyType": "boolean",
    }
    values = {k: e["ContextKeyValues"] for k, e in entries.items()}
    assert values["aws:CurrentTime"] == ["2025-06-01T12:30:00Z"]
    assert entries["aws:CurrentTime"]["ContextKeyType"] == "date"
    assert values["aws:PrincipalArn"] == [USER_ARN]
    assert values["aws:PrincipalType"] == ["User"]
    assert values["aws:userid"] == ["AIDAEXAMPLEUSER"]
    assert values["aws:username"] == ["deployer"]
    assert values["aws:PrincipalAccount"] == [ACCOUNT]
    assert values["aws:PrincipalTag/team"] == ["blue"]
    assert values["aws:RequestedRegion"] == ["us-east-1"]


def test_a_deny_for_want_of_a_request_key_depends_on_it(stubbed: Any) -> None:
    clients, iam, _ = stubbed
    _simulated(iam, "implicitDeny", ["aws:SourceIp"])

    report = check(["describe-regions"], clients=clients.__getitem__, now=NOW, session=LONG_TERM)

    action = report.capabilities[0].checks[0]
    assert (action.status, action.depends_on) == ("DEPENDS", ["aws:SourceIp"])
    assert report.status == "DEPENDS" and not report.ok
    assert report.depends_on == ["aws:SourceIp"]
    assert report.missing_policy() is None  # attaching a policy would not decide it
    d = report_model(report).wire()
    assert d["capabilities"][0]["status"] == "DEPENDS"
    assert d["capabilities"][0]["dependsOn"] == ["aws:SourceIp"]
    assert d["capabilities"][0]["actions"][0]["dependsOn"] == ["aws:SourceIp"]


def test_a_key_known_to_be_absent_does_not_make_it_depend(stubbed: Any) -> None:
    """An access key has no session: AWS never sends aws:TokenIssueTime with it."""
    clients, iam, _ = stubbed
    _simulated(iam, "implicitDeny", ["aws:TokenIssueTime"])

    report = check(["describe-regions"], clients=clients.__getitem__, now=NOW, session=LONG_TERM)

    action = report.capabilities[0].checks[0]
    assert action.status == "NOT_GRANTED" and action.depends_on == []
    policy = report.missing_policy()
    assert policy is not None and policy["Statement"][0]["Action"] == "ec2:DescribeRegions"


def test_the_text_says_it_depends_and_on_what(stubbed: Any) -> None:
    from awsconn.cli.permission_text import report_lines, summary_lines

    clients, iam, _ = stubbed
    _simulated(iam, "implicitDeny", ["aws:SourceIp"])
    d = check(["describe-regions"], clients=clients.__getitem__, now=NOW, session=LONG_TERM)
    d = report_model(d).wire()

    text = "\n".join(report_lines(d))
    assert "describe-regions: DEPENDS on aws:SourceIp (0/1 granted)" in text
    assert "DEPENDS     ec2:DescribeRegions on *  depends on aws:SourceIp" in text
    assert "it must carry aws:SourceIp" in text
    assert text.splitlines()[-1].startswith("result: DEPENDS on aws:SourceIp")
    assert "policy to attach for" not in text
    short = "\n".join(summary_lines(d))
    assert "permission describe-regions: DEPENDS on aws:SourceIp" in short
    assert "result: DEPENDS" in short
