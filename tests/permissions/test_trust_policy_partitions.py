"""Trust policies that work in every partition (aws, aws-us-gov, aws-cn)."""

from __future__ import annotations

from awsconn.iam import PolicySet, Request
from awsconn.iam.generate import cross_account_trust_policy, irsa_trust_policy


def test_bare_account_id_stays_partition_neutral() -> None:
    # reference_policies_elements_principal.html: "AWS": "123456789012" and the account
    # ARN behave the same; the ID resolves in the role's own partition, whereas
    # arn:aws:iam::ID:root names a commercial-partition account that a GovCloud or
    # China role cannot trust.
    policy = cross_account_trust_policy("111122223333", external_id="abc-123")
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"AWS": "111122223333"}
    for partition in ("aws", "aws-us-gov", "aws-cn"):
        caller = f"arn:{partition}:iam::111122223333:user/deployer"
        role = f"arn:{partition}:iam::444455556666:role/harness"
        d = PolicySet(
            identity=[
                {"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}
            ],
            resource_policy=policy,
        ).evaluate(Request(caller, "sts:AssumeRole", role, context={"sts:ExternalId": "abc-123"}))
        assert d.result == "Allowed", partition


def test_irsa_trust_policy_in_china() -> None:
    arn = "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/AB12"
    (statement,) = irsa_trust_policy(arn, "delegates:harness-delegate")["Statement"]
    assert statement["Principal"] == {"Federated": arn}
    host = "oidc.eks.cn-north-1.amazonaws.com.cn/id/AB12"
    assert statement["Condition"]["StringEquals"] == {
        f"{host}:sub": "system:serviceaccount:delegates:harness-delegate",
        f"{host}:aud": "sts.amazonaws.com",
    }
