"""Connection tests and regions: what a connector's AWS identity reaches.

A test is GetCallerIdentity then DescribeRegions in the connector's test region
(``aws.connectivity``); its result is stored as the connector's history and status.
When capabilities are asked for (or the connector records its own), a successful test
is followed by the permission check, with the connector and session the test already
has: the names are checked before any work, the secrets decrypted once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from awsconn.errors import NotFound, StoreUnavailable
from awsconn.model import Connector, EntityRef
from awsconn.model.results import (
    ConnectionTestOutcome,
    Failure,
    HistoryEntry,
    Identity,
    PermissionCheckFailed,
    PermissionReport,
    RegionList,
)
from awsconn.service import connector_reads
from awsconn.service.access import Permission
from awsconn.service.audit import AuditDetail, AuditEvent, AuditTarget, audited
from awsconn.service.connection import secrets_kept_out
from awsconn.service.context import AppContext
from awsconn.service.dispatch import Dispatched, dispatch, dispatch_connector
from awsconn.timeouts import REGIONS_TIMEOUT, TEST_TIMEOUT

if TYPE_CHECKING:
    from awsconn.aws.connectivity import ConnectionTestResult
    from awsconn.aws.redaction import Redactor

__all__ = ["history_entry", "list_regions", "run_all_tests", "run_connector_test"]

_NOT_TESTED_MESSAGE = (
    "the connector sets ignoreTestConnection: true; testing it by name tests it anyway"
)


def history_entry(result: ConnectionTestResult) -> HistoryEntry:
    """A connection test's result as stored and shown (the one conversion)."""
    who = result.identity
    return HistoryEntry(
        connector=result.connector,
        status=result.status,
        identity=Identity(
            account=who.account,
            arn=who.arn,
            partition=who.partition,
            credential_method=who.credential_method,
            role_chain=list(who.role_chain),
        ),
        region=result.region,
        tested_at=result.tested_at,
        duration_ms=result.duration_ms,
        errors=[Failure.of(e) for e in result.errors],
    )


@dataclass
class _Run:
    """One connector's test as it goes: dispatched, tested, stored, checked."""

    dispatched: Dispatched
    result: ConnectionTestResult | None = None
    not_tested: bool = False
    not_recorded: str | None = None
    permissions: PermissionReport | PermissionCheckFailed | None = None

    def outcome(self) -> ConnectionTestOutcome:
        """The run as the result model (the one conversion)."""
        c = self.dispatched.connector
        where = self.dispatched.where
        if self.not_tested:
            return ConnectionTestOutcome(
                connector=str(c.ref),
                status="NOT_TESTED",
                reason="ignoreTestConnection",
                message=_NOT_TESTED_MESSAGE,
            )
        if self.result is None:
            failure = Failure(code="DELEGATE_UNAVAILABLE", message=where.reason, hint=where.hint)
            return ConnectionTestOutcome(connector=str(c.ref), status="SKIPPED", errors=[failure])
        entry = history_entry(self.result)
        return ConnectionTestOutcome(
            **entry.model_dump(),
            ran_here_despite_selectors=list(where.missing),
            permissions=self.permissions,
            not_recorded=self.not_recorded,
        )


def _failed(ctx: AppContext, d: Dispatched) -> ConnectionTestResult:
    """The FAILURE of a connector whose secrets cannot be used (no AWS call made)."""
    from awsconn.aws.connectivity import ConnectionTestResult
    from awsconn.aws.connectivity import Identity as TestedIdentity

    assert d.failure is not None
    return ConnectionTestResult(
        connector=str(d.connector.ref),
        status="FAILURE",
        identity=TestedIdentity(),
        region=d.connector.region,
        tested_at=ctx.clock(),
        duration_ms=0,
        errors=(d.failure,),
    )


def _settle(
    ctx: AppContext,
    run: _Run,
    result: ConnectionTestResult,
    redactor: Redactor,
    event: AuditEvent | None = None,
) -> None:
    """Store the result (no secret in any message), and ``event`` (the test's audit event)
    in the same transaction; a store that cannot take it, or a connector deleted
    meanwhile, leaves it reported but marked not recorded (a store that was busy
    throughout records no event either: it would only wait for the same lock again)."""
    connector = run.dispatched.connector
    result = replace(
        result,
        connector=str(connector.ref),
        errors=tuple(redactor.failure(e) for e in result.errors),
    )
    try:
        with ctx.db.transaction() as tx:
            tx.connectors.record_test(
                org=connector.scope.org,
                project=connector.scope.project,
                identifier=connector.identifier,
                status=result.status,
                tested_at=result.tested_at,
                duration_ms=result.duration_ms,
                result=history_entry(result).wire(),
            )
            if event is not None:
                event.detail = AuditDetail(
                    status=result.status,
                    region=result.region,
                    error_code=result.errors[0].code if result.errors else None,
                )
                event.write(tx)
    except NotFound:  # deleted while its test ran: nothing to store it on
        run.not_recorded = "the connector was deleted during the test"
    except StoreUnavailable as exc:  # e.g. another process held the write lock throughout
        run.not_recorded = exc.message
        if event is not None:
            event.skip()
    run.result = result


def _capability_names(names: Sequence[str] | None) -> list[str] | None:
    """The capabilities asked for, checked before any work (ValidationFailed at
    ``capabilities`` naming the unknown ones)."""
    if names is None:
        return None
    from awsconn.iam.capabilities import load_catalog

    load_catalog().resolve(names)
    return list(names)


def _check_after(ctx: AppContext, run: _Run, names: list[str] | None, timeout_s: float) -> None:
    """The permission check of a connector that passed, within the test's timeout."""
    from awsconn.service.connector_permissions import check_for_test

    d = run.dispatched
    if run.result is None or run.result.status != "SUCCESS" or d.spec is None:
        return
    run.permissions = check_for_test(ctx, d.connector, d.spec, names, timeout_s=timeout_s)


def run_connector_test(
    ctx: AppContext,
    ref: EntityRef,
    *,
    capabilities: Sequence[str] | None = None,
    here: bool = False,
    timeout_s: float = TEST_TIMEOUT.default,
) -> ConnectionTestOutcome:
    """Test one connector and store the result (``connector:test``); then check
    ``capabilities`` (default: those the connector records) when the test passed.

    A connector that must run on a delegate this process is not: NeedsDelegate.
    ``ignoreTestConnection`` does not apply: the caller asked for this connector.
    Audited as ``connector.test`` (status, region, the first error's code), in the
    transaction that stores the result.
    """
    from awsconn.aws.connectivity import run_connection_test

    timeout_s = ctx.budget(TEST_TIMEOUT.check(timeout_s))
    names = _capability_names(capabilities)
    with audited(ctx, "connector.test", AuditTarget.of("connector", ref)) as event:
        d = dispatch(ctx, ref, "connection-test", here=here)
        event.version = d.version
        if d.where.via_task:  # a server: a delegate runs it
            outcome = _on_delegate(ctx, d.connector, names, timeout_s)
            failed = outcome.errors[0].code if outcome.errors else None
            event.detail = AuditDetail(
                status=outcome.status, region=outcome.region, error_code=failed
            )
            return outcome
        d.where.require()
        run = _Run(d)
        with secrets_kept_out([d.spec] if d.spec else []) as redactor:
            if d.spec is not None:
                tested = run_connection_test(
                    d.spec, ctx.sessions, timeout_s=timeout_s, clock=ctx.clock
                )
            else:
                tested = _failed(ctx, d)
            _settle(ctx, run, tested, redactor, event)
        _check_after(ctx, run, names, timeout_s)
    return run.outcome()


def _on_delegate(
    ctx: AppContext, connector: Connector, names: list[str] | None, timeout_s: float
) -> ConnectionTestOutcome:
    """The test as a task for a connected delegate, waited for (a server's road)."""
    from awsconn.service.task_delegation import delegated_test_outcome, run_as_task

    params: dict[str, object] = {"timeoutSeconds": max(timeout_s, TEST_TIMEOUT.minimum)}
    if names is not None:
        params["capabilities"] = names
    done = run_as_task(ctx, "connection-test", connector.ref, params, timeout_s=timeout_s)
    return delegated_test_outcome(ctx, connector, done)


def run_all_tests(
    ctx: AppContext,
    refs: Sequence[EntityRef] | None = None,
    *,
    capabilities: Sequence[str] | None = None,
    here: bool = False,
    concurrency: int = 16,
    timeout_s: float = TEST_TIMEOUT.default,
    on_start: Callable[[int], None] | None = None,
    on_outcome: Callable[[ConnectionTestOutcome], None] | None = None,
) -> list[ConnectionTestOutcome]:
    """Test many connectors at once (``refs``, or every one the caller may test).

    Each result is stored and handed to ``on_outcome`` as soon as its test (and its
    permission check) ends, so an interrupted run keeps what it finished; ``on_start``
    learns how many there are first. A connector that needs a delegate this process is
    not is SKIPPED; one with ``ignoreTestConnection`` is NOT_TESTED (not a failure,
    nothing stored). Outcomes are returned in the order of the connectors.
    """
    from awsconn.aws.connectivity import run_connection_tests
    from awsconn.aws.redaction import Redactor

    timeout_s = ctx.budget(TEST_TIMEOUT.check(timeout_s))
    names = _capability_names(capabilities)
    if refs is None:
        ctx.caller.require(Permission.CONNECTOR_TEST, ctx.caller.scope)
        found = [s.connector for s in connector_reads.load_all(ctx)]
        connectors = [c for c in found if ctx.caller.can(Permission.CONNECTOR_TEST, c.scope)]
    else:
        for r in refs:
            ctx.caller.require(Permission.CONNECTOR_TEST, r.scope)
        connectors = [connector_reads.load(ctx, r).connector for r in refs]
    if on_start is not None:
        on_start(len(connectors))
    runs = [_dispatch_for_all(ctx, c, here) for c in connectors]

    def done(run: _Run) -> None:
        _check_after(ctx, run, names, timeout_s)
        if on_outcome is not None:
            on_outcome(run.outcome())

    pending: list[_Run] = []
    for run in runs:
        d = run.dispatched
        if run.not_tested or not d.where.runs_here:
            done(run)
        elif d.spec is None:
            _settle(ctx, run, _failed(ctx, d), Redactor())
            done(run)
        else:
            pending.append(run)
    specs = [run.dispatched.spec for run in pending if run.dispatched.spec is not None]

    def settled(index: int, result: ConnectionTestResult) -> None:
        _settle(ctx, pending[index], result, Redactor(specs[index].secrets()))
        done(pending[index])

    with secrets_kept_out(specs):
        run_connection_tests(
            specs,
            ctx.sessions,
            concurrency=concurrency,
            timeout_s=timeout_s,
            clock=ctx.clock,
            on_result=settled,
        )
    return [run.outcome() for run in runs]


def _dispatch_for_all(ctx: AppContext, connector: Connector, here: bool) -> _Run:
    if connector.ignore_test_connection:  # nothing decrypted for a test that will not run
        from awsconn.service.dispatch import Where

        return _Run(Dispatched(connector, Where(False, "ignoreTestConnection")), not_tested=True)
    return _Run(dispatch_connector(ctx, connector, "connection-test", here=here))


def list_regions(
    ctx: AppContext,
    ref: EntityRef,
    *,
    here: bool = False,
    timeout_s: float = REGIONS_TIMEOUT.default,
) -> RegionList:
    """The regions DescribeRegions returns for this connector in its test region
    (``connector:test``; the offline checks first, as for credentials)."""
    timeout_s = ctx.budget(REGIONS_TIMEOUT.check(timeout_s))
    d = dispatch(ctx, ref, "regions", here=here)
    if d.where.via_task:  # a server: a delegate runs it
        from awsconn.service.task_delegation import result_of_task, run_as_task

        params = {"timeoutSeconds": max(timeout_s, REGIONS_TIMEOUT.minimum)}
        done = run_as_task(ctx, "regions", ref, params, timeout_s=timeout_s)
        result = result_of_task(done)
        assert isinstance(result, RegionList)
        return result
    spec = d.checked_spec()
    with secrets_kept_out([spec]):
        regions = ctx.sessions.list_regions(spec, timeout_s=timeout_s)
    return RegionList(connector=str(d.connector.ref), region=d.connector.region, regions=regions)
