"""A Resource/NotResource that needs a policy variable the request cannot resolve makes
its statement not apply, and the explanation says so.

AWS, IAM User Guide, "IAM policy elements: Variables and tags": "If AWS cannot resolve a
variable this might cause the entire statement to be invalid." ``aws:username`` exists
only for IAM users: for an assumed-role session a ``NotResource`` with
``${aws:username}`` must neither grant nor deny "everything else".
"""

from __future__ import annotations

from typing import Any

from awsconn.iam import PolicySet, Request

ACCT = "111122223333"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/app/s1"
USER = f"arn:aws:iam::{ACCT}:user/alice"
SECRET = "arn:aws:s3:::secret/x"
HOME = "arn:aws:s3:::home/${aws:username}/*"


def pol(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_allow_with_not_resource_grants_nothing_without_the_variable() -> None:
    ps = PolicySet(identity=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": HOME})])
    d = ps.evaluate(Request(SESSION, "s3:GetObject", SECRET))
    assert d.result == "ImplicitlyDenied"
    [miss] = d.near_misses()
    assert miss.missing_keys == ["aws:username"]
    assert miss.unmet[0]["element"] == "NotResource"
    assert "needs ${aws:username}" in d.explain()
    # With the variable (an IAM user), NotResource means what it says.
    user = Request(USER, "s3:GetObject", SECRET, context={"aws:username": "alice"})
    assert ps.evaluate(user).result == "Allowed"
    own = Request(
        USER, "s3:GetObject", "arn:aws:s3:::home/alice/k", context={"aws:username": "alice"}
    )
    assert ps.evaluate(own).result == "ImplicitlyDenied"


def test_deny_with_not_resource_denies_nothing_without_the_variable() -> None:
    ps = PolicySet(
        identity=[
            pol(
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Sid": "OnlyHome", "Effect": "Deny", "Action": "s3:*", "NotResource": HOME},
            )
        ]
    )
    d = ps.evaluate(Request(SESSION, "s3:GetObject", SECRET))
    assert d.result == "Allowed"
    # The Deny that did not apply is shown, even though the request is allowed.
    assert [m.hit.statement for m in d.near_misses()] == ["OnlyHome"]
    assert d.to_dict()["nearMisses"][0]["missingKeys"] == ["aws:username"]
    user = Request(USER, "s3:GetObject", SECRET, context={"aws:username": "alice"})
    assert ps.evaluate(user).result == "ExplicitlyDenied"


def test_a_resource_list_with_an_unresolvable_variable_does_not_apply() -> None:
    ps = PolicySet(
        identity=[
            pol(
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:*", "Resource": [HOME, "arn:aws:s3:::public/*"]},
            )
        ]
    )
    assert ps.evaluate(Request(SESSION, "s3:GetObject", "arn:aws:s3:::public/k")).allowed


def test_a_default_value_resolves_the_variable() -> None:
    ps = PolicySet(
        identity=[
            pol(
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "NotResource": "arn:aws:s3:::home/${aws:username, 'nobody'}/*",
                }
            )
        ]
    )
    assert ps.evaluate(Request(SESSION, "s3:GetObject", SECRET)).allowed
    assert not ps.evaluate(Request(SESSION, "s3:GetObject", "arn:aws:s3:::home/nobody/k")).allowed


def test_same_answer_on_the_full_path() -> None:
    # A boundary takes the decision off the identity-only shortcut.
    allow_all = pol({"Effect": "Allow", "Action": "*", "Resource": "*"})
    ps = PolicySet(
        identity=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": HOME})],
        boundaries=[allow_all],
    )
    assert ps.evaluate(Request(SESSION, "s3:GetObject", SECRET)).result == "ImplicitlyDenied"
    wild = Request(SESSION, "s3:GetObject", "arn:aws:s3:::secret/*")
    assert ps.evaluate(wild).result == "ImplicitlyDenied"
