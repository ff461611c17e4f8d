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
from awsconn.store.database import Database
from awsconn.store.revision import HEAD_REVISION as HEAD
from awsconn.store.tables import metadata


def test_fresh_database_is_migrated_to_head(db_url: str) -> None:
    with Database(db_url) as db:
        assert db.schema_revision() == HEAD
        names = set(inspect(db.engine).get_table_names())
    assert {"secrets", "connectors", "connector_tests", "alembic_version"} <= names


def test_reopening_is_idempotent_and_keeps_rows(db_url: str) -> None:
    with Database(db_url) as db, db.transaction() as tx:
        tx.secrets.create(
            org=None,
            project=None,
            identifier="s",
            key_id="k",
            nonce=b"n",
            ciphertext=b"c",
            aad_version=2,
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


def test_upgrade_from_0001_links_connectors_and_keeps_secrets_readable(db_url: str) -> None:
    """A store written before 0002: its connectors get their secret links, and secrets
    sealed with the old associated data still open (and are refused deletion if used)."""
    import base64
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from awsconn.errors import Conflict
    from awsconn.secrets.crypto import Keyring, secret_aad
    from awsconn.secrets.store import SecretStore
    from awsconn.store.database import ALEMBIC_INI, MIGRATIONS_DIR

    old = Database(db_url, migrate=False)
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with old.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    ring = Keyring([("k1", bytes(range(32)))])
    sealed = ring.encrypt(b"AKIAOLDSTORE00001", aad=secret_aad("o", "", "ak"))
    now = datetime(2025, 1, 2, tzinfo=UTC)
    json_type = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
    secrets = sa.table(
        "secrets",
        *(sa.column(c) for c in ("org", "project", "identifier", "key_id", "nonce")),
        *(sa.column(c) for c in ("ciphertext", "version", "created_at", "updated_at")),
    )
    connectors = sa.table(
        "connectors",
        *(sa.column(c) for c in ("org", "project", "identifier", "name", "credential_type")),
        *(sa.column(c) for c in ("version", "created_at", "updated_at")),
        sa.column("tags", json_type),
        sa.column("document", json_type),
    )
    spec = {"accessKeyRef": "ak", "secretKeyRef": "sk_deleted_with_force"}
    document = {
        "connector": {
            "name": "old",
            "identifier": "old",
            "orgIdentifier": "o",
            "type": "Aws",
            "spec": {"credential": {"type": "ManualConfig", "spec": spec, "region": "us-east-1"}},
        }
    }
    with old.engine.begin() as conn:
        conn.execute(
            sa.insert(secrets).values(
                org="o",
                project="",
                identifier="ak",
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            sa.insert(connectors).values(
                org="o",
                project="",
                identifier="old",
                name="old",
                credential_type="ManualConfig",
                version=1,
                created_at=now,
                updated_at=now,
                tags={},
                document=document,
            )
        )
    old.close()

    with Database(db_url) as db:
        assert db.schema_revision() == HEAD
        store = SecretStore(db, ring)
        assert store.reveal(org="o", project=None, identifier="ak").reveal_text() == (
            "AKIAOLDSTORE00001"
        )
        with db.transaction(write=False) as tx:
            assert tx.secrets.users(org="o", project=None, identifier="ak") == [("o", None, "old")]
        with pytest.raises(Conflict), db.transaction() as tx:
            tx.secrets.delete(org="o", project=None, identifier="ak")
        store.create(org="o", project=None, identifier="sk_deleted_with_force", value="x")
        with db.transaction(write=False) as tx:  # created again: linked again
            users = tx.secrets.users(org="o", project=None, identifier="sk_deleted_with_force")
        assert users == [("o", None, "old")]
        assert base64.b64encode(b"AKIAOLDSTORE00001") not in repr(store).encode()
