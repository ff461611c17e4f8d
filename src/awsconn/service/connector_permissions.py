"""Permission checks of stored connectors: their AWS identity, their recorded uses.

The connector is resolved, the delegate rule applied, and its session built here;
the check itself is :func:`awsconn.service.permissions.check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from awsconn.errors import AwsCallFailed, InvalidInput
from awsconn.service.permissions import CheckReport, Clients, check

if TYPE_CHECKING:
    from awsconn.iam.capabilities import Parameters
    from awsconn.model import Connector, EntityRef
    from awsconn.service.context import AppContext

__all__ = ["CheckFailed", "check_connector", "check_for_test", "connector_clients"]


def connector_clients(
    ctx: AppContext, ref: EntityRef, *, here: bool = False
) -> tuple[Clients, Connector]:
    """AWS clients as the connector REF (delegate rule honoured), and the connector."""
    from awsconn.service import connectors
    from awsconn.service.connection import session_spec
    from awsconn.service.delegation import place_locally

    connector = connectors.get(ctx, ref).connector
    place_locally(connector, ctx.delegate_tags, here=here).require()
    spec = session_spec(ctx, connector)
    return (lambda service: ctx.sessions.client(spec, service)), connector


def check_connector(
    ctx: AppContext,
    ref: EntityRef,
    capabilities: Sequence[str] | None = None,
    *,
    params: Parameters | None = None,
    here: bool = False,
    policy_files: Sequence[Any] = (),
    required: bool = False,
    timeout_s: float | None = None,
    **options: Any,
) -> CheckReport | None:
    """Check a stored connector: ``capabilities`` or, when None, those it records.

    With ``policy_files`` (what-if) no AWS call is made: the connector only gives its
    test region and recorded capabilities. Nothing to check returns None, or raises
    InvalidInput when ``required``. ``options`` go to :func:`check` (scps,
    resource_policy, use_simulator). ``timeout_s`` bounds the AWS calls of the check
    (TIMEOUT when it passes).
    """
    from awsconn.service import connectors

    clients: Clients | None
    if policy_files:
        connector = connectors.get(ctx, ref).connector
        clients = None
    else:
        clients, connector = connector_clients(ctx, ref, here=here)
    names = list(capabilities) if capabilities is not None else list(connector.capabilities)
    if not names:
        if required:
            raise InvalidInput(
                "--for: no capability given and the connector records none",
                hint="pass --for CAP[,CAP...] (see 'awsconn permissions list')",
            )
        return None

    def run() -> CheckReport:
        return check(
            names,
            clients=clients,
            params=params,
            test_region=connector.region,
            policy_files=policy_files,
            **options,
        )

    if timeout_s is None or clients is None:
        return run()
    from awsconn.aws.deadline import Deadline

    return Deadline(timeout_s).call(run, what=f"the permission check of {ref}")


def check_for_test(
    ctx: AppContext,
    ref: EntityRef,
    capabilities: Sequence[str] | None,
    *,
    timeout_s: float | None = None,
) -> CheckReport | CheckFailed | None:
    """What ``connector test`` runs after a successful connection test, within the
    test's own timeout.

    The test has already applied the delegate rule (with its own ``--here``), so this
    does not apply it again.
    """
    try:
        return check_connector(ctx, ref, capabilities, here=True, timeout_s=timeout_s)
    except AwsCallFailed as exc:
        return CheckFailed(exc)


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
