"""Every problem of a policy, as findings with a severity, a code and a JSON path.

Errors (``policy lint`` exits 1): what the grammar refuses (:mod:`awsconn.iam.grammar`:
shape, unknown operators, malformed condition values, unclosed ``${``), what the kind
of policy must hold (:mod:`awsconn.iam.kinds`: an identity statement's Resource, an
empty Statement list...), unknown services and actions, malformed ARNs. Warnings:
resource types an action does not take (wildcard-only actions on a specific ARN,
which evaluation denies), condition keys an action does not support, set operators on
single-valued keys, Allow with NotAction/NotResource, ``*`` actions on sensitive services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from awsconn.errors import Problem
from awsconn.iam import catalog
from awsconn.iam.globs import intersects
from awsconn.iam.grammar import Statement, parse_policy_problems
from awsconn.iam.kinds import PolicyKind, kind_problems
from awsconn.iam.operators import split_operator

__all__ = ["SENSITIVE_SERVICES", "Finding", "lint_policy"]

SENSITIVE_SERVICES = frozenset(
    {"iam", "sts", "kms", "organizations", "secretsmanager", "account", "sso", "identitystore"}
)
_ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$", re.DOTALL)
_TEMPLATE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Finding:
    """One lint result; ``severity`` is ``error`` or ``warning``; ``path`` is a JSON path."""

    severity: str
    code: str
    path: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "path": self.path,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.severity}: {self.path or '(document)'}: {self.message} [{self.code}]"


def _arn_glob(fmt: str) -> str:
    return _TEMPLATE.sub("*", fmt)


def _takes(value: str, arn_format: str) -> bool:
    """Whether a Resource pattern can name a resource of this ARN format.

    Compared segment by segment. A placeholder becomes ``*``, which also spans ``/``;
    S3 bucket names cannot hold one, so ``arn:aws:s3:::bucket/*`` is objects, never the
    bucket (the classic ``s3:ListBucket`` on ``bucket/*`` mistake).
    """
    if arn_format.endswith(":::${BucketName}") and "/" in value.partition(":::")[2]:
        return False
    pattern = _arn_glob(arn_format)
    ours, theirs = value.split(":", 5), pattern.split(":", 5)
    if len(ours) != 6 or len(theirs) != 6:
        return intersects(value, pattern)
    # Segment by segment: a placeholder's * must not borrow another segment's text.
    return all(intersects(a, b) for a, b in zip(ours, theirs, strict=True))


def _key_supported(key: str, supported: list[str]) -> bool:
    low = key.lower()
    for name in supported:
        n = name.lower()
        if n == low:
            return True
        if "${" in n and low.startswith(n.split("${", 1)[0]):
            return True
    return False


class _Linter:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, severity: str, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(severity, code, path, message))

    def actions(self, st: Statement, base: str) -> list[str]:
        """Check Action/NotAction; return the concrete catalog actions the statement names."""
        element = "Action" if st.actions is not None else "NotAction"
        patterns = st.actions if st.actions is not None else st.not_actions or ()
        if st.effect == "Allow" and st.not_actions is not None:
            self.add(
                "warning",
                "allow-not-action",
                f"{base}.NotAction",
                "Allow with NotAction grants every other action, including future ones",
            )
        concrete: list[str] = []
        for i, pattern in enumerate(patterns):
            path = f"{base}.{element}" + (f"[{i}]" if len(patterns) > 1 else "")
            if pattern == "*":
                if st.effect == "Allow":
                    self.add("warning", "star-action", path, "Allow of every action (*)")
                continue
            service, sep, name = pattern.partition(":")
            if not sep or not name or name != name.strip() or " " in pattern or "," in pattern:
                self.add("error", "malformed-action", path, f"{pattern!r} is not service:Action")
                continue
            if "*" in service or "?" in service:
                continue
            if not catalog.service_exists(service):
                self.add("error", "unknown-service", path, f"unknown service {service!r}")
                continue
            if "*" in name or "?" in name:
                if (
                    st.effect == "Allow"
                    and service.lower() in SENSITIVE_SERVICES
                    and name.strip("*") == ""
                ):
                    self.add(
                        "warning",
                        "sensitive-star",
                        path,
                        f"Allow of every {service} action on a sensitive service",
                    )
                if not catalog.expand_actions(pattern):
                    self.add(
                        "warning", "matches-nothing", path, f"{pattern!r} matches no known action"
                    )
                continue
            info = catalog.action_info(pattern)
            if info is None:
                self.add("error", "unknown-action", path, f"unknown action {pattern!r}")
            elif element == "Action":
                concrete.append(info.full_name)
        return concrete

    def resources(self, st: Statement, base: str, actions: list[str]) -> None:
        element = "Resource" if st.resources is not None else "NotResource"
        values = st.resources if st.resources is not None else st.not_resources
        if values is None:
            return
        if st.effect == "Allow" and st.not_resources is not None:
            self.add(
                "warning",
                "allow-not-resource",
                f"{base}.NotResource",
                "Allow with NotResource grants every other resource",
            )
        for i, value in enumerate(values):
            path = f"{base}.{element}" + (f"[{i}]" if len(values) > 1 else "")
            if value == "*" or "${" in value:
                continue
            if not _ARN.match(value):
                self.add(
                    "error",
                    "malformed-arn",
                    path,
                    f"{value!r} is not an ARN (arn:partition:service:region:account:resource)",
                )
                continue
            if element != "Resource":
                continue
            arn_service = value.split(":")[2]
            for action in actions:
                if not intersects(arn_service, action.split(":")[0]):
                    continue
                types = catalog.action_resource_types(action)
                if not types:
                    self.add(
                        "warning", "wildcard-only-action", path, f'{action} takes only Resource "*"'
                    )
                    continue
                if not any(_takes(value, t.arn) for t in types):
                    names = ", ".join(t.name for t in types)
                    self.add(
                        "warning",
                        "resource-type-mismatch",
                        path,
                        f"{action} does not take this resource (it takes: {names})",
                    )

    def conditions(self, st: Statement, base: str, actions: list[str]) -> None:
        for clause in st.conditions:
            path = f"{base}.Condition.{clause.operator}.{clause.key}"
            parts = split_operator(clause.operator)
            kind = catalog.condition_key_type(clause.key)
            if (
                parts
                and parts[0] is not None
                and kind is not None
                and not kind.startswith("ArrayOf")
            ):
                self.add(
                    "warning",
                    "set-operator-single-value",
                    path,
                    f"{clause.operator.partition(':')[0]} on single-valued {clause.key} ({kind})",
                )
            if clause.key.lower().startswith("aws:"):
                continue
            unsupported = [
                a
                for a in actions
                if a.split(":")[0].lower() == clause.key.split(":")[0].lower()
                and not _key_supported(clause.key, catalog.action_condition_keys(a))
            ]
            if kind is None and not unsupported:
                self.add(
                    "warning", "unknown-condition-key", path, f"unknown condition key {clause.key}"
                )
            for action in unsupported:
                self.add(
                    "warning",
                    "unsupported-condition-key",
                    path,
                    f"{action} does not support condition key {clause.key}",
                )


def _detail(problem: Problem) -> str:
    """The problem's message with what was given and what is allowed."""
    text = problem.message
    if problem.given is not None:
        text += f" (given: {problem.given!r})"
    if problem.allowed:
        text += f"; allowed: {problem.allowed}"
    return text


def lint_policy(document: Any, kind: PolicyKind = "identity") -> list[Finding]:
    """Every problem of a policy of this kind: grammar errors (with paths) alone when
    there are any, else what the kind requires, then the catalog checks."""
    policy, problems = parse_policy_problems(document)
    if policy is None:
        return [Finding("error", p.code, p.problem.path, _detail(p.problem)) for p in problems]
    linter = _Linter()
    for found in kind_problems(policy, kind):
        linter.add("error", found.code, found.problem.path, _detail(found.problem))
    for st in policy.statements:
        base = policy.path_of(st)
        actions = linter.actions(st, base)
        linter.resources(st, base, actions)
        linter.conditions(st, base, actions)
    return linter.findings
