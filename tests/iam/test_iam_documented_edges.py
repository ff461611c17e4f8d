"""Documented IAM behaviours the iam-simulate conformance cases do not pin.

Each test quotes the AWS IAM User Guide page it follows:
- "IAM JSON policy elements: Resource" (reference_policies_elements_resource.html)
- "IAM JSON policy elements: Condition operators"
  (reference_policies_elements_condition_operators.html)
- "IAM policy elements: Variables and tags" (reference_policies_variables.html)
- "AWS JSON policy elements: Principal" (reference_policies_elements_principal.html)
- "Policy evaluation logic" / "Cross-account policy evaluation logic"
"""

from __future__ import annotations

from typing import Any

import pytest

from awsconn.errors import ValidationFailed
from awsconn.iam import PolicySet, Request

ACCT, OTHER = "111122223333", "444455556666"
USER = f"arn:aws:iam::{ACCT}:user/alice"
A, D, X = "Allowed", "ImplicitlyDenied", "ExplicitlyDenied"


def pol(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decide(
    ps: PolicySet,
    action: str,
    resource: str,
    principal: str = USER,
    account: str | None = None,
    context: dict[str, Any] | None = None,
) -> str:
    return ps.evaluate(Request(principal, action, resource, account, context or {})).result


def cond(condition: dict[str, Any], context: dict[str, Any]) -> str:
    ps = PolicySet(identity=[pol(allow(Condition=condition))])
    return decide(ps, "s3:GetObject", "arn:aws:s3:::b/k", context=context)


# --- Resource: wildcards and ARN segments ------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        # "If the * wildcard is the last character of a resource ARN segment, it can
        # expand to match beyond the colon boundaries."
        ("arn:aws:logs:*", "arn:aws:logs:us-east-1:111122223333:log-group:app:log-stream:s", A),
        ("arn:aws:logs:us-east-1:*", "arn:aws:logs:us-east-1:111122223333:log-group:g", A),
        ("arn:*", "arn:aws:logs:us-east-1:111122223333:log-group:g", A),
        ("arn:aws:logs:*:*:log-group:g", "arn:aws:logs:us-east-1:111122223333:log-group:g", A),
        # A * inside a segment (not its last character) stays in the segment.
        ("arn:aws:logs:us-*-1:111122223333:g", "arn:aws:logs:us-a:b-1:111122223333:g", D),
        # ? is one character and never a colon before the resource part.
        ("arn:aws:logs:us-east-?:111122223333:g", "arn:aws:logs:us-east-1:111122223333:g", A),
        ("arn:aws:logs:us-east?1:111122223333:g", "arn:aws:logs:us-east:1:111122223333:g", D),
        # The service segment is literal; the partition segment matches case-sensitively.
        ("arn:aws:logs:*:*:*", "arn:aws:sqs:us-east-1:111122223333:q", D),
        ("arn:AWS:logs:*:*:*", "arn:aws:logs:us-east-1:111122223333:g", D),
    ],
)
def test_resource_wildcards_by_segment(pattern: str, resource: str, expected: str) -> None:
    action = "logs:PutLogEvents" if ":logs:" in resource else "sqs:SendMessage"
    ps = PolicySet(identity=[pol(allow(action, pattern))])
    assert decide(ps, action, resource) == expected


def test_resource_variable_value_is_literal_not_a_wildcard() -> None:
    # reference_policies_variables.html: the variable is replaced by the request's
    # value; a "*" in that value is a character, not a wildcard.
    ps = PolicySet(identity=[pol(allow(resource="arn:aws:s3:::b/${aws:username}/*"))])
    ctx = {"aws:username": "*"}
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::b/bob/k", context=ctx) == D
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::b/*/k", context=ctx) == A


def test_2008_version_keeps_variables_as_text_in_resource() -> None:
    ps = PolicySet(
        identity=[pol(allow(resource="arn:aws:s3:::b/${aws:username}/*"), version="2008-10-17")]
    )
    ctx = {"aws:username": "alice"}
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::b/alice/k", context=ctx) == D
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::b/${aws:username}/k", context=ctx) == A


# --- Conditions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        # StringLike: * and ? match any characters, newlines included (multi-line values).
        ({"StringLike": {"s3:prefix": "a*z"}}, {"s3:prefix": "a\nb\nz"}, A),
        ({"StringLike": {"s3:prefix": "a?z"}}, {"s3:prefix": "a\nz"}, A),
        ({"StringLike": {"s3:prefix": "a?z"}}, {"s3:prefix": "az"}, D),
        # StringEquals takes * literally.
        ({"StringEquals": {"s3:prefix": "a*"}}, {"s3:prefix": "abc"}, D),
        # Negated operators on a missing key are true (every family).
        ({"StringNotLike": {"s3:prefix": "a*"}}, {}, A),
        ({"StringNotEqualsIgnoreCase": {"s3:prefix": "a"}}, {}, A),
        ({"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {}, A),
        ({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, {}, A),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, A),
        # ...IfExists on a missing key is true for every family (negated ones included).
        ({"StringNotEqualsIfExists": {"aws:x": "v"}}, {}, A),
        ({"StringLikeIfExists": {"aws:x": "v*"}}, {}, A),
        ({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, {}, A),
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}, A),
        ({"DateLessThanIfExists": {"aws:CurrentTime": "2020-01-01"}}, {}, A),
        ({"BinaryEqualsIfExists": {"aws:x": "QQ=="}}, {}, A),
        ({"NotIpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {}, A),
        ({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "a*"}}, {}, A),
        # ...IfExists with the key present: the operator decides.
        ({"NotIpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.1.1"}, D),
        # Bool: JSON true and the string "true" are the same policy value.
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, A),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, D),
        # Null: true = absent, false = present.
        ({"Null": {"aws:x": "false"}}, {"aws:x": "v"}, A),
        ({"Null": {"aws:x": "true"}}, {"aws:x": "v"}, D),
        ({"Null": {"aws:x": True}}, {}, A),
        # Date: ISO 8601 (with offsets, fractions) and epoch seconds compare as instants.
        (
            {"DateEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            {"aws:CurrentTime": "1577836800"},
            A,
        ),
        (
            {"DateEquals": {"aws:CurrentTime": "2020-01-01T01:00:00+01:00"}},
            {"aws:CurrentTime": "2020-01-01T00:00:00.000Z"},
            A,
        ),
        # IPv6 CIDR: in and out of range, case-insensitive hex.
        ({"IpAddress": {"aws:SourceIp": "2001:DB8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, A),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db9::1"}, D),
        # A single address without a mask is a /32.
        ({"IpAddress": {"aws:SourceIp": "10.0.0.1"}}, {"aws:SourceIp": "10.0.0.1"}, A),
        # Condition key names are case-insensitive, in the policy and in the request.
        ({"StringEquals": {"aws:username": "alice"}}, {"AWS:USERNAME": "alice"}, A),
        # Policy variables: tags, defaults (only when the key is absent), escapes.
        (
            {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team}"}},
            {"s3:prefix": "red", "aws:PrincipalTag/team": "red"},
            A,
        ),
        ({"StringEquals": {"s3:prefix": "${aws:username,'anon'}"}}, {"s3:prefix": "anon"}, A),
        (
            {"StringEquals": {"s3:prefix": "${aws:username, 'anon'}"}},
            {"s3:prefix": "anon", "aws:username": "bob"},
            D,
        ),
        ({"StringLike": {"s3:prefix": "a${?}"}}, {"s3:prefix": "a?"}, A),
        ({"StringLike": {"s3:prefix": "a${?}"}}, {"s3:prefix": "ab"}, D),
        # A variable's value in a StringLike pattern is literal text.
        (
            {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
            {"s3:prefix": "home/x/y", "aws:username": "*"},
            D,
        ),
    ],
)
def test_condition_edges(condition: dict[str, Any], context: dict[str, Any], expected: str) -> None:
    assert cond(condition, context) == expected


# --- Element logic -------------------------------------------------------------------


def test_deny_with_not_action_denies_everything_else() -> None:
    # reference_policies_elements_notaction.html: Deny + NotAction denies all but the list.
    ps = PolicySet(
        identity=[pol(allow("*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"})]
    )
    assert decide(ps, "ec2:RunInstances", "*") == X
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::b/k") == A


def test_scp_with_not_action_denies_the_rest() -> None:
    scp = pol(allow("*"), {"Effect": "Deny", "NotAction": ["s3:*", "sts:*"], "Resource": "*"})
    ps = PolicySet(identity=[pol(allow("*"))], scps=[[scp]])
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::b/k") == A
    assert decide(ps, "ec2:DescribeRegions", "*") == X


# --- Principals across partitions -----------------------------------------------------


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov", "aws-cn"])
def test_cross_account_grants_in_every_partition(partition: str) -> None:
    # reference_policies_elements_principal.html: an account is named by its ID or by
    # arn:PARTITION:iam::ID:root; a role grant covers its sessions. Cross account, the
    # identity side must allow too.
    user = f"arn:{partition}:iam::{ACCT}:user/alice"
    session = f"arn:{partition}:sts::{ACCT}:assumed-role/R/s"
    obj = f"arn:{partition}:s3:::b/k"
    ident = [pol(allow())]
    for principal_value, caller in (
        (f"arn:{partition}:iam::{ACCT}:root", user),
        (ACCT, user),
        (f"arn:{partition}:iam::{ACCT}:role/R", session),
    ):
        rp = pol(allow(resource=obj, Principal={"AWS": principal_value}))
        ps = PolicySet(identity=ident, resource_policy=rp)
        assert decide(ps, "s3:GetObject", obj, caller, OTHER) == A, (principal_value, caller)
        assert decide(PolicySet(resource_policy=rp), "s3:GetObject", obj, caller, OTHER) == D


def test_aws_managed_policies_are_read_only_in_every_partition() -> None:
    ps = PolicySet(identity=[pol(allow("iam:*"))])
    for partition in ("aws", "aws-us-gov", "aws-cn"):
        arn = f"arn:{partition}:iam::aws:policy/ReadOnlyAccess"
        assert decide(ps, "iam:CreatePolicyVersion", arn) == D, partition
        assert decide(ps, "iam:GetPolicy", arn) == A, partition


@pytest.mark.parametrize("value", ["1_000", "nan", "inf", "-Infinity"])
def test_numeric_values_are_numbers_not_python_literals(value: str) -> None:
    # Condition operators: Numeric operators compare integer and decimal values; text
    # that Python's float() happens to accept (underscores, nan, inf) is not a number.
    # In a request it matches nothing; in a policy the grammar refuses it.
    assert cond({"NumericGreaterThan": {"s3:max-keys": "0"}}, {"s3:max-keys": value}) == D
    with pytest.raises(ValidationFailed) as info:
        cond({"NumericGreaterThanEquals": {"s3:max-keys": value}}, {"s3:max-keys": "1"})
    assert [p.path for p in info.value.problems] == [
        "Statement[0].Condition.NumericGreaterThanEquals.s3:max-keys"
    ]
