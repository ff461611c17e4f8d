"""What each kind of policy must hold, beyond the grammar every policy shares.

AWS refuses to save an identity-based policy whose statement has no Resource, a bucket
policy without a Principal, a trust policy with a Resource... Some of these leave the
engine nothing sound to decide on (an identity statement without Resource would grant
every resource), so evaluation refuses them too ("blocking"); others have a documented
meaning at evaluation time (a resource-policy statement without Principal applies to
no one, and the conformance cases pin that), so only lint reports them.

Kinds: ``identity`` (also permissions boundaries and session policies), ``resource``,
``trust`` (a role's trust policy), ``scp``, ``rcp``, ``endpoint`` (VPC endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from awsconn.errors import InvalidInput, Problem, ValidationFailed
from awsconn.iam.grammar import Policy

__all__ = [
    "KINDS",
    "LAYER_KINDS",
    "KindProblem",
    "PolicyKind",
    "kind_problems",
    "parse_kind",
    "refuse_invalid",
]

PolicyKind = Literal["identity", "resource", "trust", "scp", "rcp", "endpoint"]
KINDS: tuple[PolicyKind, ...] = get_args(PolicyKind)

LAYER_KINDS: dict[str, PolicyKind] = {
    "identity": "identity",
    "boundary": "identity",
    "session": "identity",
    "scp": "scp",
    "rcp": "rcp",
    "resource": "resource",
    "endpoint": "endpoint",
}
"""The kind of policy each layer of a :class:`~awsconn.iam.policyset.PolicySet` holds."""


def parse_kind(text: str, field: str = "kind") -> PolicyKind:
    """``text`` as a kind of policy, or :class:`InvalidInput` naming ``field``."""
    for kind in KINDS:
        if text == kind:
            return kind
    raise InvalidInput(
        f"{field}: not a kind of policy (given {text!r}); allowed: {', '.join(KINDS)}"
    )


@dataclass(frozen=True)
class KindProblem:
    """A lint error for this kind; ``blocking``: evaluation refuses the policy too."""

    code: str
    problem: Problem
    blocking: bool


def kind_problems(policy: Policy, kind: PolicyKind) -> list[KindProblem]:
    """Every element this kind of policy lacks or must not have, each with its path."""
    out: list[KindProblem] = []
    identity_like = kind in ("identity", "scp")
    if not policy.statements:
        out.append(
            KindProblem(
                "empty-statement",
                Problem("Statement", "must hold at least one statement"),
                blocking=kind == "identity",
            )
        )
    for st in policy.statements:
        base = policy.path_of(st)
        has_resource = st.resources is not None or st.not_resources is not None
        has_principal = st.principals is not None or st.not_principals is not None
        if kind in ("identity", "resource", "rcp") and not has_resource:
            out.append(
                KindProblem(
                    "missing-resource",
                    Problem(
                        f"{base}.Resource",
                        f"a statement of a {kind} policy needs Resource or NotResource",
                    ),
                    blocking=kind == "identity",
                )
            )
        if kind == "trust" and has_resource:
            element = "Resource" if st.resources is not None else "NotResource"
            out.append(
                KindProblem(
                    "resource-in-trust-policy",
                    Problem(
                        f"{base}.{element}",
                        "a trust policy takes no Resource: the "
                        "role it is attached to is the resource",
                    ),
                    blocking=False,
                )
            )
        if identity_like and has_principal:
            element = "Principal" if st.principals is not None else "NotPrincipal"
            out.append(
                KindProblem(
                    "principal-not-allowed",
                    Problem(
                        f"{base}.{element}",
                        f"a {kind} policy takes no {element}: it "
                        "applies to the principals it is attached to",
                    ),
                    blocking=False,
                )
            )
        if kind in ("resource", "trust", "rcp") and not has_principal:
            out.append(
                KindProblem(
                    "missing-principal",
                    Problem(
                        f"{base}.Principal",
                        f"a statement of a {kind} policy needs "
                        "Principal or NotPrincipal (without one it applies to no one)",
                    ),
                    blocking=False,
                )
            )
    return out


def refuse_invalid(policy: Policy, kind: PolicyKind) -> None:
    """Raise :class:`ValidationFailed` with the blocking problems of this kind, if any."""
    blocking = [p.problem for p in kind_problems(policy, kind) if p.blocking]
    if blocking:
        raise ValidationFailed(blocking, what=f"{kind} policy")
