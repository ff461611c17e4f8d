"""``awsconn policy`` with bad input: exit 2 and a message naming the field, never a
traceback or a silent "ImplicitlyDenied" for a request that cannot be decided."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from awsconn.cli import main

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def evaluate(tmp_path: Path, *args: str) -> int:
    f = tmp_path / "p.json"
    f.write_text(json.dumps(POLICY))
    return main(["policy", "evaluate", "--policy", str(f), *args])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--action", "GetObject", "--resource", "arn:aws:s3:::b/k"), "--action"),
        (("--action", "s3:", "--resource", "arn:aws:s3:::b/k"), "--action"),
        (("--action", "s3:GetObject", "--resource", "bucket/key"), "--resource"),
    ],
)
def test_evaluate_rejects_malformed_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], field: str
) -> None:
    assert evaluate(tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err


def test_evaluate_names_the_invalid_policy_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "boundary.json"
    bad.write_text(json.dumps({"Statement": [{"Effect": "Alow", "Action": "*", "Resource": "*"}]}))
    code = evaluate(tmp_path, "--boundary", str(bad), "--action", "s3:GetObject")
    assert code == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Statement[0].Effect" in err


def simulate(monkeypatch: pytest.MonkeyPatch, *cases: dict[str, Any]) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(c) for c in cases)))
    return main(["policy", "simulate", "-"])


def test_simulate_json_scalars_in_context_are_strings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A request context written in JSON naturally has true and 5; they mean "true" and "5".
    case = {
        "request": {
            "principal": "arn:aws:iam::111122223333:user/a",
            "action": "s3:GetObject",
            "resource": {"resource": "arn:aws:s3:::b/k"},
            "context": {"aws:MultiFactorAuthPresent": True, "s3:max-keys": 5, "aws:TagKeys": []},
        },
        "identityPolicies": [
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {
                        "Bool": {"aws:MultiFactorAuthPresent": "true"},
                        "NumericLessThan": {"s3:max-keys": "10"},
                    },
                },
            }
        ],
        "expected": {"response": "Allowed"},
    }
    assert simulate(monkeypatch, case) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["result"] == "Allowed", out


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ({"request": {"action": "s3:GetObject", "context": {"k": {"x": 1}}}}, "request.context.k"),
        ({"request": {"action": "s3:GetObject", "resource": 5}}, "request.resource"),
        ({"request": {"action": 5}}, "request.action"),
        ({"request": {"action": "s3:GetObject"}, "identityPolicies": {"a": 1}}, "identityPolicies"),
        (
            {"request": {"action": "s3:GetObject"}, "serviceControlPolicies": [[{}]]},
            "serviceControlPolicies[0]",
        ),
        (
            {"request": {"action": "s3:GetObject"}, "expected": {"response": "Denied"}},
            "expected.response",
        ),
    ],
)
def test_simulate_bad_case_is_an_error_line_naming_the_field(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: dict[str, Any],
    field: str,
) -> None:
    assert simulate(monkeypatch, case) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err
    line = json.loads(out.out)
    assert field in line["error"]["message"], line
