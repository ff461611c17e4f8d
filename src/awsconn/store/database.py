"""The database handle: engine set-up per dialect, the schema check on open, units of work.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy
timeout; write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on
the busy timeout instead of failing on a lock upgrade, and read transactions with a
plain ``BEGIN`` so readers never wait for a writer. PostgreSQL
(``postgresql+psycopg://``) serves several replicas; a write transaction locks the
rows it looks up by key (``SELECT ... FOR UPDATE``) so a read-then-write cannot be
raced, and ``run`` retries the races PostgreSQL reports instead of serializing.

Opening checks the schema revision with one query; Alembic is imported, and the
migrations run (under a lock), only when the database is not at ``HEAD_REVISION``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from awsconn.errors import ConcurrentWrite, InvalidInput, StoreUnavailable
from awsconn.store.db_errors import driver_message, translated
from awsconn.store.home import Warn, create_private_file, log_warning, report_open_to_others
from awsconn.store.repositories import (
    AuditRepository,
    ConnectorRepository,
    DelegateRepository,
    MonitorRepository,
    OidcKeyRepository,
    SecretRepository,
    TaskRepository,
    TokenRepository,
    UiSessionRepository,
)
from awsconn.store.revision import HEAD_REVISION, VERSION_QUERY
from awsconn.store.rows import Clock, system_clock

__all__ = ["DATABASE_URL_ENV", "Clock", "Database", "Transaction", "system_clock"]

DATABASE_URL_ENV = "AWSCONN_DATABASE_URL"
_HERE = Path(__file__).resolve().parent
ALEMBIC_INI = _HERE / "alembic.ini"
MIGRATIONS_DIR = _HERE / "migrations"
# Arbitrary constant naming awsconn's migration lock among PostgreSQL advisory locks.
_PG_MIGRATION_LOCK = 0x61777363
_T = TypeVar("_T")


def _normalise_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(
            "the database URL is not valid",
            hint="use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB",
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    raise InvalidInput(
        f"unsupported database URL scheme {parsed.drivername!r}",
        hint="use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB",
    )


@dataclass(frozen=True)
class Transaction:
    """One unit of work: repositories sharing a transaction that commits all or nothing."""

    session: Session
    secrets: SecretRepository
    connectors: ConnectorRepository
    tokens: TokenRepository
    audit: AuditRepository
    tasks: TaskRepository
    delegates: DelegateRepository
    monitor: MonitorRepository
    oidc_keys: OidcKeyRepository
    ui_sessions: UiSessionRepository
    committed: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this transaction has committed (never if it rolls back)."""
        self.committed.append(callback)


class Database:
    """An opened database at the current schema; ``transaction()`` is the way to its rows.

    Safe to share between threads (each transaction has its own session and pooled
    connection); it keeps no state outside the instance.
    """

    def __init__(
        self,
        url: str | URL,
        *,
        clock: Clock = system_clock,
        migrate: bool = True,
        busy_timeout_s: float = 10.0,
        echo: bool = False,
        warn: Warn = log_warning,
    ) -> None:
        self.url = _normalise_url(url)
        self.clock = clock
        self.where = self.url.render_as_string(hide_password=True)
        self._busy_timeout_s = busy_timeout_s
        self._warn = warn
        self._engine = self._create_engine(echo)
        self._binds: dict[tuple[str, int | None], Engine] = {}
        if migrate and self.schema_revision() != HEAD_REVISION:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def engine(self) -> Engine:
        return self._engine

    def _create_engine(self, echo: bool) -> Engine:
        if self.url.get_backend_name() == "postgresql":
            return create_engine(self.url, echo=echo, pool_pre_ping=True)
        database = self.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _prepare_sqlite_file(Path(database), self.where, self._warn)
        engine = create_engine(self.url, echo=echo, connect_args={"timeout": self._busy_timeout_s})
        _configure_sqlite(engine, self._busy_timeout_s)
        return engine

    def migrate(self) -> None:
        """Bring the schema to the newest revision under a lock; a no-op when it is there."""
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        config = Config(str(ALEMBIC_INI))
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        # On SQLite the default BEGIN IMMEDIATE is the lock; on PostgreSQL an advisory one.
        with translated(self.where), self._engine.connect() as conn, conn.begin():
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            config.attributes["connection"] = conn
            try:
                command.upgrade(config, "head")
            except CommandError as exc:
                raise StoreUnavailable(
                    f"the database at {self.where} has a schema this awsconn does not know: {exc}",
                    hint="upgrade awsconn, or point AWSCONN_DATABASE_URL at another database",
                ) from exc

    def schema_revision(self) -> str | None:
        """The revision the database is at (None before the first migration): one read query."""
        with translated(self.where), self._engine.connect() as conn:
            conn.execution_options(awsconn_begin="DEFERRED")
            read = conn.begin()
            try:
                value = conn.exec_driver_sql(VERSION_QUERY).scalar()
            except DBAPIError as exc:
                read.rollback()
                if _is_missing_table(exc):
                    return None
                raise
            read.commit()
        return None if value is None else str(value)

    @contextmanager
    def transaction(
        self, *, write: bool = True, busy_timeout_s: float | None = None
    ) -> Iterator[Transaction]:
        """All or nothing: commits when the block ends, rolls back when it raises.

        ``write=False`` starts a deferred (read) transaction on SQLite, so readers do not
        queue behind writers. In a write transaction, looking a row up by key locks it
        until the end (PostgreSQL ``FOR UPDATE``; SQLite's write lock covers it already).
        ``busy_timeout_s`` (SQLite) replaces the database's busy timeout for this
        transaction: how long its start waits for another writer's lock.
        """
        bind = self._bind(write, busy_timeout_s)
        session = Session(bind=bind, autoflush=False, expire_on_commit=False)
        try:
            with translated(self.where), session.begin():
                parts = (session, self.clock, self.where)
                tx = Transaction(
                    session=session,
                    secrets=SecretRepository(*parts, write=write),
                    connectors=ConnectorRepository(*parts, write=write),
                    tokens=TokenRepository(*parts, write=write),
                    audit=AuditRepository(*parts, write=write),
                    tasks=TaskRepository(*parts, write=write),
                    delegates=DelegateRepository(*parts, write=write),
                    monitor=MonitorRepository(*parts, write=write),
                    oidc_keys=OidcKeyRepository(*parts, write=write),
                    ui_sessions=UiSessionRepository(*parts, write=write),
                )
                yield tx
        finally:
            session.close()
        for callback in tx.committed:  # reached only when the block committed
            callback()

    def _bind(self, write: bool, busy_timeout_s: float | None) -> Engine:
        """The engine with a transaction's options, made once per kind (making one per
        transaction costs more than a point read)."""
        mode = "IMMEDIATE" if write else "DEFERRED"
        busy_ms = max(0, int(busy_timeout_s * 1000)) if busy_timeout_s is not None else None
        found = self._binds.get((mode, busy_ms))
        if found is None:
            options: dict[str, Any] = {"awsconn_begin": mode}
            if busy_ms is not None:
                options["awsconn_busy_ms"] = busy_ms
            found = self._binds.setdefault(
                (mode, busy_ms), self._engine.execution_options(**options)
            )
        return found

    def reading(self) -> AbstractContextManager[Transaction]:
        """A read transaction for point reads (see ``awsconn.store.rows.ReadSource``)."""
        return self.transaction(write=False)

    def run(self, work: Callable[[Transaction], _T], *, attempts: int = 6) -> _T:
        """Run ``work`` in a write transaction, again on fresh data when a race is reported.

        A race is :class:`~awsconn.errors.ConcurrentWrite`: a unique key inserted first by
        another transaction, a serialization failure or a deadlock (PostgreSQL). After
        ``attempts`` tries the last one is raised (still a Conflict). ``work`` must do all
        its writes through ``tx``: it may run more than once.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as tx:
                    return work(tx)
            except ConcurrentWrite:
                if attempt == attempts:
                    raise
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Release pooled connections (the database itself stays as it is)."""
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.where!r})"


def _is_missing_table(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code == "42P01" or "no such table" in driver_message(exc).lower()


def _prepare_sqlite_file(path: Path, where: str, warn: Warn) -> None:
    """Create the folder (0700) and an empty database file (0600) if missing, whatever the
    umask; an existing database file (or its -wal/-shm) open to other users is reported."""
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.chmod(0o700)
        created = create_private_file(path)
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot create the database at {where}: {exc.strerror or exc}",
            hint="set AWSCONN_HOME to a writable directory, or set AWSCONN_DATABASE_URL",
        ) from None
    if not created:
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            report_open_to_others(file, "the database file", warn)


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    """Per-connection pragmas, and our own BEGIN so savepoints and IMMEDIATE work."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    default_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        mode = options.get("awsconn_begin", "IMMEDIATE")
        wait_ms = options.get("awsconn_busy_ms", default_ms)
        if conn.info.get("awsconn_busy_ms", default_ms) != wait_ms:  # this connection's own
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
            conn.info["awsconn_busy_ms"] = wait_ms
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")
