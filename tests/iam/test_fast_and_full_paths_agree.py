"""The identity-only shortcut and the full path give the same decision: same result,
same deciding statements, same reasons, same near misses (one combining rule,
:func:`awsconn.iam.combine.combine`, serves both). Property test over generated policy
sets and requests: actions and resources with wildcards, Not forms, conditions,
denies, policy variables, wildcard-only actions, several kinds of caller."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from awsconn.iam import PolicySet, Request
from awsconn.iam.request import PreparedRequest

ACCT, OTHER = "123456789012", "444455556666"
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListAllMyBuckets",
    "ec2:DescribeRegions",
    "ec2:RunInstances",
    "iam:CreatePolicyVersion",
    "iam:GetPolicy",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
]
ACTION_PATTERNS = [
    "*",
    "s3:*",
    "s3:Get*",
    "s3:?etObject",
    "ec2:Describe*",
    "iam:*",
    "kms:*",
    "sts:*",
]
RESOURCES = [
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket/home/alice/k",
    "arn:aws:s3:::other/key",
    f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-1",
    f"arn:aws:ec2:us-east-1:{OTHER}:instance/i-2",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    f"arn:aws:iam::{ACCT}:policy/mine",
    f"arn:aws:kms:us-east-1:{ACCT}:key/k1",
    f"arn:aws:kms:us-east-1:{ACCT}:alias/aws/s3",
    f"arn:aws:iam::{ACCT}:role/target",
    "*",
]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::*/key",
    "arn:aws:s3:::bucket/home/${aws:username}/*",
    "arn:aws:s3:::bucket/home/${aws:username, 'nobody'}/*",
    "arn:aws:ec2:*:*:instance/*",
    f"arn:aws:ec2:us-*-1:{ACCT}:*",
    "arn:aws:iam::*:policy/*",
    "arn:aws:kms:*",
    f"arn:aws:iam::{ACCT}:role/t?rget",
]
CONDITIONS = [
    {"StringEquals": {"aws:username": "alice"}},
    {"StringNotEquals": {"aws:username": "alice"}},
    {"StringLike": {"aws:username": "a*"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"NotIpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}},
    {"Null": {"aws:SourceIp": "true"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    {"StringEquals": {"s3:prefix": "${aws:username}/"}},
]
PRINCIPALS = [
    f"arn:aws:iam::{ACCT}:user/alice",
    f"arn:aws:iam::{ACCT}:role/app",
    f"arn:aws:sts::{ACCT}:assumed-role/app/s1",
    f"arn:aws:sts::{ACCT}:federated-user/f",
    f"arn:aws:iam::{OTHER}:user/bob",
    ACCT,
    "lambda.amazonaws.com",
    None,
]
CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "aws:username": st.sampled_from(["alice", "bob"]),
        "aws:SourceIp": st.sampled_from(["10.1.2.3", "192.0.2.1"]),
        "aws:SecureTransport": st.sampled_from(["true", "false"]),
        "aws:TagKeys": st.lists(st.sampled_from(["a", "b", "c"]), max_size=2),
        "s3:prefix": st.sampled_from(["alice/", "bob/"]),
    },
)


def _one_or_list(items: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(items, st.lists(items, min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    out: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        action_key: draw(_one_or_list(st.sampled_from(ACTIONS + ACTION_PATTERNS))),
        resource_key: draw(_one_or_list(st.sampled_from(RESOURCES[:-1] + RESOURCE_PATTERNS))),
    }
    if draw(st.booleans()):
        out["Sid"] = draw(st.sampled_from(["A", "B", "C"]))
    clauses = draw(st.lists(st.sampled_from(CONDITIONS), max_size=2))
    if clauses:
        merged: dict[str, Any] = {}
        for c in clauses:
            for op, block in c.items():
                merged.setdefault(op, {}).update(block)
        out["Condition"] = merged
    return out


POLICIES = st.lists(
    st.builds(
        lambda s: {"Version": "2012-10-17", "Statement": s},
        st.lists(statements(), min_size=1, max_size=4),
    ),
    max_size=3,
)


@settings(max_examples=400, deadline=None)
@given(
    policies=POLICIES,
    principal=st.sampled_from(PRINCIPALS),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    account=st.sampled_from([None, ACCT, OTHER]),
    context=CONTEXTS,
    wildcard_only=st.sampled_from([None, None, True, False]),
)
def test_fast_and_full_paths_agree(
    policies: list[dict[str, Any]],
    principal: str | None,
    action: str,
    resource: str,
    account: str | None,
    context: dict[str, Any],
    wildcard_only: bool | None,
) -> None:
    ps = PolicySet(identity=policies)
    request = Request(principal, action, resource, account, context, wildcard_only)
    req = PreparedRequest(request)
    full = ps._decide(req)
    decision = ps.evaluate(request)
    assert decision.to_dict() == full.to_dict()
    assert decision.explain() == full.explain()
