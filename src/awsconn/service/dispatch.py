"""The one dispatch seam: a reference, where its work runs, the session to run it with.

Every use of a connector's AWS identity (connection test, regions, credentials and
exec, permission check) starts here: the caller's permission is asked, the connector
loaded, where its work runs decided, and, when it runs in this process, its secrets
decrypted once into a ``SessionSpec`` (or the failure that keeps them from use).

Where work runs:

- ``ManualConfig`` with ``executeOnDelegate: false``: in this process (CLI or server).
- ``ManualConfig`` with ``executeOnDelegate: true``: on a delegate whose tags cover the
  connector's ``delegateSelectors`` (any delegate when it names none).
- ``InheritFromDelegate``, ``Irsa``: the identity is a delegate's own, so on a delegate
  with the selectors, whatever ``executeOnDelegate`` says.

The CLI (``runs_as == "cli"``) is its own local delegate, tagged by
``AWSCONN_DELEGATE_TAGS``; the local-identity override (``here``) runs work there
anyway, with the machine's own AWS identity. A server has no identity to lend: work
that needs a delegate goes to one as a task (``Where.via_task``; the use cases then
submit it and wait for its end, ``service/task_delegation.py``), and when no connected
delegate can run it the task fails at once with DELEGATE_UNAVAILABLE naming the
selectors, the connected delegates and what each lacks, never left waiting.

Stdlib, model and the light service modules only (no AWS SDK, no pydantic): ``awsconn
credentials`` dispatches on its fast road.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from awsconn.errors import AwsconnError, AwsFailure, InvalidInput
from awsconn.model import Connector, EntityRef
from awsconn.service import connector_reads
from awsconn.service.access import Permission
from awsconn.service.context import AppContext
from awsconn.service.refusals import NeedsDelegate
from awsconn.service.runtime import RunsAs
from awsconn.service.session_specs import failure_of, spec_or_error

if TYPE_CHECKING:
    from awsconn.aws.session_spec import SessionSpec

__all__ = ["PERMISSION_OF", "Dispatched", "Intent", "Where", "dispatch", "dispatch_connector"]

Intent = Literal["connection-test", "regions", "permission-check", "credentials"]
"""What the work is (the kinds of delegate tasks)."""

PERMISSION_OF: dict[str, Permission] = {
    "connection-test": Permission.CONNECTOR_TEST,
    "regions": Permission.CONNECTOR_TEST,
    "permission-check": Permission.CONNECTOR_TEST,
    "credentials": Permission.CONNECTOR_ACCESS,
}


@dataclass(frozen=True)
class Where:
    """Where a connector's work runs, and why (said to the user)."""

    runs_here: bool
    reason: str
    selectors: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    """Selectors this process's tags lack (when it runs here, by the override)."""
    overridable: bool = False
    """Refused here, but the local-identity override (``here``) would run it."""
    hint: str = ""
    via_task: bool = False
    """Not here: a server sends it to a connected delegate as a task."""

    def refusal(self) -> NeedsDelegate:
        return NeedsDelegate(
            self.reason,
            hint=self.hint,
            selectors=self.selectors,
            missing=self.missing,
            overridable=self.overridable,
        )

    def require(self) -> None:
        """Go on, or raise NeedsDelegate (DELEGATE_UNAVAILABLE) saying why."""
        if not self.runs_here:
            raise self.refusal()


def where_runs(connector: Connector, *, runs_as: RunsAs, tags: frozenset[str], here: bool) -> Where:
    """The dispatch rule (module docstring): may this process run ``connector``'s work?"""
    kind = connector.credential_type
    selectors = connector.delegate_selectors
    if not kind.uses_delegate_identity and not connector.execute_on_delegate:
        return Where(True, "executeOnDelegate: false: it runs where awsconn runs", selectors)
    if kind.uses_delegate_identity:
        needs = (
            f"{connector.ref} uses {kind.value}: its AWS identity is that of a delegate "
            f"with tags {', '.join(selectors)}"
        )
    else:
        wanted = f"tags {', '.join(selectors)}" if selectors else "any tags"
        needs = f"{connector.ref} runs on a delegate (executeOnDelegate: true) with {wanted}"
    if runs_as != "cli":
        return Where(
            False,
            f"{needs}: this server sends it to a connected delegate as a task",
            selectors,
            hint="start a delegate ('awsconn delegate run') whose tags include every selector"
            + ("" if kind.uses_delegate_identity else ", or set executeOnDelegate: false"),
            via_task=True,
        )
    missing = tuple(s for s in selectors if s not in tags)
    if not missing:
        why = (
            "this machine's delegate tags cover the connector's selectors"
            if selectors
            else "it names no selectors: any delegate runs it, this machine too"
        )
        return Where(True, why, selectors)
    if here:
        return Where(
            True,
            "the local-identity override: this machine's own AWS identity",
            selectors,
            missing,
        )
    return Where(
        False,
        f"{needs}; this machine lacks {', '.join(missing)}",
        selectors,
        missing,
        overridable=True,
        hint="set AWSCONN_DELEGATE_TAGS to include them on a machine that has that AWS "
        "identity, or use the local-identity override to run it with this machine's own",
    )


@dataclass(frozen=True)
class Dispatched:
    """A connector, where its work runs, and (when here) its session or why there is none."""

    connector: Connector
    where: Where
    spec: SessionSpec | None = None
    error: AwsconnError | None = None
    """Why there is no spec although the work runs here (its secrets cannot be used)."""
    version: int | None = None
    """The stored version of the connector (what the audit log records)."""

    @property
    def failure(self) -> AwsFailure | None:
        """:attr:`error` as a connection test reports it."""
        return failure_of(self.error) if self.error is not None else None

    def runnable_spec(self) -> SessionSpec:
        """The spec to run with: NeedsDelegate when not here, the error that keeps the
        connector's secrets from use (NO_CREDENTIALS, MASTER_KEY_MISMATCH, ...)."""
        self.where.require()
        if self.error is not None:
            raise self.error
        assert self.spec is not None
        return self.spec

    def checked_spec(self) -> SessionSpec:
        """:meth:`runnable_spec`, refused (AwsCallFailed with code and hint) when a check
        that needs no network call already shows the connector cannot work."""
        from awsconn.aws.preflight import preflight
        from awsconn.aws.redaction import Redactor
        from awsconn.errors import AwsCallFailed

        spec = self.runnable_spec()
        problem = preflight(spec)
        if problem is not None:
            raise AwsCallFailed(Redactor(spec.secrets()).failure(problem))
        return spec


def dispatch(ctx: AppContext, ref: EntityRef, intent: Intent, *, here: bool = False) -> Dispatched:
    """The caller's permission for ``intent`` on ``ref`` (Forbidden before anything is
    read), the connector, where it runs, and its session when it runs here."""
    ctx.caller.require(PERMISSION_OF[intent], ref.scope)
    _check_override(ctx, here)
    stored = connector_reads.load(ctx, ref)
    return _dispatched(ctx, stored.connector, here, stored.version)


def dispatch_connector(
    ctx: AppContext, connector: Connector, intent: Intent, *, here: bool = False
) -> Dispatched:
    """:func:`dispatch` of a connector already loaded (a run over many)."""
    ctx.caller.require(PERMISSION_OF[intent], connector.scope)
    _check_override(ctx, here)
    return _dispatched(ctx, connector, here)


def _check_override(ctx: AppContext, here: bool) -> None:
    if here and ctx.runs_as == "server":
        raise InvalidInput(
            "here (the local-identity override) is for the CLI: a server has no AWS "
            "identity of its own to lend"
        )


def _dispatched(
    ctx: AppContext, connector: Connector, here: bool, version: int | None = None
) -> Dispatched:
    where = where_runs(connector, runs_as=ctx.runs_as, tags=ctx.delegate_tags, here=here)
    if not where.runs_here:
        return Dispatched(connector, where, version=version)
    ready = spec_or_error(ctx, connector)
    if isinstance(ready, AwsconnError):
        return Dispatched(connector, where, error=ready, version=version)
    return Dispatched(connector, where, spec=ready, version=version)
