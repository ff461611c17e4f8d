"""What AWS refuses to save, or the engine cannot interpret, is a lint error (exit 1) and
makes ``policy evaluate`` refuse the policy (exit 2, naming statement and field) rather
than decide on it. Each kind of policy has its own required elements (IAM User Guide,
"IAM JSON policy element reference"; Organizations, "SCP syntax"/"RCP syntax")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from awsconn.cli import main
from awsconn.errors import ValidationFailed
from awsconn.iam import PolicySet, Request, lint_policy

USER = "arn:aws:iam::123456789012:user/ci"


def pol(*statements: Any, version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **extra}


def cond(operator: str, value: Any, key: str = "aws:SourceIp") -> dict[str, Any]:
    return pol(allow(), allow(Condition={operator: {key: value}}))


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    # (name, policy, path of the error, lint code)
    (
        "no resource",
        pol(allow(), {"Effect": "Allow", "Action": "s3:GetObject"}),
        "Statement[1].Resource",
        "missing-resource",
    ),
    (
        "no action",
        pol(allow(), {"Effect": "Allow", "Resource": "*"}),
        "Statement[1].Action",
        "missing-action",
    ),
    ("empty statement list", pol(), "Statement", "empty-statement"),
    (
        "malformed ip",
        cond("IpAddress", "10.0.0.300/8"),
        "Statement[1].Condition.IpAddress.aws:SourceIp",
        "malformed-value",
    ),
    (
        "malformed ip in a list, negated, IfExists",
        cond("NotIpAddressIfExists", ["10.0.0.0/8", "ten"]),
        "Statement[1].Condition.NotIpAddressIfExists.aws:SourceIp[1]",
        "malformed-value",
    ),
    (
        "malformed date",
        cond("DateGreaterThan", "yesterday", "aws:CurrentTime"),
        "Statement[1].Condition.DateGreaterThan.aws:CurrentTime",
        "malformed-value",
    ),
    (
        "malformed number",
        cond("NumericLessThan", "ten", "s3:max-keys"),
        "Statement[1].Condition.NumericLessThan.s3:max-keys",
        "malformed-value",
    ),
    (
        "malformed bool",
        cond("Bool", "yes", "aws:SecureTransport"),
        "Statement[1].Condition.Bool.aws:SecureTransport",
        "malformed-value",
    ),
    (
        "malformed null",
        cond("Null", "maybe", "aws:TagKeys"),
        "Statement[1].Condition.Null.aws:TagKeys",
        "malformed-value",
    ),
    (
        "malformed arn",
        cond("ForAnyValue:ArnLike", "sns-topic", "aws:SourceArn"),
        "Statement[1].Condition.ForAnyValue:ArnLike.aws:SourceArn",
        "malformed-value",
    ),
    (
        "unknown operator",
        cond("StringEqualz", "x", "aws:username"),
        "Statement[1].Condition.StringEqualz",
        "unknown-operator",
    ),
    (
        "unclosed variable in Resource",
        pol(allow(), allow(Resource="arn:aws:s3:::home/${aws:username/*")),
        "Statement[1].Resource",
        "unclosed-variable",
    ),
    (
        "unclosed variable in a condition",
        cond("StringLike", ["a", "home/${aws:username"], "s3:prefix"),
        "Statement[1].Condition.StringLike.s3:prefix[1]",
        "unclosed-variable",
    ),
]


@pytest.mark.parametrize(("name", "doc", "path", "code"), BAD, ids=[b[0] for b in BAD])
def test_lint_reports_an_error(name: str, doc: dict[str, Any], path: str, code: str) -> None:
    errors = [(f.path, f.code) for f in lint_policy(doc) if f.severity == "error"]
    assert (path, code) in errors, errors


@pytest.mark.parametrize(("name", "doc", "path", "code"), BAD, ids=[b[0] for b in BAD])
def test_evaluation_refuses_the_policy(
    name: str, doc: dict[str, Any], path: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        PolicySet(identity=[("p.json", doc)]).evaluate(Request(USER, "s3:GetObject"))
    assert path in {p.path for p in info.value.problems}
    assert "p.json" in info.value.message


@pytest.mark.parametrize(("name", "doc", "path", "code"), BAD, ids=[b[0] for b in BAD])
def test_cli_lint_exit_1_and_evaluate_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    doc: dict[str, Any],
    path: str,
    code: str,
) -> None:
    f = tmp_path / "p.json"
    f.write_text(json.dumps(doc))
    assert main(["policy", "lint", str(f)]) == 1
    assert path in capsys.readouterr().out
    assert main(["policy", "evaluate", "--policy", str(f), "--action", "s3:GetObject"]) == 2
    err = capsys.readouterr().err
    assert path in err and str(f) in err and "internal error" not in err


def test_variables_and_their_values_in_2008_policies_are_text() -> None:
    # Version 2008-10-17 has no policy variables: "${" is literal text, not unclosed.
    doc = pol(allow(Resource="arn:aws:s3:::home/${x"), version="2008-10-17")
    assert lint_policy(doc) == []


def test_values_with_variables_are_checked_when_replaced() -> None:
    doc = pol(allow(Condition={"DateLessThan": {"aws:CurrentTime": "${aws:TokenIssueTime}"}}))
    assert [f for f in lint_policy(doc) if f.severity == "error"] == []


KINDS: list[tuple[str, dict[str, Any], set[str]]] = [
    # A trust policy names its principals and no Resource.
    (
        "trust",
        pol({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": USER}}),
        set(),
    ),
    (
        "trust",
        pol({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
        {"missing-principal", "resource-in-trust-policy"},
    ),
    # A bucket policy needs Principal and Resource.
    ("resource", pol(allow(Principal="*", Resource="arn:aws:s3:::b/*")), set()),
    (
        "resource",
        pol({"Effect": "Allow", "Action": "s3:GetObject", "Principal": "*"}),
        {"missing-resource"},
    ),
    ("resource", pol(allow(Resource="arn:aws:s3:::b/*")), {"missing-principal"}),
    # Identity policies and SCPs apply to who they are attached to: no Principal.
    ("identity", pol(allow(Principal="*")), {"principal-not-allowed"}),
    (
        "scp",
        pol({"Effect": "Deny", "Action": "s3:*", "Principal": "*", "Resource": "*"}),
        {"principal-not-allowed"},
    ),
    ("scp", pol({"Effect": "Allow", "Action": "*"}), set()),
    ("rcp", pol({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}), {"missing-principal"}),
]


@pytest.mark.parametrize(("kind", "doc", "codes"), KINDS)
def test_each_kind_has_its_required_elements(
    kind: Any, doc: dict[str, Any], codes: set[str]
) -> None:
    assert {f.code for f in lint_policy(doc, kind) if f.severity == "error"} == codes


def test_evaluation_keeps_what_the_conformance_cases_pin() -> None:
    # A resource-policy statement without Principal applies to no one, an SCP level
    # without statements allows nothing, an identity policy may carry a Principal: AWS
    # evaluates these (iam-simulate noPrincipalElement.json, scps.json, blog.json), so
    # evaluation does too while lint reports them.
    no_principal = pol(allow(Resource="arn:aws:s3:::b/k"))
    ps = PolicySet(identity=[pol(allow())], resource_policy=no_principal)
    assert ps.evaluate(Request(USER, "s3:GetObject", "arn:aws:s3:::b/k")).allowed
    ps = PolicySet(identity=[pol(allow())], scps=[[pol()]])
    assert (
        ps.evaluate(Request(USER, "s3:GetObject", "arn:aws:s3:::b/k")).result == "ImplicitlyDenied"
    )
    ps = PolicySet(identity=[pol(allow(Principal="*"))])
    assert ps.evaluate(Request(USER, "s3:GetObject", "arn:aws:s3:::b/k")).allowed


def test_cli_lint_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "trust.json"
    f.write_text(
        json.dumps(pol({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": USER}}))
    )
    assert main(["policy", "lint", "--kind", "trust", str(f)]) == 0
    assert main(["policy", "lint", str(f)]) == 1
    assert "missing-resource" in capsys.readouterr().out
    assert main(["policy", "lint", "--kind", "bucket", str(f)]) == 2
    assert "--kind" in capsys.readouterr().err
