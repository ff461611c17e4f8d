"""The audit log: rows appended, never changed; read newest first, a page at a time.

Pages are keyed by id (``before_id``): the next page starts below the last id shown,
so rows appended meanwhile neither repeat nor shift what is left to read. Numbered
pages (``offset``, with ``count``) serve Harness-shaped page responses.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, insert, select

from awsconn.store.db_errors import translated
from awsconn.store.repository_base import Repository, check_json, check_timestamp, scope_columns
from awsconn.store.rows import AuditRow
from awsconn.store.tables import AuditEventRecord
from awsconn.store.token_repository import within_scope

__all__ = ["AuditRepository", "AuditRow"]

Events = AuditEventRecord


_TABLE = cast(Table, AuditEventRecord.__table__)
_APPEND = insert(_TABLE).returning(*_TABLE.c)
"""Core, built once: an append is on every write's path."""


class AuditRepository(Repository):
    """Rows of ``audit_events``."""

    def append(
        self,
        *,
        actor: str,
        actor_token: str | None,
        address: str | None,
        action: str,
        target_kind: str,
        target_ref: str,
        target_org: str | None,
        target_project: str | None,
        version: int | None,
        outcome: str,
        detail: dict[str, Any] | None,
        at: datetime | None = None,
    ) -> AuditRow:
        """Append one event (at the clock's time unless ``at`` is given)."""
        if detail is not None:
            check_json(detail, "the audit detail")
        o, p = scope_columns(target_org, target_project)
        values = dict(
            at=check_timestamp(at, "at") if at is not None else self._now(),
            actor=actor,
            actor_token=actor_token,
            address=address,
            action=action,
            target_kind=target_kind,
            target_ref=target_ref,
            target_org=o,
            target_project=p,
            version=version,
            outcome=outcome,
            detail=detail,
        )
        [row] = self._core(_APPEND, params=values)
        return AuditRow.of(row)

    def list(
        self, *, before_id: int | None = None, limit: int = 100, offset: int = 0, **query: Any
    ) -> builtins.list[AuditRow]:
        """Events matching ``query`` (see ``_conditions``), newest first: at most ``limit`` rows
        below ``before_id``, after skipping ``offset``."""
        where = self._conditions(**query)
        if before_id is not None:
            where.append(Events.id < before_id)
        stmt = select(Events).where(*where).order_by(Events.id.desc()).limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        with translated(self._where):
            return [AuditRow.of(r) for r in self._session.scalars(stmt)]

    def count(self, **query: Any) -> int:
        """How many events match ``query`` (see ``_conditions``)."""
        stmt = select(func.count()).select_from(Events).where(*self._conditions(**query))
        with translated(self._where):
            return int(self._session.scalar(stmt) or 0)

    @staticmethod
    def _conditions(
        *,
        org: str | None = None,
        project: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        actor: str | None = None,
        action: str | None = None,
        action_prefix: str | None = None,
        target_kind: str | None = None,
        target_ref: str | None = None,
    ) -> builtins.list[ColumnElement[bool]]:
        """Events whose target is in (org, project) or inside it; ``since`` inclusive,
        ``until`` exclusive; ``action_prefix`` matches actions starting with it."""
        where: builtins.list[ColumnElement[bool]] = within_scope(
            Events.target_org, Events.target_project, org, project
        )
        if since is not None:
            where.append(Events.at >= check_timestamp(since, "since"))
        if until is not None:
            where.append(Events.at < check_timestamp(until, "until"))
        if actor is not None:
            where.append(Events.actor == actor)
        if action is not None:
            where.append(Events.action == action)
        if action_prefix is not None:
            where.append(Events.action.startswith(action_prefix, autoescape=True))
        if target_kind is not None:
            where.append(Events.target_kind == target_kind)
        if target_ref is not None:
            where.append(Events.target_ref == target_ref)
        return where
