"""Permission checks of stored connectors: their AWS identity, their recorded uses.

The connector is resolved, the delegate rule applied, and its session built here, once:
``connector test --for`` hands over the connector and session it already has. What the
connector adds to its calls (cross-account role, External ID, what its credentials say)
becomes the check's :class:`SessionFacts`; the check itself is
:func:`awsconn.service.permissions.check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from awsconn.errors import AwsCallFailed, AwsconnError, InvalidInput
from awsconn.service.permission_context import CredentialFacts, KnownPrincipal, SessionFacts
from awsconn.service.permissions import CheckReport, Clients, DiffReport, NamedPolicy, check, diff

if TYPE_CHECKING:
    from awsconn.aws.sessions import SessionSpec
    from awsconn.iam.capabilities import Parameters
    from awsconn.model import Connector, EntityRef
    from awsconn.service.context import AppContext

__all__ = [
    "CheckFailed",
    "check_connector",
    "check_for_test",
    "diff_connector",
]

# AssumeRole and AssumeRoleWithWebIdentity issue sessions for this long unless asked
# otherwise, and the session factory never asks: issue time = expiry - this.
_DEFAULT_SESSION = timedelta(seconds=3600)


def check_connector(
    ctx: AppContext,
    ref: EntityRef,
    capabilities: Sequence[str] | None = None,
    *,
    params: Parameters | None = None,
    here: bool = False,
    policy_files: Sequence[NamedPolicy] = (),
    required: bool = False,
    timeout_s: float | None = None,
    **options: Any,
) -> CheckReport | None:
    """Check a stored connector: ``capabilities`` or, when None, those it records.

    With ``policy_files`` (what-if) the given documents decide, evaluated as the
    connector's principal: from its last successful connection test, else from
    GetCallerIdentity when the connector can be used here. Nothing to check returns
    None, or raises InvalidInput when ``required``. ``options`` go to :func:`check`
    (scps, resource_policy, use_simulator). ``timeout_s`` bounds the AWS calls of a live
    check (TIMEOUT when it passes).
    """
    from awsconn.service import connectors

    connector = connectors.get(ctx, ref).connector
    names = _names(connector, capabilities, required)
    if not names:
        return None
    if policy_files:
        principal, base, notes = _what_if_principals(ctx, connector, names, here)
        report = check(
            names,
            params=params,
            test_region=connector.region,
            policy_files=policy_files,
            principal=principal,
            base_principal=base,
            now=ctx.clock(),
            session=_facts(ctx, connector, None),
            **options,
        )
        report.notes += notes
        return report
    spec = _spec_here(ctx, connector, here)
    return _check_live(ctx, connector, spec, names, timeout_s, params=params, **options)


def check_for_test(
    ctx: AppContext,
    connector: Connector,
    spec: SessionSpec,
    capabilities: Sequence[str] | None,
    *,
    timeout_s: float | None = None,
) -> CheckReport | CheckFailed | None:
    """What ``connector test`` runs after a successful connection test, with the
    connector and session the test already has (loaded, placed and decrypted once),
    within the test's own timeout."""
    names = _names(connector, capabilities, False)
    if not names:
        return None
    try:
        return _check_live(ctx, connector, spec, names, timeout_s)
    except AwsCallFailed as exc:
        return CheckFailed(exc)


def diff_connector(
    ctx: AppContext,
    ref: EntityRef,
    capabilities: Sequence[str],
    *,
    new_policies: Sequence[NamedPolicy],
    params: Parameters | None = None,
    here: bool = False,
    **options: Any,
) -> DiffReport:
    """Before switching policies: the connector's identity as it is, against
    ``new_policies`` evaluated in the same request context. ``options`` go to
    :func:`awsconn.service.permissions.diff` (scps, resource_policy, use_simulator)."""
    from awsconn.service import connectors

    connector = connectors.get(ctx, ref).connector
    spec = _spec_here(ctx, connector, here)
    clients, base_clients = _clients(ctx, spec), _base_clients(ctx, spec)
    return diff(
        _names(connector, capabilities, True),
        clients=clients,
        base_clients=base_clients,
        new_policies=new_policies,
        params=params,
        test_region=connector.region,
        now=ctx.clock(),
        session=_facts(ctx, connector, spec),
        **options,
    )


@dataclass(frozen=True)
class CheckFailed:
    """The permission check could not run (e.g. the identity may not read its own policies);
    reported inside the connection test instead of aborting it."""

    error: AwsCallFailed

    @property
    def ok(self) -> bool:
        return False

    def to_dict(self) -> dict[str, Any]:
        return {"summary": {"checked": False}, "error": self.error.to_dict()}


# -- internals -----------------------------------------------------------------------


def _names(connector: Connector, capabilities: Sequence[str] | None, required: bool) -> list[str]:
    names = list(capabilities) if capabilities is not None else list(connector.capabilities)
    if not names and required:
        raise InvalidInput(
            "--for: no capability given and the connector records none",
            hint="pass --for CAP[,CAP...] (see 'awsconn permissions list')",
        )
    return names


def _spec_here(ctx: AppContext, connector: Connector, here: bool) -> SessionSpec:
    """The connector's session spec, once the delegate rule lets it run here."""
    from awsconn.service.connection import session_spec
    from awsconn.service.delegation import place_locally

    place_locally(connector, ctx.delegate_tags, here=here).require()
    return session_spec(ctx, connector)


def _clients(ctx: AppContext, spec: SessionSpec) -> Clients:
    return lambda service: ctx.sessions.client(spec, service)


def _base_spec(spec: SessionSpec) -> SessionSpec:
    """The same connector without its cross-account role: the identity that assumes it."""
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

    return Deadline(timeout_s).call(run, what=f"the permission check of {connector.ref}")


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
    return SessionFacts(
        role_arn=cross.role_arn if cross else None,
        external_id=cross.external_id if cross else None,
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
    if kind == "Irsa":  # a web-identity session the factory started
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
    from awsconn.service import connectors

    notes: list[str] = []
    principal: KnownPrincipal | None = None
    for row in connectors.history(ctx, connector.ref):
        arn = (row.get("identity") or {}).get("arn")
        if row.get("status") == "SUCCESS" and arn:
            principal = KnownPrincipal(
                str(arn), f"the last successful connection test ({row.get('testedAt')})"
            )
            break
    needs_base = connector.credential.cross_account is not None and any(
        c.identity == "base" for c in load_catalog().resolve(names)
    )
    spec: SessionSpec | None = None
    if principal is None or needs_base:
        try:
            spec = _spec_here(ctx, connector, here)
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
