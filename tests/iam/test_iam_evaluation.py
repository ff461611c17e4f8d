"""Layer combination and element matching, each pinned to AWS's documented behaviour.

Docs: IAM User Guide "Policy evaluation logic" (reference_policies_evaluation-logic.html,
...-policy-eval-denyallow.html, ...-cross-account.html), "IAM JSON policy elements"
(Action, NotAction, Resource, NotResource, Principal, NotPrincipal), AWS KMS "Key
policies", and the Organizations SCP/RCP evaluation pages.
"""

from __future__ import annotations

from typing import Any

from awsconn.iam import PolicySet, Request

ACCT, OTHER = "111122223333", "444455556666"
USER = f"arn:aws:iam::{ACCT}:user/alice"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/app/s1"
OBJ = "arn:aws:s3:::bucket/key"


def pol(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def run(
    ps: PolicySet,
    principal: str = USER,
    action: str = "s3:GetObject",
    resource: str = OBJ,
    account: str = ACCT,
) -> str:
    return ps.evaluate(Request(principal, action, resource, account)).result


def test_explicit_deny_wins_and_is_named() -> None:
    # denyallow: "An explicit deny in any of these policies overrides the allow."
    ps = PolicySet(
        identity=[("managed:Read", pol(allow())), ("inline:alice/NoGet", pol(deny(Sid="No")))]
    )
    d = ps.evaluate(Request(USER, "s3:GetObject", OBJ, ACCT))
    assert d.result == "ExplicitlyDenied"
    assert [(h.layer, h.policy, h.statement) for h in d.deciding] == [
        ("identity", "inline:alice/NoGet", "No")
    ]


def test_default_is_implicit_deny() -> None:
    assert run(PolicySet(identity=[])) == "ImplicitlyDenied"


def test_actions_case_insensitive_with_wildcards() -> None:
    # reference_policies_elements_action.html: action names are case-insensitive; * and ? allowed.
    ps = PolicySet(identity=[pol(allow("S3:get?bject"))])
    assert run(ps, action="s3:GetObject") == "Allowed"
    assert run(ps, action="s3:GetObjects") == "ImplicitlyDenied"


def test_resources_case_sensitive_and_segment_aware() -> None:
    # reference_policies_elements_resource.html: ARNs are case-sensitive; a wildcard
    # inside a segment does not span the ':' separating segments (one that ends a
    # segment may: tests/iam/test_iam_documented_edges.py).
    ps = PolicySet(identity=[pol(allow(resource="arn:aws:s3:::Bucket/*"))])
    assert run(ps, resource="arn:aws:s3:::Bucket/a/b:c") == "Allowed"
    assert run(ps, resource="arn:aws:s3:::bucket/a") == "ImplicitlyDenied"
    ps = PolicySet(identity=[pol(allow("sns:Publish", "arn:aws:sns:us-*-1:111122223333:t"))])
    assert (
        run(ps, action="sns:Publish", resource="arn:aws:sns:us-east-1:111122223333:t") == "Allowed"
    )
    assert (
        run(ps, action="sns:Publish", resource="arn:aws:sns:us-a:b-1:111122223333:t")
        == "ImplicitlyDenied"
    )


def test_not_action_and_not_resource() -> None:
    ps = PolicySet(
        identity=[{"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}]
    )
    assert run(ps) == "Allowed"
    assert run(ps, action="IAM:CreateUser", resource="*") == "ImplicitlyDenied"
    ps = PolicySet(
        identity=[
            pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})
        ]
    )
    assert run(ps) == "Allowed"
    assert run(ps, resource="arn:aws:s3:::secret/x") == "ImplicitlyDenied"


def test_variables_in_resource() -> None:
    # reference_policies_variables.html: ${aws:username} in Resource.
    ps = PolicySet(identity=[pol(allow(resource="arn:aws:s3:::home/${aws:username}/*"))])
    ok = Request(USER, "s3:GetObject", "arn:aws:s3:::home/alice/x", ACCT, {"aws:username": "alice"})
    assert ps.evaluate(ok).result == "Allowed"
    other = Request(
        USER, "s3:GetObject", "arn:aws:s3:::home/bob/x", ACCT, {"aws:username": "alice"}
    )
    assert ps.evaluate(other).result == "ImplicitlyDenied"
    missing = Request(USER, "s3:GetObject", "arn:aws:s3:::home/alice/x", ACCT)
    assert ps.evaluate(missing).result == "ImplicitlyDenied"


def test_scps_must_allow_at_every_level() -> None:
    # Organizations SCP evaluation: every level (root, OUs, account) must allow.
    full = pol(allow("*"))
    s3_only = pol(allow("s3:*"))
    ps = PolicySet(identity=[pol(allow())], scps=[[full], [s3_only], [full]])
    assert run(ps) == "Allowed"
    ps = PolicySet(identity=[pol(allow("*"))], scps=[[full], [pol(allow("ec2:*"))]])
    d = ps.evaluate(Request(USER, "s3:GetObject", OBJ, ACCT))
    assert d.result == "ImplicitlyDenied" and "level 1" in d.reasons[0]


def test_rcp_allow_all_implied_deny_applies() -> None:
    # RCPFullAWSAccess is attached at every level, so RCPs only restrict.
    rcp_deny = pol(deny("s3:*", Principal="*"))
    assert run(PolicySet(identity=[pol(allow())], rcps=[[]])) == "Allowed"
    assert run(PolicySet(identity=[pol(allow())], rcps=[[], [rcp_deny]])) == "ExplicitlyDenied"


def test_same_account_resource_policy_alone_grants_user() -> None:
    # Same account: either an identity-based or a resource-based policy may allow.
    rp = pol(allow(resource=OBJ, Principal={"AWS": USER}))
    assert run(PolicySet(resource_policy=rp)) == "Allowed"


def test_cross_account_needs_both_sides() -> None:
    # cross-account: the identity policy AND the resource-based policy must allow.
    caller = f"arn:aws:iam::{OTHER}:user/bob"
    rp = pol(allow(resource=OBJ, Principal={"AWS": OTHER}))
    assert run(PolicySet(resource_policy=rp), caller) == "ImplicitlyDenied"
    assert run(PolicySet(identity=[pol(allow())]), caller) == "ImplicitlyDenied"
    assert run(PolicySet(identity=[pol(allow())], resource_policy=rp), caller) == "Allowed"


def test_account_principal_delegates_to_identity_policy() -> None:
    rp = pol(allow(resource=OBJ, Principal={"AWS": f"arn:aws:iam::{ACCT}:root"}))
    assert run(PolicySet(resource_policy=rp)) == "ImplicitlyDenied"
    assert run(PolicySet(resource_policy=rp, identity=[pol(allow())])) == "Allowed"


def test_principal_types_and_boundaries() -> None:
    # denyallow: a grant to a user ARN or role-session ARN is not limited by an
    # implicit deny in the permissions boundary; a grant to the role ARN is.
    boundary = pol(allow("ec2:*"))
    to_session = pol(allow(resource=OBJ, Principal={"AWS": SESSION}))
    to_role = pol(allow(resource=OBJ, Principal={"AWS": ROLE}))
    assert run(PolicySet(resource_policy=to_session, boundaries=[boundary]), SESSION) == "Allowed"
    assert (
        run(PolicySet(resource_policy=to_role, boundaries=[boundary]), SESSION)
        == "ImplicitlyDenied"
    )
    assert run(PolicySet(resource_policy=to_role), SESSION) == "Allowed"
    # Identity allows are capped by the boundary.
    assert run(PolicySet(identity=[pol(allow())], boundaries=[boundary])) == "ImplicitlyDenied"


def test_session_policy_limits_session_arn_grants() -> None:
    # access_policies.html#policies_session: an implicit deny in the session policy
    # limits even a resource-based grant to the session ARN.
    rp = pol(allow(resource=OBJ, Principal={"AWS": SESSION}))
    ps = PolicySet(resource_policy=rp, session_policy=pol(allow("ec2:*")))
    assert run(ps, SESSION) == "ImplicitlyDenied"


def test_not_principal() -> None:
    rp = pol(deny(resource=OBJ, NotPrincipal={"AWS": USER}), allow(resource=OBJ, Principal="*"))
    assert run(PolicySet(resource_policy=rp)) == "Allowed"
    assert run(PolicySet(resource_policy=rp), f"arn:aws:iam::{ACCT}:user/eve") == "ExplicitlyDenied"


def test_vpc_endpoint_policy_must_allow() -> None:
    ep_ok = pol(allow("s3:*", Principal="*"))
    ep_no = pol(allow("s3:PutObject", Principal="*"))
    assert run(PolicySet(identity=[pol(allow())], endpoint_policies=[ep_ok])) == "Allowed"
    assert run(PolicySet(identity=[pol(allow())], endpoint_policies=[ep_no])) == "ImplicitlyDenied"


def test_kms_key_policy_and_trust_policy_need_explicit_allow() -> None:
    # KMS: "no IAM policy alone gives access to a KMS key" without a key policy allowing it.
    key = f"arn:aws:kms:us-east-1:{ACCT}:key/1"
    ps = PolicySet(identity=[pol(allow("kms:Decrypt"))])
    assert run(ps, action="kms:Decrypt", resource=key) == "ImplicitlyDenied"
    kp = pol(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCT}:root"}))
    ps = PolicySet(identity=[pol(allow("kms:Decrypt"))], resource_policy=kp)
    assert run(ps, action="kms:Decrypt", resource=key) == "Allowed"
    role = f"arn:aws:iam::{ACCT}:role/target"
    ps = PolicySet(identity=[pol(allow("sts:AssumeRole"))])
    assert run(ps, action="sts:AssumeRole", resource=role) == "ImplicitlyDenied"


def test_service_principal_and_anonymous() -> None:
    rp = pol(allow(resource=OBJ, Principal={"Service": "lambda.amazonaws.com"}))
    assert run(PolicySet(resource_policy=rp), "lambda.amazonaws.com") == "Allowed"
    public = pol(allow(resource=OBJ, Principal="*"))
    assert (
        PolicySet(resource_policy=public).evaluate(Request(None, "s3:GetObject", OBJ, ACCT)).allowed
    )


def test_policy_inputs_json_text_and_names() -> None:
    ps = PolicySet(
        identity=[
            (
                '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'
            )
        ]
    )
    d = ps.evaluate(Request(USER, "s3:GetObject", OBJ, ACCT))
    assert d.allowed and d.deciding[0].statement == "#0" and d.deciding[0].policy == "identity[0]"
    assert d.to_dict()["deciding"][0]["layer"] == "identity"
