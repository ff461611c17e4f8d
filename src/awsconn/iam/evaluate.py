"""Deciding: does one statement apply to a request (and if not, why), and the one
function that combines the layers the way AWS's policy evaluation logic documents.

Statement: action (case-insensitive), resource (case-sensitive, segment-aware),
principal (resource-based layers only) and conditions must all match; the ``Not``
forms invert their element.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from awsconn.iam.compile import CompiledStatement, PrincipalMatcher
from awsconn.iam.explain import Hit
from awsconn.iam.globs import covers, intersects
from awsconn.iam.request import PreparedRequest, Principal

__all__ = [
    "Gates",
    "action_matches",
    "conditions_match",
    "principal_match",
    "resource_matches",
    "unmet_conditions",
]


def action_matches(cs: CompiledStatement, req: PreparedRequest) -> bool:
    hit = cs.actions.matches(req.action, req.service, req.name)
    return not hit if cs.action_negated else hit


def resource_matches(cs: CompiledStatement, req: PreparedRequest) -> bool:
    """Resource/NotResource. A statement without either (trust policies) matches any resource.

    A request for ``*`` (an action that takes no resource, or "some resource") is
    matched only by the pattern ``*`` when the action is wildcard-only; otherwise an
    Allow for any resource may grant it and only a Deny of ``*`` denies it.
    """
    matcher = cs.resources
    if matcher is None:
        return True
    if req.resource_is_pattern:
        return _pattern_request(cs, req)
    hit = matcher.matches(req.resource, req.context)
    return not hit if cs.resource_negated else hit


def _pattern_request(cs: CompiledStatement, req: PreparedRequest) -> bool:
    """The request names a set of resources: an Allow applies if it may cover some of
    them, a Deny only if it covers all of them (a partial overlap denies nothing)."""
    assert cs.resources is not None
    if cs.resources.any:  # "*" covers and intersects every request
        return not cs.resource_negated
    wanted = req.resource if req.resource != "*" else f"arn:*:{req.service}:*"
    globs = cs.resources.globs(req.context)
    if cs.resource_negated:
        if cs.allow:
            return not any(covers(g, wanted) for g in globs)
        return not any(intersects(g, wanted) for g in globs)
    if cs.allow:
        return any(intersects(g, wanted) for g in globs)
    return any(covers(g, wanted) for g in globs)


def _aws_match(values: frozenset[str], p: Principal) -> str | None:
    """How ``values`` name the caller; account and role ARNs in the caller's partition."""
    if p.text in values:
        return "principal"
    best: str | None = None
    iam = f"arn:{p.partition}:iam::{p.account}:"
    for value in values:
        if p.account and (value == p.account or value == f"{iam}root"):
            best = best or "account"
        elif (
            p.kind == "session"
            and p.role_name
            and value.startswith(f"{iam}role/")
            and value.rsplit("/", 1)[-1] == p.role_name
        ):
            best = "role"
    return best


def principal_match(matcher: PrincipalMatcher, p: Principal) -> str | None:
    """How a principal element names the caller: ``public`` (``*``), ``principal`` (its own
    ARN), ``role`` (the role of a session), ``account``, or ``None``."""
    if matcher.everyone:
        return "public"
    if p.kind == "anonymous" or p.text is None:
        return None
    if p.kind == "service":
        return "principal" if p.text.lower() in matcher.service else None
    if p.text in matcher.federated or p.text in matcher.canonical:
        return "principal"
    return _aws_match(matcher.aws, p) if matcher.aws else None


def statement_principal(cs: CompiledStatement, p: Principal) -> str | None:
    """The principal match of a statement in a resource-based layer; ``None`` = not applicable."""
    matcher = cs.principals
    if matcher is None:
        return None
    kind = principal_match(matcher, p)
    if cs.principal_negated:
        return "public" if kind is None else None
    return kind


def conditions_match(cs: CompiledStatement, req: PreparedRequest) -> bool:
    return all(cond.check(req.context) for cond in cs.conditions)


def unmet_conditions(cs: CompiledStatement, req: PreparedRequest) -> list[dict[str, object]]:
    return [c.explain(req.context) for c in cs.conditions if not c.check(req.context)]


@dataclass
class Gates:
    """What each layer said; filled by the policy set, judged by :func:`combine`."""

    denies: list[Hit]
    identity: list[Hit]
    boundary: list[Hit] | None
    session: list[Hit] | None
    resource: list[Hit] | None
    scp_levels: list[list[Hit]] | None
    endpoint: list[list[Hit]] | None


_READ_PREFIXES = ("get", "list", "generate", "simulate")


def _protected_iam_resource(req: PreparedRequest) -> bool:
    """AWS-managed policies and roles under /aws-reserved/ can only be read, whatever is allowed."""
    if req.service != "iam" or req.name.startswith(_READ_PREFIXES):
        return False
    res = req.resource
    return (res.startswith("arn:") and ":iam::aws:policy/" in res) or ":role/aws-reserved/" in res


def _protected_kms_alias(req: PreparedRequest) -> bool:
    """AWS-managed KMS aliases (alias/aws/...) cannot be created, changed or deleted."""
    return (
        req.service == "kms"
        and ":alias/aws/" in req.resource
        and req.name
        in (
            "createalias",
            "deletealias",
            "updatealias",
        )
    )


def _needs_resource_allow(req: PreparedRequest) -> str | None:
    """Resources whose own policy must allow: KMS keys (key policy) and roles (trust policy)."""
    if req.service == "kms" and ":key/" in req.resource:
        return "a KMS key policy must allow the request (AWS: key policies are required)"
    if req.service == "sts" and req.name.startswith("assumerole") and ":role/" in req.resource:
        return "a role's trust policy must allow sts:AssumeRole*"
    return None


def combine(req: PreparedRequest, g: Gates) -> tuple[str, list[Hit], list[str]]:
    """The combining rule: explicit deny wins; every SCP level and endpoint policy must
    allow; then identity and resource-based allows by account and principal type."""
    if req.action == "sts:getcalleridentity":
        return (
            "Allowed",
            [],
            ["sts:GetCallerIdentity needs no permission (AWS: it cannot be denied)"],
        )
    if g.denies:
        return "ExplicitlyDenied", list(g.denies), ["an explicit Deny applies"]
    p = req.principal
    if _protected_iam_resource(req):
        return "ImplicitlyDenied", [], ["AWS-managed IAM resources are read-only"]
    if _protected_kms_alias(req):
        return "ImplicitlyDenied", [], ["AWS-managed KMS aliases cannot be changed"]
    used: list[Hit] = []
    if g.scp_levels is not None and p.kind not in ("anonymous", "service"):
        for level, allows in enumerate(g.scp_levels):
            if not allows:
                return (
                    "ImplicitlyDenied",
                    [],
                    [f"no SCP at organization level {level} allows the action"],
                )
            used.append(allows[0])
    if g.endpoint is not None:
        for i, allows in enumerate(g.endpoint):
            if not allows:
                return (
                    "ImplicitlyDenied",
                    [],
                    [f"VPC endpoint policy {i} does not allow the request"],
                )
            used.append(allows[0])

    identity_side = p.kind not in ("anonymous", "service")
    boundary_ok = g.boundary is None or bool(g.boundary)
    session_ok = g.session is None or bool(g.session)
    identity_ok = identity_side and bool(g.identity) and boundary_ok and session_ok
    rp = g.resource or []
    by_kind = {h.principal_match: h for h in rp}
    same_account = p.account is not None and p.account == req.resource_account
    reasons: list[str] = []
    needs_rp = _needs_resource_allow(req)

    if same_account or not identity_side:
        public = by_kind.get("public")
        if public is not None:
            return "Allowed", [*used, public], ["a resource-based policy allows every principal"]
        direct = by_kind.get("principal")
        # AWS: a grant to a user ARN is not limited by the user's boundary; a grant to a
        # session ARN is limited by the session policy only; a grant to a role ARN is
        # limited by both the boundary and the session policy.
        if direct is not None:
            if p.kind in ("user", "root", "service", "anonymous", "federated"):
                return "Allowed", [*used, direct], ["a resource-based policy allows this principal"]
            if p.kind == "session" and session_ok:
                return "Allowed", [*used, direct], ["a resource-based policy allows this session"]
            if p.kind in ("role", "other") and boundary_ok and session_ok:
                return "Allowed", [*used, direct], ["a resource-based policy allows the role"]
        role = by_kind.get("role")
        if role is not None and boundary_ok and session_ok:
            return "Allowed", [*used, role], ["a resource-based policy allows the session's role"]
        if identity_ok and (needs_rp is None or rp):
            return "Allowed", [*used, *g.identity[:1], *rp[:1]], ["an identity-based policy allows"]
        if needs_rp is not None and identity_ok:
            reasons.append(needs_rp)
    else:
        if identity_ok and rp:
            return (
                "Allowed",
                [*used, *g.identity[:1], rp[0]],
                ["cross-account: both the identity-based and the resource-based policy allow"],
            )
        if identity_ok:
            reasons.append("cross-account: no resource-based policy allows this principal")
        elif rp:
            reasons.append("cross-account: no identity-based policy allows")
    if identity_side and not g.identity:
        reasons.append("no identity-based policy allows the action")
    if g.boundary is not None and not g.boundary:
        reasons.append("no permissions boundary allows the action")
    if g.session is not None and not g.session:
        reasons.append("the session policy does not allow the action")
    if not reasons:
        reasons.append("no policy allows the action")
    return "ImplicitlyDenied", [], reasons


def first(hits: Sequence[Hit]) -> Hit | None:
    return hits[0] if hits else None
