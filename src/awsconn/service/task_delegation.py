"""A server's road for work that needs a delegate: submit it as a task, wait for its end.

On a server the dispatch seam says that a connector's work runs on a delegate
(``Where.via_task``); its use case (connection test, regions, credentials, permission
check) then calls :func:`run_as_task`, which submits the task (routing, audit, the
DELEGATE_UNAVAILABLE failure at once when no connected delegate can run it) and waits
until the task ends, at most until its deadline (the operation's timeout plus
:data:`QUEUE_MARGIN_S` for a delegate to take it, within the request's own deadline).
The answer is never "pending": the result the delegate posted, or the task's error as
the error the same work raises anywhere (:func:`raise_failure`); a connection test
reports FAILURE with it instead (:func:`delegated_test_outcome`). Either names the task and the
delegate that ran it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from awsconn.errors import (
    AwsCallFailed,
    AwsconnError,
    AwsFailure,
    InvalidInput,
    Unauthenticated,
    own_error_class,
)
from awsconn.model.results import ConnectionTestOutcome, Failure, Identity

if TYPE_CHECKING:
    from awsconn.model import Connector, EntityRef
    from awsconn.model.results import Task, WireModel
    from awsconn.service.context import AppContext

__all__ = [
    "QUEUE_MARGIN_S",
    "Delegated",
    "delegated_test_outcome",
    "error_of_failure",
    "raise_failure",
    "result_of_task",
    "run_as_task",
]

QUEUE_MARGIN_S = 30.0
"""Seconds a task may wait for a delegate to take it, beyond its operation's timeout."""


@dataclass(frozen=True)
class Delegated:
    """A task that ended (or passed its deadline), and the name of the delegate that held it."""

    task: Task
    delegate_name: str | None = None


def _deadline(ctx: AppContext, timeout_s: float) -> float:
    """The task's deadline in seconds: its timeout and the margin, within the request's."""
    from awsconn.service.tasks import TASK_DEADLINE

    seconds = timeout_s + QUEUE_MARGIN_S
    if ctx.deadline is not None:
        seconds = min(seconds, ctx.deadline.remaining())
    return min(max(seconds, TASK_DEADLINE.minimum), TASK_DEADLINE.maximum)


def run_as_task(
    ctx: AppContext,
    kind: str,
    ref: EntityRef,
    params: Mapping[str, Any],
    *,
    timeout_s: float,
) -> Delegated:
    """Submit ``kind`` for ``ref`` with ``params`` and wait for the task to end."""
    from awsconn.service import tasks

    seconds = _deadline(ctx, timeout_s)
    task = tasks.submit(ctx, kind, ref, params, deadline_s=seconds)
    if not task.ended:
        task = tasks.wait(ctx, task.id, timeout_s=min(seconds + 1.0, tasks.WAIT_TIMEOUT.maximum))
    return Delegated(task, _delegate_name(ctx, task.owner))


def _delegate_name(ctx: AppContext, delegate_id: str | None) -> str | None:
    if delegate_id is None:
        return None
    with ctx.db.transaction(write=False) as tx:
        row = tx.delegates.find(delegate_id)
    return row.name if row is not None else None


def _not_ended(d: Delegated) -> Failure:
    """The failure of a task still queued or running when its wait ended."""
    task = d.task
    return Failure(
        code="TASK_EXPIRED",
        message=f"task {task.id} ({task.kind} for {task.connector}) had not ended by its "
        f"deadline: it was still {task.state}",
        hint="check that a delegate able to run it is connected and heartbeating",
    )


def _failure(d: Delegated) -> Failure:
    task = d.task
    if task.error is not None:
        return task.error
    if task.state == "cancelled":
        return Failure(code="CONFLICT", message=f"task {task.id} was cancelled")
    return _not_ended(d)


def error_of_failure(failure: Failure) -> AwsconnError:
    """A task's error as the awsconn error the same work raises where it runs (AWS's
    taxonomy codes and codes this version does not know: AwsCallFailed)."""
    own = own_error_class(failure.code)
    if own is not None and own is not Unauthenticated:  # a task never fails as 401
        return own(failure.message, hint=failure.hint or None)
    if failure.code == "VALIDATION_FAILED":
        return InvalidInput(failure.message, hint=failure.hint or None)
    return AwsCallFailed(
        AwsFailure(
            code=failure.code,
            message=failure.message,
            hint=failure.hint,
            aws_error_code=failure.aws_error_code,
            request_id=failure.request_id,
        )
    )


def raise_failure(d: Delegated) -> NoReturn:
    """Raise what ended the task (it did not succeed)."""
    raise error_of_failure(_failure(d))


def result_of_task(d: Delegated) -> WireModel:
    """The result the delegate posted, or the task's error raised."""
    if d.task.state == "succeeded" and d.task.result is not None:
        return d.task.result
    raise_failure(d)


def delegated_test_outcome(
    ctx: AppContext, connector: Connector, d: Delegated
) -> ConnectionTestOutcome:
    """A connection test's answer from its task: the delegate's outcome (as stored in the
    connector's history), or FAILURE with the task's error (no test ran: nothing stored);
    either names the task and the delegate."""
    task = d.task
    names = {"task_id": task.id, "delegate_id": task.owner, "delegate_name": d.delegate_name}
    if task.state == "succeeded" and isinstance(task.result, ConnectionTestOutcome):
        return task.result.model_copy(update=names)
    return ConnectionTestOutcome(
        task_id=task.id,
        delegate_id=task.owner,
        delegate_name=d.delegate_name,
        connector=str(connector.ref),
        status="FAILURE",
        identity=Identity(),
        region=connector.region,
        tested_at=task.finished_at or ctx.clock(),
        duration_ms=0,
        errors=[_failure(d)],
        not_recorded="no delegate ran the test: the connector's history is unchanged",
    )
