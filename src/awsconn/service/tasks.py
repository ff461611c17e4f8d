"""Tasks, the use cases of those who ask: submit, get, list, cancel, wait.

A task is a connector's work (a connection test, its regions, a permission check, its
credentials) as a row: ``queued`` → ``running`` (one delegate owns it, its lease renewed
by heartbeats) → ``succeeded`` / ``failed`` / ``expired`` (or ``cancelled``). Each kind
needs the permission the same work needs anywhere (``service/dispatch.PERMISSION_OF``):
``connector:test``, and ``connector:access`` for credentials.

Where it runs is the dispatch rule (``service/dispatch.where_runs``): work that runs where
awsconn runs (``executeOnDelegate: false``; the CLI as its own local delegate) runs
inside :func:`submit`, which returns it ended; work for a delegate is queued when a
connected delegate can run it (:func:`~awsconn.service.delegates.eligible`), else it
fails at once with DELEGATE_UNAVAILABLE naming the selectors, the connected delegates and
what each lacks. A task not ended by its deadline (default :data:`TASK_DEADLINE`) expires.

The delegate's side (claim, heartbeat, finish) and the reaper live in ``task_work.py``
and are re-exported here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from awsconn.errors import Conflict, InternalError, NotFound, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.model.results import Failure, Task
from awsconn.service import connector_reads
from awsconn.service.access import Permission
from awsconn.service.audit import AuditDetail, AuditEvent, AuditTarget, audited
from awsconn.service.delegates import connected_delegates, eligible, unavailable
from awsconn.service.dispatch import PERMISSION_OF, where_runs
from awsconn.service.task_payloads import (
    check_params,
    failure_of_error,
    seal_result,
    task_of,
)
from awsconn.service.task_signals import Change, announce, signals_of, waiting
from awsconn.service.task_work import (
    ReaperReport,
    claim,
    expire_and_requeue,
    expire_if_overdue,
    finish,
    heartbeat,
)
from awsconn.timeouts import TimeoutRange

if TYPE_CHECKING:
    from awsconn.model import Connector
    from awsconn.model.results import WireModel
    from awsconn.service.context import AppContext
    from awsconn.store.database import Transaction
    from awsconn.store.task_rows import TaskRow

__all__ = [
    "MAX_LIST",
    "TASK_DEADLINE",
    "TASK_KINDS",
    "WAIT_TIMEOUT",
    "ReaperReport",
    "WorkHere",
    "cancel",
    "claim",
    "expire_and_requeue",
    "finish",
    "get",
    "heartbeat",
    "list_tasks",
    "submit",
    "wait",
]

TASK_KINDS = ("connection-test", "regions", "permission-check", "credentials")
TASK_DEADLINE = TimeoutRange(minimum=5.0, maximum=3600.0, default=120.0)
"""Seconds from submit to the task's deadline."""
WAIT_TIMEOUT = TimeoutRange(minimum=0.0, maximum=3600.0, default=60.0)
MAX_LIST = 1000
_STATES = ("queued", "running", "succeeded", "failed", "expired", "cancelled")
_TASK_PERMISSIONS = (Permission.CONNECTOR_TEST, Permission.CONNECTOR_ACCESS)


WorkHere = Callable[["AppContext", str, EntityRef, dict[str, Any], float], "WireModel"]
"""Runs a task's work in this process: (context, kind, connector, params, timeout)."""


def _new_id() -> str:
    return secrets.token_hex(16)


def _check_kind(kind: str) -> str:
    if kind not in TASK_KINDS:
        problem = Problem("kind", "is not a task kind", given=kind, allowed=", ".join(TASK_KINDS))
        raise ValidationFailed([problem], what="task")
    return kind


# -- submit --------------------------------------------------------------------------------


def submit(
    ctx: AppContext,
    kind: str,
    ref: EntityRef,
    params: Mapping[str, Any] | None = None,
    *,
    deadline_s: float = TASK_DEADLINE.default,
    here: WorkHere | None = None,
) -> Task:
    """Submit ``kind`` for the connector ``ref`` (the kind's permission on its scope first).

    ``here`` runs the work in this process when the dispatch rule says it runs where
    awsconn runs (``task_submit.submit`` passes the use cases; this module stays below
    them, as the delegated road of those use cases submits through it). Without it, such
    work is refused (the delegated road only submits work for delegates).

    ``params``: ``timeoutSeconds`` (the operation's own range), ``capabilities`` (a
    connection test's follow-up check, a permission check's names), ``parameters`` (a
    permission check's). Returns the task: queued for a delegate, ended when it ran here,
    failed with DELEGATE_UNAVAILABLE when no connected delegate can run it. Audited as
    ``task.KIND`` on the connector (with the state it ended in or was queued).
    """
    _check_kind(kind)
    seconds = TASK_DEADLINE.check(deadline_s, setting="deadlineSeconds")
    ctx.caller.require(PERMISSION_OF[kind], ref.scope)
    with audited(ctx, f"task.{kind}", AuditTarget.of("connector", ref)) as event:
        connector = connector_reads.load(ctx, ref).connector
        clean = check_params(kind, params, connector)
        where = where_runs(connector, runs_as=ctx.runs_as, tags=ctx.delegate_tags, here=False)
        if where.runs_here:
            if here is None:
                raise InternalError(f"task {kind} of {ref} runs here but no runner was given")
            return _run_here(ctx, kind, connector, clean, seconds, event, here)
        return _queue(ctx, kind, connector, clean, seconds, event)


def _recorded(event: AuditEvent, tx: Transaction, state: str, error: Failure | None) -> None:
    """The submit's audit event, in the transaction that stores the task."""
    event.detail = AuditDetail(status=state.upper(), error_code=error.code if error else None)
    event.write(tx)


def _queue(
    ctx: AppContext,
    kind: str,
    connector: Connector,
    params: dict[str, Any],
    seconds: float,
    event: AuditEvent,
) -> Task:
    """Queue the task for a delegate, or fail it at once when no connected one can run it."""
    now = ctx.clock()
    scope = connector.scope
    with ctx.db.transaction() as tx:
        routing = eligible(connector, kind, connected_delegates(ctx, tx))
        common: dict[str, Any] = {
            "id": _new_id(),
            "kind": kind,
            "org": scope.org,
            "project": scope.project,
            "connector": connector.identifier,
            "params": params,
            "requires": routing.requires,
            "deadline": now + timedelta(seconds=seconds),
            "submitted_by": ctx.caller.name,
        }
        if routing.matching:
            row = tx.tasks.create(**common)
            announce(ctx, tx, Change.QUEUED)
            _recorded(event, tx, row.state, None)
        else:
            failure = unavailable(str(connector.ref), kind, routing)
            row = tx.tasks.create(**common, state="failed", error=failure.wire(), finished_at=now)
            _recorded(event, tx, row.state, failure)
    return task_of(ctx, row)


def _run_here(
    ctx: AppContext,
    kind: str,
    connector: Connector,
    params: dict[str, Any],
    seconds: float,
    event: AuditEvent,
    here: WorkHere,
) -> Task:
    """Run the work in this process with its own use case, and record it as a task."""
    started = ctx.clock()
    timeout = min(float(params["timeoutSeconds"]), seconds)
    result: WireModel | None = None
    error: Failure | None = None
    try:
        result = here(ctx, kind, connector.ref, params, timeout)
    except Exception as exc:  # an awsconn error becomes the task's error, with its code
        from awsconn.errors import AwsconnError

        if not isinstance(exc, AwsconnError):
            raise
        error = failure_of_error(exc)
    task_id = _new_id()
    wire = result.wire() if result is not None else None
    sealed = seal_result(ctx, task_id, 0, wire) if kind == "credentials" and wire else None
    with ctx.db.transaction() as tx:
        row = tx.tasks.create(
            id=task_id,
            kind=kind,
            org=connector.scope.org,
            project=connector.scope.project,
            connector=connector.identifier,
            params=params,
            requires=(),
            deadline=started + timedelta(seconds=seconds),
            submitted_by=ctx.caller.name,
            state="succeeded" if result is not None else "failed",
            result=None if sealed is not None else wire,
            sealed=sealed,
            error=error.wire() if error is not None else None,
            started_at=started,
            finished_at=ctx.clock(),
        )
        announce(ctx, tx, Change.ENDED)
        _recorded(event, tx, row.state, error)
    return task_of(ctx, row)


# -- reading -------------------------------------------------------------------------------


def _check_task_id(task_id: object) -> str:
    if not isinstance(task_id, str) or len(task_id) != 32 or not task_id.isalnum():
        raise ValidationFailed([Problem("taskId", "is not a task id", given=task_id)], what="task")
    return task_id.lower()


def _visible_row(ctx: AppContext, task_id: str, within: Scope | None = None) -> TaskRow:
    """The task, when the caller may see its kind in its scope (NotFound otherwise:
    a task outside the caller's scope is not revealed). ``within``: the scope the
    request names (the caller must hold a task permission there, asked before anything
    is read; the task must be in it or inside it)."""
    if within is not None and not any(ctx.caller.can(p, within) for p in _TASK_PERMISSIONS):
        ctx.caller.require(_TASK_PERMISSIONS[0], within)
    with ctx.db.transaction(write=False) as tx:
        row = tx.tasks.find(_check_task_id(task_id))
    scope = Scope(row.org, row.project) if row is not None else None
    where = within or ctx.caller.scope
    if (
        row is None
        or scope is None
        or not ctx.caller.visible(scope)
        or (within is not None and within not in scope.chain())
    ):
        raise NotFound(f"task {task_id} not found in {where.label()}")
    ctx.caller.require(PERMISSION_OF[row.kind], scope)
    return row


def get(ctx: AppContext, task_id: str, *, scope: Scope | None = None) -> Task:
    """One task (the permission of its kind on its scope; ``scope``: the scope the request
    names, see ``_visible_row``); one past its deadline is expired on the way."""
    row = _visible_row(ctx, task_id, scope)
    if row.state in ("queued", "running") and row.deadline <= ctx.clock():
        row = expire_if_overdue(ctx, row.id) or row
    return task_of(ctx, row)


def list_tasks(
    ctx: AppContext,
    *,
    scope: Scope | None = None,
    connector: EntityRef | None = None,
    states: Sequence[str] = (),
    kinds: Sequence[str] = (),
    limit: int = 100,
    offset: int = 0,
) -> list[Task]:
    """Tasks in ``scope`` (default: the caller's) and inside it, newest first, of the kinds
    the caller may see there. Credentials tasks (their results are credentials) are
    listed only when ``kinds`` names them."""
    where = connector.scope if connector is not None else (scope or ctx.caller.scope)
    problems = [
        Problem("states", "is not a task state", given=s, allowed=", ".join(_STATES))
        for s in states
        if s not in _STATES
    ]
    problems += [
        Problem("kinds", "is not a task kind", given=k, allowed=", ".join(TASK_KINDS))
        for k in kinds
        if k not in TASK_KINDS
    ]
    if not 1 <= limit <= MAX_LIST:
        problems.append(Problem("limit", "is out of range", given=limit, allowed=f"1-{MAX_LIST}"))
    if offset < 0:
        problems.append(Problem("offset", "is negative", given=offset))
    if problems:
        raise ValidationFailed(problems, what="task query")
    wanted = list(kinds) or [k for k in TASK_KINDS if k != "credentials"]
    allowed = [k for k in wanted if ctx.caller.can(PERMISSION_OF[k], where)]
    if not allowed:
        ctx.caller.require(PERMISSION_OF[wanted[0]], where)
    with ctx.db.transaction(write=False) as tx:
        rows = tx.tasks.list(
            org=where.org,
            project=where.project,
            connector=connector.identifier if connector is not None else None,
            states=states,
            kinds=allowed,
            limit=limit,
            offset=offset,
        )
    out = []
    for row in rows:
        if ctx.caller.can(PERMISSION_OF[row.kind], Scope(row.org, row.project)):
            out.append(task_of(ctx, row))
    return out


# -- cancel and wait -----------------------------------------------------------------------


def cancel(ctx: AppContext, task_id: str, *, scope: Scope | None = None) -> Task:
    """Cancel a queued or running task (its owner learns at its next heartbeat and its
    result is then refused); a cancelled one is returned as it is; an ended one is a
    Conflict. Audited as ``task.cancel``."""
    row = _visible_row(ctx, task_id, scope)
    ref = EntityRef(Scope(row.org, row.project), row.connector)
    with audited(ctx, "task.cancel", AuditTarget.of("connector", ref)) as event:
        with ctx.db.transaction() as tx:
            done = tx.tasks.end(
                row.id, from_states=("queued", "running"), state="cancelled", now=ctx.clock()
            )
            found = tx.tasks.find(row.id)
            assert found is not None
            if done:
                announce(ctx, tx, Change.ENDED)
                event.write(tx)
        if not done:
            event.skip()
            if found.state != "cancelled":
                raise Conflict(
                    f"task {row.id} has ended ({found.state}): there is nothing to cancel"
                )
    return task_of(ctx, found)


def wait(
    ctx: AppContext,
    task_id: str,
    timeout_s: float = WAIT_TIMEOUT.default,
    *,
    scope: Scope | None = None,
) -> Task:
    """The task once it has ended, or as it is after ``timeout_s`` (at most its deadline:
    it then expires). Woken at once when it ends, on this replica or another."""
    seconds = WAIT_TIMEOUT.check(timeout_s)
    signals = signals_of(ctx)
    deadline = waiting(seconds)
    while True:
        seen = signals.generation(Change.ENDED)
        task = get(ctx, task_id, scope=scope)
        left = deadline.remaining() if deadline is not None else 0.0
        if task.ended or left <= 0:
            return task
        until_deadline = (task.deadline - ctx.clock()).total_seconds()
        signals.sleep(Change.ENDED, seen, max(0.0, min(left, until_deadline + 0.01)))
