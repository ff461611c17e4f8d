"""Rows of the work side: tasks, delegates, connector schedules and status changes.

Frozen dataclasses built from a SQLAlchemy record (``Row.of``), importable without
SQLAlchemy, as ``rows.py`` is for the rest. A task row never holds a secret: a
credentials task's result stays sealed (``sealed_result``) until the service opens it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from awsconn.store.rows import blob_of

__all__ = ["DelegateRow", "ScheduleRow", "SealedResult", "StatusChangeRow", "TaskRow"]


@dataclass(frozen=True)
class SealedResult:
    """A credentials task's result as stored: key id, nonce, ciphertext."""

    key_id: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)


@dataclass(frozen=True)
class TaskRow:
    """One task as stored (see ``tables.TaskRecord``)."""

    id: str
    kind: str
    org: str | None
    project: str | None
    connector: str
    state: str
    params: dict[str, Any]
    requires: tuple[str, ...]
    result: dict[str, Any] | None
    sealed_result: SealedResult | None
    result_digest: str | None
    error: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    deadline: datetime
    owner: str | None
    lease_until: datetime | None
    attempt: int
    submitted_by: str
    version: int

    @classmethod
    def of(cls, rec: Any) -> TaskRow:
        sealed = None
        nonce, ciphertext = blob_of(rec.result_nonce), blob_of(rec.result_sealed)
        if rec.result_key_id is not None and nonce is not None and ciphertext is not None:
            sealed = SealedResult(rec.result_key_id, nonce, ciphertext)
        return cls(
            id=rec.id,
            kind=rec.kind,
            org=rec.org or None,
            project=rec.project or None,
            connector=rec.connector,
            state=rec.state,
            params=dict(rec.params),
            requires=tuple(rec.requires),
            result=dict(rec.result) if rec.result is not None else None,
            sealed_result=sealed,
            result_digest=rec.result_digest,
            error=dict(rec.error) if rec.error is not None else None,
            created_at=rec.created_at,
            started_at=rec.started_at,
            finished_at=rec.finished_at,
            deadline=rec.deadline,
            owner=rec.owner,
            lease_until=rec.lease_until,
            attempt=rec.attempt,
            submitted_by=rec.submitted_by,
            version=rec.version,
        )


@dataclass(frozen=True)
class DelegateRow:
    """One registered delegate instance (see ``tables.DelegateRecord``)."""

    id: str
    name: str
    token_id: str
    host_name: str | None
    tags: tuple[str, ...]
    capabilities: tuple[str, ...] | None
    version: str
    init_status: str
    init_exit_code: int | None
    init_output: str | None
    state: str
    registered_at: datetime
    last_heartbeat: datetime

    @classmethod
    def of(cls, rec: Any) -> DelegateRow:
        return cls(
            id=rec.id,
            name=rec.name,
            token_id=rec.token_id,
            host_name=rec.host_name,
            tags=tuple(rec.tags),
            capabilities=tuple(rec.capabilities) if rec.capabilities is not None else None,
            version=rec.version,
            init_status=rec.init_status,
            init_exit_code=rec.init_exit_code,
            init_output=rec.init_output,
            state=rec.state,
            registered_at=rec.registered_at,
            last_heartbeat=rec.last_heartbeat,
        )


@dataclass(frozen=True)
class ScheduleRow:
    """A connector's place in the monitor's schedule, with the connector's key."""

    connector_id: int
    org: str | None
    project: str | None
    identifier: str
    test_interval_min: int | None
    next_test_at: datetime
    claimed_at: datetime | None
    document: dict[str, Any] = field(repr=False, default_factory=dict)
    """The connector's stored document (the monitor asks the model what it says)."""


@dataclass(frozen=True)
class StatusChangeRow:
    """One move of a connector's status, with the connector's key."""

    id: int
    org: str | None
    project: str | None
    identifier: str
    test_id: int | None
    at: datetime
    from_status: str | None
    to_status: str
    error_code: str | None = None
    """The first error code of the test that made the change (a failure's), if kept."""
