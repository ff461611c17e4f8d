"""The unit of work: all or nothing, usable after a caught conflict, errors translated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from awsconn.errors import Conflict, StoreUnavailable
from awsconn.store.database import Database, Transaction


def add_connector(tx: Transaction, identifier: str) -> None:
    tx.connectors.create(
        org="o",
        project=None,
        identifier=identifier,
        name=identifier,
        credential_type="ManualConfig",
        region=None,
        tags={},
        document={"identifier": identifier},
    )


def add_secret(tx: Transaction, identifier: str) -> None:
    tx.secrets.create(
        org="o", project=None, identifier=identifier, key_id="k", nonce=b"n", ciphertext=b"c"
    )


def count(db: Database) -> tuple[int, int]:
    with db.transaction(write=False) as tx:
        return len(tx.connectors.list(org="o")), len(tx.secrets.list(org="o"))


def test_import_of_many_documents_is_all_or_nothing(db: Database) -> None:
    with db.transaction() as tx:
        add_connector(tx, "existing")
    with pytest.raises(Conflict, match="'existing'"), db.transaction() as tx:
        add_secret(tx, "key_for_c1")
        for identifier in ("c1", "c2", "existing", "c3"):
            add_connector(tx, identifier)
    assert count(db) == (1, 0)


def test_any_exception_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as tx:
        add_secret(tx, "s")
        add_connector(tx, "c")
        raise RuntimeError("boom in the service")
    assert count(db) == (0, 0)


def test_a_caught_conflict_leaves_the_transaction_usable(db: Database) -> None:
    with db.transaction() as tx:
        add_connector(tx, "c1")
        with pytest.raises(Conflict):
            add_connector(tx, "c1")
        add_connector(tx, "c2")
    assert count(db) == (2, 0)


def test_repositories_of_one_transaction_see_each_others_writes(db: Database) -> None:
    with db.transaction() as tx:
        add_secret(tx, "s")
        add_connector(tx, "c")
        assert [s.identifier for s in tx.secrets.list(org="o")] == ["s"]
        assert tx.connectors.get(org="o", project=None, identifier="c").version == 1


def test_locked_sqlite_database_is_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "awsconn.db"
    db = Database(f"sqlite:///{path}", busy_timeout_s=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailable, match="busy") as info, db.transaction() as tx:
            add_secret(tx, "s")
        assert "INSERT" not in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db.close()
    assert count(Database(f"sqlite:///{path}")) == (0, 0)


def test_readers_are_not_blocked_by_a_writer_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "awsconn.db"
    db = Database(f"sqlite:///{path}", busy_timeout_s=0.05)
    with db.transaction() as tx:
        add_secret(tx, "s")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("DELETE FROM secrets")
        assert count(db) == (0, 1)  # the reader sees the last committed state
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db.close()


def test_unreachable_postgres_is_store_unavailable_without_password() -> None:
    with pytest.raises(StoreUnavailable, match="cannot be used") as info:
        Database("postgresql+psycopg://user:pa55word@127.0.0.1:1/awsconn?connect_timeout=2")
    assert "pa55word" not in str(info.value)
    assert "postgresql+psycopg://user:***@127.0.0.1:1/awsconn" in str(info.value)
