"""The offline policy engine as use cases: evaluate one request, run simulation cases,
lint policies.

Pure computation over documents the caller gives (no stored data, so no permission is
asked); the rules of a valid request, policy or case are :mod:`awsconn.iam`'s. What is
decided here: which policies form the evaluation, and when a run of cases or a lint
has failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from awsconn.iam import Decision, PolicyKind, Request
    from awsconn.iam.lint import Finding

__all__ = [
    "DEFAULT_PRINCIPAL",
    "CaseTally",
    "LintReport",
    "NamedDocument",
    "decide",
    "evaluate",
    "lint",
    "simulate",
]

DEFAULT_PRINCIPAL = "arn:aws:iam::123456789012:user/awsconn"
"""Who asks, when a request does not say (an ordinary user of a sample account)."""

NamedDocument = tuple[str, Any]
"""A policy document and the name that labels it in explanations (a file path)."""


def evaluate(
    request: Request,
    *,
    identity: Sequence[NamedDocument] = (),
    boundaries: Sequence[NamedDocument] = (),
    scps: Sequence[NamedDocument] = (),
    resource_policy: NamedDocument | None = None,
    session_policy: NamedDocument | None = None,
) -> Decision:
    """Decide one request (built with ``iam.Request.checked``) against the given
    policies, with its explanation; each SCP is its own organisation level."""
    from awsconn.iam import PolicySet

    return PolicySet(
        identity=list(identity),
        boundaries=list(boundaries),
        scps=[[p] for p in scps] if scps else None,
        resource_policy=resource_policy,
        session_policy=session_policy,
    ).evaluate(request)


def decide(
    *,
    action: Any,
    resource: Any = "*",
    principal: Any = None,
    resource_account: Any = None,
    context: Any = None,
    unknown_keys: Any = (),
    identity: Sequence[NamedDocument] = (),
    boundaries: Sequence[NamedDocument] = (),
    scps: Sequence[NamedDocument] = (),
    resource_policy: NamedDocument | None = None,
    session_policy: NamedDocument | None = None,
) -> Decision:
    """:func:`evaluate` of a request given as untrusted values (an API body): the request
    is checked first (ValidationFailed with every problem at its field); ``principal``
    defaults to :data:`DEFAULT_PRINCIPAL`."""
    from awsconn.iam import Request

    request = Request.checked(
        principal=DEFAULT_PRINCIPAL if principal is None else principal,
        action=action,
        resource=resource,
        resource_account=resource_account,
        context=context or {},
        unknown_keys=unknown_keys or (),
    )
    return evaluate(
        request,
        identity=identity,
        boundaries=boundaries,
        scps=scps,
        resource_policy=resource_policy,
        session_policy=session_policy,
    )


@dataclass
class CaseTally:
    """How a run of simulation cases went; ``ok`` when no case failed or broke."""

    cases: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def add(self, line: Mapping[str, Any]) -> None:
        self.cases += 1
        if "error" in line:
            self.errors += 1
        elif "pass" in line:
            if line["pass"]:
                self.passed += 1
            else:
                self.failed += 1


def simulate(text: str, on_case: Callable[[dict[str, Any]], None]) -> CaseTally:
    """Run the cases of ``text`` (a JSON array or JSON lines); each case's line goes to
    ``on_case`` as it is decided (a case that is not valid is a line with ``error``)."""
    from awsconn.iam.cases import parse_cases, run_cases

    tally = CaseTally()
    for line in run_cases(parse_cases(text)):
        tally.add(line)
        on_case(line)
    return tally


@dataclass
class LintReport:
    """Findings per policy, in the order given; ``ok`` when none is an error."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for found in self.findings.values() for f in found if f.severity == "error")

    @property
    def ok(self) -> bool:
        return self.errors == 0


def lint(policies: Sequence[tuple[str, str]], kind: PolicyKind) -> LintReport:
    """Check each (name, text) policy as ``kind`` (grammar, what the kind needs, the IAM
    catalog)."""
    from awsconn.iam import lint_policy

    return LintReport({name: lint_policy(text, kind) for name, text in policies})
