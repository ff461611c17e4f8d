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
        org="o",
        project=None,
        identifier=identifier,
        key_id="k",
        nonce=b"n",
        ciphertext=b"c",
        aad_version=2,
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


def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE + busy timeout: writers from two handles all land, none errors."""
    import threading

    url = f"sqlite:///{tmp_path / 'awsconn.db'}"
    Database(url).close()
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        db = Database(url)
        try:
            for i in range(15):
                with db.transaction() as tx:
                    existing = len(tx.secrets.list(org="o"))
                    add_secret(tx, f"{prefix}-{i}-{existing}")
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(Database(url)) == (0, 45)


def test_two_editors_of_one_version_one_wins_one_conflicts(db: Database) -> None:
    """Concurrent writers holding version 1: whatever the interleaving, exactly one wins."""
    import threading

    with db.transaction() as tx:
        add_secret(tx, "s")
    outcome: dict[str, object] = {}

    def second_editor() -> None:
        try:
            with db.transaction() as tx2:
                tx2.secrets.update(
                    org="o", project=None, identifier="s", description="two", expected_version=1
                )
            outcome["second"] = "committed"
        except Conflict as exc:
            outcome["second"] = exc

    with db.transaction() as tx:
        tx.secrets.update(
            org="o", project=None, identifier="s", description="one", expected_version=1
        )
        thread = threading.Thread(target=second_editor)
        thread.start()  # it waits for our lock, or runs after we commit: both must conflict
    thread.join()
    assert isinstance(outcome["second"], Conflict)
    with db.transaction() as tx:
        row = tx.secrets.get(org="o", project=None, identifier="s")
    assert (row.version, row.description) == (2, "one")
