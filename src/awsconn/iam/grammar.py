"""Parse and validate IAM policy documents: every problem is reported with its JSON path.

The result is a small immutable model (:class:`Policy`, :class:`Statement`,
:class:`ConditionClause`) that :mod:`awsconn.iam.compile` turns into matchers.
Validation is structural only (what AWS rejects when a policy is saved); semantic
checks against the IAM catalog live in :mod:`awsconn.iam.lint`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from awsconn.errors import Problem, ValidationFailed

__all__ = [
    "PRINCIPAL_TYPES",
    "VERSIONS",
    "ConditionClause",
    "Policy",
    "Statement",
    "parse_policy",
    "scalar_text",
]

VERSIONS = ("2012-10-17", "2008-10-17")
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_DOCUMENT_KEYS = frozenset({"Version", "Id", "Statement"})


@dataclass(frozen=True)
class ConditionClause:
    """One ``operator: {key: values}`` pair; values are normalised to strings."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One statement; ``principals`` maps a principal type (or ``*``) to its values."""

    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: dict[str, tuple[str, ...]] | None
    not_principals: dict[str, tuple[str, ...]] | None
    conditions: tuple[ConditionClause, ...]

    @property
    def label(self) -> str:
        """How explanations name the statement: its Sid, else its position."""
        return self.sid if self.sid else f"#{self.index}"


@dataclass(frozen=True)
class Policy:
    """A parsed policy document; ``source`` is its canonical JSON (the cache key)."""

    version: str
    statements: tuple[Statement, ...]
    source: str
    id: str | None = None

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are text in 2008-10-17 documents (AWS: only 2012-10-17 has them)."""
        return self.version == "2012-10-17"


def scalar_text(value: Any) -> str | None:
    """A JSON scalar as AWS reads it in a policy: booleans lower case, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return None


class _Parser:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str, given: Any = None, allowed: str | None = None) -> None:
        self.problems.append(Problem(path=path, message=message, given=given, allowed=allowed))

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            out: list[str] = []
            for i, item in enumerate(value):
                if isinstance(item, str):
                    out.append(item)
                else:
                    self.fail(f"{path}[{i}]", "must be a string", given=item)
            if not value:
                self.fail(path, "must not be empty")
            return tuple(out)
        self.fail(path, "must be a string or a list of strings", given=value)
        return ()

    def principal(self, value: Any, path: str) -> dict[str, tuple[str, ...]]:
        if value == "*":
            return {"*": ("*",)}
        if isinstance(value, str):  # a bare ARN or account: read as {"AWS": value}
            return {"AWS": (value,)}
        if not isinstance(value, dict):
            self.fail(path, 'must be "*" or an object of principal types', given=value)
            return {}
        out: dict[str, tuple[str, ...]] = {}
        for kind, ids in value.items():
            if kind not in PRINCIPAL_TYPES:
                self.fail(
                    f"{path}.{kind}", "unknown principal type", allowed=", ".join(PRINCIPAL_TYPES)
                )
                continue
            out[kind] = self.strings(ids, f"{path}.{kind}")
        if not value:
            self.fail(path, "must name at least one principal")
        return out

    def condition(self, value: Any, path: str) -> tuple[ConditionClause, ...]:
        from awsconn.iam.conditions import split_operator  # stage below; no cycle at import

        if not isinstance(value, dict):
            self.fail(path, "must be an object of operators", given=value)
            return ()
        out: list[ConditionClause] = []
        for operator, block in value.items():
            op_path = f"{path}.{operator}"
            if split_operator(operator) is None:
                self.fail(op_path, "unknown condition operator", given=operator)
                continue
            if not isinstance(block, dict) or not block:
                self.fail(op_path, "must be a non-empty object of condition keys", given=block)
                continue
            for key, raw in block.items():
                key_path = f"{op_path}.{key}"
                items = raw if isinstance(raw, list) else [raw]
                values: list[str] = []
                for i, item in enumerate(items):
                    text = scalar_text(item)
                    if text is None:
                        where = f"{key_path}[{i}]" if isinstance(raw, list) else key_path
                        self.fail(where, "must be a string, number or boolean", given=item)
                    else:
                        values.append(text)
                out.append(ConditionClause(operator, key, tuple(values)))
        return tuple(out)

    def statement(self, raw: Any, index: int, path: str) -> Statement | None:
        if not isinstance(raw, dict):
            self.fail(path, "a statement must be an object", given=raw)
            return None
        for key in raw:
            if key not in _STATEMENT_KEYS:
                self.fail(
                    f"{path}.{key}",
                    "unknown statement element",
                    allowed=", ".join(sorted(_STATEMENT_KEYS)),
                )
        sid = raw.get("Sid")
        if sid is not None and not isinstance(sid, str):
            self.fail(f"{path}.Sid", "must be a string", given=sid)
            sid = None
        effect = raw.get("Effect")
        if effect not in ("Allow", "Deny"):
            self.fail(
                f"{path}.Effect",
                "is required" if effect is None else "is not valid",
                given=effect,
                allowed="Allow, Deny",
            )
        pairs = (
            ("Action", "NotAction"),
            ("Resource", "NotResource"),
            ("Principal", "NotPrincipal"),
        )
        for positive, negative in pairs:
            if positive in raw and negative in raw:
                self.fail(
                    f"{path}.{negative}", f"a statement may have {positive} or {negative}, not both"
                )
        if "Action" not in raw and "NotAction" not in raw:
            self.fail(f"{path}.Action", "a statement needs Action or NotAction")

        def opt(name: str) -> tuple[str, ...] | None:
            return self.strings(raw[name], f"{path}.{name}") if name in raw else None

        def opt_principal(name: str) -> dict[str, tuple[str, ...]] | None:
            return self.principal(raw[name], f"{path}.{name}") if name in raw else None

        conditions = (
            self.condition(raw["Condition"], f"{path}.Condition") if "Condition" in raw else ()
        )
        return Statement(
            index=index,
            sid=sid,
            effect=effect if isinstance(effect, str) else "Deny",
            actions=opt("Action"),
            not_actions=opt("NotAction"),
            resources=opt("Resource"),
            not_resources=opt("NotResource"),
            principals=opt_principal("Principal"),
            not_principals=opt_principal("NotPrincipal"),
            conditions=conditions,
        )

    def document(self, doc: Any) -> Policy | None:
        if not isinstance(doc, dict):
            self.fail("", "a policy must be a JSON object", given=type(doc).__name__)
            return None
        for key in doc:
            if key not in _DOCUMENT_KEYS:
                self.fail(key, "unknown policy element", allowed="Version, Id, Statement")
        version = doc.get("Version", "2008-10-17")
        if version not in VERSIONS:
            self.fail("Version", "is not valid", given=version, allowed=", ".join(VERSIONS))
        policy_id = doc.get("Id")
        if policy_id is not None and not isinstance(policy_id, str):
            self.fail("Id", "must be a string", given=policy_id)
            policy_id = None
        raw = doc.get("Statement")
        statements: list[Statement] = []
        if raw is None:
            self.fail("Statement", "is required")
        elif isinstance(raw, dict):
            one = self.statement(raw, 0, "Statement")
            statements = [one] if one else []
        elif isinstance(raw, list):
            for i, item in enumerate(raw):
                st = self.statement(item, i, f"Statement[{i}]")
                if st:
                    statements.append(st)
        else:
            self.fail("Statement", "must be an object or a list of objects", given=raw)
        source = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return Policy(
            version=version if isinstance(version, str) else "2008-10-17",
            statements=tuple(statements),
            source=source,
            id=policy_id,
        )


def parse_policy(document: Any) -> Policy:
    """Parse a policy (a dict, a JSON string or an already parsed :class:`Policy`).

    Raises :class:`ValidationFailed` listing every problem, each with its JSON path.
    """
    if isinstance(document, Policy):
        return document
    if isinstance(document, bytes | str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise ValidationFailed(
                [Problem(path="", message=f"not JSON: {exc}")], what="policy"
            ) from exc
    parser = _Parser()
    policy = parser.document(document)
    if parser.problems or policy is None:
        raise ValidationFailed(parser.problems, what="policy")
    return policy
