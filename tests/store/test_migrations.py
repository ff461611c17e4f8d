"""Opening a database: URLs, SQLite settings, migrations on a fresh DB and on reopen."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from awsconn.errors import InvalidInput, StoreUnavailable
from awsconn.store.database import Database, default_database_url
from awsconn.store.tables import metadata

HEAD = "0001"


def test_fresh_database_is_migrated_to_head(db_url: str) -> None:
    with Database(db_url) as db:
        assert db.schema_revision() == HEAD
        names = set(inspect(db.engine).get_table_names())
    assert {"secrets", "connectors", "connector_tests", "alembic_version"} <= names


def test_reopening_is_idempotent_and_keeps_rows(db_url: str) -> None:
    with Database(db_url) as db, db.transaction() as tx:
        tx.secrets.create(
            org=None, project=None, identifier="s", key_id="k", nonce=b"n", ciphertext=b"c"
        )
    for _ in range(2):
        with Database(db_url) as again:
            assert again.schema_revision() == HEAD
            with again.transaction() as tx:
                assert [r.identifier for r in tx.secrets.list()] == ["s"]


def test_migrations_match_the_table_definitions(db_url: str) -> None:
    with Database(db_url) as db, db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_database_newer_than_the_code_is_a_clear_error(db_url: str) -> None:
    with Database(db_url) as db, db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    with pytest.raises(StoreUnavailable, match="schema this awsconn does not know") as info:
        Database(db_url)
    assert "upgrade awsconn" in (info.value.hint or "")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "awsconn.db"
    with Database(f"sqlite:///{path}") as db, db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as raw:  # the mode is stored in the file itself
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_default_url_is_sqlite_under_awsconn_home(tmp_path: Path) -> None:
    environ = {"AWSCONN_HOME": str(tmp_path / "home")}
    assert default_database_url(environ) == f"sqlite:///{tmp_path / 'home' / 'awsconn.db'}"
    assert default_database_url({"HOME": "/h"}) == "sqlite:////h/.awsconn/awsconn.db"
    override = {**environ, "AWSCONN_DATABASE_URL": "postgresql+psycopg://u@h/db"}
    assert default_database_url(override) == "postgresql+psycopg://u@h/db"
    with Database.from_environment(environ) as db:
        assert db.dialect == "sqlite"
    assert (tmp_path / "home" / "awsconn.db").exists()
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url", "postgresql+asyncpg://u@h/db"])
def test_unsupported_url_is_invalid_input(url: str) -> None:
    with pytest.raises(InvalidInput, match="database URL"):
        Database(url)


def test_plain_postgresql_scheme_uses_psycopg() -> None:
    db = Database("postgresql://u:secret@127.0.0.1:1/db", migrate=False)
    assert db.url.drivername == "postgresql+psycopg"
    assert "secret" not in repr(db)


def test_unwritable_sqlite_location_is_store_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot create the database"):
        Database(f"sqlite:///{blocker / 'awsconn.db'}")
