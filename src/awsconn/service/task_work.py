"""Tasks, the delegate's side: claim, heartbeat, finish; and the reaper.

Every call names the delegate instance (``delegate_id``) and needs ``delegate:work`` with
the token that registered it (``delegates.own_delegate``): a delegate token acts only as
its own delegates, and only on the tasks they claimed.

- :func:`claim` takes the oldest queued task the delegate can run (``FOR UPDATE SKIP
  LOCKED`` on PostgreSQL, the write lock on SQLite) and returns at once; with nothing
  queued it sleeps until a task is queued (``task_signals``: in-process at once, other
  replicas by ``NOTIFY``) or ``wait_s`` passes. The task carries the connector document
  and the session to run it with, secrets included for ManualConfig, built now in memory
  for this delegate only.
- :func:`heartbeat` keeps the delegate connected and renews the leases of the tasks it
  still owns; it names those it must stop (cancelled, expired, taken over).
- :func:`finish` ends the task as the attempt the delegate claimed: refused (Conflict)
  when that attempt is no longer running as the delegate's; the same result posted again
  is answered with the task as it is.
- :func:`expire_and_requeue` (a server runs it every few seconds): deadlines passed →
  expired; leases lapsed → queued again for any delegate (the next claim counts a new
  attempt); queued tasks that no connected delegate can run any more → failed with
  DELEGATE_UNAVAILABLE; delegates silent for a day forgotten.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from awsconn.errors import AwsconnError, Conflict, NotFound, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope, parse_connector_document
from awsconn.model.clock import iso_z
from awsconn.model.results import (
    ClaimedTask,
    ConnectionTestOutcome,
    Failure,
    HeartbeatReply,
    HistoryEntry,
    Identity,
    Task,
    WireModel,
)
from awsconn.service.access import Permission
from awsconn.service.delegates import (
    FORGET_AFTER,
    connected_delegates,
    heartbeat_every,
    info_of,
    lease_of,
    offered_by,
    own_delegate,
    route,
    unavailable,
)
from awsconn.service.session_specs import failure_of, spec_or_error
from awsconn.service.task_payloads import (
    digest_of,
    redacted,
    result_of,
    seal_result,
    session_payload,
    task_of,
)
from awsconn.service.task_signals import Change, announce, signals_of, waiting
from awsconn.timeouts import TimeoutRange

if TYPE_CHECKING:
    from awsconn.aws.redaction import Redactor
    from awsconn.model import Connector
    from awsconn.service.context import AppContext
    from awsconn.store.database import Transaction
    from awsconn.store.task_rows import DelegateRow, TaskRow

__all__ = [
    "CLAIM_WAIT",
    "ROUTE_GRACE",
    "ReaperReport",
    "claim",
    "expire_and_requeue",
    "expire_if_overdue",
    "finish",
    "heartbeat",
]

CLAIM_WAIT = TimeoutRange(minimum=0.0, maximum=120.0, default=30.0)
ROUTE_GRACE = timedelta(seconds=5)
"""A queued task younger than this is not failed for want of a delegate by the reaper
(submit checked it a moment ago)."""
_REAP_BATCH = 200
_MAX_RUNNING = 1000
_TASK_ID = re.compile(r"^[0-9a-f]{32}\Z")
log = logging.getLogger("awsconn.tasks")


def _ref(row: TaskRow) -> EntityRef:
    return EntityRef(Scope(row.org, row.project), row.connector)


# -- claim -------------------------------------------------------------------------------


def claim(
    ctx: AppContext, delegate_id: str, *, wait_s: float = CLAIM_WAIT.default
) -> ClaimedTask | None:
    """The next task this delegate can run, or None after ``wait_s`` with nothing queued.

    Conflict when the delegate cannot take tasks (init script pending or failed, no
    capabilities reported, disconnected); the claim itself counts as a heartbeat.
    """
    seconds = CLAIM_WAIT.check(wait_s, setting="waitSeconds")
    signals = signals_of(ctx)
    deadline = waiting(seconds)
    woken = False
    while True:
        seen = signals.generation(Change.QUEUED)
        while (row := _take(ctx, delegate_id, look_first=not woken)) is not None:
            claimed = _claimed(ctx, delegate_id, row)
            if claimed is not None:
                return claimed
        left = deadline.remaining() if deadline is not None else 0.0
        if left <= 0:
            return None
        woken = signals.sleep(Change.QUEUED, seen, left) != seen


def _take(ctx: AppContext, delegate_id: str, *, look_first: bool) -> TaskRow | None:
    """Claim the next task for the delegate (a write transaction). With ``look_first``
    (not woken by a queued task) a read looks first: when nothing is queued for it, the
    claim writes only a heartbeat, and that only when the last one is old."""
    now = ctx.clock()
    if look_first:
        with ctx.db.transaction(write=False) as tx:
            stored = own_delegate(ctx, tx, delegate_id)
            beating = (
                replace(stored, last_heartbeat=now) if stored.state == "registered" else stored
            )
            info = info_of(_able(beating, now), now)
            queued = tx.tasks.any_claimable(offered=offered_by(info), now=now)
        if not queued and now - stored.last_heartbeat < heartbeat_every(lease_of(ctx)):
            return None
    with ctx.db.transaction() as tx:
        row = own_delegate(ctx, tx, delegate_id)
        if tx.delegates.beat(delegate_id, now=now):
            row = replace(row, last_heartbeat=now)
        info = info_of(_able(row, now), now)
        return tx.tasks.claim_next(
            owner=delegate_id, offered=offered_by(info), now=now, lease_until=now + lease_of(ctx)
        )


def _able(row: DelegateRow, now: datetime) -> DelegateRow:
    """``row``, when its delegate can take tasks (Conflict naming why not)."""
    info = info_of(row, now)
    if not info.connected:
        raise Conflict(
            f"delegate {info.name} ({info.id}) cannot take tasks: {info.reason}",
            hint="report the init script's end and the capabilities, or register again",
        )
    return row


def _claimed(ctx: AppContext, delegate_id: str, row: TaskRow) -> ClaimedTask | None:
    """What the delegate needs to run ``row``; when the connector is gone or its secrets
    cannot be used, the task ends here (as a connection test's FAILURE, or failed) and
    None is returned."""
    ref = _ref(row)
    with ctx.store.reading() as reads:
        stored = reads.connectors.find(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
        )
    if stored is None:
        failure = Failure(code="NOT_FOUND", message=f"connector {ref} was deleted")
        _end_here(ctx, delegate_id, row, None, failure)
        return None
    connector = parse_connector_document(stored.document, account=ctx.account)
    ready = spec_or_error(ctx, connector)
    if isinstance(ready, AwsconnError):
        _end_here(ctx, delegate_id, row, connector, Failure.of(failure_of(ready)))
        return None
    assert row.lease_until is not None
    return ClaimedTask(
        task=task_of(ctx, row),
        connector=stored.document,
        params=row.params,
        session=session_payload(ready),
        lease_until=row.lease_until,
        heartbeat_every_seconds=max(1, int(heartbeat_every(lease_of(ctx)).total_seconds())),
    )


def _end_here(
    ctx: AppContext,
    delegate_id: str,
    row: TaskRow,
    connector: Connector | None,
    failure: Failure,
) -> None:
    """End a task the server found it cannot hand out: a connection test reports FAILURE
    (recorded in the connector's history, as a test run here would), others fail."""
    now = ctx.clock()
    result: WireModel | None = None
    error: Failure | None = failure
    if row.kind == "connection-test" and connector is not None:
        result = ConnectionTestOutcome(
            connector=str(connector.ref),
            status="FAILURE",
            identity=Identity(),
            region=connector.region,
            tested_at=now,
            duration_ms=0,
            errors=[failure],
        )
        error = None
    with ctx.db.transaction() as tx:
        _settle(ctx, tx, row, delegate_id, result, error, digest_of(result, error), now)
        announce(ctx, tx, Change.ENDED)


# -- heartbeat ---------------------------------------------------------------------------


def _task_ids(values: Sequence[str], path: str) -> list[str]:
    if isinstance(values, str) or len(values) > _MAX_RUNNING:
        allowed = f"a list of at most {_MAX_RUNNING} task ids"
        raise ValidationFailed([Problem(path, "is not a list of task ids", allowed=allowed)])
    bad = [
        Problem(f"{path}[{i}]", "is not a task id", given=v)
        for i, v in enumerate(values)
        if not isinstance(v, str) or not _TASK_ID.match(v)
    ]
    if bad:
        raise ValidationFailed(bad, what="heartbeat")
    return list(dict.fromkeys(values))


def heartbeat(ctx: AppContext, delegate_id: str, running: Sequence[str] = ()) -> HeartbeatReply:
    """The delegate is alive and runs ``running``: their leases are renewed while it owns
    them; the reply names those it must abandon."""
    ids = _task_ids(running, "running")
    now = ctx.clock()
    lease = lease_of(ctx)
    with ctx.db.transaction() as tx:
        row = own_delegate(ctx, tx, delegate_id)
        if tx.delegates.beat(delegate_id, now=now):
            row = replace(row, last_heartbeat=now)
        renewed = tx.tasks.renew(owner=delegate_id, task_ids=ids, now=now, lease_until=now + lease)
    kept = set(renewed)
    return HeartbeatReply(
        connected=info_of(row, now).connected,
        renewed=[i for i in ids if i in kept],
        abandon=[i for i in ids if i not in kept],
        lease_until=now + lease,
        heartbeat_every_seconds=max(1, int(heartbeat_every(lease).total_seconds())),
    )


# -- finish ------------------------------------------------------------------------------


def _redactor_for(ctx: AppContext, row: TaskRow) -> Redactor:
    """The connector's secret values, to mask them in what a delegate posts."""
    from awsconn.aws.redaction import Redactor

    ref = _ref(row)
    with ctx.store.reading() as reads:
        stored = reads.connectors.find(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
        )
    if stored is None or stored.credential_type != "ManualConfig":
        return Redactor()  # only ManualConfig connectors hold secret values
    spec = spec_or_error(ctx, parse_connector_document(stored.document, account=ctx.account))
    return Redactor(spec.secrets()) if not isinstance(spec, AwsconnError) else Redactor()


def finish(
    ctx: AppContext,
    delegate_id: str,
    task_id: str,
    attempt: int,
    *,
    result: WireModel | dict[str, Any] | None = None,
    error: Failure | dict[str, Any] | None = None,
) -> Task:
    """Post the outcome of ``attempt`` of ``task_id``: its result (the model of its kind;
    a connection test's is recorded in the connector's history) or its error.

    Refused with Conflict when the task is not running as this delegate's ``attempt``
    (its lease lapsed and it went back to the queue or to another delegate, it was
    cancelled, or it expired); the same outcome posted again returns the task unchanged.
    """
    task_id = _task_ids([task_id], "taskId")[0]
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValidationFailed([Problem("attempt", "is not an attempt number", given=attempt)])
    now = ctx.clock()
    with ctx.db.transaction() as tx:  # one transaction: find, check, settle
        own_delegate(ctx, tx, delegate_id)
        row = tx.tasks.find(task_id, lock=True)
        if row is None:
            raise NotFound(f"task {task_id} not found")
        posted, failure = result_of(row.kind, result, error)
        digest = digest_of(posted, failure)
        mine = row.owner == delegate_id and row.attempt == attempt
        refusal = None
        final: TaskRow | None = row
        if mine and row.state == "running" and row.deadline > now:
            redactor = _redactor_for(ctx, row)
            final = _settle(ctx, tx, row, delegate_id, posted, failure, digest, now, redactor)
            announce(ctx, tx, Change.ENDED)
        elif not (mine and row.state in ("succeeded", "failed") and row.result_digest == digest):
            refusal = _refusal(ctx, tx, row, delegate_id, attempt, now)
    if refusal is not None:
        raise refusal
    assert final is not None  # settled as the running attempt, in this transaction
    return task_of(ctx, final)


def _refusal(
    ctx: AppContext, tx: Transaction, row: TaskRow, delegate_id: str, attempt: int, now: datetime
) -> Conflict:
    """Why this attempt's outcome is not taken (a task whose deadline passed is expired
    first, in ``tx``, so the refusal and the state agree)."""
    which = f"task {row.id} (attempt {attempt})"
    if row.state in ("queued", "running") and row.deadline <= now:
        error = _expired(row).wire()
        tx.tasks.end(
            row.id, from_states=("queued", "running"), state="expired", now=now, error=error
        )
        announce(ctx, tx, Change.ENDED)
        why = "its deadline has passed: it expired"
    elif row.state == "queued":
        why = "its lease lapsed and it went back to the queue"
    elif row.state == "running":
        why = f"it is now attempt {row.attempt} of delegate {row.owner}"
    elif row.owner == delegate_id and row.attempt == attempt:
        why = f"it has ended ({row.state}) with another outcome"
    else:
        why = f"it has ended ({row.state})"
    return Conflict(
        f"{which}: the outcome is refused: {why}",
        hint="drop this attempt's work; claim the next task",
    )


def _settle(
    ctx: AppContext,
    tx: Transaction,
    row: TaskRow,
    owner: str,
    result: WireModel | None,
    error: Failure | None,
    digest: str,
    now: datetime,
    redactor: Redactor | None = None,
) -> TaskRow | None:
    """End ``row`` as ``owner``'s attempt: the result stored (masked; credentials sealed),
    a connection test recorded in the connector's history; the row as it is now (None
    when it was not running as that attempt any more)."""
    from awsconn.aws.redaction import Redactor

    clean = redactor if redactor is not None else Redactor()
    wire = result.wire() if result is not None else None
    sealed = None
    if wire is not None and row.kind == "credentials":
        sealed = seal_result(ctx, row.id, row.attempt, wire)
        wire = None
    elif wire is not None:
        wire = redacted(wire, clean)
        if isinstance(result, ConnectionTestOutcome):
            wire = _record_test(tx, row, ConnectionTestOutcome.model_validate(wire), now).wire()
    return tx.tasks.finish(
        task_id=row.id,
        owner=owner,
        attempt=row.attempt,
        state="succeeded" if result is not None else "failed",
        now=now,
        digest=digest,
        result=wire,
        sealed=sealed,
        error=redacted(error.wire(), clean) if error is not None else None,
    )


def _record_test(
    tx: Transaction, row: TaskRow, outcome: ConnectionTestOutcome, now: datetime
) -> ConnectionTestOutcome:
    """A delegate's connection test into the connector's history (and status)."""
    ref = _ref(row)
    entry = HistoryEntry(
        connector=str(ref),
        status="SUCCESS" if outcome.status == "SUCCESS" else "FAILURE",
        identity=outcome.identity or Identity(),
        region=outcome.region or "",
        tested_at=outcome.tested_at or now,
        duration_ms=outcome.duration_ms or 0,
        errors=outcome.errors or [],
    )
    try:
        tx.connectors.record_test(
            org=ref.scope.org,
            project=ref.scope.project,
            identifier=ref.identifier,
            status=entry.status,
            tested_at=entry.tested_at,
            duration_ms=entry.duration_ms,
            result=entry.wire(),
        )
    except NotFound:
        return outcome.model_copy(
            update={"connector": str(ref), "not_recorded": "the connector was deleted"}
        )
    return outcome.model_copy(update={"connector": str(ref)})


# -- the reaper --------------------------------------------------------------------------


def _expired(row: TaskRow) -> Failure:
    where = (
        "it was still queued"
        if row.state == "queued"
        else f"attempt {row.attempt} was running on delegate {row.owner}"
    )
    return Failure(
        code="TASK_EXPIRED",
        message=(
            f"task {row.id} ({row.kind} for {_ref(row)}) did not end by its deadline "
            f"{iso_z(row.deadline)}: {where}"
        ),
        hint="check that a delegate able to run it is connected and heartbeating, then "
        "submit it again (with a longer deadline if the work takes long)",
    )


def expire_if_overdue(ctx: AppContext, task_id: str) -> TaskRow | None:
    """Expire one task whose deadline has passed (a reader need not wait for the reaper);
    the row as it is afterwards."""
    now = ctx.clock()
    with ctx.db.transaction() as tx:
        row = tx.tasks.find(task_id, lock=True)
        if row is None:
            return None
        if row.state in ("queued", "running") and row.deadline <= now:
            error = _expired(row).wire()
            tx.tasks.end(
                row.id, from_states=("queued", "running"), state="expired", now=now, error=error
            )
            announce(ctx, tx, Change.ENDED)
        return tx.tasks.find(task_id)


@dataclass
class ReaperReport:
    """What one pass of the reaper did, by task id."""

    expired: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    unroutable: list[str] = field(default_factory=list)
    forgotten_delegates: int = 0


def expire_and_requeue(ctx: AppContext, now: datetime | None = None) -> ReaperReport:
    """One pass (see the module docstring); safe on several replicas at once (rows another
    replica is handling are skipped). Runs as the server's own caller (``connector:test``
    in the account)."""
    ctx.caller.require(Permission.CONNECTOR_TEST, Scope())
    moment = now or ctx.clock()
    report = ReaperReport()
    with ctx.db.transaction() as tx:
        for row in tx.tasks.overdue(now=moment, limit=_REAP_BATCH):
            error = _expired(row).wire()
            if tx.tasks.end(
                row.id, from_states=("queued", "running"), state="expired", now=moment, error=error
            ):
                report.expired.append(row.id)
        for row in tx.tasks.lapsed(now=moment, limit=_REAP_BATCH):
            if tx.tasks.requeue(row.id, owner=row.owner):
                report.requeued.append(row.id)
                log.info("task %s requeued: the lease of delegate %s lapsed", row.id, row.owner)
        if report.expired:
            announce(ctx, tx, Change.ENDED)
        if report.requeued:
            announce(ctx, tx, Change.QUEUED)
    with ctx.db.transaction() as tx:
        queued = tx.tasks.queued(older_than=moment - ROUTE_GRACE, limit=_REAP_BATCH)
        delegates = connected_delegates(ctx, tx, now=moment) if queued else []
        for row in queued:
            routing = route(row.requires, delegates)
            if routing.matching:
                continue
            failure = unavailable(str(_ref(row)), row.kind, routing)
            if tx.tasks.end(
                row.id, from_states=("queued",), state="failed", now=moment, error=failure.wire()
            ):
                report.unroutable.append(row.id)
        if report.unroutable:
            announce(ctx, tx, Change.ENDED)
        report.forgotten_delegates = tx.delegates.forget(silent_since=moment - FORGET_AFTER)
    return report
