"""Least-privilege generation and trust policies."""

from __future__ import annotations

import json

import pytest

from awsconn.errors import ValidationFailed
from awsconn.iam.capabilities import Parameters, load_catalog
from awsconn.iam.generate import (
    cross_account_trust_policy,
    generate_external_id,
    irsa_trust_policy,
    least_privilege_policy,
)


def _policy(names: list[str], **params: str) -> dict:
    catalog = load_catalog()
    return least_privilege_policy(
        catalog.render(catalog.resolve(names), Parameters.build(**params))
    )


def test_one_statement_per_resource_shape_with_readable_sids() -> None:
    policy = _policy(["s3-read-write"], bucket="artifacts")
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["AccountWide"]["Resource"] == "*"
    assert "ec2:DescribeRegions" in by_sid["AccountWide"]["Action"]
    assert by_sid["S3Bucket"]["Resource"] == "arn:aws:s3:::artifacts"
    assert "s3:GetBucketAcl" in by_sid["S3Bucket"]["Action"]
    assert by_sid["S3Objects"]["Resource"] == "arn:aws:s3:::artifacts/*"
    assert by_sid["S3Objects"]["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]


def test_scoping_follows_each_parameter() -> None:
    unscoped = _policy(["ecr-pull"])
    repo = next(s for s in unscoped["Statement"] if s["Sid"] == "EcrRepository")
    assert repo["Resource"] == "arn:aws:ecr:*:*:repository/*"
    scoped = _policy(
        ["ecr-pull"], repository="team/app", region="cn-north-1", account="111122223333"
    )
    repo = next(s for s in scoped["Statement"] if s["Sid"] == "EcrRepository")
    assert repo["Resource"] == "arn:aws-cn:ecr:cn-north-1:111122223333:repository/team/app"
    role = _policy(["sts-assume-role"], account="111122223333", role="deploy")
    assert role["Statement"][-1]["Resource"] == "arn:aws:iam::111122223333:role/deploy"


def test_wildcards_cover_concrete_actions_in_the_same_statement() -> None:
    policy = _policy(["serverless-lambda"])
    actions = policy["Statement"][0]["Action"]
    assert "ec2:Describe*" in actions and "ec2:DescribeRegions" not in actions
    assert len(actions) == len({a.lower() for a in actions})


def test_several_capabilities_merge_by_resource() -> None:
    policy = _policy(["s3-read", "s3-write"], bucket="b")
    resources = [s["Resource"] for s in policy["Statement"]]
    assert resources == ["*", "arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    assert len({s["Sid"] for s in policy["Statement"]}) == 3


def test_cross_account_trust_with_external_id() -> None:
    policy = cross_account_trust_policy("arn:aws:iam::111122223333:root", external_id="abc-123")
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "abc-123"}}


def test_generated_external_ids_are_strong_and_distinct() -> None:
    ids = {generate_external_id() for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 40 for i in ids)
    policy = cross_account_trust_policy("111122223333", external_id=ids.pop())
    assert json.dumps(policy)


@pytest.mark.parametrize("bad", ["arn:aws:s3:::bucket", "not-an-arn", "arn:aws:iam::1:root"])
def test_bad_trusted_principal(bad: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        cross_account_trust_policy(bad)
    assert info.value.problems[0].path == "trusted-principal"


def test_irsa_trust_has_sub_and_aud() -> None:
    arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    policy = irsa_trust_policy(arn, "harness-delegate-ng:iamserviceaccount")
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Federated": arn}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    cond = statement["Condition"]["StringEquals"]
    issuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    assert cond[f"{issuer}:sub"] == "system:serviceaccount:harness-delegate-ng:iamserviceaccount"
    assert cond[f"{issuer}:aud"] == "sts.amazonaws.com"


@pytest.mark.parametrize("bad", ["nocolon", "Bad_NS:name", "ns:", ":name"])
def test_bad_service_account(bad: str) -> None:
    arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    with pytest.raises(ValidationFailed) as info:
        irsa_trust_policy(arn, bad)
    assert info.value.problems[0].path == "service-account"
