"""``Request.checked`` and ``Request.from_case``: a request built from untrusted values is
checked field by field, every problem reported with its path, before any decision."""

from __future__ import annotations

from typing import Any

import pytest

from awsconn.errors import ValidationFailed
from awsconn.iam import Request

USER = "arn:aws:iam::123456789012:user/ci"


def paths(call: Any) -> set[str]:
    with pytest.raises(ValidationFailed) as info:
        call()
    return {p.path for p in info.value.problems}


def test_checked_builds_a_request() -> None:
    req = Request.checked(
        principal=USER,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        resource_account="123456789012",
        context={"aws:MultiFactorAuthPresent": True, "aws:TagKeys": ["a", 5]},
        unknown_keys=["aws:SourceIp"],
    )
    assert req.context == {"aws:MultiFactorAuthPresent": "true", "aws:TagKeys": ["a", "5"]}
    assert req.unknown_keys == frozenset({"aws:SourceIp"}) and req.wildcard_only is None
    assert Request.checked(principal="anonymous", action="s3:GetObject").principal is None


def test_checked_reports_every_field() -> None:
    assert paths(
        lambda: Request.checked(
            principal="bob",
            action="GetObject",
            resource="bucket/key",
            resource_account="12",
            context={"k": {"x": 1}},
            unknown_keys=["ok", ""],
            wildcard_only="yes",
        )
    ) == {
        "principal",
        "action",
        "resource",
        "resource_account",
        "context.k",
        "unknown_keys[1]",
        "wildcard_only",
    }
    assert paths(lambda: Request.checked(principal=USER, action=5, path="case")) == {"case.action"}


def test_from_case() -> None:
    req = Request.from_case(
        {
            "action": "s3:GetObject",
            "principal": {"type": "Anonymous"},
            "resource": {"resource": "arn:aws:s3:::b/k", "accountId": "123456789012"},
            "wildcardOnlyAction": False,
            "unknownKeys": ["aws:SourceIp"],
        }
    )
    assert req.principal is None and req.resource_account == "123456789012"
    assert req.wildcard_only is False and req.unknown_keys == frozenset({"aws:SourceIp"})
    assert paths(
        lambda: Request.from_case(
            {
                "action": "s3:GetObject",
                "principal": {"type": "Robot"},
                "resource": {"resource": "b/k", "accountId": 5},
                "contxt": {},
            }
        )
    ) == {
        "request.principal.type",
        "request.resource.resource",
        "request.resource.accountId",
        "request.contxt",
    }
    assert paths(lambda: Request.from_case(None)) == {"request"}
