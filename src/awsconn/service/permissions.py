"""Permission use cases: does a connector's identity have what each use needs?

``check`` decides every required (action, resource) of the chosen capabilities by one
of three methods, and says which: AWS's simulator (``simulator``), the principal's own
policies read from IAM and evaluated by the engine (``policies``), or only the policy
documents given (``what-if``, no AWS call at all). ``diff`` compares the current
identity with a new policy set before switching. AWS is reached through ``clients``,
a function from a service name to a botocore client, so these work with a
``SessionFactory`` and a ``SessionSpec`` as well as with a plain boto3 session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from awsconn.iam import PolicySet, Request
from awsconn.iam.capabilities import (
    Catalog,
    Parameters,
    RequiredPermission,
    expand_action,
    load_catalog,
)
from awsconn.iam.generate import least_privilege_policy
from awsconn.service.permission_reports import (
    ActionCheck,
    CapabilityResult,
    CheckReport,
    DiffReport,
)

if TYPE_CHECKING:
    from awsconn.aws.principal import CallerIdentity

__all__ = [
    "ActionCheck",
    "CapabilityResult",
    "CheckReport",
    "Clients",
    "DiffReport",
    "NamedPolicy",
    "check",
    "diff",
    "generate",
]

Clients = Callable[[str], Any]
NamedPolicy = tuple[str, Mapping[str, Any]]
"""A policy document and the name reports use for it (file name, ARN...)."""

_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
_SIM_RESULT = {
    "allowed": "Allowed",
    "explicitDeny": "ExplicitlyDenied",
    "implicitDeny": "ImplicitlyDenied",
}


# -- generation ----------------------------------------------------------------------


def generate(
    capabilities: Sequence[str], params: Parameters, *, catalog: Catalog | None = None
) -> dict[str, Any]:
    """The least-privilege identity policy for these capabilities (describe-regions included)."""
    catalog = catalog or load_catalog()
    return least_privilege_policy(catalog.render(catalog.resolve(capabilities), params))


def unscoped_parameters(
    capabilities: Sequence[str], params: Parameters, *, catalog: Catalog | None = None
) -> list[str]:
    """Parameters these capabilities take that were left as ``*`` (so the policy is wider)."""
    catalog = catalog or load_catalog()
    wanted = {p for cap in catalog.resolve(capabilities) for p in cap.parameters}
    return sorted(p for p in wanted if getattr(params, p) == "*")


# -- check ---------------------------------------------------------------------------


def _plan(
    catalog: Catalog, names: Sequence[str], params: Parameters
) -> tuple[list[str], list[tuple[RequiredPermission, str]]]:
    """Capability names in order, and each required permission expanded to concrete actions."""
    caps = catalog.resolve(names)
    pairs: list[tuple[RequiredPermission, str]] = []
    for req in catalog.render(caps, params):
        for action in expand_action(req.action) or (req.action,):
            pairs.append((req, action))
    return [c.name for c in caps], pairs


def _resolve_parameters(
    catalog: Catalog,
    names: Sequence[str],
    params: Parameters,
    *,
    account: str | None,
    region: str,
    partition: str | None,
) -> tuple[Parameters, dict[str, str]]:
    """Fill parameters not given: the caller's account, the test region, ``*`` for names."""
    used = {p for n in names for p in catalog.get(n).parameters}
    filled, which = params.with_defaults(account=account or "", region=region)
    if partition and filled.partition != partition and "region" in which:
        filled = Parameters(**{**filled.as_dict(), "partition": partition})
    defaults: dict[str, str] = {}
    for name in which:
        if name in used:
            source = "the caller's account" if name == "account" else "the test region"
            defaults[name] = f"{getattr(filled, name)} ({source})"
    for name in ("bucket", "repository", "role", "account"):
        if name in used and getattr(filled, name) == "*":
            defaults.setdefault(name, f"* (any {name}: not given)")
    return filled, defaults


def check(
    capabilities: Sequence[str],
    *,
    clients: Clients | None = None,
    params: Parameters | None = None,
    test_region: str = "us-east-1",
    policy_files: Sequence[NamedPolicy] = (),
    scps: Sequence[NamedPolicy] = (),
    resource_policy: NamedPolicy | None = None,
    principal: str | None = None,
    use_simulator: bool = True,
    catalog: Catalog | None = None,
) -> CheckReport:
    """Check the capabilities; ``policy_files`` switches to what-if mode (no AWS call).

    Raises InvalidInput for an unknown capability or bad parameters, AwsCallFailed when
    AWS refuses what the chosen method needs (the hint says what to allow).
    """
    catalog = catalog or load_catalog()
    params = params or Parameters()
    catalog.resolve(capabilities)  # bad input fails before any AWS call
    if policy_files:
        return _what_if(
            catalog,
            capabilities,
            params,
            test_region,
            policy_files,
            scps,
            resource_policy,
            principal,
        )
    if clients is None:
        raise ValueError("check needs clients unless policy_files are given")
    from awsconn.aws.principal import caller_identity

    who = caller_identity(clients("sts"))
    filled, defaults = _resolve_parameters(
        catalog,
        capabilities,
        params,
        account=who.account,
        region=test_region,
        partition=who.partition,
    )
    names, pairs = _plan(catalog, capabilities, filled)
    notes: list[str] = []
    policies: list[dict[str, Any]] = []
    if who.kind == "root":
        checks = _decide_as_root(pairs, who.arn, scps)
        method = "root"
    else:
        checks, method = _decide_live(
            clients, who, pairs, scps, resource_policy, use_simulator, notes, policies
        )
    return CheckReport(
        method=method,
        parameters=filled.as_dict(),
        defaults=defaults,
        capabilities=_by_capability(names, checks),
        principal=who.to_dict(),
        notes=notes,
        policies=policies
        + [{"label": n, "layer": "scp"} for n, _ in scps]
        + ([{"label": resource_policy[0], "layer": "resource"}] if resource_policy else []),
    )


def _what_if(
    catalog: Catalog,
    capabilities: Sequence[str],
    params: Parameters,
    test_region: str,
    policy_files: Sequence[NamedPolicy],
    scps: Sequence[NamedPolicy],
    resource_policy: NamedPolicy | None,
    principal: str | None,
) -> CheckReport:
    filled, defaults = _resolve_parameters(
        catalog, capabilities, params, account=None, region=test_region, partition=None
    )
    names, pairs = _plan(catalog, capabilities, filled)
    account = filled.account if filled.account != "*" else "000000000000"
    who = principal or f"arn:{filled.partition}:iam::{account}:role/what-if"
    policy_set = PolicySet(
        identity=list(policy_files),
        scps=[list(scps)] if scps else None,
        resource_policy=resource_policy,
    )
    checks = [_engine_check(policy_set, who, req, action) for req, action in pairs]
    return CheckReport(
        method="what-if",
        parameters=filled.as_dict(),
        defaults=defaults,
        capabilities=_by_capability(names, checks),
        principal={"arn": who, "kind": "what-if"},
        notes=["what-if: only the given policy documents were evaluated; no AWS call was made"],
        policies=[{"label": n, "layer": "identity"} for n, _ in policy_files]
        + [{"label": n, "layer": "scp"} for n, _ in scps]
        + ([{"label": resource_policy[0], "layer": "resource"}] if resource_policy else []),
    )


def _decide_live(
    clients: Clients,
    who: CallerIdentity,
    pairs: Sequence[tuple[RequiredPermission, str]],
    scps: Sequence[NamedPolicy],
    resource_policy: NamedPolicy | None,
    use_simulator: bool,
    notes: list[str],
    policies: list[dict[str, Any]],
) -> tuple[list[ActionCheck], str]:
    from awsconn.aws.principal import read_policies
    from awsconn.aws.simulator import SimulatorUnavailable, simulate

    iam = clients("iam")
    if use_simulator and who.kind in ("user", "role"):
        try:
            decisions = simulate(
                iam,
                _exact_arn(iam, who),
                [(action, req.resource) for req, action in pairs],
                resource_policy=resource_policy[1] if resource_policy else None,
            )
        except SimulatorUnavailable as exc:
            notes.append(f"simulator not used: {exc.reason}; read the principal's policies instead")
        else:
            return _from_simulator(pairs, decisions, scps, who.arn), "simulator"
    found = read_policies(iam, who)
    policies.extend(
        {"label": p.label, "layer": "identity", "source": p.source} for p in found.identity
    )
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
    return [_engine_check(policy_set, who.arn, req, action) for req, action in pairs], "policies"


def _exact_arn(iam: Any, who: CallerIdentity) -> str:
    """A role's ARN with its path (a session ARN has none); the mapped ARN if IAM won't say."""
    if who.kind != "role":
        return who.principal_arn
    try:
        return str(iam.get_role(RoleName=who.name)["Role"]["Arn"])
    except Exception:  # best effort: the simulator reports a wrong ARN itself
        return who.principal_arn


def _engine_check(
    policy_set: PolicySet, principal: str, req: RequiredPermission, action: str
) -> ActionCheck:
    decision = policy_set.evaluate(
        Request(
            principal=principal,
            action=action,
            resource=req.resource,
            # "*" here means "no particular resource": only Resource "*" grants it. For an
            # ARN the engine knows from the IAM action data whether the action takes one.
            wildcard_only=True if req.resource == "*" else None,
        )
    )
    return ActionCheck(
        capability=req.capability,
        shape=req.shape,
        pattern=req.action,
        action=action,
        resource=req.resource,
        decision=decision.result,
        decided_by=[h.to_dict() for h in decision.deciding],
        reasons=list(decision.reasons),
    )


def _from_simulator(
    pairs: Sequence[tuple[RequiredPermission, str]],
    decisions: Sequence[Any],
    scps: Sequence[NamedPolicy],
    caller: str,
) -> list[ActionCheck]:
    by_key = {(d.action.lower(), d.resource): d for d in decisions}
    scp_set = PolicySet(identity=[("allow-all", _ALLOW_ALL)], scps=[list(scps)]) if scps else None
    out: list[ActionCheck] = []
    for req, action in pairs:
        found = by_key.get((action.lower(), req.resource))
        if found is None:
            out.append(
                ActionCheck(
                    req.capability,
                    req.shape,
                    req.action,
                    action,
                    req.resource,
                    "ImplicitlyDenied",
                    reasons=["the simulator returned no result"],
                )
            )
            continue
        check = ActionCheck(
            req.capability,
            req.shape,
            req.action,
            action,
            req.resource,
            _SIM_RESULT.get(found.decision, "ImplicitlyDenied"),
            decided_by=[dict(m.to_dict(), layer="simulator") for m in found.matched],
            reasons=_simulator_reasons(found),
        )
        if scp_set is not None and check.allowed:
            scp = _engine_check(scp_set, caller, req, action)
            if not scp.allowed:
                check.decision = scp.decision
                check.decided_by = scp.decided_by
                check.reasons = ["the given SCP does not allow it", *scp.reasons]
        out.append(check)
    return out


def _simulator_reasons(found: Any) -> list[str]:
    reasons = [f"AWS simulator: {found.decision}"]
    if found.allowed_by_boundary is False:
        reasons.append("not allowed by the permission boundary")
    if found.allowed_by_organizations is False:
        reasons.append("not allowed by an organization SCP")
    if found.missing_context:
        reasons.append("missing context keys: " + ", ".join(found.missing_context))
    return reasons


def _decide_as_root(
    pairs: Sequence[tuple[RequiredPermission, str]], caller: str, scps: Sequence[NamedPolicy]
) -> list[ActionCheck]:
    """The account root may do everything its organization's SCPs let it."""
    policy_set = PolicySet(
        identity=[("account root", _ALLOW_ALL)], scps=[list(scps)] if scps else None
    )
    return [_engine_check(policy_set, caller, req, action) for req, action in pairs]


def _by_capability(names: Sequence[str], checks: Sequence[ActionCheck]) -> list[CapabilityResult]:
    grouped: dict[str, list[ActionCheck]] = {n: [] for n in names}
    for c in checks:
        grouped[c.capability].append(c)
    return [CapabilityResult(n, grouped[n]) for n in names]


# -- diff ----------------------------------------------------------------------------


def diff(
    capabilities: Sequence[str],
    *,
    clients: Clients | None,
    new_policies: Sequence[NamedPolicy],
    params: Parameters | None = None,
    test_region: str = "us-east-1",
    current_policies: Sequence[NamedPolicy] = (),
    scps: Sequence[NamedPolicy] = (),
    resource_policy: NamedPolicy | None = None,
    use_simulator: bool = True,
    catalog: Catalog | None = None,
) -> DiffReport:
    """Compare the identity as it is (or ``current_policies``) with ``new_policies``."""
    before = check(
        capabilities,
        clients=clients,
        params=params,
        test_region=test_region,
        policy_files=current_policies,
        scps=scps,
        resource_policy=resource_policy,
        use_simulator=use_simulator,
        catalog=catalog,
    )
    p = before.parameters
    resolved = Parameters(**p)
    after = check(
        capabilities,
        params=resolved,
        test_region=p["region"],
        policy_files=new_policies,
        scps=scps,
        resource_policy=resource_policy,
        principal=(before.principal or {}).get("arn"),
        catalog=catalog,
    )
    after.defaults = before.defaults
    return DiffReport(before, after)
