"""The database handle: engine set-up per dialect, migrations on open, the unit of work.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy
timeout; write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on
the busy timeout instead of failing on a lock upgrade. PostgreSQL
(``postgresql+psycopg://``) serves several replicas; migrations there run under an
advisory lock so replicas starting together do not race.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from awsconn.errors import InvalidInput, StoreUnavailable
from awsconn.model.clock import utc_now as system_clock
from awsconn.store.db_errors import translated
from awsconn.store.home import awsconn_home
from awsconn.store.repositories import ConnectorRepository, SecretRepository

__all__ = [
    "DATABASE_URL_ENV",
    "Clock",
    "Database",
    "Transaction",
    "default_database_url",
    "system_clock",
]

DATABASE_URL_ENV = "AWSCONN_DATABASE_URL"
DATABASE_FILE_NAME = "awsconn.db"
_HERE = Path(__file__).resolve().parent
ALEMBIC_INI = _HERE / "alembic.ini"
MIGRATIONS_DIR = _HERE / "migrations"
# Arbitrary constant naming awsconn's migration lock among PostgreSQL advisory locks.
_PG_MIGRATION_LOCK = 0x61777363

Clock = Callable[[], datetime]


def default_database_url(environ: Mapping[str, str], *, home: Path | None = None) -> str:
    """``$AWSCONN_DATABASE_URL``, else ``sqlite:///$AWSCONN_HOME/awsconn.db``."""
    configured = environ.get(DATABASE_URL_ENV, "").strip()
    if configured:
        return configured
    base = home if home is not None else awsconn_home(environ)
    return f"sqlite:///{base / DATABASE_FILE_NAME}"


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


class Database:
    """An opened, migrated database; ``transaction()`` is the only way to touch its rows."""

    def __init__(
        self,
        url: str | URL,
        *,
        clock: Clock = system_clock,
        migrate: bool = True,
        busy_timeout_s: float = 10.0,
        echo: bool = False,
    ) -> None:
        self.url = _normalise_url(url)
        self.clock = clock
        self.where = self.url.render_as_string(hide_password=True)
        self._busy_timeout_s = busy_timeout_s
        self._engine = self._create_engine(echo)
        if migrate:
            self.migrate()

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], *, clock: Clock = system_clock, home: Path | None = None
    ) -> Database:
        """Open ``AWSCONN_DATABASE_URL`` or the SQLite file under ``$AWSCONN_HOME``."""
        return cls(default_database_url(environ, home=home), clock=clock)

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
            _prepare_sqlite_file(Path(database), self.where)
        engine = create_engine(self.url, echo=echo, connect_args={"timeout": self._busy_timeout_s})
        _configure_sqlite(engine, self._busy_timeout_s)
        return engine

    def migrate(self) -> None:
        """Bring the schema to the newest revision; a no-op when it is there already."""
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        config = Config(str(ALEMBIC_INI))
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
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
        """The Alembic revision the database is at (None before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with translated(self.where), self._engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """All or nothing: commits when the block ends, rolls back when it raises.

        ``write=False`` starts a deferred (read) transaction on SQLite, so readers do not
        queue behind writers; on PostgreSQL both are the same.
        """
        bind = self._engine.execution_options(awsconn_begin="IMMEDIATE" if write else "DEFERRED")
        session = Session(bind=bind, autoflush=False, expire_on_commit=False)
        try:
            with translated(self.where), session.begin():
                yield Transaction(
                    session=session,
                    secrets=SecretRepository(session, self.clock, self.where),
                    connectors=ConnectorRepository(session, self.clock, self.where),
                )
        finally:
            session.close()

    def close(self) -> None:
        """Release pooled connections (the database itself stays as it is)."""
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.where!r})"


def _prepare_sqlite_file(path: Path, where: str) -> None:
    """Create the directory (0700) and an empty database file (0600) if missing."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot create the database at {where}: {exc.strerror or exc}",
            hint="set AWSCONN_HOME to a writable directory, or set AWSCONN_DATABASE_URL",
        ) from None


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

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("awsconn_begin", "IMMEDIATE")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")
