"""The web UI's sessions: rows keyed by the SHA-256 of the session id a browser holds.

No row holds a session id or a token: a stolen database opens no session. A session
is found by its hash (the primary key), touched at most once per interval by a
conditional UPDATE (requests racing each other write once), and deleted at sign-out;
ended sessions are removed in bulk when a new one opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update

from awsconn.store.db_errors import translated
from awsconn.store.repository_base import Repository
from awsconn.store.tables import UiSessionRecord

__all__ = ["UiSessionRepository", "UiSessionRow"]

Sessions = UiSessionRecord


@dataclass(frozen=True)
class UiSessionRow:
    """One signed-in browser: the token it signed in with (by id) and its life."""

    id_hash: str
    token_id: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime

    @classmethod
    def of(cls, rec: Any) -> UiSessionRow:
        return cls(
            id_hash=rec.id_hash,
            token_id=rec.token_id,
            created_at=rec.created_at,
            expires_at=rec.expires_at,
            last_seen_at=rec.last_seen_at,
        )


class UiSessionRepository(Repository):
    """Rows of ``ui_sessions``."""

    def create(self, *, id_hash: str, token_id: str, expires_at: datetime) -> UiSessionRow:
        now = self._now()
        record = Sessions(
            id_hash=id_hash,
            token_id=token_id,
            created_at=now,
            expires_at=expires_at,
            last_seen_at=now,
        )
        self._insert(record, "a session with this id exists already")
        return UiSessionRow.of(record)

    def find(self, id_hash: str) -> UiSessionRow | None:
        record = self._one(select(Sessions).where(Sessions.id_hash == id_hash))
        return UiSessionRow.of(record) if record is not None else None

    def touch(self, id_hash: str, *, at: datetime, every: timedelta) -> bool:
        """Set ``last_seen_at`` unless it was set less than ``every`` before ``at``."""
        stmt = (
            update(Sessions)
            .where(
                Sessions.id_hash == id_hash,
                Sessions.last_seen_at <= at - every,
            )
            .values(last_seen_at=at)
        )
        with translated(self._where):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        return bool(cast(CursorResult[Any], result).rowcount)

    def delete(self, id_hash: str) -> bool:
        """Remove one session; False when there was none."""
        stmt = delete(Sessions).where(Sessions.id_hash == id_hash)
        with translated(self._where):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        return bool(cast(CursorResult[Any], result).rowcount)

    def delete_ended(self, *, now: datetime, idle: timedelta) -> int:
        """Remove sessions past their end or idle for longer than ``idle``; the count."""
        stmt = delete(Sessions).where(
            or_(Sessions.expires_at <= now, Sessions.last_seen_at <= now - idle)
        )
        with translated(self._where):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        return int(cast(CursorResult[Any], result).rowcount or 0)
