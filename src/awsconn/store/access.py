"""The store as use cases reach it: the full database opened on first need, hot reads cheap.

``Store`` costs nothing to build. ``transaction()`` and ``run()`` open the SQLAlchemy
``Database`` on first use (schema check, migrations when needed). ``reading()`` serves
point reads (one connector, one secret by key) from the stdlib ``sqlite3`` reader when
the store is a SQLite file at the current schema, so ``awsconn credentials`` and
``connector get`` never import SQLAlchemy; otherwise it is the Database's read
transaction. Safe to share between threads; no state outside the instance.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, TypeVar

from awsconn.store.home import Warn, log_warning
from awsconn.store.rows import Clock, PointReads, system_clock
from awsconn.store.sqlite_reads import SqliteReads

if TYPE_CHECKING:
    from awsconn.store.database import Database, Transaction

__all__ = ["Store"]

_T = TypeVar("_T")
_PASSWORD = re.compile(r"(://[^:/@]+):[^@]*@")


class Store:
    """One database by URL; see the module docstring for what opens when."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock = system_clock,
        warn: Warn = log_warning,
        busy_timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        self._clock = clock
        self._warn = warn
        self._busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._database: Database | None = None
        self._point_reads: SqliteReads | None = None
        self._point_reads_checked = False

    @property
    def database(self) -> Database:
        """The SQLAlchemy database, opened (and migrated if needed) on first use."""
        database = self._database
        if database is None:
            with self._lock:
                if self._database is None:
                    from awsconn.store.database import Database

                    self._database = Database(
                        self.url,
                        clock=self._clock,
                        warn=self._warn,
                        busy_timeout_s=self._busy_timeout_s,
                    )
                database = self._database
        return database

    def transaction(
        self, *, write: bool = True, busy_timeout_s: float | None = None
    ) -> AbstractContextManager[Transaction]:
        return self.database.transaction(write=write, busy_timeout_s=busy_timeout_s)

    def run(self, work: Callable[[Transaction], _T], *, attempts: int = 6) -> _T:
        """``Database.run``: a write transaction, retried when a race is reported."""
        return self.database.run(work, attempts=attempts)

    def reading(self) -> AbstractContextManager[PointReads]:
        """A read transaction for point reads; it never waits for a writer."""
        reads = self._sqlite_reads()
        if reads is not None:
            return reads.reading()
        return self.database.reading()

    @property
    def local_point_reads(self) -> bool:
        """Whether point reads are the stdlib reader's on a local SQLite file (they never
        wait for a writer, nor for a network)."""
        return self._sqlite_reads() is not None

    def _sqlite_reads(self) -> SqliteReads | None:
        if not self._point_reads_checked:
            with self._lock:
                if not self._point_reads_checked:
                    self._point_reads = SqliteReads.open(
                        self.url, warn=self._warn, busy_timeout_s=self._busy_timeout_s
                    )
                    self._point_reads_checked = True
        return self._point_reads

    def close(self) -> None:
        if self._point_reads is not None:
            self._point_reads.close()
        if self._database is not None:
            self._database.close()

    def __repr__(self) -> str:
        shown = _PASSWORD.sub(r"\1:***@", self.url)
        return f"Store({shown!r})"
