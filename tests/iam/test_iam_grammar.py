"""Policy grammar: every error with its JSON path (IAM JSON policy element reference)."""

from __future__ import annotations

import pytest

from awsconn.errors import ValidationFailed
from awsconn.iam import compile_policy, parse_policy


def test_statement_object_or_list_and_principal_forms() -> None:
    one = parse_policy(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}}
    )
    assert len(one.statements) == 1
    p = parse_policy(
        {
            "Version": "2008-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {
                        "Federated": "cognito-identity.amazonaws.com",
                        "AWS": ["111122223333"],
                        "Service": "ec2.amazonaws.com",
                        "CanonicalUser": "abc",
                    },
                }
            ],
        }
    )
    assert not p.variables_enabled


def test_every_error_has_a_path() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_policy(
            {
                "Version": "2013-01-01",
                "Extra": 1,
                "Statement": [
                    {"Effect": "Permit", "Action": ["s3:GetObject", 3], "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "NotAction": "iam:*",
                        "Principal": {"Bogus": "x"},
                    },
                    {"Effect": "Allow", "Resource": "*", "Condition": {"StringEqualz": {"k": "v"}}},
                ],
            }
        )
    paths = {p.path for p in info.value.problems}
    assert {
        "Version",
        "Extra",
        "Statement[0].Effect",
        "Statement[0].Action[1]",
        "Statement[1].NotAction",
        "Statement[1].Principal.Bogus",
        "Statement[2].Action",
        "Statement[2].Condition.StringEqualz",
    } <= paths


def test_not_json() -> None:
    with pytest.raises(ValidationFailed):
        parse_policy("{not json")


def test_compiled_policies_are_cached_by_content() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    a = compile_policy(doc)
    b = compile_policy(dict(doc))
    assert a.statements is b.statements
    assert compile_policy(doc, "named").name == "named"
