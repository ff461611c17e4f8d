"""A third answer: when a decision turns on a key only the real request knows
(``Request.unknown_keys``), the result is ``Depends`` and says on what, never a guess.

The engine decides twice, with the uncertain statements against the request
(uncertain Denies apply, uncertain Allows do not) and for it; equal results are the
answer. Condition semantics follow "IAM JSON policy elements: Condition operators":
every form of clause on the key (Null, ...IfExists, negated, ForAllValues/ForAnyValue)
has a truth that depends on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from awsconn.cli import main
from awsconn.iam import PolicySet, Request

USER = "arn:aws:iam::111122223333:user/ci"
OBJ = "arn:aws:s3:::bucket/key"
IP = "aws:SourceIp"


def pol(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def st(effect: str, condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect, "Action": "s3:GetObject", "Resource": "*", **extra}
    if condition:
        out["Condition"] = condition
    return out


def decide(*policies: dict[str, Any], unknown: tuple[str, ...] = (IP,), **request: Any) -> Any:
    req = Request(USER, "s3:GetObject", OBJ, unknown_keys=frozenset(unknown), **request)
    return PolicySet(identity=list(policies)).evaluate(req)


CLAUSES = [
    {"IpAddress": {IP: "10.0.0.0/8"}},
    {"NotIpAddress": {IP: "10.0.0.0/8"}},
    {"NotIpAddressIfExists": {IP: "10.0.0.0/8"}},
    {"IpAddressIfExists": {IP: "10.0.0.0/8"}},
    {"Null": {IP: "true"}},
    {"Null": {IP: "false"}},
    {"ForAllValues:IpAddress": {IP: "10.0.0.0/8"}},
    {"ForAnyValue:NotIpAddress": {IP: "10.0.0.0/8"}},
    {"StringEquals": {"s3:prefix": "${aws:SourceIp}"}},  # a variable on the key
]


@pytest.mark.parametrize("condition", CLAUSES, ids=[json.dumps(c) for c in CLAUSES])
def test_every_clause_on_an_unknown_key_makes_an_allow_uncertain(condition: dict[str, Any]) -> None:
    d = decide(pol(st("Allow", condition)), context={"s3:prefix": "10.0.0.1"})
    assert d.result == "Depends"
    assert d.possible == ("ImplicitlyDenied", "Allowed")
    assert d.depends_on == (IP,)
    [conditional] = d.conditional
    assert conditional.hit.effect == "Allow"
    assert all(u["unknownKey"] is True for u in conditional.unmet)
    assert not d.allowed


@pytest.mark.parametrize("condition", CLAUSES, ids=[json.dumps(c) for c in CLAUSES])
def test_every_clause_on_an_unknown_key_makes_a_deny_uncertain(condition: dict[str, Any]) -> None:
    d = decide(pol(st("Allow"), st("Deny", condition, Sid="NoOutside")), context={"s3:prefix": "x"})
    assert d.result == "Depends"
    assert d.possible == ("ExplicitlyDenied", "Allowed")
    assert [c.hit.statement for c in d.conditional] == ["NoOutside"]


def test_a_false_clause_makes_the_statement_definite() -> None:
    cond = {"IpAddress": {IP: "10.0.0.0/8"}, "StringEquals": {"aws:username": "bob"}}
    d = decide(pol(st("Allow", cond)), context={"aws:username": "alice"})
    assert d.result == "ImplicitlyDenied" and d.depends_on == () and d.conditional == []


def test_an_unknown_key_that_does_not_matter_gives_a_definite_answer() -> None:
    # A definite Deny wins whatever the uncertain Allow does; an unconditional Allow
    # grants whatever an uncertain Allow does.
    d = decide(pol(st("Allow", {"IpAddress": {IP: "10.0.0.0/8"}}), st("Deny")))
    assert d.result == "ExplicitlyDenied" and d.possible == ("ExplicitlyDenied",) * 2
    d = decide(pol(st("Allow", {"IpAddress": {IP: "10.0.0.0/8"}}), st("Allow", Sid="Always")))
    assert d.result == "Allowed" and [h.statement for h in d.deciding] == ["Always"]


def test_explicit_or_implicit_deny_is_still_a_dependency() -> None:
    d = decide(pol(st("Deny", {"IpAddress": {IP: "10.0.0.0/8"}})))
    assert d.result == "Depends" and d.possible == ("ExplicitlyDenied", "ImplicitlyDenied")


def test_depends_on_lists_keys_as_written_sorted_and_unique() -> None:
    d = decide(
        pol(
            st(
                "Allow",
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "IpAddress": {IP: "10.0.0.0/8"}},
            ),
            st("Allow", {"IpAddress": {IP: "192.0.2.0/24"}}),
        ),
        unknown=("aws:sourceip", "AWS:MULTIFACTORAUTHPRESENT"),
    )
    assert d.result == "Depends"
    assert d.depends_on == ("aws:MultiFactorAuthPresent", IP)


def test_unknown_wins_over_a_value_in_the_context() -> None:
    d = decide(pol(st("Allow", {"IpAddress": {IP: "10.0.0.0/8"}})), context={IP: "10.1.1.1"})
    assert d.result == "Depends"


def test_a_resource_variable_on_an_unknown_key() -> None:
    doc = pol(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}
    )
    d = decide(doc, unknown=("aws:username",))
    assert d.result == "Depends" and d.depends_on == ("aws:username",)
    assert d.conditional[0].unmet[0]["element"] == "Resource"


def test_the_full_path_layers_decide_twice_too() -> None:
    boundary = pol(st("Allow", {"IpAddress": {IP: "10.0.0.0/8"}}))
    req = Request(USER, "s3:GetObject", OBJ, unknown_keys=frozenset({IP}))
    d = PolicySet(identity=[pol(st("Allow"))], boundaries=[boundary]).evaluate(req)
    assert d.result == "Depends" and d.conditional[0].hit.layer == "boundary"
    scp = pol(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    )
    req = Request(USER, "s3:GetObject", OBJ, unknown_keys=frozenset({"aws:SecureTransport"}))
    d = PolicySet(identity=[pol(st("Allow"))], scps=[[scp]]).evaluate(req)
    assert d.result == "Depends" and d.possible == ("ImplicitlyDenied", "Allowed")


def test_no_unknown_keys_no_change() -> None:
    doc = pol(st("Allow", {"IpAddress": {IP: "10.0.0.0/8"}}))
    assert decide(doc, unknown=()).result == "ImplicitlyDenied"
    assert decide(doc, unknown=(), context={IP: "10.0.0.1"}).result == "Allowed"


def test_to_dict_and_explain() -> None:
    d = decide(pol(st("Allow", {"IpAddress": {IP: "10.0.0.0/8"}}, Sid="Office")))
    data = d.to_dict()
    assert data["result"] == "Depends"
    assert data["dependsOn"] == [IP]
    assert data["possible"] == ["ImplicitlyDenied", "Allowed"]
    assert data["deciding"] == []  # nothing decided: the uncertain statement is conditional
    assert data["conditional"][0]["statement"] == "Office"
    assert data["conditional"][0]["unmetConditions"][0]["unknownKey"] is True
    text = d.explain()
    assert text.splitlines()[0] == f"Depends on {IP}: ImplicitlyDenied or Allowed"
    assert "conditional: identity policy 'identity[0]' statement Office" in text


def test_cli_unknown_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "p.json"
    f.write_text(json.dumps(pol(st("Allow", {"IpAddress": {IP: "10.0.0.0/8"}}))))
    args = ["policy", "evaluate", "--policy", str(f), "--action", "s3:GetObject", "--resource", OBJ]
    assert main([*args, "--unknown-key", IP]) == 1
    assert capsys.readouterr().out.startswith(f"Depends on {IP}")
    assert main([*args, "--unknown-key", IP, "-o", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["result"] == "Depends" and data["dependsOn"] == [IP]
    assert data["reasons"][0].startswith(f"depends on {IP}: ImplicitlyDenied or Allowed")
    assert main([*args, "--unknown-key", "not a key"]) == 2
    assert "--unknown-key" in capsys.readouterr().err
