"""The monitor's rows: each connector's test schedule, status changes, history pruning.

A connector joins the schedule the first time the monitor looks (``add_missing``,
insert-or-nothing, so replicas adding it together write one row). ``due`` picks the
connectors whose next test time has come; PostgreSQL locks them with ``FOR UPDATE
SKIP LOCKED`` and the claim moves ``next_test_at`` in the same transaction, so each
due test goes to exactly one replica. Status changes are written by
``ConnectorRepository.record_test`` with the test that made them; their followers (the
alert webhook, the metrics) keep how far they got in ``status_feeds``, one process at a
time holding each feed (``take_feed``, ``advance_feed``, ``release_feed``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, exists, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from awsconn.store.db_errors import translated
from awsconn.store.repository_base import Repository
from awsconn.store.tables import (
    ConnectorRecord,
    ConnectorScheduleRecord,
    ConnectorStatusChangeRecord,
    ConnectorTestRecord,
    StatusFeedRecord,
)
from awsconn.store.task_rows import ScheduleRow, StatusChangeRow
from awsconn.store.token_repository import within_scope

__all__ = ["MonitorRepository", "ScheduleRow", "StatusChangeRow"]

Schedules = ConnectorScheduleRecord
Changes = ConnectorStatusChangeRecord
Connectors = ConnectorRecord
Tests = ConnectorTestRecord
Feeds = StatusFeedRecord


def _first_error_code(result: Any) -> str | None:
    """The code of the first error a stored test result names (a failure's), if any."""
    errors = result.get("errors") if isinstance(result, dict) else None
    if isinstance(errors, builtins.list) and errors and isinstance(errors[0], dict):
        code = errors[0].get("code")
        return code if isinstance(code, str) else None
    return None


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
            select(Changes, Connectors, Tests.result)
            .join(Connectors, Connectors.id == Changes.connector_id)
            .outerjoin(Tests, Tests.id == Changes.test_id)
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
                error_code=_first_error_code(result),
            )
            for ch, c, result in pairs
        ]

    # -- status feeds: followers of the status changes ---------------------------------------

    def take_feed(self, name: str, *, holder: str, now: datetime, until: datetime) -> int | None:
        """Hold the feed ``name`` for ``holder`` until ``until`` and return the last change
        id it handled; None when another holder's hold has not lapsed. A feed seen for the
        first time starts at the newest change (history is not replayed). The row stays
        locked to the end of this write transaction (``FOR UPDATE``; SQLite's write lock)."""
        stmt = select(Feeds).where(Feeds.name == name)
        if self._dialect == "postgresql":
            stmt = stmt.with_for_update()
        with translated(self._where):
            feed = self._session.scalars(stmt.execution_options(populate_existing=True)).first()
            if feed is None:
                newest = self._session.scalar(select(func.max(Changes.id))) or 0
                dialect = postgresql if self._dialect == "postgresql" else sqlite
                self._session.execute(
                    dialect.insert(Feeds)
                    .values(name=name, last_id=newest, holder=holder, held_until=until)
                    .on_conflict_do_nothing()
                )
                feed = self._session.scalars(stmt.execution_options(populate_existing=True)).one()
                if feed.holder == holder:
                    return int(feed.last_id)
        held = feed.holder not in (None, holder)
        if held and feed.held_until is not None and feed.held_until > now:
            return None
        self._execute(
            update(Feeds).where(Feeds.name == name).values(holder=holder, held_until=until)
        )
        return int(feed.last_id)

    def settle_status_changes(self) -> None:
        """Wait until every transaction writing a status change has ended, so the changes
        read next in this transaction include every id handed out so far (PostgreSQL
        hands out ids before commit, so a smaller id may commit after a larger one; a
        SHARE lock waits for those writers and holds new ones back until this
        transaction ends). SQLite's write transactions are one at a time already."""
        if self._dialect == "postgresql":
            with translated(self._where):
                self._session.execute(text("LOCK TABLE connector_status_changes IN SHARE MODE"))

    def advance_feed(
        self, name: str, *, holder: str, from_id: int, to_id: int, until: datetime
    ) -> bool:
        """Record that ``holder`` handled the changes up to ``to_id`` and extend its hold;
        False (nothing written) when the feed is no longer at ``from_id`` in its hands."""
        stmt = (
            update(Feeds)
            .where(Feeds.name == name, Feeds.holder == holder, Feeds.last_id == from_id)
            .values(last_id=to_id, held_until=until)
        )
        return self._execute(stmt) > 0

    def release_feed(self, name: str, *, holder: str) -> bool:
        """Give the feed up (another process may take it at once)."""
        stmt = (
            update(Feeds)
            .where(Feeds.name == name, Feeds.holder == holder)
            .values(holder=None, held_until=None)
        )
        return self._execute(stmt) > 0

    def feed_position(self, name: str) -> int | None:
        """The last change id the feed ``name`` handled (None: never taken)."""
        with translated(self._where):
            found = self._session.scalar(select(Feeds.last_id).where(Feeds.name == name))
        return None if found is None else int(found)

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
