"""A key only the real request carries is not guessed: the answer DEPENDS on it (moto, auth
enforced; moto ignores identity-policy conditions, the engine decides them)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from permission_setup import READER, add_connector, allow, app_context, doc

from awsconn.aws.local_endpoint import LocalAwsEndpoint
from awsconn.aws.sessions import StaticKeys
from awsconn.cli import main
from awsconn.service.connector_permissions import check_connector, diff_connector

pytestmark = pytest.mark.aws

S3_READ = ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"]
FROM_THE_OFFICE = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    aws_env: dict[str, str],
    tmp_path: Path,
) -> Run:
    for name in list(__import__("os").environ):
        if name.startswith(("AWS_", "AWSCONN_")):
            monkeypatch.delenv(name, raising=False)
    for key, value in aws_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWSCONN_HOME", str(tmp_path / "home"))

    def call(*argv: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
        capsys.readouterr()
        code = main(list(argv))
        return code, capsys.readouterr().out

    return call


def _office_user(moto: LocalAwsEndpoint, name: str, *extra: dict[str, object]) -> StaticKeys:
    keys = moto.create_user(
        name,
        doc(
            READER,
            allow("Regions", ["ec2:DescribeRegions"]),
            allow("OfficeOnly", S3_READ, condition=FROM_THE_OFFICE),
            *extra,
        ),
    )
    assert keys is not None
    return keys


def test_permissions_check_says_it_depends_on_the_source_ip(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path, run: Run
) -> None:
    keys = _office_user(moto_auth, unique_name)
    add_connector(app_context(aws_env, tmp_path), "office", keys)

    code, out = run("permissions", "check", "office", "--for", "s3-read", "-o", "json")

    assert code == 1
    report = json.loads(out)
    assert (report["status"], report["dependsOn"]) == ("DEPENDS", ["aws:SourceIp"])
    assert report["summary"] == {"describe-regions": "GRANTED", "s3-read": "DEPENDS"}
    cap = report["capabilities"][1]
    assert (cap["status"], cap["dependsOn"], cap["granted"]) == ("DEPENDS", ["aws:SourceIp"], 0)
    action = cap["actions"][0]
    assert (action["status"], action["decision"]) == ("DEPENDS", "Depends")
    assert action["dependsOn"] == ["aws:SourceIp"]
    assert action["possible"] == ["ImplicitlyDenied", "Allowed"]
    assert action["conditional"][0]["statement"] == "OfficeOnly"
    assert report["missingPolicy"] is None  # attaching a policy would not decide it

    code, out = run("permissions", "check", "office", "--for", "s3-read")
    assert code == 1
    assert "s3-read: DEPENDS on aws:SourceIp (0/4 granted)" in out
    assert "statement OfficeOnly if:" in out
    assert "IpAddress aws:SourceIp ['10.0.0.0/8']" in out
    assert out.splitlines()[-1].startswith("result: DEPENDS on aws:SourceIp")


def test_what_is_missing_is_not_granted_and_only_it_goes_in_the_policy(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path, run: Run
) -> None:
    keys = _office_user(moto_auth, unique_name)
    add_connector(app_context(aws_env, tmp_path), "office", keys)

    code, out = run("permissions", "check", "office", "--for", "s3-write", "-o", "json")

    assert code == 1
    report = json.loads(out)
    assert report["summary"]["s3-write"] == "NOT_GRANTED"
    assert report["status"] == "NOT_GRANTED"
    actions = {
        s["Sid"]: s["Action"] for s in report["missingPolicy"]["Statement"]
    }  # PutObject, DeleteObject: not granted; GetObject: depends, so left out
    assert "s3:GetObject" not in json.dumps(actions)
    assert "s3:PutObject" in json.dumps(actions)
    code, out = run("permissions", "check", "office", "--for", "s3-write")
    assert "policy to attach for what is NOT_GRANTED (actions that depend on" in out


def test_connector_test_for_shows_the_statement_and_the_condition(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path, run: Run
) -> None:
    keys = _office_user(moto_auth, unique_name)
    add_connector(app_context(aws_env, tmp_path), "office", keys)

    code, out = run("connector", "test", "office", "--for", "s3-read")

    assert code == 1
    assert "SUCCESS" in out
    assert "permission s3-read: DEPENDS on aws:SourceIp" in out
    assert "statement OfficeOnly if:" in out and "aws:SourceIp" in out
    assert "policy to attach for" not in out


def test_unreadable_tags_make_a_tag_condition_depend(
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
    ctx = app_context(aws_env, tmp_path)
    ref = add_connector(ctx, unique_name, keys)

    report = check_connector(ctx, ref, ["describe-regions"])

    assert report is not None
    action = report.capabilities[0].actions[0]
    assert (action.status, action.depends_on) == ("DEPENDS", ["aws:PrincipalTag/team"])


def test_diff_fails_when_a_granted_use_would_only_depend(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys = moto_auth.create_user(
        unique_name, doc(READER, allow("All", ["ec2:DescribeRegions", *S3_READ]))
    )
    assert keys is not None
    ctx = app_context(aws_env, tmp_path)
    ref = add_connector(ctx, unique_name, keys)
    new = doc(
        allow("Regions", ["ec2:DescribeRegions"]),
        allow("OfficeOnly", S3_READ, condition=FROM_THE_OFFICE),
    )

    report = diff_connector(ctx, ref, ["s3-read"], new_policies=[("new.json", new)])

    change = {c.capability: c for c in report.changes}["s3-read"]
    assert (change.before, change.after, change.change) == ("GRANTED", "DEPENDS", "depends")
    assert change.lost == []
    assert {a.depends_on[0] for a in change.depends} == {"aws:SourceIp"}
    assert not report.ok
