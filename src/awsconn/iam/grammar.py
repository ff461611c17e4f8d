"""Parse and validate IAM policy documents: every problem is reported with its JSON path.

The result is a small immutable model (:class:`Policy`, :class:`Statement`,
:class:`ConditionClause`) that :mod:`awsconn.iam.compile` turns into matchers.
Validation covers what AWS rejects when any policy is saved and what evaluation could
not interpret: the shape, condition operators and their values (a malformed IP, date,
number, bool or ARN), unclosed ``${``. What a kind of policy must hold (an identity
policy's Resource...) is :mod:`awsconn.iam.kinds`; checks against the IAM catalog are
:mod:`awsconn.iam.lint`. Each problem carries a code, which lint reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.iam.operators import malformed_value, split_operator
from awsconn.iam.policy_json import check_json, load_json, shown
from awsconn.iam.variables import unclosed_variable

__all__ = [
    "PRINCIPAL_TYPES",
    "VERSIONS",
    "CodedProblem",
    "ConditionClause",
    "Policy",
    "Statement",
    "parse_policy",
    "parse_policy_problems",
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
    single: bool = False
    """``Statement`` is one object rather than a list (paths then have no index)."""

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are text in 2008-10-17 documents (AWS: only 2012-10-17 has them)."""
        return self.version == "2012-10-17"

    def path_of(self, statement: Statement) -> str:
        """The JSON path of a statement: ``Statement[2]``, or ``Statement`` when single."""
        return "Statement" if self.single else f"Statement[{statement.index}]"


@dataclass(frozen=True)
class CodedProblem:
    """A grammar problem and its lint code (``invalid``, ``malformed-value``...)."""

    code: str
    problem: Problem


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
        self.problems: list[CodedProblem] = []
        self.variables = True

    def fail(
        self,
        path: str,
        message: str,
        given: Any = None,
        allowed: str | None = None,
        code: str = "invalid",
    ) -> None:
        problem = Problem(path=path, message=message, given=shown(given), allowed=allowed)
        self.problems.append(CodedProblem(code, problem))

    def patterns(self, raw: Any, path: str) -> None:
        """Resource/NotResource/condition values: no ``${`` left open (2012-10-17)."""
        if not self.variables:
            return
        items = enumerate(raw) if isinstance(raw, list) else [(None, raw)]
        for i, item in items:
            if isinstance(item, str) and unclosed_variable(item):
                self.fail(
                    path if i is None else f"{path}[{i}]",
                    "a policy variable is not closed (${key} or ${key, 'default'})",
                    given=item,
                    code="unclosed-variable",
                )

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
        if not isinstance(value, dict):
            self.fail(path, "must be an object of operators", given=value)
            return ()
        out: list[ConditionClause] = []
        for operator, block in value.items():
            op_path = f"{path}.{operator}"
            parts = split_operator(operator)
            if parts is None:
                self.fail(
                    op_path, "unknown condition operator", given=operator, code="unknown-operator"
                )
                continue
            if not isinstance(block, dict) or not block:
                self.fail(op_path, "must be a non-empty object of condition keys", given=block)
                continue
            for key, raw in block.items():
                key_path = f"{op_path}.{key}"
                items = raw if isinstance(raw, list) else [raw]
                values: list[str] = []
                for i, item in enumerate(items):
                    where = f"{key_path}[{i}]" if isinstance(raw, list) else key_path
                    text = scalar_text(item)
                    if text is None:
                        self.fail(where, "must be a string, number or boolean", given=item)
                        continue
                    allowed = malformed_value(parts[1], text, variables=self.variables)
                    if allowed is not None:
                        self.fail(
                            where,
                            f"is not a valid {parts[1]} value",
                            given=text,
                            allowed=allowed,
                            code="malformed-value",
                        )
                    values.append(text)
                if isinstance(raw, list) and not raw:
                    self.fail(key_path, "must hold at least one value")
                self.patterns(raw, key_path)
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
            self.fail(
                f"{path}.Action", "a statement needs Action or NotAction", code="missing-action"
            )

        def opt(name: str) -> tuple[str, ...] | None:
            if name not in raw:
                return None
            values = self.strings(raw[name], f"{path}.{name}")
            if name in ("Resource", "NotResource"):
                self.patterns(raw[name], f"{path}.{name}")
            return values

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
        shape = check_json(doc)
        if shape is not None:  # before anything that recurses (json.dumps)
            self.problems.append(CodedProblem("invalid", shape))
            return None
        for key in doc:
            if key not in _DOCUMENT_KEYS:
                self.fail(key, "unknown policy element", allowed="Version, Id, Statement")
        version = doc.get("Version", "2008-10-17")
        if version not in VERSIONS:
            self.fail("Version", "is not valid", given=version, allowed=", ".join(VERSIONS))
        self.variables = version != "2008-10-17"
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
            single=isinstance(raw, dict),
        )


def parse_policy_problems(document: Any) -> tuple[Policy | None, list[CodedProblem]]:
    """Parse a policy (dict, JSON text or :class:`Policy`); the policy when there is no
    problem, else every problem with its path and code."""
    if isinstance(document, Policy):
        return document, []
    if isinstance(document, bytes | str):
        try:
            document = load_json(document)
        except ValidationFailed as exc:
            return None, [CodedProblem("invalid", p) for p in exc.problems]
    parser = _Parser()
    policy = parser.document(document)
    if parser.problems or policy is None:
        return None, parser.problems
    return policy, []


def parse_policy(document: Any) -> Policy:
    """Parse a policy (a dict, a JSON string or an already parsed :class:`Policy`).

    Raises :class:`ValidationFailed` listing every problem, each with its JSON path.
    """
    policy, problems = parse_policy_problems(document)
    if policy is None:
        raise ValidationFailed([p.problem for p in problems], what="policy")
    return policy
