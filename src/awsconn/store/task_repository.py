"""Tasks: insert, claim, renew, finish, requeue, expire, list, prune.

Every state change is one conditional UPDATE (``WHERE state = ... AND owner = ... AND
attempt = ...``) that says whether it happened, so a change that lost a race touches
nothing, on both engines. A claim picks the oldest queued task whose ``requires`` the
delegate offers: PostgreSQL locks it with ``FOR UPDATE SKIP LOCKED`` (claimers on
several replicas never wait for each other nor take the same task), SQLite runs it in
the write transaction (``BEGIN IMMEDIATE``: one writer at a time).
"""

from __future__ import annotations

import builtins
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate
from sqlalchemy.sql.elements import TextClause

from awsconn.store.repository_base import Repository, check_json, scope_columns
from awsconn.store.tables import TaskRecord
from awsconn.store.task_rows import SealedResult, TaskRow
from awsconn.store.token_repository import within_scope

__all__ = ["ENDED_STATES", "TaskRepository", "TaskRow"]

Tasks = TaskRecord.__table__.c
"""The columns (statements here are SQLAlchemy Core: no ORM objects on the hot path)."""
_TABLE = cast(Table, TaskRecord.__table__)
ENDED_STATES = ("succeeded", "failed", "expired", "cancelled")


@dataclass(frozen=True)
class _Statements:
    """The statements of the task hot path (find, claim, finish), built once per dialect
    with bound parameters: building a statement costs more than running it."""

    find: Select[Any]
    find_locked: Select[Any]
    next_claimable: Select[Any]
    any_claimable: Select[Any]
    claim: Update
    finish: ReturningUpdate[Any]
    insert: ReturningInsert[Any]


@functools.cache
def _statements(dialect: str) -> _Statements:
    postgresql = dialect == "postgresql"
    if postgresql:
        offers: TextClause = text("tasks.requires <@ CAST(:offered AS JSONB)")
    else:
        offers = text(
            "NOT EXISTS (SELECT 1 FROM json_each(tasks.requires) AS wanted "
            "WHERE wanted.value NOT IN :offered)"
        ).bindparams(bindparam("offered", expanding=True))
    claimable = (Tasks.state == "queued", Tasks.deadline > bindparam("now"), offers)
    find = select(_TABLE).where(Tasks.id == bindparam("task_id"))
    pick = select(_TABLE).where(*claimable).order_by(Tasks.seq).limit(1)
    return _Statements(
        find=find,
        find_locked=find.with_for_update() if postgresql else find,
        next_claimable=pick.with_for_update(skip_locked=True) if postgresql else pick,
        any_claimable=select(Tasks.id).where(*claimable).limit(1),
        claim=update(_TABLE)
        .where(Tasks.id == bindparam("task_id"), Tasks.state == "queued")
        .values(
            state="running",
            owner=bindparam("b_owner"),
            attempt=Tasks.attempt + 1,
            started_at=bindparam("now"),
            lease_until=bindparam("b_lease_until"),
            version=Tasks.version + 1,
        ),
        finish=update(_TABLE)
        .where(
            Tasks.id == bindparam("task_id"),
            Tasks.state == "running",
            Tasks.owner == bindparam("b_owner"),
            Tasks.attempt == bindparam("b_attempt"),
        )
        .values(
            state=bindparam("b_state"),
            result=bindparam("b_result"),
            result_key_id=bindparam("b_key_id"),
            result_nonce=bindparam("b_nonce"),
            result_sealed=bindparam("b_sealed"),
            result_digest=bindparam("digest"),
            error=bindparam("b_error"),
            finished_at=bindparam("now"),
            lease_until=None,
            version=Tasks.version + 1,
        )
        .returning(*_TABLE.c),
        insert=insert(_TABLE).returning(*_TABLE.c),
    )


class TaskRepository(Repository):
    """Rows of ``tasks``."""

    @property
    def _hot(self) -> _Statements:
        return _statements(self._dialect)

    def _offered(self, offered: Sequence[str]) -> str | builtins.list[str]:
        """``offered`` as the claim statements bind it (JSON text on PostgreSQL)."""
        values = sorted(set(offered))
        return json.dumps(values) if self._dialect == "postgresql" else values

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    def _locking(self, stmt: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
        """``FOR UPDATE`` (SKIP LOCKED when asked) on PostgreSQL in a write transaction;
        SQLite's write transaction holds the database's lock already."""
        if self._write and self._dialect == "postgresql":
            return stmt.with_for_update(skip_locked=skip_locked)
        return stmt

    def _rows(self, stmt: Select[Any]) -> builtins.list[TaskRow]:
        return [TaskRow.of(r) for r in self._core(stmt)]

    def _update(self, task_id: str, where: Sequence[ColumnElement[bool]], **values: Any) -> bool:
        """UPDATE one task when ``where`` still holds; whether it did (version + 1)."""
        stmt = (
            update(_TABLE)
            .where(Tasks.id == task_id, *where)
            .values(version=Tasks.version + 1, **values)
        )
        return self._core_count(stmt) > 0

    # -- writing -----------------------------------------------------------------------

    def create(
        self,
        *,
        id: str,
        kind: str,
        org: str | None,
        project: str | None,
        connector: str,
        params: dict[str, Any],
        requires: Sequence[str],
        deadline: datetime,
        submitted_by: str,
        state: str = "queued",
        error: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
        sealed: SealedResult | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
    ) -> TaskRow:
        """Insert a task (queued, or already ended when it could not or did run here)."""
        check_json(params, "the task's parameters")
        check_json(list(requires), "the task's requirements")
        for value, what in ((error, "the task's error"), (result, "the task's result")):
            if value is not None:
                check_json(value, what)
        o, p = scope_columns(org, project)
        values = dict(
            id=id,
            kind=kind,
            org=o,
            project=p,
            connector=connector,
            state=state,
            params=params,
            requires=list(requires),
            result=result,
            result_key_id=sealed.key_id if sealed else None,
            result_nonce=sealed.nonce if sealed else None,
            result_sealed=sealed.ciphertext if sealed else None,
            error=error,
            created_at=self._now(),
            started_at=started_at,
            finished_at=finished_at,
            deadline=deadline,
            attempt=0,
            submitted_by=submitted_by,
            version=1,
        )
        found = self._core(self._hot.insert, params=values, conflict=f"task {id} exists already")
        return TaskRow.of(found[0])

    def claim_next(
        self, *, owner: str, offered: Sequence[str], now: datetime, lease_until: datetime
    ) -> TaskRow | None:
        """Take the oldest queued task, before its deadline, whose every requirement is in
        ``offered``: running, owned by ``owner`` until ``lease_until``, attempt + 1."""
        hot = self._hot  # a claim runs in a write transaction: SKIP LOCKED on PostgreSQL
        params = {"now": now, "offered": self._offered(offered)}
        found = self._core(hot.next_claimable, params=params)
        if not found:
            return None
        task = TaskRow.of(found[0])
        taken = self._core_count(
            hot.claim,
            params={"task_id": task.id, "b_owner": owner, "now": now, "b_lease_until": lease_until},
        )
        if not taken:
            return None
        return replace(
            task,
            state="running",
            owner=owner,
            attempt=task.attempt + 1,
            started_at=now,
            lease_until=lease_until,
            version=task.version + 1,
        )

    def any_claimable(self, *, offered: Sequence[str], now: datetime) -> bool:
        """Whether a queued task before its deadline needs nothing beyond ``offered`` (a
        look without locking: a claim that would find nothing need not write)."""
        params = {"now": now, "offered": self._offered(offered)}
        return bool(self._core(self._hot.any_claimable, params=params))

    def renew(
        self, *, owner: str, task_ids: Sequence[str], now: datetime, lease_until: datetime
    ) -> builtins.list[str]:
        """Extend the lease of the tasks of ``task_ids`` that ``owner`` still runs (and
        whose deadline has not passed); the ids renewed."""
        if not task_ids:
            return []
        where = [
            Tasks.id.in_(list(task_ids)),
            Tasks.state == "running",
            Tasks.owner == owner,
            Tasks.deadline > now,
        ]
        ids = [r.id for r in self._core(self._locking(select(Tasks.id).where(*where)))]
        if ids:
            stmt = update(_TABLE).where(Tasks.id.in_(ids), *where[1:])
            self._core_count(stmt.values(lease_until=lease_until))
        return ids

    def finish(
        self,
        *,
        task_id: str,
        owner: str,
        attempt: int,
        state: str,
        now: datetime,
        digest: str,
        result: dict[str, Any] | None = None,
        sealed: SealedResult | None = None,
        error: dict[str, Any] | None = None,
    ) -> TaskRow | None:
        """End a running task as ``owner``'s ``attempt`` (succeeded or failed): the row as
        it is now, or None when it is not running as that attempt of that owner any more."""
        for value, what in ((error, "the task's error"), (result, "the task's result")):
            if value is not None:
                check_json(value, what)
        params = {
            "task_id": task_id,
            "b_owner": owner,
            "b_attempt": attempt,
            "b_state": state,
            "b_result": result,
            "b_key_id": sealed.key_id if sealed else None,
            "b_nonce": sealed.nonce if sealed else None,
            "b_sealed": sealed.ciphertext if sealed else None,
            "digest": digest,
            "b_error": error,
            "now": now,
        }
        found = self._core(self._hot.finish, params=params)
        return TaskRow.of(found[0]) if found else None

    def end(
        self,
        task_id: str,
        *,
        from_states: Sequence[str],
        state: str,
        now: datetime,
        error: dict[str, Any] | None = None,
    ) -> bool:
        """Move a task in one of ``from_states`` to the ended ``state`` (cancelled, failed,
        expired); False when it was in none of them."""
        if error is not None:
            check_json(error, "the task's error")
        return self._update(
            task_id,
            [Tasks.state.in_(list(from_states))],
            state=state,
            error=error,
            finished_at=now,
            lease_until=None,
        )

    def requeue(self, task_id: str, *, owner: str | None = None) -> bool:
        """Put a running task back in the queue (its lease lapsed, or its owner left);
        with ``owner``, only while that delegate holds it."""
        where = [Tasks.state == "running"]
        if owner is not None:
            where.append(Tasks.owner == owner)
        return self._update(task_id, where, state="queued", owner=None, lease_until=None)

    def prune(self, *, before: datetime) -> int:
        """Delete ended tasks that finished before ``before``; how many."""
        stmt = delete(_TABLE).where(Tasks.state.in_(ENDED_STATES), Tasks.finished_at < before)
        return self._core_count(stmt)

    # -- reading -----------------------------------------------------------------------

    def find(self, task_id: str, *, lock: bool = False) -> TaskRow | None:
        """The task, or None; with ``lock`` in a write transaction, locked to its end."""
        hot = self._hot
        stmt = hot.find_locked if lock and self._write else hot.find
        found = self._core(stmt, params={"task_id": task_id})
        return TaskRow.of(found[0]) if found else None

    def lapsed(self, *, now: datetime, limit: int) -> builtins.list[TaskRow]:
        """Running tasks whose lease ended before ``now`` (locked, skipping locked ones)."""
        stmt = (
            select(_TABLE)
            .where(Tasks.state == "running", Tasks.lease_until < now)
            .order_by(Tasks.lease_until)
            .limit(limit)
        )
        return self._rows(self._locking(stmt, skip_locked=True))

    def overdue(self, *, now: datetime, limit: int) -> builtins.list[TaskRow]:
        """Queued or running tasks whose deadline has passed (locked, skipping locked)."""
        stmt = (
            select(_TABLE)
            .where(Tasks.state.in_(("queued", "running")), Tasks.deadline <= now)
            .order_by(Tasks.deadline)
            .limit(limit)
        )
        return self._rows(self._locking(stmt, skip_locked=True))

    def queued(self, *, older_than: datetime, limit: int) -> builtins.list[TaskRow]:
        """Queued tasks created before ``older_than``, oldest first (locked, skipping)."""
        stmt = (
            select(_TABLE)
            .where(Tasks.state == "queued", Tasks.created_at < older_than)
            .order_by(Tasks.seq)
            .limit(limit)
        )
        return self._rows(self._locking(stmt, skip_locked=True))

    def owned(self, owner: str) -> builtins.list[TaskRow]:
        """The tasks ``owner`` runs now."""
        stmt = select(_TABLE).where(Tasks.owner == owner, Tasks.state == "running")
        return self._rows(self._locking(stmt.order_by(Tasks.id)))

    def list(
        self,
        *,
        org: str | None = None,
        project: str | None = None,
        connector: str | None = None,
        states: Sequence[str] = (),
        kinds: Sequence[str] = (),
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[TaskRow]:
        """Tasks in (org, project) and the scopes inside it, newest first; ``connector``
        names one connector of exactly that scope."""
        stmt = select(_TABLE).where(*within_scope(Tasks.org, Tasks.project, org, project))
        if connector is not None:
            o, p = scope_columns(org, project)
            stmt = stmt.where(Tasks.org == o, Tasks.project == p, Tasks.connector == connector)
        if states:
            stmt = stmt.where(Tasks.state.in_(list(states)))
        if kinds:
            stmt = stmt.where(Tasks.kind.in_(list(kinds)))
        stmt = stmt.order_by(Tasks.seq.desc()).offset(offset).limit(limit)
        return self._rows(stmt)

    def find_many(self, ids: Sequence[str]) -> builtins.list[TaskRow]:
        """The rows of ``ids`` that exist (for a heartbeat's answer)."""
        if not ids:
            return []
        return self._rows(select(_TABLE).where(Tasks.id.in_(list(ids))))
