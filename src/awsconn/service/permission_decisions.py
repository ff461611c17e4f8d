"""Deciding the required actions of one identity: by AWS's simulator, by the engine over the
policies read from IAM, or as the account root; each with the request context AWS would
set on that identity's calls (:mod:`awsconn.service.permission_context`).

A decision that hangs on a key only the real request carries is ``Depends`` (status
``DEPENDS``), never "not granted": from the engine when a policy tests an unknown key, from
the simulator when it denied for want of context keys the check cannot know.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from awsconn.iam import PolicySet, Request
from awsconn.iam.capabilities import RequiredPermission
from awsconn.service.permission_context import (
    CredentialFacts,
    RequestContext,
    SessionFacts,
    identity_context,
    used_condition_keys,
)
from awsconn.service.permission_reports import ActionCheck

if TYPE_CHECKING:
    from awsconn.aws.principal import CallerIdentity

__all__ = ["Decided", "Item", "NamedPolicy", "decide_live", "engine_check", "engine_checks"]

Clients = Callable[[str], Any]
NamedPolicy = tuple[str, Mapping[str, Any]]

_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
_SIM_RESULT = {
    "allowed": "Allowed",
    "explicitDeny": "ExplicitlyDenied",
    "implicitDeny": "ImplicitlyDenied",
}
_TAG_KEY = "aws:principaltag/"


@dataclass(frozen=True)
class Item:
    """One concrete action of a requirement, and the region its call goes to."""

    req: RequiredPermission
    action: str
    region: str


@dataclass
class Decided:
    """One identity's answers, how they were reached, and the context they assumed."""

    checks: list[ActionCheck]
    method: str
    context: RequestContext
    notes: list[str] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)


def decide_live(
    clients: Clients,
    who: CallerIdentity,
    items: Sequence[Item],
    *,
    scps: Sequence[NamedPolicy],
    resource_policy: NamedPolicy | None,
    use_simulator: bool,
    credentials: CredentialFacts,
    now: datetime | None,
    session: SessionFacts | None,
) -> Decided:
    """Decide ``items`` for the identity behind ``clients`` (``who``)."""
    from awsconn.aws.principal import read_policies, read_tags
    from awsconn.aws.simulator import SimulatorUnavailable, simulate

    def context(principal_arn: str | None, tags: Mapping[str, str] | None) -> RequestContext:
        return identity_context(
            who,
            principal_arn=principal_arn,
            tags=tags,
            credentials=credentials,
            now=now,
            session=session,
        )

    if who.kind == "root":
        ctx = context(who.arn, None)
        policy_set = PolicySet(
            identity=[("account root", _ALLOW_ALL)], scps=[list(scps)] if scps else None
        )
        return Decided(engine_checks(policy_set, ctx, items), "root", ctx)
    iam = clients("iam")
    notes: list[str] = []
    tags: Mapping[str, str] | None = None
    tags_read = False
    if use_simulator and who.kind in ("user", "role"):
        exact = _exact_arn(iam, who)
        tags, tags_read = read_tags(iam, who), True
        ctx = context(exact, tags)
        try:
            decisions = _simulate_by_context(
                simulate, iam, exact or who.principal_arn, items, ctx, resource_policy
            )
        except SimulatorUnavailable as exc:
            notes.append(f"simulator not used: {exc.reason}; read the principal's policies instead")
        else:
            return Decided(_from_simulator(items, decisions, scps, ctx), "simulator", ctx, notes)
    found = read_policies(iam, who)
    policies: list[dict[str, Any]] = [
        {"label": p.label, "layer": "identity", "source": p.source} for p in found.identity
    ]
    if found.boundary is not None:
        policies.append({"label": found.boundary.label, "layer": "boundary", "source": "boundary"})
    if not found.identity:
        notes.append(f"{found.principal_arn} has no identity policies")
    policy_set = PolicySet(
        identity=[(p.label, p.document) for p in found.identity],
        boundaries=[(found.boundary.label, found.boundary.document)] if found.boundary else (),
        scps=[list(scps)] if scps else None,
        resource_policy=resource_policy,
    )
    used = used_condition_keys(policy_set)
    if not tags_read and any(k.startswith(_TAG_KEY) for k in used):
        tags = read_tags(iam, who)
    ctx = context(found.principal_arn, tags)
    return Decided(engine_checks(policy_set, ctx, items, used), "policies", ctx, notes, policies)


def _exact_arn(iam: Any, who: CallerIdentity) -> str | None:
    """The IAM ARN of the principal as AWS puts it in ``aws:PrincipalArn``: a session's
    role with its path (STS's session ARN has none); ``None`` if IAM will not say."""
    if who.kind != "role":
        return who.principal_arn
    try:
        return str(iam.get_role(RoleName=who.name)["Role"]["Arn"])
    except Exception:  # the simulator reports a wrong ARN itself; the key becomes unknown
        return None


def engine_checks(
    policy_set: PolicySet,
    context: RequestContext,
    items: Sequence[Item],
    used: Mapping[str, str] | None = None,
) -> list[ActionCheck]:
    """Decide every item with the engine, as ``context``'s principal."""
    keys = used_condition_keys(policy_set) if used is None else used
    return [engine_check(policy_set, context, item, keys) for item in items]


def engine_check(
    policy_set: PolicySet, context: RequestContext, item: Item, used: Mapping[str, str]
) -> ActionCheck:
    """One decision of the engine, with the request context of the item's call; the keys
    the policies test that the context does not know are unknown (a ``Depends`` answer)."""
    req = item.req
    decision = policy_set.evaluate(
        Request(
            principal=context.principal,
            action=item.action,
            resource=req.resource,
            # "*" here means "no particular resource": only Resource "*" grants it. For an
            # ARN the engine knows from the IAM action data whether the action takes one.
            wildcard_only=True if req.resource == "*" else None,
            context=context.for_action(item.action, item.region),
            unknown_keys=context.unknown(used, item.action),
        )
    )
    check = ActionCheck(
        capability=req.capability,
        shape=req.shape,
        pattern=req.action,
        action=item.action,
        resource=req.resource,
        decision=decision.result,
        decided_by=[h.to_dict() for h in decision.deciding],
        reasons=list(decision.reasons),
    )
    if decision.result == "Depends":
        check.depends_on = list(decision.depends_on)
        check.possible = decision.possible
        check.conditional = [n.to_dict() for n in decision.conditional]
    elif decision.result != "Allowed":
        check.near_misses = [n.to_dict() for n in decision.near_misses()]
    return check


def _simulate_by_context(
    simulate: Callable[..., list[Any]],
    iam: Any,
    principal_arn: str,
    items: Sequence[Item],
    context: RequestContext,
    resource_policy: NamedPolicy | None,
) -> list[Any]:
    """One simulation per distinct request context (calls to different regions differ)."""
    groups: dict[tuple[str, bool], tuple[Mapping[str, str], list[tuple[str, str]]]] = {}
    for item in items:
        key = (item.region, item.action.lower() == "sts:assumerole")
        values = context.for_action(item.action, item.region)
        groups.setdefault(key, (values, []))[1].append((item.action, item.req.resource))
    out: list[Any] = []
    for values, pairs in groups.values():
        out.extend(
            simulate(
                iam,
                principal_arn,
                pairs,
                resource_policy=resource_policy[1] if resource_policy else None,
                context=values,
            )
        )
    return out


def _from_simulator(
    items: Sequence[Item],
    decisions: Sequence[Any],
    scps: Sequence[NamedPolicy],
    context: RequestContext,
) -> list[ActionCheck]:
    by_key = {(d.action.lower(), d.resource): d for d in decisions}
    scp_set = PolicySet(identity=[("allow-all", _ALLOW_ALL)], scps=[list(scps)]) if scps else None
    scp_keys = used_condition_keys(scp_set) if scp_set is not None else {}
    out: list[ActionCheck] = []
    for item in items:
        req = item.req
        found = by_key.get((item.action.lower(), req.resource))
        if found is None:
            out.append(
                ActionCheck(
                    req.capability,
                    req.shape,
                    req.action,
                    item.action,
                    req.resource,
                    "ImplicitlyDenied",
                    reasons=["the simulator returned no result"],
                )
            )
            continue
        unknown = [k for k in found.missing_context if not context.knows(k, item.action)]
        check = ActionCheck(
            req.capability,
            req.shape,
            req.action,
            item.action,
            req.resource,
            _SIM_RESULT.get(found.decision, "ImplicitlyDenied"),
            decided_by=[dict(m.to_dict(), layer="simulator") for m in found.matched],
            reasons=_simulator_reasons(found, unknown),
        )
        if check.decision == "ImplicitlyDenied" and unknown:
            check.decision = "Depends"
            check.depends_on = unknown
            check.possible = ("ImplicitlyDenied", "Allowed")
        if scp_set is not None and check.allowed:
            scp = engine_check(scp_set, context, item, scp_keys)
            if not scp.allowed:
                check.decision = scp.decision
                check.decided_by = scp.decided_by
                check.depends_on = scp.depends_on
                check.conditional = scp.conditional
                check.possible = scp.possible
                check.reasons = ["the given SCP does not allow it", *scp.reasons]
        out.append(check)
    return out


def _simulator_reasons(found: Any, unknown: Sequence[str]) -> list[str]:
    reasons = [f"AWS simulator: {found.decision}"]
    if found.allowed_by_boundary is False:
        reasons.append("not allowed by the permission boundary")
    if found.allowed_by_organizations is False:
        reasons.append("not allowed by an organization SCP")
    if unknown:
        reasons.append(
            "the simulator lacked context keys only the real request carries ("
            + ", ".join(unknown)
            + ") and treated them as absent"
        )
    elif found.missing_context:
        reasons.append(
            "context keys absent from this identity's requests: " + ", ".join(found.missing_context)
        )
    return reasons
