"""What-if evaluates as the connector's own principal, and says where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from permission_setup import READER, add_connector, allow, app_context, doc

from awsconn.aws.local_endpoint import ACCOUNT_ID, LocalAwsEndpoint
from awsconn.model import parse_ref
from awsconn.service import connectivity, connectors
from awsconn.service.connector_permissions import check_connector

pytestmark = pytest.mark.aws

# Granted only to a caller of the connector's account, named as the user.
MINE_ONLY = doc(
    allow(
        "MineOnly",
        ["ec2:DescribeRegions"],
        condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT_ID}},
    )
)


def test_what_if_uses_the_principal_of_the_last_connection_test(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, doc(READER, allow("R", ["ec2:DescribeRegions"])))
    assert keys is not None
    ctx = app_context(aws_env, tmp_path)
    ref = add_connector(ctx, unique_name, keys)
    assert connectivity.run_connector_test(ctx, ref).ok

    report = check_connector(ctx, ref, ["describe-regions"], policy_files=[("p.json", MINE_ONLY)])

    assert report is not None and report.ok, report.wire()
    assert report.principal is not None
    assert report.principal.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/{unique_name}"
    assert "last successful connection test" in str(report.principal.source)
    assert report.parameters["account"] == ACCOUNT_ID


def test_without_history_the_caller_identity_is_asked(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, doc(READER))
    assert keys is not None
    ctx = app_context(aws_env, tmp_path)
    ref = add_connector(ctx, unique_name, keys)

    report = check_connector(ctx, ref, ["describe-regions"], policy_files=[("p.json", MINE_ONLY)])

    assert report is not None and report.ok
    assert report.principal is not None
    assert report.principal.source == "sts:GetCallerIdentity"
    assert report.principal.arn.endswith(f":user/{unique_name}")


def test_an_unknown_principal_is_said_so_and_not_made_up(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    ctx = app_context(aws_env, tmp_path)
    # The delegate's own identity, on delegates tagged eks: not this machine.
    connectors.apply_yaml(
        ctx,
        "connector:\n  name: on_eks\n  identifier: on_eks\n  type: Aws\n  spec:\n"
        "    credential:\n      type: InheritFromDelegate\n      region: us-east-1\n"
        "    delegateSelectors: [eks]\n",
        mode="create",
    )
    ref = parse_ref("on_eks")

    report = check_connector(ctx, ref, ["describe-regions"], policy_files=[("p.json", MINE_ONLY)])

    assert report is not None
    assert report.principal is not None
    assert str(report.principal.source).startswith("unknown")
    assert any("cannot be used here" in n for n in report.notes)
    context = report.context["connector"]  # the principal's keys are left unknown
    assert "aws:PrincipalAccount" not in {*context.filled, *context.known_absent}
    assert not report.ok
