"""Point reads on a SQLite store through the stdlib ``sqlite3`` module, without SQLAlchemy.

Why: ``awsconn credentials`` runs on every AWS CLI call (``credential_process``) and
``connector get`` is what scripts call; importing SQLAlchemy alone costs more than
the rest of such a command. So a SQLite file already at ``HEAD_REVISION`` serves its
one-connector and one-secret lookups here; everything else (writes, lists, history,
migrations, PostgreSQL) goes through the SQLAlchemy ``Database``.

Rows come out as the same dataclasses, built by the same ``Row.of`` from a record with
the table's columns decoded the way SQLAlchemy's types decode them on SQLite (JSON
text, naive UTC timestamps made aware); ``tests/store/test_sqlite_reads.py`` checks
both readers return equal rows and that the column lists match the tables.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from awsconn.errors import StoreCorrupt, StoreUnavailable
from awsconn.store.db_errors import operational_error
from awsconn.store.home import Warn, report_open_to_others
from awsconn.store.revision import HEAD_REVISION, VERSION_QUERY
from awsconn.store.rows import (
    ConnectorRow,
    SecretRow,
    TokenRow,
    describe_scope,
    not_found,
    scope_columns,
)

__all__ = ["CONNECTOR_COLUMNS", "SECRET_COLUMNS", "TOKEN_COLUMNS", "SqliteReads", "sqlite_path"]

CONNECTOR_COLUMNS = (
    "id",
    "org",
    "project",
    "identifier",
    "name",
    "credential_type",
    "region",
    "tags",
    "document",
    "version",
    "created_at",
    "updated_at",
    "last_status",
    "last_tested_at",
    "last_success_at",
)
SECRET_COLUMNS = (
    "id",
    "org",
    "project",
    "identifier",
    "description",
    "key_id",
    "nonce",
    "ciphertext",
    "version",
    "created_at",
    "updated_at",
    "aad_version",
)
TOKEN_COLUMNS = (
    "id",
    "kind",
    "name",
    "description",
    "token_hash",
    "prefix",
    "role",
    "org",
    "project",
    "access",
    "created_at",
    "created_by",
    "expires_at",
    "revoked_at",
    "revoked_by",
    "last_used_at",
)
_JSON_COLUMNS = frozenset({"tags", "document"})
_TIME_COLUMNS = frozenset(
    {
        "created_at",
        "updated_at",
        "last_tested_at",
        "last_success_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    }
)
_Row = TypeVar("_Row", ConnectorRow, SecretRow)


def sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL; None for other URLs (memory, URI, options)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            if not rest or "?" in rest or rest == ":memory:" or rest.startswith("file:"):
                return None
            return Path(rest)
    return None


def _timestamp(value: Any) -> datetime | None:
    """As ``UTCDateTime`` reads SQLAlchemy's SQLite text: naive UTC, made aware."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _decoded(column: str, value: Any) -> Any:
    if column in _JSON_COLUMNS:
        return json.loads(value)
    if column in _TIME_COLUMNS:
        return _timestamp(value)
    return value


def _fetch_one(
    conn: sqlite3.Connection, where: str, sql: str, params: tuple[str, ...]
) -> tuple[Any, ...] | None:
    """One row's values (None: no row), the driver's errors as awsconn's."""
    try:
        values: tuple[Any, ...] | None = conn.execute(sql, params).fetchone()
    except sqlite3.OperationalError as exc:
        raise operational_error(str(exc), where) from exc
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(f"the database at {where} cannot be used: {exc}") from exc
    return values


def _record(columns: tuple[str, ...], values: tuple[Any, ...]) -> SimpleNamespace:
    """The values decoded as SQLAlchemy decodes them, as attributes (ValueError or
    TypeError when a stored value cannot be read)."""
    return SimpleNamespace(**{c: _decoded(c, v) for c, v in zip(columns, values, strict=True)})


class _Lookup(Generic[_Row]):
    """Find one row of a table by (org, project, identifier) on an open connection."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        where: str,
        table: str,
        noun: str,
        columns: tuple[str, ...],
        row_of: Callable[[Any], _Row],
    ) -> None:
        self._conn = conn
        self._where = where
        self._noun = noun
        self._columns = columns
        self._row_of: Callable[[Any], _Row] = row_of
        self._sql = (
            f"SELECT {', '.join(columns)} FROM {table} "
            "WHERE org = ? AND project = ? AND identifier = ?"
        )

    def find(self, *, org: str | None, project: str | None, identifier: str) -> _Row | None:
        o, p = scope_columns(org, project)
        values = _fetch_one(self._conn, self._where, self._sql, (o, p, identifier))
        if values is None:
            return None
        try:
            record = _record(self._columns, values)
        except (ValueError, TypeError) as exc:
            raise StoreCorrupt(
                f"{self._noun} {identifier!r} in {describe_scope(org, project)} has a stored "
                f"value awsconn cannot read: {exc}",
                hint=f"the database at {self._where} was edited outside awsconn; "
                "restore it from a backup or write the row again",
            ) from None
        return self._row_of(record)

    def get(self, *, org: str | None, project: str | None, identifier: str) -> _Row:
        row = self.find(org=org, project=project, identifier=identifier)
        if row is None:
            raise not_found(self._noun, org, project, identifier)
        return row


class _TokenLookup:
    """Find a token's row by its hash (authenticating a request) on an open connection."""

    _SQL = f"SELECT {', '.join(TOKEN_COLUMNS)} FROM api_tokens WHERE token_hash = ?"

    def __init__(self, conn: sqlite3.Connection, where: str) -> None:
        self._conn = conn
        self._where = where

    def find_by_hash(self, token_hash: str) -> TokenRow | None:
        values = _fetch_one(self._conn, self._where, self._SQL, (token_hash,))
        if values is None:
            return None
        try:
            record = _record(TOKEN_COLUMNS, values)
        except (ValueError, TypeError) as exc:
            raise StoreCorrupt(
                f"token {values[0]!r} has a stored value awsconn cannot read: {exc}",
                hint=f"the database at {self._where} was edited outside awsconn; revoke it "
                "and make another",
            ) from None
        return TokenRow.of(record)


class _PointReads:
    """The read transaction ``SqliteReads.reading()`` yields (see ``rows.PointReads``)."""

    def __init__(self, conn: sqlite3.Connection, where: str) -> None:
        self.connectors: _Lookup[ConnectorRow] = _Lookup(
            conn, where, "connectors", "connector", CONNECTOR_COLUMNS, ConnectorRow.of
        )
        self.secrets: _Lookup[SecretRow] = _Lookup(
            conn, where, "secrets", "secret", SECRET_COLUMNS, SecretRow.of
        )
        self.tokens = _TokenLookup(conn, where)


class SqliteReads:
    """Read transactions on one SQLite file, each on a connection of its own while it runs
    (thread-safe). Up to :data:`IDLE_CONNECTIONS` ended ones are kept for the next: a
    one-shot command opens one, a server reuses them (opening one costs more than the
    read it serves)."""

    IDLE_CONNECTIONS = 8

    def __init__(self, path: Path, where: str, *, busy_timeout_s: float = 10.0) -> None:
        self.path = path
        self.where = where
        self._busy_timeout_s = busy_timeout_s
        self._idle: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()

    @classmethod
    def open(cls, url: str, *, warn: Warn, busy_timeout_s: float = 10.0) -> SqliteReads | None:
        """A reader when ``url`` is a SQLite file that exists and is at ``HEAD_REVISION``.

        None otherwise (another database, no file yet, an older or newer schema, a file
        that is not a database): the caller then opens the full ``Database``, which
        creates, migrates or explains. Files open to other users are reported.
        """
        path = sqlite_path(url)
        if path is None or not path.is_file():
            return None
        reads = cls(path, url, busy_timeout_s=busy_timeout_s)
        try:
            conn = reads._connect()
            try:
                revision = conn.execute(VERSION_QUERY).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        if revision is None or revision[0] != HEAD_REVISION:
            return None
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            report_open_to_others(file, "the database file", warn)
        return reads

    def _connect(self) -> sqlite3.Connection:
        uri = f"{self.path.resolve().as_uri()}?mode=rw"
        return sqlite3.connect(
            uri,
            uri=True,
            timeout=self._busy_timeout_s,
            isolation_level=None,
            check_same_thread=False,  # one thread at a time: a connection is lent, not shared
        )

    @contextmanager
    def reading(self) -> Iterator[_PointReads]:
        """One deferred read transaction: sees one committed state, never waits for writers."""
        with self._idle_lock:
            conn = self._idle.pop() if self._idle else None
        try:
            conn = conn or self._connect()
        except sqlite3.Error as exc:
            raise operational_error(str(exc), self.where) from exc
        kept = False
        try:
            conn.execute("BEGIN")
            yield _PointReads(conn, self.where)
            conn.execute("ROLLBACK")  # it only read: nothing to keep
            with self._idle_lock:
                if len(self._idle) < self.IDLE_CONNECTIONS:
                    self._idle.append(conn)
                    kept = True
        finally:
            if not kept:
                conn.close()

    def close(self) -> None:
        """Close the kept connections (a later read opens a new one)."""
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __repr__(self) -> str:
        return f"SqliteReads({self.where!r})"
