"""Checks of untrusted request fields (CLI options, simulation cases), used by
:meth:`Request.checked` and :meth:`Request.from_case`: each problem is collected with
its path and what is allowed, and all are raised at once, so a request the engine
cannot decide is bad input (exit 2), never a silent "ImplicitlyDenied".

JSON booleans and numbers in a context are read as their text (``true`` -> ``"true"``,
``5`` -> ``"5"``), as they are in policy documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.iam.grammar import scalar_text
from awsconn.iam.policy_json import shown

__all__ = ["RequestChecker"]

_ACCOUNT = re.compile(r"\d{12}")
_CASE_FIELDS = frozenset(
    {"action", "principal", "resource", "context", "wildcardOnlyAction", "unknownKeys"}
)


def _is_arn(text: str) -> bool:
    return text.startswith("arn:") and len(text.split(":", 5)) == 6


class RequestChecker:
    """Collects the problems of one request's fields; ``base`` prefixes every path."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str, given: Any = None, allowed: str | None = None) -> None:
        full = f"{self.base}.{path}" if self.base else path
        self.problems.append(Problem(full, message, given=shown(given), allowed=allowed))

    def raise_problems(self, what: str) -> None:
        if self.problems:
            raise ValidationFailed(self.problems, what=what)

    def action(self, value: Any, path: str) -> str:
        if isinstance(value, str):
            service, sep, name = value.partition(":")
            if sep and service and name and not any(c.isspace() for c in value):
                return value
        self.fail(path, "is not service:Action", given=value, allowed="e.g. s3:GetObject")
        return "invalid:invalid"

    def resource(self, value: Any, path: str) -> str:
        if isinstance(value, str) and (value == "*" or _is_arn(value)):
            return value
        self.fail(
            path,
            "is not an ARN or *",
            given=value,
            allowed="arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or *",
        )
        return "*"

    def principal(self, value: Any, path: str) -> str | None:
        if value is None or value in ("*", "anonymous"):
            return None
        if isinstance(value, str) and (
            _is_arn(value)
            or _ACCOUNT.fullmatch(value)
            or ("." in value and not any(c.isspace() for c in value))
        ):
            return value
        self.fail(
            path,
            "is not a caller",
            given=value,
            allowed="an IAM/STS ARN, a 12-digit account, a service principal "
            "(lambda.amazonaws.com) or anonymous",
        )
        return None

    def account(self, value: Any, path: str) -> str | None:
        if value is None or (isinstance(value, str) and _ACCOUNT.fullmatch(value)):
            return value
        self.fail(path, "is not an account", given=value, allowed="a 12-digit account id")
        return None

    def context(self, value: Any, path: str) -> dict[str, str | list[str]]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, "must be an object of condition keys", given=value)
            return {}
        out: dict[str, str | list[str]] = {}
        allowed = "a string, number, boolean or a list of them"
        for key, raw in value.items():
            where = f"{path}.{key}"
            if not isinstance(key, str) or not key:
                self.fail(path, "condition keys must be non-empty strings", given=key)
            elif isinstance(raw, list):
                items = [scalar_text(v) for v in raw]
                texts = [i for i in items if i is not None]
                if len(texts) == len(items):
                    out[key] = texts
                else:
                    self.fail(where, "is not a valid value", given=raw, allowed=allowed)
            else:
                text = scalar_text(raw)
                if text is None:
                    self.fail(where, "is not a valid value", given=raw, allowed=allowed)
                else:
                    out[key] = text
        return out

    def keys(self, value: Any, path: str) -> frozenset[str]:
        if value is None:
            return frozenset()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple | set | frozenset):
            self.fail(path, "must be a list of condition keys", given=value)
            return frozenset()
        out: set[str] = set()
        for i, key in enumerate(items):
            if isinstance(key, str) and key and not any(c.isspace() for c in key):
                out.add(key)
            else:
                self.fail(f"{path}[{i}]", "is not a condition key", given=key)
        return frozenset(out)

    def flag(self, value: Any, path: str) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        self.fail(path, "must be true or false", given=value)
        return None

    def case_fields(self, raw: Any, path: str) -> dict[str, Any] | None:
        """The fields of a case's ``request`` object, unpacked, with their paths."""
        if not isinstance(raw, Mapping):
            self.fail(path, "a case needs a request object with an action", given=raw)
            return None
        for key in raw:
            if key not in _CASE_FIELDS:
                self.fail(
                    f"{path}.{key}",
                    "unknown request field",
                    allowed=", ".join(sorted(_CASE_FIELDS)),
                )
        principal = raw.get("principal")
        if isinstance(principal, Mapping):
            kind = principal.get("type")
            if kind != "Anonymous":
                self.fail(f"{path}.principal.type", "is not valid", given=kind, allowed="Anonymous")
            principal = None
        resource: Any = raw.get("resource", "*")
        resource_path, account, account_path = f"{path}.resource", None, f"{path}.resource"
        if isinstance(resource, Mapping):
            account = resource.get("accountId")
            resource_path, account_path = f"{path}.resource.resource", f"{path}.resource.accountId"
            resource = resource.get("resource", "*")
        return {
            "principal": principal,
            "action": raw.get("action"),
            "resource": resource,
            "resource_path": resource_path,
            "account": account,
            "account_path": account_path,
            "context": raw.get("context"),
            "wildcard_only": raw.get("wildcardOnlyAction"),
            "unknown_keys": raw.get("unknownKeys"),
        }
