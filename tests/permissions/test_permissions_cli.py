"""``awsconn permissions ...`` end to end: real CLI, temporary home, the local moto server."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint
from awsconn.cli import main

Run = Callable[..., tuple[int, str, str]]

READ_SELF = ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"]


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

    def call(*argv: str, input: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(input.encode())))
        capsys.readouterr()
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def _connector(run: Run, name: str, key: str, secret: str, capabilities: str = "") -> None:
    assert run("secret", "create", f"{name}_sk", input=secret)[0] == 0
    caps = f"\n    capabilities: [{capabilities}]" if capabilities else ""
    doc = f"""
connector:
  name: {name}
  identifier: {name}
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: {key}
        secretKeyRef: account.{name}_sk
      region: us-east-1
    delegateSelectors: []{caps}
"""
    code, _, err = run("connector", "create", "-f", "-", input=doc)
    assert code == 0, err


def test_list_shows_every_use_with_its_seed_source(run: Run) -> None:
    code, out, _ = run("permissions", "list", "--show-seed", "-o", "json")
    assert code == 0
    caps = {c["name"]: c for c in json.loads(out)}
    assert caps["s3-read"]["seedPolicy"]["name"] == "AmazonS3ReadOnlyAccess"
    assert caps["describe-regions"]["always"] is True
    code, out, _ = run("permissions", "list")
    assert code == 0 and "seed: AWS S3 > Reading from AWS S3" in out


def test_policy_and_trust_policy_print_json(run: Run) -> None:
    code, out, _ = run("permissions", "policy", "--for", "ecr-pull", "--repository", "app")
    assert code == 0
    policy = json.loads(out)
    assert any(s["Resource"].endswith(":repository/app") for s in policy["Statement"])
    code, out, _ = run(
        "permissions",
        "trust-policy",
        "--trusted-principal",
        "arn:aws:iam::111122223333:root",
        "--external-id",
        "generate",
    )
    assert code == 0
    ext = json.loads(out)["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"]
    assert len(ext) >= 40


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("permissions", "policy", "--for", "s3-raed"), "for:"),
        (("permissions", "policy", "--for", "s3-read", "--bucket", "BAD_B"), "bucket:"),
        (("permissions", "trust-policy", "--trusted-principal", "nope"), "trusted-principal:"),
    ],
)
def test_bad_input_exits_2_naming_the_field(run: Run, argv: tuple[str, ...], field: str) -> None:
    code, _, err = run(*argv)
    assert code == 2 and field in err and "Traceback" not in err


def test_check_a_connector_and_connector_test_for(
    run: Run, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(
        unique_name,
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": [*READ_SELF, "ec2:DescribeRegions"], "Resource": "*"},
                {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
            ],
        },
    )
    assert keys is not None
    _connector(run, "prod", keys.access_key_id, keys.secret_access_key, "s3-read")

    code, out, err = run("permissions", "check", "prod", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["summary"] == {"describe-regions": "GRANTED", "s3-read": "GRANTED"}

    code, out, _ = run("permissions", "check", "prod", "--for", "s3-write", "--bucket", "b")
    assert code == 1
    assert "s3-write: NOT_GRANTED (1/3 granted)" in out and '"s3:PutObject"' in out

    code, out, _ = run("connector", "test", "prod", "--for", "s3-read-write", "-o", "json")
    assert code == 1
    assert json.loads(out)["permissions"]["summary"]["s3-read-write"] == "NOT_GRANTED"

    code, _, err = run("permissions", "check", "prod", "--for", "nope")
    assert code == 2 and "unknown capability" in err


def test_what_if_check_and_diff(
    run: Run, moto_auth: LocalAwsEndpoint, unique_name: str, tmp_path: Path
) -> None:
    keys = moto_auth.create_user(
        unique_name,
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": [*READ_SELF, "ec2:DescribeRegions"], "Resource": "*"}
            ],
        },
    )
    assert keys is not None
    _connector(run, "dev", keys.access_key_id, keys.secret_access_key)
    new = tmp_path / "new.json"
    new.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"},
                    {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
                ],
            }
        )
    )
    code, out, _ = run(
        "permissions", "check", "dev", "--for", "s3-read", "--policy-file", str(new), "-o", "json"
    )
    assert code == 0 and json.loads(out)["method"] == "what-if"
    code, out, _ = run("permissions", "diff", "dev", "--for", "s3-read", "--what-if", str(new))
    assert code == 0
    assert "s3-read: NOT_GRANTED -> GRANTED (gains)" in out
