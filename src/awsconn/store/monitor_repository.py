"""The monitor's rows: each connector's test schedule, status changes, history pruning.

A connector joins the schedule the first time the monitor looks (``add_missing``,
insert-or-nothing, so replicas adding it together write one row). ``due`` picks the
connectors whose next test time has come; PostgreSQL locks them with ``FOR UPDATE
SKIP LOCKED`` and the claim moves ``next_test_at`` in the same transaction, so each
due test goes to exactly one replica. Status changes are written by
``ConnectorRepository.record_test`` with the test that made them.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from awsconn.store.db_errors import translated
from awsconn.store.repository_base import Repository
from awsconn.store.tables import (
    ConnectorRecord,
    ConnectorScheduleRecord,
    ConnectorStatusChangeRecord,
    ConnectorTestRecord,
)
from awsconn.store.task_rows import ScheduleRow, StatusChangeRow
from awsconn.store.token_repository import within_scope

__all__ = ["MonitorRepository", "ScheduleRow", "StatusChangeRow"]

Schedules = ConnectorScheduleRecord
Changes = ConnectorStatusChangeRecord
Connectors = ConnectorRecord
Tests = ConnectorTestRecord


def _schedule_row(schedule: Any, connector: Any) -> ScheduleRow:
    return ScheduleRow(
        connector_id=schedule.connector_id,
        org=connector.org or None,
        project=connector.project or None,
        identifier=connector.identifier,
        test_interval_min=schedule.test_interval_min,
        next_test_at=schedule.next_test_at,
        claimed_at=schedule.claimed_at,
        document=dict(connector.document),
    )


class MonitorRepository(Repository):
    """Rows of ``connector_schedules`` and ``connector_status_changes``; history pruning."""

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    def _execute(self, stmt: Any) -> int:
        with translated(self._where):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        return int(cast(CursorResult[Any], result).rowcount)

    # -- the schedule --------------------------------------------------------------------

    def add_missing(self, *, first_test_at: Callable[[], datetime]) -> int:
        """Schedule every connector that has no schedule yet, each at ``first_test_at()``;
        how many were added (a row another transaction added first is left as it is)."""
        stmt = (
            select(Connectors.id)
            .outerjoin(Schedules, Schedules.connector_id == Connectors.id)
            .where(Schedules.connector_id.is_(None))
        )
        with translated(self._where):
            missing = list(self._session.scalars(stmt))
        if not missing:
            return 0
        rows = [{"connector_id": cid, "next_test_at": first_test_at()} for cid in missing]
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        insert = dialect.insert(Schedules).values(rows).on_conflict_do_nothing()
        with translated(self._where):
            added = self._session.execute(insert.returning(Schedules.connector_id)).all()
        return len(added)

    def due(self, *, now: datetime, limit: int, lock: bool = False) -> builtins.list[ScheduleRow]:
        """Schedules whose next test time is at or before ``now``, earliest first; with
        ``lock`` (a write transaction) locked, skipping rows another claim holds."""
        stmt = (
            select(Schedules, Connectors)
            .join(Connectors, Connectors.id == Schedules.connector_id)
            .where(Schedules.next_test_at <= now)
            .order_by(Schedules.next_test_at, Schedules.connector_id)
            .limit(limit)
        )
        if lock and self._write and self._dialect == "postgresql":
            stmt = stmt.with_for_update(of=Schedules, skip_locked=True)
        with translated(self._where):
            pairs = self._session.execute(stmt.execution_options(populate_existing=True)).all()
        return [_schedule_row(s, c) for s, c in pairs]

    def find(self, connector_id: int) -> ScheduleRow | None:
        stmt = (
            select(Schedules, Connectors)
            .join(Connectors, Connectors.id == Schedules.connector_id)
            .where(Schedules.connector_id == connector_id)
        )
        if self._write and self._dialect == "postgresql":
            stmt = stmt.with_for_update(of=Schedules)
        with translated(self._where):
            pair = self._session.execute(stmt.execution_options(populate_existing=True)).first()
        return _schedule_row(*pair) if pair is not None else None

    def advance(self, connector_id: int, *, next_test_at: datetime, claimed_at: datetime) -> bool:
        """Record a claim: the next test time moves on."""
        stmt = (
            update(Schedules)
            .where(Schedules.connector_id == connector_id)
            .values(next_test_at=next_test_at, claimed_at=claimed_at)
        )
        return self._execute(stmt) > 0

    def set_interval(
        self, connector_id: int, *, minutes: int | None, next_test_at: datetime
    ) -> None:
        """The connector's own interval (None: the default) and its next test time."""
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        values = {"test_interval_min": minutes, "next_test_at": next_test_at}
        insert = dialect.insert(Schedules).values(connector_id=connector_id, **values)
        self._execute(insert.on_conflict_do_update(index_elements=["connector_id"], set_=values))

    # -- status changes and history -------------------------------------------------------

    def status_changes(
        self,
        *,
        after_id: int = 0,
        limit: int = 100,
        org: str | None = None,
        project: str | None = None,
    ) -> builtins.list[StatusChangeRow]:
        """Status changes after ``after_id``, oldest first, of connectors in (org,
        project) and the scopes inside it."""
        stmt = (
            select(Changes, Connectors)
            .join(Connectors, Connectors.id == Changes.connector_id)
            .where(
                Changes.id > after_id,
                *within_scope(Connectors.org, Connectors.project, org, project),
            )
            .order_by(Changes.id)
            .limit(limit)
        )
        with translated(self._where):
            pairs = self._session.execute(stmt).all()
        return [
            StatusChangeRow(
                id=ch.id,
                org=c.org or None,
                project=c.project or None,
                identifier=c.identifier,
                test_id=ch.test_id,
                at=ch.at,
                from_status=ch.from_status,
                to_status=ch.to_status,
            )
            for ch, c in pairs
        ]

    def prune(self, *, before: datetime) -> tuple[int, int]:
        """Delete test results older than ``before`` (each connector keeps its newest) and
        status changes older than it; (tests deleted, changes deleted)."""
        newer = aliased(Tests)
        has_newer = exists().where(
            newer.connector_id == Tests.connector_id,
            or_(
                newer.tested_at > Tests.tested_at,
                and_(newer.tested_at == Tests.tested_at, newer.id > Tests.id),
            ),
        )
        tests = self._execute(delete(Tests).where(Tests.tested_at < before, has_newer))
        changes = self._execute(delete(Changes).where(Changes.at < before))
        return tests, changes
