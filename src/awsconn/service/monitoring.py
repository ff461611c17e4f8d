"""Connectivity monitoring: every connector tested on a schedule, by exactly one replica.

Each connector is tested every :data:`DEFAULT_INTERVAL_MIN` minutes, or at its own
interval (:func:`set_test_interval`: awsconn's metadata beside the connector, not a
field of the Harness document, which Harness would refuse), each time jittered by
±:data:`JITTER` so tests spread out. A connector joins the schedule when the monitor
first looks, at a random moment within one interval. :func:`claim_due` hands each due
connector to one replica: the schedule row is locked (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; SQLite's write lock) and its next test time moved in the same transaction;
:func:`run_due_tests` claims and submits the connection tests (``tasks.submit``: on a
delegate, or here for ``executeOnDelegate: false``). Connectors with
``ignoreTestConnection`` are claimed (their time moves on) but not tested.

Status history is the connectors' test history; each change of a connector's status
(SUCCESS→FAILURE, back, or its first) is recorded with the test that made it and read
in order by :func:`status_changes`. :func:`follow_status_changes` hands each change to
a follower (the alert webhook, the metrics) once across every replica: the follower's
place is a row of the store, held by one process at a time. :func:`prune_history`
keeps ``keep_days`` of history (``AWSCONN_HISTORY_DAYS``, default 30), each
connector's newest result always.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from awsconn.errors import NotFound, Problem, ValidationFailed
from awsconn.model import EntityRef, Scope, parse_connector_document
from awsconn.model.results import ConnectorSchedule, StatusChange, Task
from awsconn.service.access import Permission
from awsconn.service.audit import AuditTarget, audited

if TYPE_CHECKING:
    from awsconn.service.context import AppContext
    from awsconn.store.task_rows import ScheduleRow, StatusChangeRow

__all__ = [
    "DEFAULT_HISTORY_DAYS",
    "DEFAULT_INTERVAL_MIN",
    "FEED_HOLD",
    "HISTORY_DAYS_ENV",
    "JITTER",
    "MAX_INTERVAL_MIN",
    "DueTest",
    "FollowReport",
    "PruneReport",
    "claim_due",
    "due_connectors",
    "follow_status_changes",
    "history_days",
    "prune_history",
    "run_due_tests",
    "schedule_of",
    "set_test_interval",
    "status_changes",
]

DEFAULT_INTERVAL_MIN = 10
MAX_INTERVAL_MIN = 1440
JITTER = 0.1
DEFAULT_HISTORY_DAYS = 30
MAX_HISTORY_DAYS = 3650
HISTORY_DAYS_ENV = "AWSCONN_HISTORY_DAYS"
FEED_HOLD = timedelta(seconds=60)
"""How long a process holds a status feed without handling a change (then another may)."""
_MAX_BATCH = 1000


def _interval(minutes: int | None) -> timedelta:
    return timedelta(minutes=minutes or DEFAULT_INTERVAL_MIN)


def _jittered(minutes: int | None, rng: random.Random) -> timedelta:
    return _interval(minutes) * rng.uniform(1 - JITTER, 1 + JITTER)


def _ref(row: ScheduleRow) -> EntityRef:
    return EntityRef(Scope(row.org, row.project), row.identifier)


def _schedule(row: ScheduleRow) -> ConnectorSchedule:
    return ConnectorSchedule(
        connector=str(_ref(row)),
        interval_minutes=row.test_interval_min or DEFAULT_INTERVAL_MIN,
        own_interval=row.test_interval_min is not None,
        next_test_at=row.next_test_at,
    )


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _MAX_BATCH:
        raise ValidationFailed(
            [Problem("limit", "is out of range", given=limit, allowed=f"1-{_MAX_BATCH}")]
        )


# -- the schedule ---------------------------------------------------------------------------


def due_connectors(
    ctx: AppContext, now: datetime | None = None, *, limit: int = 100
) -> list[ConnectorSchedule]:
    """Connectors whose test is due at ``now``, earliest first (nothing claimed); the
    monitor's view, ``connector:test`` in the account."""
    _check_limit(limit)
    ctx.caller.require(Permission.CONNECTOR_TEST, Scope())
    moment = now or ctx.clock()
    with ctx.db.transaction(write=False) as tx:
        rows = tx.monitor.due(now=moment, limit=limit)
    return [_schedule(r) for r in rows]


@dataclass(frozen=True)
class DueTest:
    """A connector whose test this replica claimed, and whether it asks not to be tested."""

    ref: EntityRef
    ignore_test_connection: bool


def claim_due(
    ctx: AppContext,
    now: datetime | None = None,
    *,
    limit: int = 50,
    rng: random.Random | None = None,
) -> list[DueTest]:
    """Claim up to ``limit`` due connectors for this replica: each is handed to exactly
    one caller however many replicas claim at once; its next test time moves on by its
    interval, jittered. Connectors not yet scheduled join at a random moment within one
    default interval. ``connector:test`` in the account."""
    _check_limit(limit)
    ctx.caller.require(Permission.CONNECTOR_TEST, Scope())
    moment = now or ctx.clock()
    pick = rng or random.Random()
    first = _interval(None).total_seconds()
    with ctx.db.transaction() as tx:
        tx.monitor.add_missing(
            first_test_at=lambda: moment + timedelta(seconds=pick.uniform(0, first))
        )
        rows = tx.monitor.due(now=moment, limit=limit, lock=True)
        for row in rows:
            next_at = moment + _jittered(row.test_interval_min, pick)
            tx.monitor.advance(row.connector_id, next_test_at=next_at, claimed_at=moment)
    claimed = []
    for row in rows:
        connector = parse_connector_document(row.document, account=ctx.account)
        claimed.append(DueTest(_ref(row), connector.ignore_test_connection))
    return claimed


def run_due_tests(
    ctx: AppContext,
    now: datetime | None = None,
    *,
    limit: int = 50,
    batches: int = 1,
    stop: Callable[[], bool] | None = None,
) -> list[Task]:
    """Claim the due connectors (:func:`claim_due`) and submit their connection tests;
    the tasks, in order (a connector deleted meanwhile is left out). Up to ``batches``
    claims of ``limit`` each, the next only when the last was full; ``stop()`` True ends
    it between tests (those claimed and not submitted wait for their next time)."""
    from awsconn.service.task_submit import submit

    tasks: list[Task] = []
    for _ in range(batches):
        claimed = claim_due(ctx, now, limit=limit)
        for due in claimed:
            if stop is not None and stop():
                return tasks
            if due.ignore_test_connection:
                continue
            try:
                tasks.append(submit(ctx, "connection-test", due.ref))
            except NotFound:
                continue
        if len(claimed) < limit:
            break
    return tasks


def _connector_id(ctx: AppContext, ref: EntityRef) -> int:
    with ctx.db.transaction(write=False) as tx:
        row = tx.connectors.find(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
        )
    if row is None:
        raise NotFound(f"connector {ref} not found in {ref.scope.label()}")
    return row.id


def set_test_interval(
    ctx: AppContext, ref: EntityRef, minutes: int | None, *, rng: random.Random | None = None
) -> ConnectorSchedule:
    """The connector's own test interval in minutes (1 to :data:`MAX_INTERVAL_MIN`), or
    None for the default; a shorter interval brings its next test forward.
    ``connector:edit``; audited as ``connector.test-interval``."""
    if minutes is not None and (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= MAX_INTERVAL_MIN
    ):
        allowed = f"whole minutes from 1 to {MAX_INTERVAL_MIN}, or none for the default"
        problem = Problem("testInterval", "is out of range", given=minutes, allowed=allowed)
        raise ValidationFailed([problem], what="test interval")
    ctx.caller.require(Permission.CONNECTOR_EDIT, ref.scope)
    pick = rng or random.Random()
    with audited(ctx, "connector.test-interval", AuditTarget.of("connector", ref)) as event:
        now = ctx.clock()
        with ctx.db.transaction() as tx:
            row = tx.connectors.get(
                org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
            )
            current = tx.monitor.find(row.id)
            soonest = now + _jittered(minutes, pick)
            next_at = soonest if current is None else min(current.next_test_at, soonest)
            tx.monitor.set_interval(row.id, minutes=minutes, next_test_at=next_at)
            found = tx.monitor.find(row.id)
            event.write(tx)
    assert found is not None
    return _schedule(found)


def schedule_of(ctx: AppContext, ref: EntityRef) -> ConnectorSchedule:
    """When the connector is next tested, and how often; ``connector:view``. A connector
    the monitor has not looked at yet has no next test time."""
    ctx.caller.require(Permission.CONNECTOR_VIEW, ref.scope)
    connector_id = _connector_id(ctx, ref)
    with ctx.db.transaction(write=False) as tx:
        found = tx.monitor.find(connector_id)
    if found is None:
        return ConnectorSchedule(
            connector=str(ref),
            interval_minutes=DEFAULT_INTERVAL_MIN,
            own_interval=False,
            next_test_at=None,
        )
    return _schedule(found)


# -- status changes and history ----------------------------------------------------------


def _change_of(row: StatusChangeRow) -> StatusChange:
    return StatusChange(
        id=row.id,
        connector=str(EntityRef(Scope(row.org, row.project), row.identifier)),
        at=row.at,
        from_status=row.from_status,
        to_status=row.to_status,
        error_code=row.error_code,
    )


def status_changes(
    ctx: AppContext, *, after_id: int = 0, limit: int = 100, scope: Scope | None = None
) -> list[StatusChange]:
    """Changes of connectors' status after ``after_id`` (an alert hook keeps the last id
    it sent), oldest first, in ``scope`` (default: the caller's) and inside it;
    ``connector:view`` there."""
    _check_limit(limit)
    if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
        raise ValidationFailed([Problem("afterId", "is not a change id", given=after_id)])
    where = scope or ctx.caller.scope
    ctx.caller.require(Permission.CONNECTOR_VIEW, where)
    with ctx.db.transaction(write=False) as tx:
        rows = tx.monitor.status_changes(
            after_id=after_id, limit=limit, org=where.org, project=where.project
        )
    return [_change_of(r) for r in rows]


@dataclass
class FollowReport:
    """One pass of a follower: the changes it handled, and whether it stopped early
    (the handler refused one, or the feed went to another process); ``held_elsewhere``
    when another process held the feed and nothing was read."""

    handled: list[StatusChange] = field(default_factory=list)
    stopped_at: StatusChange | None = None
    lost_feed: bool = False
    held_elsewhere: bool = False


def follow_status_changes(
    ctx: AppContext,
    feed: str,
    handle: Callable[[StatusChange], bool],
    *,
    holder: str,
    limit: int = 100,
    hold: timedelta = FEED_HOLD,
) -> FollowReport:
    """Hand the changes after the feed's place to ``handle``, oldest first, and move the
    place past each one it returns True for; a False stops the pass there (the change is
    offered again next pass). The feed is held by ``holder`` (one process at a time; a
    hold lapses ``hold`` after its last change, so a process that died gives it up), and
    released at the end. A feed seen for the first time starts at the newest change.

    At least once: a change handled but not yet recorded when the process dies is offered
    again. ``connector:view`` in the account."""
    _check_limit(limit)
    ctx.caller.require(Permission.CONNECTOR_VIEW, Scope())
    report = FollowReport()
    now = ctx.clock()
    with ctx.db.transaction() as tx:
        place = tx.monitor.take_feed(feed, holder=holder, now=now, until=now + hold)
        if place is None:
            report.held_elsewhere = True
            return report
        tx.monitor.settle_status_changes()
        rows = tx.monitor.status_changes(after_id=place, limit=limit)
    changes = [_change_of(r) for r in rows]
    try:
        for change in changes:
            if not handle(change):
                report.stopped_at = change
                break
            moment = ctx.clock()
            with ctx.db.transaction() as tx:
                moved = tx.monitor.advance_feed(
                    feed, holder=holder, from_id=place, to_id=change.id, until=moment + hold
                )
            if not moved:
                report.lost_feed = True
                break
            place = change.id
            report.handled.append(change)
    finally:
        with ctx.db.transaction() as tx:
            tx.monitor.release_feed(feed, holder=holder)
    return report


@dataclass(frozen=True)
class PruneReport:
    """What :func:`prune_history` deleted."""

    keep_days: int
    tests: int
    status_changes: int
    tasks: int


def history_days(environ: Mapping[str, str], keep_days: int | None = None) -> int:
    """Days of history kept: ``keep_days``, else ``AWSCONN_HISTORY_DAYS``, else 30; a value
    out of range is refused naming where it came from."""
    setting, value = "keepDays", keep_days
    if value is None:
        raw = environ.get(HISTORY_DAYS_ENV, "").strip()
        if not raw:
            return DEFAULT_HISTORY_DAYS
        setting, value = HISTORY_DAYS_ENV, int(raw) if raw.isdigit() else raw  # type: ignore[assignment]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HISTORY_DAYS:
        allowed = f"whole days from 1 to {MAX_HISTORY_DAYS}"
        raise ValidationFailed(
            [Problem(setting, "is not a number of days in range", given=value, allowed=allowed)],
            what="history retention",
        )
    return value


def prune_history(ctx: AppContext, keep_days: int | None = None) -> PruneReport:
    """Delete test results, status changes and ended tasks older than ``keep_days``
    (default ``AWSCONN_HISTORY_DAYS``, else 30); each connector keeps its newest result.
    ``connector:edit`` in the account."""
    days = history_days(ctx.environ, keep_days)
    ctx.caller.require(Permission.CONNECTOR_EDIT, Scope())
    before = ctx.clock() - timedelta(days=days)
    with ctx.db.transaction() as tx:
        tests, changes = tx.monitor.prune(before=before)
        tasks = tx.tasks.prune(before=before)
    return PruneReport(days, tests, changes, tasks)
