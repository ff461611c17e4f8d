"""Actions without resource types (wildcard-only in the IAM action data, e.g.
``ec2:DescribeRegions``) are granted only by ``Resource: "*"``, in every entry point.

AWS, Service Authorization Reference: an action whose "Resource types" column is empty
"does not support specifying a resource ARN in the Resource element"; "you must use the
wildcard (*)". The seed's DescribeRegions warning says the same. Lint warns about it
(``wildcard-only-action``); evaluation must agree.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from awsconn.cli import main
from awsconn.iam import PolicySet, Request, is_wildcard_only, lint_policy
from awsconn.service.permissions import check

ACCT = "123456789012"
USER = f"arn:aws:iam::{ACCT}:user/ci"
REGION_ARNS = f"arn:aws:ec2:us-east-1:{ACCT}:region/*"


def pol(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(resource: Any, action: str = "ec2:DescribeRegions", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_the_action_data_says_which_actions_are_wildcard_only() -> None:
    assert is_wildcard_only("ec2:DescribeRegions")
    assert is_wildcard_only("S3:LISTALLMYBUCKETS")
    assert not is_wildcard_only("s3:GetObject")
    assert not is_wildcard_only("nosuch:Action")


@pytest.mark.parametrize("resource", ["*", f"arn:aws:ec2:us-east-1:{ACCT}:region/us-east-1"])
def test_a_specific_resource_never_grants_a_wildcard_only_action(resource: str) -> None:
    # Fast path (identity policies only) and full path (a boundary) give the same answer.
    for ps in (
        PolicySet(identity=[pol(allow(REGION_ARNS))]),
        PolicySet(identity=[pol(allow(REGION_ARNS))], boundaries=[pol(allow("*"))]),
    ):
        d = ps.evaluate(Request(USER, "ec2:DescribeRegions", resource))
        assert d.result == "ImplicitlyDenied"
        assert any("takes no resource" in r for r in d.reasons), d.reasons
    ok = PolicySet(identity=[pol(allow(["*"]))]).evaluate(
        Request(USER, "ec2:DescribeRegions", resource)
    )
    assert ok.result == "Allowed"


def test_not_resource_that_leaves_star_grants_and_a_star_deny_denies() -> None:
    ps = PolicySet(
        identity=[pol({"Effect": "Allow", "Action": "ec2:*", "NotResource": REGION_ARNS})]
    )
    assert ps.evaluate(Request(USER, "ec2:DescribeRegions")).result == "Allowed"
    ps = PolicySet(
        identity=[pol(allow("*"), {"Effect": "Deny", "Action": "ec2:*", "Resource": REGION_ARNS})]
    )
    # A Deny of specific ARNs does not cover "*": the action is still allowed.
    assert ps.evaluate(Request(USER, "ec2:DescribeRegions")).result == "Allowed"
    ps = PolicySet(
        identity=[pol(allow("*"), {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"})]
    )
    assert ps.evaluate(Request(USER, "ec2:DescribeRegions")).result == "ExplicitlyDenied"


def test_a_resource_based_policy_never_applies() -> None:
    grant = pol(allow("*", Principal={"AWS": USER}))
    d = PolicySet(resource_policy=grant).evaluate(Request(USER, "ec2:DescribeRegions"))
    assert d.result == "ImplicitlyDenied"
    assert any("resource-based policy does not apply" in r for r in d.reasons)
    deny = pol({"Effect": "Deny", "Action": "*", "Resource": "*", "Principal": "*"})
    d = PolicySet(identity=[pol(allow("*"))], resource_policy=deny).evaluate(
        Request(USER, "ec2:DescribeRegions")
    )
    assert d.result == "Allowed"


def test_wildcard_only_is_an_override() -> None:
    # True: treat an action the data does not know as wildcard-only; False: do not (a
    # simulation case that asks for "some resource" of an action the data calls
    # wildcard-only is decided as such a request).
    ps = PolicySet(identity=[pol(allow(REGION_ARNS, action="ec2:*"))])
    unknown = Request(USER, "ec2:DescribeFutureThing", REGION_ARNS.replace("*", "x"))
    assert ps.evaluate(unknown).result == "Allowed"
    forced = Request(
        USER, "ec2:DescribeFutureThing", REGION_ARNS.replace("*", "x"), wildcard_only=True
    )
    assert ps.evaluate(forced).result == "ImplicitlyDenied"
    not_forced = Request(USER, "ec2:DescribeRegions", "*", wildcard_only=False)
    assert ps.evaluate(not_forced).result == "Allowed"


def test_lint_and_evaluation_agree() -> None:
    doc = pol(allow(REGION_ARNS))
    assert "wildcard-only-action" in {f.code for f in lint_policy(doc)}
    assert (
        PolicySet(identity=[doc]).evaluate(Request(USER, "ec2:DescribeRegions")).result != "Allowed"
    )


def test_policy_evaluate_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "p.json"
    f.write_text(json.dumps(pol(allow(REGION_ARNS))))
    assert main(["policy", "evaluate", "--policy", str(f), "--action", "ec2:DescribeRegions"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("ImplicitlyDenied") and "wildcard-only" in out


def test_policy_simulate_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = {
        "name": "regions",
        "request": {
            "principal": USER,
            "action": "ec2:DescribeRegions",
            "resource": {"resource": "*"},
        },
        "identityPolicies": [pol(allow(REGION_ARNS))],
        "expected": {"response": "ImplicitlyDenied"},
    }
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(case)))
    assert main(["policy", "simulate", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["pass"] is True


def test_permission_check_what_if() -> None:
    report = check(["describe-regions"], policy_files=[("p.json", pol(allow(REGION_ARNS)))])
    assert report.summary == {"describe-regions": "NOT_GRANTED"}
    report = check(["describe-regions"], policy_files=[("p.json", pol(allow("*")))])
    assert report.summary == {"describe-regions": "GRANTED"}
