"""The catalog wrapper, the linter and ``awsconn policy ...``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from awsconn.cli import main
from awsconn.iam import action_resource_types, expand_actions, lint_policy


def test_expand_and_resource_types() -> None:
    got = expand_actions("S3:getobjectt*")
    assert got == ["s3:GetObjectTagging", "s3:GetObjectTorrent"]
    assert action_resource_types("s3:ListAllMyBuckets") == []
    assert any(
        t.name == "object" and t.arn.endswith("${ObjectName}")
        for t in action_resource_types("s3:getobject")
    )


def codes(doc: dict[str, object]) -> set[str]:
    return {f.code for f in lint_policy(doc)}


def test_lint_findings() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "nosuch:Thing", "s3:NoSuchAction", "iam:*"],
                "Resource": ["arn:aws:s3:::b", "not-an-arn"],
                "Condition": {"ForAnyValue:StringEquals": {"s3:prefix": "x"}},
            },
            {"Effect": "Allow", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::b"},
        ],
    }
    assert {
        "unknown-service",
        "unknown-action",
        "sensitive-star",
        "malformed-arn",
        "resource-type-mismatch",
        "set-operator-single-value",
        "unsupported-condition-key",
        "allow-not-action",
        "allow-not-resource",
    } <= codes(doc)
    clean = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:getobject", "Resource": "arn:aws:s3:::b/*"}
        ],
    }
    assert lint_policy(clean) == []


def write(tmp_path: Path, name: str, doc: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "R", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
}


def test_cli_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path, "p.json", POLICY)
    assert (
        main(
            [
                "policy",
                "evaluate",
                "--policy",
                f,
                "--action",
                "s3:GetObject",
                "--resource",
                "arn:aws:s3:::b/k",
                "-o",
                "json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["result"] == "Allowed" and out["deciding"][0]["statement"] == "R"
    assert (
        main(
            [
                "policy",
                "evaluate",
                "--policy",
                f,
                "--action",
                "s3:PutObject",
                "--context",
                "aws:username=x",
            ]
        )
        == 1
    )
    assert "ImplicitlyDenied" in capsys.readouterr().out


def test_cli_simulate_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = {
        "name": "c1",
        "request": {
            "principal": "arn:aws:iam::111122223333:user/a",
            "action": "s3:GetObject",
            "resource": {"resource": "*", "accountId": "111122223333"},
        },
        "identityPolicies": [POLICY],
        "expected": {"response": "Allowed"},
    }
    f = tmp_path / "cases.jsonl"
    f.write_text(
        json.dumps(case)
        + "\n"
        + json.dumps({**case, "name": "c2", "expected": {"response": "ExplicitlyDenied"}})
        + "\n"
    )
    assert main(["policy", "simulate", str(f)]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert [(x["name"], x["result"], x["pass"]) for x in lines] == [
        ("c1", "Allowed", True),
        ("c2", "Allowed", False),
    ]
    assert "1 passed, 1 failed" in captured.err


def test_cli_lint_and_expand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.json", POLICY)
    bad = write(
        tmp_path,
        "bad.json",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "nope:X", "Resource": "*"}],
        },
    )
    assert main(["policy", "lint", good]) == 0
    assert main(["policy", "lint", good, bad]) == 1
    assert "unknown service" in capsys.readouterr().out
    assert main(["policy", "expand", "sts:AssumeRole*"]) == 0
    assert "sts:AssumeRoleWithSAML" in capsys.readouterr().out.split()


def test_lint_flags_list_bucket_on_objects_but_not_on_the_bucket() -> None:
    # s3:ListBucket takes the bucket (arn:aws:s3:::NAME), never its objects (NAME/*):
    # the AWS S3 "actions, resources and condition keys" table lists resource type bucket.
    from awsconn.iam import lint_policy

    def findings(resource: str) -> list[str]:
        doc = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": resource}],
        }
        return [f.code for f in lint_policy(doc)]

    assert "resource-type-mismatch" in findings("arn:aws:s3:::artifacts/*")
    assert findings("arn:aws:s3:::artifacts") == []
    assert findings("arn:aws:s3:::*") == []
    assert findings("arn:aws:s3:us-east-1:123456789012:accesspoint/ap") == []


def test_lint_compares_arn_segments_separately() -> None:
    # A placeholder in one segment must not borrow the text of another: an S3 object
    # ARN is not an access point just because '*' could span the colons.
    from awsconn.iam import lint_policy

    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:DeleteAccessPoint", "Resource": "arn:aws:s3:::b/*"}
        ],
    }
    assert [f.code for f in lint_policy(doc)] == ["resource-type-mismatch"]
