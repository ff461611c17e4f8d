"""Permission use cases: does a connector's identity have what each use needs?

``check`` decides every required (action, resource) of the chosen capabilities by one
of three methods, and says which: AWS's simulator (``simulator``), the principal's own
policies read from IAM and evaluated by the engine (``policies``), or only the policy
documents given (``what-if``, no AWS call at all). Each answer is ``GRANTED``,
``NOT_GRANTED`` or ``DEPENDS`` on condition keys only the real request carries; the keys
AWS sets on every call of the identity are filled (:mod:`.permission_context`).
``diff`` compares the current identity with a new policy set before switching. AWS is
reached through ``clients``, a function from a service name to a botocore client, so
these work with a ``SessionFactory`` and a ``SessionSpec`` as well as with a plain boto3
session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from awsconn.aws.principal import principal_of_arn
from awsconn.iam import PolicySet
from awsconn.iam.capabilities import Catalog, Parameters, expand_action, load_catalog
from awsconn.iam.generate import least_privilege_policy
from awsconn.model.regions import partition_named
from awsconn.model.results import ReportPrincipal
from awsconn.service.permission_context import (
    CredentialFacts,
    KnownPrincipal,
    RequestContext,
    SessionFacts,
    used_condition_keys,
    what_if_context,
)
from awsconn.service.permission_decisions import (
    Clients,
    Decided,
    Item,
    NamedPolicy,
    decide_live,
    engine_check,
)
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
    "KnownPrincipal",
    "NamedPolicy",
    "SessionFacts",
    "check",
    "diff",
    "generate",
]

# Services with one endpoint per partition: their calls go to the partition's first region.
_GLOBAL_SERVICES = frozenset({"iam"})


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
    catalog: Catalog, names: Sequence[str], params: Parameters, test_region: str
) -> tuple[list[str], list[Item]]:
    """Capability names in order, and each required permission expanded to concrete
    actions, with the region its call goes to (``aws:RequestedRegion``)."""
    caps = catalog.resolve(names)
    partition = partition_named(params.partition)
    global_region = partition.default_region if partition is not None else test_region
    items: list[Item] = []
    for cap in caps:
        regional = "region" in cap.parameters and params.region != "*"
        for req in cap.render(params):
            for action in expand_action(req.action) or (req.action,):
                if action.partition(":")[0].lower() in _GLOBAL_SERVICES:
                    region = global_region
                else:
                    region = params.region if regional else test_region
                items.append(Item(req, action, region))
    return [c.name for c in caps], items


def _resolve_parameters(
    catalog: Catalog,
    names: Sequence[str],
    params: Parameters,
    *,
    account: str | None,
    region: str,
    partition: str | None,
    role_arn: str | None = None,
) -> tuple[Parameters, dict[str, str]]:
    """Fill parameters not given: the role and its account from the connector's
    cross-account role (when a use takes a role), the caller's account, the test region,
    ``*`` for names."""
    used = {p for n in names for p in catalog.get(n).parameters}
    from_role: dict[str, str] = {}
    if role_arn and "role" in used:
        role = principal_of_arn(role_arn)
        from_role = {"role": role_arn.split(":role/", 1)[1], "account": role.account}
    params, by_role = params.with_defaults(**from_role)
    filled, which = params.with_defaults(account=account or "", region=region)
    if partition and filled.partition != partition and "region" in which:
        filled = Parameters(**{**filled.as_dict(), "partition": partition})
    defaults: dict[str, str] = {}
    for name in by_role:
        defaults[name] = f"{getattr(filled, name)} (the connector's crossAccountRoleArn)"
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
    base_clients: Clients | None = None,
    params: Parameters | None = None,
    test_region: str = "us-east-1",
    policy_files: Sequence[NamedPolicy] = (),
    scps: Sequence[NamedPolicy] = (),
    resource_policy: NamedPolicy | None = None,
    principal: str | KnownPrincipal | None = None,
    base_principal: KnownPrincipal | None = None,
    use_simulator: bool = True,
    catalog: Catalog | None = None,
    now: datetime | None = None,
    session: SessionFacts | None = None,
    contexts: Mapping[str, RequestContext] | None = None,
    trust_policy: NamedPolicy | None = None,
) -> CheckReport:
    """Check the capabilities; ``policy_files`` switches to what-if mode (no AWS call).

    ``base_clients`` reach the identity under the connector's cross-account role: the
    capabilities the catalog marks ``identity: base`` (assuming the role) are checked as
    it (as ``clients``' identity when not given: a connector without a role). ``now`` is
    the clock for the time keys; ``session`` what the connector adds to its calls
    (role, External ID, credential facts). In what-if mode ``principal`` and
    ``base_principal`` say who is evaluated, or ``contexts`` (from an earlier report) fix
    the whole request context; ``trust_policy`` is the role's trust policy for assuming
    it (a live check reads it as the role, and keeps it in the report).

    Raises InvalidInput for an unknown capability or bad parameters, AwsCallFailed when
    AWS refuses what the chosen method needs (the hint says what to allow).
    """
    from awsconn.aws.principal import caller_identity

    catalog = catalog or load_catalog()
    params = params or Parameters()
    caps = catalog.resolve(capabilities)  # bad input fails before any AWS call
    if policy_files:
        return _what_if(
            catalog,
            capabilities,
            params,
            test_region,
            policy_files,
            scps,
            resource_policy,
            _known(principal),
            base_principal,
            now,
            session,
            contexts,
            trust_policy,
        )
    if clients is None:
        raise ValueError("check needs clients unless policy_files are given")
    who = caller_identity(clients("sts"))
    base_who = None
    if base_clients is not None and any(c.identity == "base" for c in caps):
        base_who = caller_identity(base_clients("sts"))
    filled, defaults = _resolve_parameters(
        catalog,
        capabilities,
        params,
        account=who.account,
        region=test_region,
        partition=who.partition,
        role_arn=session.role_arn if session else None,
    )
    names, items = _plan(catalog, capabilities, filled, test_region)
    facts = session or SessionFacts()

    def decide(
        on: Clients,
        as_: CallerIdentity,
        todo: list[Item],
        creds: CredentialFacts,
        resource: NamedPolicy | None = resource_policy,
    ) -> Decided:
        return decide_live(
            on,
            as_,
            todo,
            scps=scps,
            resource_policy=resource,
            use_simulator=use_simulator,
            credentials=creds,
            now=now,
            session=session,
        )

    own = decide(
        clients, who, [i for i in items if _identity(catalog, i) == "connector"], facts.credentials
    )
    report = CheckReport(
        method=own.method,
        parameters=filled.as_dict(),
        defaults=defaults,
        capabilities=[],
        principal=_principal(who),
        notes=list(own.notes),
        policies=list(own.policies),
        contexts={"connector": own.context},
    )
    checks = list(own.checks)
    base_items = [i for i in items if _identity(catalog, i) == "base"]
    if base_items:
        base_as, base_creds = (
            base_who or who,
            facts.base_credentials if base_who else facts.credentials,
        )
        role_arn = session.role_arn if session and base_who else None
        to_role = [i for i in base_items if i.req.resource == role_arn]
        others = [i for i in base_items if i.req.resource != role_arn]
        done: list[Decided] = []
        if to_role:
            trust = resource_policy or _trust_policy(clients, who, base_as, str(role_arn))
            report.trust_policy = trust
            done.append(decide(base_clients or clients, base_as, to_role, base_creds, trust))
        if others:
            done.append(decide(base_clients or clients, base_as, others, base_creds))
        checks += [c for d in done for c in d.checks]
        report.base_principal = _principal(base_as, method=done[0].method)
        report.contexts["base"] = done[0].context
        if base_who is not None:
            report.notes += [f"base identity: {n}" for d in done for n in d.notes]
            report.policies += [dict(p, identity="base") for p in done[0].policies]
        if report.trust_policy is not None and report.trust_policy is not resource_policy:
            report.policies.append(
                {"label": report.trust_policy[0], "layer": "resource", "identity": "base"}
            )
    report.capabilities = _by_capability(catalog, names, checks)
    report.policies += _given_policies((), scps, resource_policy)
    return report


def _trust_policy(
    clients: Clients, role: CallerIdentity, base: CallerIdentity, role_arn: str
) -> NamedPolicy:
    """The trust policy of the connector's role, read as the role itself. When IAM
    refuses, what AWS just did stands in for it: this check holds a session of the role,
    so the role let ``base`` assume it (the label says so)."""
    from awsconn.aws.principal import read_trust_policy

    document = read_trust_policy(clients("iam"), role.name)
    if document is not None:
        return f"trust policy of {role_arn}", document
    observed = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ObservedAssumeRole",
                "Effect": "Allow",
                "Principal": {"AWS": base.arn},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    label = (
        f"trust policy of {role_arn} (not readable: stands for AWS letting {base.arn} assume it)"
    )
    return label, observed


def _identity(catalog: Catalog, item: Item) -> str:
    return catalog.get(item.req.capability).identity


def _known(principal: str | KnownPrincipal | None) -> KnownPrincipal | None:
    if isinstance(principal, str):
        return KnownPrincipal(principal, "given")
    return principal


def _given_policies(
    identity: Sequence[NamedPolicy], scps: Sequence[NamedPolicy], resource: NamedPolicy | None
) -> list[dict[str, Any]]:
    return (
        [{"label": n, "layer": "identity"} for n, _ in identity]
        + [{"label": n, "layer": "scp"} for n, _ in scps]
        + ([{"label": resource[0], "layer": "resource"}] if resource else [])
    )


def _what_if(
    catalog: Catalog,
    capabilities: Sequence[str],
    params: Parameters,
    test_region: str,
    policy_files: Sequence[NamedPolicy],
    scps: Sequence[NamedPolicy],
    resource_policy: NamedPolicy | None,
    principal: KnownPrincipal | None,
    base_principal: KnownPrincipal | None,
    now: datetime | None,
    session: SessionFacts | None,
    contexts: Mapping[str, RequestContext] | None,
    trust_policy: NamedPolicy | None,
) -> CheckReport:
    """Only the given documents decide, as the connector's principal when it is known."""
    if contexts:
        principal = KnownPrincipal(
            contexts["connector"].principal, contexts["connector"].principal_source
        )
    who = principal_of_arn(principal.arn, principal.user_id) if principal else None
    filled, defaults = _resolve_parameters(
        catalog,
        capabilities,
        params,
        account=who.account if who else None,
        region=test_region,
        partition=who.partition if who else None,
        role_arn=session.role_arn if session else None,
    )
    names, items = _plan(catalog, capabilities, filled, test_region)
    policy_set = PolicySet(
        identity=list(policy_files),
        scps=[list(scps)] if scps else None,
        resource_policy=resource_policy,
    )
    used = used_condition_keys(policy_set)
    found = dict(contexts or {})
    if "connector" not in found:
        found["connector"] = what_if_context(principal, filled, now, session, "connector")
    if "base" not in found:
        base = base_principal if session and session.role_arn else principal
        found["base"] = what_if_context(base, filled, now, session, "base")
    role_arn = session.role_arn if session else None
    trust = None if resource_policy else trust_policy
    trust_set = policy_set
    if trust is not None:
        trust_set = PolicySet(
            identity=list(policy_files), scps=[list(scps)] if scps else None, resource_policy=trust
        )
    trust_keys = used_condition_keys(trust_set)
    notes = ["what-if: only the given policy documents were evaluated"]
    checks: list[ActionCheck] = []
    for item in items:
        to_role = _identity(catalog, item) == "base" and item.req.resource == role_arn
        if to_role and trust is None and resource_policy is None:
            notes.append(
                "assuming the role also needs its trust policy: give it as the resource policy"
            )
        context = found[_identity(catalog, item)]
        if to_role:
            checks.append(engine_check(trust_set, context, item, trust_keys))
        else:
            checks.append(engine_check(policy_set, context, item, used))
    report = CheckReport(
        method="what-if",
        parameters=filled.as_dict(),
        defaults=defaults,
        capabilities=_by_capability(catalog, names, checks),
        principal=_what_if_principal(found["connector"]),
        notes=list(dict.fromkeys(notes)),
        policies=_given_policies(policy_files, scps, resource_policy or trust),
        contexts={"connector": found["connector"]},
        trust_policy=trust,
    )
    if any(c.identity == "base" for c in report.capabilities):
        report.contexts["base"] = found["base"]
        report.base_principal = _what_if_principal(found["base"])
    return report


def _what_if_principal(context: RequestContext) -> ReportPrincipal:
    return ReportPrincipal(arn=context.principal, kind="what-if", source=context.principal_source)


def _principal(who: CallerIdentity, *, method: str | None = None) -> ReportPrincipal:
    """The identity a live check evaluated, as reports show it."""
    return ReportPrincipal(
        arn=who.arn,
        account=who.account,
        partition=who.partition,
        kind=who.kind,
        name=who.name,
        principal_arn=who.principal_arn,
        user_id=who.user_id or None,
        method=method,
    )


def _by_capability(
    catalog: Catalog, names: Sequence[str], checks: Sequence[ActionCheck]
) -> list[CapabilityResult]:
    grouped: dict[str, list[ActionCheck]] = {n: [] for n in names}
    for c in checks:
        grouped[c.capability].append(c)
    return [CapabilityResult(n, grouped[n], catalog.get(n).identity) for n in names]


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
    base_clients: Clients | None = None,
    principal: KnownPrincipal | None = None,
    now: datetime | None = None,
    session: SessionFacts | None = None,
) -> DiffReport:
    """Compare the identity as it is (or ``current_policies``) with ``new_policies``.

    The new set is evaluated with the request context of the current check (same
    principal, same known and unknown keys), so only the policies differ.
    """
    before = check(
        capabilities,
        clients=clients,
        base_clients=base_clients,
        params=params,
        test_region=test_region,
        policy_files=current_policies,
        scps=scps,
        resource_policy=resource_policy,
        principal=principal,
        use_simulator=use_simulator,
        catalog=catalog,
        now=now,
        session=session,
    )
    after = check(
        capabilities,
        params=Parameters(**before.parameters),
        test_region=test_region,
        policy_files=new_policies,
        scps=scps,
        resource_policy=resource_policy,
        catalog=catalog,
        now=now,
        session=session,
        contexts=before.contexts,
        trust_policy=before.trust_policy,
    )
    after.defaults = before.defaults
    return DiffReport(before, after)
