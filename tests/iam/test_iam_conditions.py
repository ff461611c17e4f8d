"""Condition operators, one AWS-documented behaviour per test.

Docs: IAM User Guide, "IAM JSON policy elements: Condition operators"
(reference_policies_elements_condition_operators.html), "Single-valued vs.
multivalued context keys" (reference_policies_condition-single-vs-multi-valued-context-keys.html)
and "IAM policy elements: Variables and tags" (reference_policies_variables.html).
"""

from __future__ import annotations

from typing import Any

import pytest

from awsconn.iam import PolicySet, Request

USER = "arn:aws:iam::111122223333:user/alice"


def decide(condition: dict[str, Any], context: dict[str, Any], version: str = "2012-10-17") -> str:
    doc = {
        "Version": version,
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}
        ],
    }
    req = Request(USER, "s3:GetObject", "arn:aws:s3:::b/k", "111122223333", context)
    return PolicySet(identity=[doc]).evaluate(req).result


A, D = "Allowed", "ImplicitlyDenied"


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        # String operators: StringEquals is case-sensitive, ...IgnoreCase is not.
        ({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "alice"}, A),
        ({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "Alice"}, D),
        ({"StringEqualsIgnoreCase": {"aws:username": "alice"}}, {"aws:username": "ALICE"}, A),
        ({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice"}, A),
        ({"StringLike": {"s3:prefix": "home/?"}}, {"s3:prefix": "home/ab"}, D),
        # Condition key names are case-insensitive; values are not.
        ({"StringEquals": {"AWS:UserName": "alice"}}, {"aws:username": "alice"}, A),
        # Several values for one key: OR; several keys: AND.
        ({"StringEquals": {"aws:username": ["bob", "alice"]}}, {"aws:username": "alice"}, A),
        (
            {"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "x"}},
            {"aws:username": "alice"},
            D,
        ),
        # Numeric, Date (ISO 8601 and epoch), Bool (JSON booleans read as "true").
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}, A),
        ({"NumericLessThan": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}, D),
        ({"NumericGreaterThanEquals": {"s3:max-keys": "1.5"}}, {"s3:max-keys": "2"}, A),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            {"aws:CurrentTime": "2021-06-01T00:00:00Z"},
            A,
        ),
        (
            {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            {"aws:CurrentTime": "1700000000"},
            D,
        ),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, A),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, D),
        # Binary compares base64 values.
        ({"BinaryEquals": {"s3:x": "QmluYXJ5"}}, {"s3:x": "QmluYXJ5"}, A),
        # IP addresses: CIDR, v4 and v6.
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.9"}, A),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, A),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "203.0.113.9"}, D),
        ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.1"}, A),
        # ARN operators match segment by segment; ArnEquals accepts wildcards too.
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}},
            {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t"},
            A,
        ),
        (
            {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:t"}},
            {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"},
            A,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}},
            {"aws:SourceArn": "not-an-arn"},
            D,
        ),
        # Null: true = key absent, false = key present.
        ({"Null": {"aws:TokenIssueTime": "true"}}, {}, A),
        ({"Null": {"aws:TokenIssueTime": False}}, {}, D),
        # A missing key: positive operators fail, negated ones pass.
        ({"StringEquals": {"aws:PrincipalTag/team": "x"}}, {}, D),
        ({"StringNotEquals": {"aws:PrincipalTag/team": "x"}}, {}, A),
        ({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, {}, A),
        ({"NumericNotEquals": {"s3:max-keys": "5"}}, {}, A),
        # ...IfExists: true when the key is absent, otherwise the operator decides
        # (IfExists works on every family but Null, Numeric and IP included).
        ({"StringEqualsIfExists": {"aws:PrincipalTag/team": "x"}}, {}, A),
        ({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {}, A),
        ({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, D),
        ({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {}, A),
        ({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "11.0.0.1"}, D),
        # Multivalued keys and the set operators.
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a"]}, A),
        (
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
            {"aws:TagKeys": ["a", "c"]},
            D,
        ),
        # ForAllValues is true when the key is missing or empty (the documented pitfall).
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, A),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": []}, A),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["z", "a"]}, A),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, D),
        (
            {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
            {"aws:TagKeys": ["a", "b"]},
            A,
        ),
        (
            {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
            {"aws:TagKeys": ["a", "secret"]},
            D,
        ),
        ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["a", "b"]}, A),
        # A multivalued request value without a set operator: any value may match.
        ({"StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": ["b", "a"]}, A),
        # Policy variables, with a default when the key is absent, and escapes.
        (
            {"StringEquals": {"s3:prefix": "home/${aws:username}"}},
            {"s3:prefix": "home/alice", "aws:username": "alice"},
            A,
        ),
        ({"StringEquals": {"s3:prefix": "home/${aws:username}"}}, {"s3:prefix": "home/"}, D),
        (
            {"StringEquals": {"s3:prefix": "home/${aws:username, 'anon'}"}},
            {"s3:prefix": "home/anon"},
            A,
        ),
        ({"StringLike": {"s3:prefix": "a${*}"}}, {"s3:prefix": "a*"}, A),
        ({"StringLike": {"s3:prefix": "a${*}"}}, {"s3:prefix": "abc"}, D),
        ({"StringEquals": {"s3:prefix": "${$}{x}"}}, {"s3:prefix": "${x}"}, A),
    ],
)
def test_condition(condition: dict[str, Any], context: dict[str, Any], expected: str) -> None:
    assert decide(condition, context) == expected


def test_variables_are_text_in_2008_version() -> None:
    # reference_policies_variables.html: variables need Version 2012-10-17; in
    # 2008-10-17 "${aws:username}" is literal text.
    cond = {"StringEquals": {"s3:prefix": "${aws:username}"}}
    ctx = {"s3:prefix": "alice", "aws:username": "alice"}
    assert decide(cond, ctx, "2012-10-17") == A
    assert decide(cond, ctx, "2008-10-17") == D
    assert decide(cond, {"s3:prefix": "${aws:username}"}, "2008-10-17") == A


def test_unmet_conditions_are_explained() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Team",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}},
            }
        ],
    }
    d = PolicySet(identity=[("inline:alice/read", doc)]).evaluate(
        Request(USER, "s3:GetObject", "arn:aws:s3:::b/k")
    )
    assert d.result == "ImplicitlyDenied"
    (miss,) = d.near_misses()
    assert (miss.hit.policy, miss.hit.statement) == ("inline:alice/read", "Team")
    assert miss.missing_keys == ["aws:PrincipalTag/team"]
    assert "unmet StringEquals aws:PrincipalTag/team" in d.explain()
    assert d.to_dict()["nearMisses"][0]["missingKeys"] == ["aws:PrincipalTag/team"]
