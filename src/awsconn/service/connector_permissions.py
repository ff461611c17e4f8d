"""Permission checks of stored connectors: their AWS identity, their recorded uses.

The use cases here ask the caller for ``connector:test`` on the connector's scope,
reach the connector through the dispatch seam (loaded, placed and decrypted once), and
return result models. ``connector test`` hands over the connector and session it
already has (:func:`check_for_test`). What the connector adds to its calls
(cross-account role, External ID, what its credentials say) becomes the check's
:class:`SessionFacts`; the check itself is :func:`awsconn.service.permissions.check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from awsconn.errors import AwsCallFailed, AwsconnError, Problem, ValidationFailed
from awsconn.model.clock import iso_z
from awsconn.model.results import Failure, PermissionCheckFailed, PermissionDiff, PermissionReport
from awsconn.service import connector_reads
from awsconn.service.access import Permission
from awsconn.service.dispatch import dispatch
from awsconn.service.permission_context import CredentialFacts, KnownPrincipal, SessionFacts
from awsconn.service.permission_reports import diff_model, report_model
from awsconn.service.permissions import CheckReport, Clients, NamedPolicy, check, diff
from awsconn.service.policy_generation import ParameterValues, parameters_of
from awsconn.service.refusals import NoCapabilities

if TYPE_CHECKING:
    from awsconn.aws.sessions import SessionSpec
    from awsconn.model import Connector, EntityRef
    from awsconn.service.context import AppContext

__all__ = [
    "check_connector",
    "check_for_test",
    "check_with_spec",
    "diff_connector",
]

# AssumeRole and AssumeRoleWithWebIdentity issue sessions for this long unless asked
# otherwise, and the session factory never asks: issue time = expiry - this.
_DEFAULT_SESSION = timedelta(seconds=3600)
_NO_TIMEOUT = float("inf")


def _policies(setting: str, given: Sequence[tuple[str, Any]]) -> list[NamedPolicy]:
    """Policy documents as (label, document), each a JSON object (ValidationFailed naming
    ``setting[i]`` and the label otherwise)."""
    problems = [
        Problem(f"{setting}[{i}]", f"{label} must hold a JSON object (a policy document)")
        for i, (label, document) in enumerate(given)
        if not isinstance(document, dict)
    ]
    if problems:
        raise ValidationFailed(problems, what="policy documents")
    return list(given)


def check_connector(
    ctx: AppContext,
    ref: EntityRef,
    capabilities: Sequence[str] | None = None,
    *,
    parameters: ParameterValues | None = None,
    here: bool = False,
    policy_files: Sequence[tuple[str, Any]] = (),
    scps: Sequence[tuple[str, Any]] = (),
    resource_policy: tuple[str, Any] | None = None,
    use_simulator: bool = True,
    timeout_s: float | None = None,
) -> PermissionReport:
    """Check a stored connector (``connector:test``): ``capabilities`` or, when None,
    those it records (NoCapabilities when there are none).

    With ``policy_files`` (what-if) only the given documents decide, evaluated as the
    connector's principal: from its last successful connection test, else from
    GetCallerIdentity when the connector can be used here. ``scps`` and
    ``resource_policy`` join the evaluation; ``use_simulator`` False reads the
    policies instead of asking AWS's simulator. ``timeout_s`` bounds the AWS calls of a
    live check (TIMEOUT when it passes).
    """
    ctx.caller.require(Permission.CONNECTOR_TEST, ref.scope)
    params = parameters_of(parameters)
    given = _policies("policyFiles", policy_files)
    options: dict[str, Any] = {
        "scps": _policies("scps", scps),
        "resource_policy": _policies("resourcePolicy", [resource_policy])[0]
        if resource_policy
        else None,
        "use_simulator": use_simulator,
    }
    if given:
        connector = connector_reads.load(ctx, ref).connector
        names = _names(connector, capabilities)
        principal, base, notes = _what_if_principals(ctx, connector, names, here)
        report = check(
            names,
            params=params,
            test_region=connector.region,
            policy_files=given,
            principal=principal,
            base_principal=base,
            now=ctx.clock(),
            session=_facts(ctx, connector, None),
            **options,
        )
        report.notes += notes
        return report_model(report)
    dispatched = dispatch(ctx, ref, "permission-check", here=here)
    names = _names(dispatched.connector, capabilities)
    if dispatched.where.via_task:  # a server: a delegate runs it
        return _on_delegate(ctx, ref, capabilities, parameters, options, timeout_s)
    spec = dispatched.runnable_spec()
    # A request's deadline bounds the check even when no timeout of its own is given.
    allowed = ctx.budget(timeout_s if timeout_s is not None else _NO_TIMEOUT)
    budget = None if allowed == _NO_TIMEOUT else allowed
    return report_model(
        _check_live(ctx, dispatched.connector, spec, names, budget, params=params, **options)
    )


def _on_delegate(
    ctx: AppContext,
    ref: EntityRef,
    capabilities: Sequence[str] | None,
    parameters: ParameterValues | None,
    options: dict[str, Any],
    timeout_s: float | None,
) -> PermissionReport:
    """The check as a task for a connected delegate, waited for (a server's road)."""
    from awsconn.service.task_delegation import result_of_task, run_as_task
    from awsconn.timeouts import TEST_TIMEOUT

    seconds = ctx.budget(timeout_s if timeout_s is not None else TEST_TIMEOUT.default)
    params: dict[str, Any] = {
        "timeoutSeconds": max(seconds, TEST_TIMEOUT.minimum),
        "useSimulator": options["use_simulator"],
    }
    if capabilities is not None:
        params["capabilities"] = list(capabilities)
    given = {k: v for k, v in (parameters or {}).items() if v is not None}
    if given:
        params["parameters"] = given
    if options["scps"]:
        params["scps"] = [{"name": n, "document": d} for n, d in options["scps"]]
    if options["resource_policy"] is not None:
        name, document = options["resource_policy"]
        params["resourcePolicy"] = {"name": name, "document": document}
    done = run_as_task(ctx, "permission-check", ref, params, timeout_s=seconds)
    result = result_of_task(done)
    assert isinstance(result, PermissionReport)
    return result


def check_with_spec(
    ctx: AppContext,
    connector: Connector,
    spec: SessionSpec,
    capabilities: Sequence[str] | None,
    *,
    parameters: ParameterValues | None = None,
    scps: Sequence[tuple[str, Any]] = (),
    resource_policy: tuple[str, Any] | None = None,
    use_simulator: bool = True,
    timeout_s: float | None = None,
) -> PermissionReport:
    """The live check of a connector whose session a delegate received with its task
    (no permission asked here: the server asked it when the task was submitted)."""
    names = _names(connector, capabilities)
    report = _check_live(
        ctx,
        connector,
        spec,
        names,
        timeout_s,
        params=parameters_of(parameters),
        scps=_policies("scps", scps),
        resource_policy=_policies("resourcePolicy", [resource_policy])[0]
        if resource_policy
        else None,
        use_simulator=use_simulator,
    )
    return report_model(report)


def check_for_test(
    ctx: AppContext,
    connector: Connector,
    spec: SessionSpec,
    capabilities: Sequence[str] | None,
    *,
    timeout_s: float | None = None,
) -> PermissionReport | PermissionCheckFailed | None:
    """What ``connector test`` runs after a successful connection test, with the
    connector and session the test already has (loaded, placed and decrypted once),
    within the test's own timeout; None when there is nothing to check."""
    names = list(capabilities) if capabilities is not None else list(connector.capabilities)
    if not names:
        return None
    try:
        return report_model(_check_live(ctx, connector, spec, names, timeout_s))
    except AwsCallFailed as exc:
        return PermissionCheckFailed(error=Failure.of(exc.failure))


def diff_connector(
    ctx: AppContext,
    ref: EntityRef,
    capabilities: Sequence[str] | None,
    *,
    new_policies: Sequence[tuple[str, Any]],
    parameters: ParameterValues | None = None,
    here: bool = False,
    scps: Sequence[tuple[str, Any]] = (),
    use_simulator: bool = True,
) -> PermissionDiff:
    """Before switching policies (``connector:test``): the connector's identity as it
    is, against ``new_policies`` evaluated in the same request context."""
    ctx.caller.require(Permission.CONNECTOR_TEST, ref.scope)
    params = parameters_of(parameters)
    new = _policies("newPolicies", new_policies)
    given_scps = _policies("scps", scps)
    dispatched = dispatch(ctx, ref, "permission-check", here=here)
    connector = dispatched.connector
    names = _names(connector, capabilities)
    spec = dispatched.runnable_spec()
    return diff_model(
        diff(
            names,
            clients=_clients(ctx, spec),
            base_clients=_base_clients(ctx, spec),
            new_policies=new,
            params=params,
            test_region=connector.region,
            now=ctx.clock(),
            session=_facts(ctx, connector, spec),
            scps=given_scps,
            use_simulator=use_simulator,
        )
    )


# -- internals -----------------------------------------------------------------------


def _names(connector: Connector, capabilities: Sequence[str] | None) -> list[str]:
    """The capabilities to check: those given, else the connector's own; at least one."""
    names = list(capabilities) if capabilities is not None else list(connector.capabilities)
    if not names:
        from awsconn.iam.capabilities import capability_names

        raise NoCapabilities(", ".join(capability_names()))
    return names


def _clients(ctx: AppContext, spec: SessionSpec) -> Clients:
    return lambda service: ctx.sessions.client(spec, service)


def _base_spec(spec: SessionSpec) -> SessionSpec:
    """The identity that assumes the connector's (last) role: the connector without its
    cross-account role, or, with a role chain, without the chain's last hop."""
    if spec.chain:
        return replace(spec, chain=spec.chain[:-1])
    return replace(spec, role_arn=None, external_id=None)


def _base_clients(ctx: AppContext, spec: SessionSpec) -> Clients | None:
    return _clients(ctx, _base_spec(spec)) if spec.role_arn else None


def _check_live(
    ctx: AppContext,
    connector: Connector,
    spec: SessionSpec,
    names: Sequence[str],
    timeout_s: float | None = None,
    **options: Any,
) -> CheckReport:
    """The check with AWS calls, bounded by ``timeout_s`` when given (TIMEOUT after it)."""

    def run() -> CheckReport:
        return check(
            names,
            clients=_clients(ctx, spec),
            base_clients=_base_clients(ctx, spec),
            test_region=connector.region,
            now=ctx.clock(),
            session=_facts(ctx, connector, spec),
            **options,
        )

    if timeout_s is None:
        return run()
    from awsconn.aws.deadline import Deadline

    return Deadline(timeout_s, workers=ctx.workers).call(
        run, what=f"the permission check of {connector.ref}"
    )


def _facts(ctx: AppContext, connector: Connector, spec: SessionSpec | None) -> SessionFacts:
    """What the connector adds to its calls and what its credentials say.

    With ``spec`` the credentials are resolved (the factory caches them; static keys need
    no call) to see whether they carry a session token and when a session awsconn
    started was issued; without it (what-if) only the connector's settings are read.
    """
    cred = connector.credential
    cross = cred.cross_account
    base = _base_facts(ctx, connector, spec)
    if cross is None:
        own = base
    else:
        issued = _issued_at(ctx, spec) if spec is not None else None
        own = CredentialFacts(long_term=False, issued_at=issued, clean=base.clean)
    last = cross.hops[-1] if cross else None  # the role whose identity is checked
    return SessionFacts(
        role_arn=last.role_arn if last else None,
        external_id=last.external_id if last else None,
        credentials=own,
        base_credentials=base,
    )


def _base_facts(ctx: AppContext, connector: Connector, spec: SessionSpec | None) -> CredentialFacts:
    kind = connector.credential_type.value
    manual = connector.credential.manual
    if kind == "ManualConfig" and manual is not None:
        long_term = manual.session_token_ref is None
        return CredentialFacts(long_term=long_term, clean=long_term)
    if spec is None:
        return CredentialFacts()
    base = _base_spec(spec)
    if kind in ("Irsa", "OidcAuthentication"):  # a web-identity session the factory started
        return CredentialFacts(long_term=False, issued_at=_issued_at(ctx, base))
    frozen = ctx.sessions.frozen_credentials(base, timeout_s=30.0)
    if frozen.session_token is None:
        return CredentialFacts(long_term=True, clean=True)
    return CredentialFacts(long_term=False)


def _issued_at(ctx: AppContext, spec: SessionSpec) -> datetime | None:
    expiry = ctx.sessions.frozen_credentials(spec, timeout_s=30.0).expiration
    return expiry - _DEFAULT_SESSION if expiry is not None else None


def _what_if_principals(
    ctx: AppContext, connector: Connector, names: Sequence[str], here: bool
) -> tuple[KnownPrincipal | None, KnownPrincipal | None, list[str]]:
    """Who a what-if check evaluates as: the connector's principal (and, with a
    cross-account role, the base identity under it, for the uses checked as it), and
    notes on what stayed unknown."""
    from awsconn.aws.principal import caller_identity
    from awsconn.iam.capabilities import load_catalog
    from awsconn.service.connectors import stored_history

    notes: list[str] = []
    principal: KnownPrincipal | None = None
    for entry in stored_history(ctx, connector.ref):
        if entry.status == "SUCCESS" and entry.identity.arn:
            tested = iso_z(entry.tested_at)
            principal = KnownPrincipal(
                entry.identity.arn, f"the last successful connection test ({tested})"
            )
            break
    needs_base = connector.credential.cross_account is not None and any(
        c.identity == "base" for c in load_catalog().resolve(names)
    )
    spec: SessionSpec | None = None
    if principal is None or needs_base:
        try:
            spec = dispatch(ctx, connector.ref, "permission-check", here=here).runnable_spec()
        except AwsconnError as exc:
            notes.append(f"the connector cannot be used here ({exc.message})")
    base: KnownPrincipal | None = None if needs_base else principal
    try:
        if spec is not None and principal is None:
            who = caller_identity(_clients(ctx, spec)("sts"))
            principal = KnownPrincipal(who.arn, "sts:GetCallerIdentity", who.user_id)
            base = None if needs_base else principal
        if spec is not None and needs_base:
            who = caller_identity(_clients(ctx, _base_spec(spec))("sts"))
            base = KnownPrincipal(who.arn, "sts:GetCallerIdentity (base identity)", who.user_id)
    except AwsCallFailed as exc:
        notes.append(f"sts:GetCallerIdentity failed: {exc.message}")
    if principal is None:
        notes.append(
            "the connector's principal is unknown (no successful connection test recorded): "
            "keys about the principal are unknown; run 'awsconn connector test' first"
        )
    return principal, base, notes
