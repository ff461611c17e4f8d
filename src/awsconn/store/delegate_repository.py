"""Delegates: one row per registered instance, its heartbeat and what it reported.

Whether a delegate counts as connected depends on the time of asking (its last
heartbeat), so rows keep the facts and the service decides.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, insert, select, update

from awsconn.store.repository_base import KEEP, Keep, Repository, check_json
from awsconn.store.tables import DelegateRecord
from awsconn.store.task_rows import DelegateRow

__all__ = ["DelegateRepository", "DelegateRow"]

Delegates = DelegateRecord.__table__.c
"""The columns (Core statements: no ORM objects on the hot path)."""
_TABLE = cast(Table, DelegateRecord.__table__)


_FIND = select(_TABLE).where(Delegates.id == bindparam("delegate_id"))
_BEAT = (
    update(_TABLE)
    .where(
        Delegates.id == bindparam("delegate_id"),
        Delegates.state == "registered",
        Delegates.last_heartbeat <= bindparam("now"),
    )
    .values(last_heartbeat=bindparam("now"))
)
_ORDER = (Delegates.name, Delegates.registered_at, Delegates.id)
_SEEN_SINCE = (
    select(_TABLE).where(Delegates.last_heartbeat >= bindparam("seen_since")).order_by(*_ORDER)
)
"""Built once (every task call finds its delegate; claims and heartbeats beat; every
submit lists the delegates heard from lately)."""


class DelegateRepository(Repository):
    """Rows of ``delegates``."""

    def _update(
        self, delegate_id: str, where: Sequence[ColumnElement[bool]], **values: Any
    ) -> bool:
        stmt = update(_TABLE).where(Delegates.id == delegate_id, *where).values(**values)
        return self._core_count(stmt) > 0

    def create(
        self,
        *,
        id: str,
        name: str,
        token_id: str,
        host_name: str | None,
        tags: Sequence[str],
        capabilities: Sequence[str] | None,
        version: str,
        init_status: str,
    ) -> DelegateRow:
        """Register an instance, its heartbeat now."""
        check_json(list(tags), "the delegate's tags")
        now = self._now()
        values = dict(
            id=id,
            name=name,
            token_id=token_id,
            host_name=host_name,
            tags=list(tags),
            capabilities=list(capabilities) if capabilities is not None else None,
            version=version,
            init_status=init_status,
            state="registered",
            registered_at=now,
            last_heartbeat=now,
        )
        stmt = insert(_TABLE).values(**values).returning(*_TABLE.c)
        return DelegateRow.of(self._core(stmt, conflict=f"delegate {id} exists already")[0])

    def find(self, delegate_id: str, *, lock: bool = False) -> DelegateRow | None:
        """The delegate, or None; with ``lock`` in a write transaction, locked to its end."""
        stmt = _FIND.with_for_update() if lock and self._write else _FIND
        found = self._core(stmt, params={"delegate_id": delegate_id})
        return DelegateRow.of(found[0]) if found else None

    def report_init(
        self,
        delegate_id: str,
        *,
        status: str,
        exit_code: int | None,
        output: str | None,
        capabilities: Sequence[str] | Keep | None = KEEP,
        now: datetime,
    ) -> bool:
        """Record how its init script ended (and what it can do, when it says)."""
        values: dict[str, Any] = {
            "init_status": status,
            "init_exit_code": exit_code,
            "init_output": output,
            "last_heartbeat": now,
        }
        if not isinstance(capabilities, Keep):
            values["capabilities"] = list(capabilities) if capabilities is not None else None
        return self._update(delegate_id, [Delegates.state == "registered"], **values)

    def beat(self, delegate_id: str, *, now: datetime) -> bool:
        """Its heartbeat (never moved backwards); False when it is unknown or has left."""
        return self._core_count(_BEAT, params={"delegate_id": delegate_id, "now": now}) > 0

    def disconnect(self, delegate_id: str) -> bool:
        """It said goodbye; False when it had already."""
        return self._update(delegate_id, [Delegates.state == "registered"], state="disconnected")

    def list(
        self, *, seen_since: datetime | None = None, names: Sequence[str] = ()
    ) -> builtins.list[DelegateRow]:
        """Delegates (whose last heartbeat is at or after ``seen_since``), by name."""
        if seen_since is not None and not names:  # routing a task: built once
            found = self._core(_SEEN_SINCE, params={"seen_since": seen_since})
            return [DelegateRow.of(r) for r in found]
        stmt = select(_TABLE)
        if seen_since is not None:
            stmt = stmt.where(Delegates.last_heartbeat >= seen_since)
        if names:
            stmt = stmt.where(Delegates.name.in_(list(names)))
        stmt = stmt.order_by(*_ORDER)
        return [DelegateRow.of(r) for r in self._core(stmt)]

    def forget(self, *, silent_since: datetime) -> int:
        """Delete delegates not heard from since ``silent_since``; how many."""
        stmt = delete(_TABLE).where(Delegates.last_heartbeat < silent_since)
        return self._core_count(stmt)
