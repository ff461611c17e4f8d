"""TokenRepository on real SQLite files and PostgreSQL: hashes, live names, scopes, revocation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from awsconn.errors import Conflict, InternalError
from awsconn.store.database import Database
from awsconn.store.repositories import TokenRow
from store_fixtures import FakeClock


def add(db: Database, name: str, *, kind: str = "api", **overrides: Any) -> TokenRow:
    values: dict[str, Any] = {
        "id": f"id_{name}_{kind}",
        "kind": kind,
        "name": name,
        "token_hash": f"{name}-{kind}-hash".ljust(64, "0"),
        "prefix": "awsc_abcdef",
        "role": "viewer",
        "org": None,
        "project": None,
        "access": False,
        "created_by": "local",
        "expires_at": None,
    }
    values.update(overrides)
    with db.transaction() as tx:
        return tx.tokens.create(**values)


def test_a_token_is_found_by_its_hash_and_by_its_id(db: Database, store_clock: FakeClock) -> None:
    row = add(db, "ci", org="eng", project="web", role="editor", access=True)
    assert (row.org, row.project, row.role, row.access) == ("eng", "web", "editor", True)
    assert row.created_at == store_clock.now and row.revoked_at is None
    with db.transaction(write=False) as tx:
        assert tx.tokens.find_by_hash(row.token_hash) == row
        assert tx.tokens.find(row.id) == row
        assert tx.tokens.find_by_hash("0" * 64) is None
    assert row.token_hash not in repr(row)


def test_a_name_is_unique_per_kind_among_tokens_not_revoked(db: Database) -> None:
    first = add(db, "ci")
    with pytest.raises(Conflict, match="api token named 'ci' exists already"):
        add(db, "ci", id="other", token_hash="1" * 64)
    add(db, "ci", kind="delegate")  # another kind: its own names
    with db.transaction() as tx:
        assert tx.tokens.revoke(first.id, by="admin")
        assert not tx.tokens.revoke(first.id, by="admin")  # once only
        assert tx.tokens.find_live(kind="api", name="ci") is None
    again = add(db, "ci", id="again", token_hash="2" * 64)  # the name is free again
    with db.transaction(write=False) as tx:
        assert tx.tokens.find_live(kind="api", name="ci") == again
        revoked = tx.tokens.find(first.id)
    assert revoked is not None and revoked.revoked_by == "admin"


def test_the_hash_is_unique(db: Database) -> None:
    add(db, "a", token_hash="f" * 64)
    with pytest.raises(Conflict):
        add(db, "b", token_hash="f" * 64)


def test_lists_hold_a_scope_and_what_is_inside_it(db: Database, store_clock: FakeClock) -> None:
    add(db, "acct")
    add(db, "eng", org="eng")
    add(db, "web", org="eng", project="web")
    add(db, "ops", org="ops")
    add(db, "old", expires_at=store_clock.now - timedelta(seconds=1))
    gone = add(db, "gone")
    with db.transaction() as tx:
        tx.tokens.revoke(gone.id, by="x")
        names = [r.name for r in tx.tokens.list(kind="api")]
        assert names == ["acct", "eng", "ops", "web"]
        assert [r.name for r in tx.tokens.list(kind="api", org="eng")] == ["eng", "web"]
        assert [r.name for r in tx.tokens.list(kind="api", org="eng", project="web")] == ["web"]
        every = [r.name for r in tx.tokens.list(kind="api", include_ended=True)]
        assert every == ["acct", "eng", "gone", "old", "ops", "web"]
        assert tx.tokens.list(kind="delegate") == []


def test_last_use_is_written_at_most_once_per_interval(
    db: Database, store_clock: FakeClock
) -> None:
    row = add(db, "ci")
    every = timedelta(minutes=1)
    start = store_clock.now
    with db.transaction() as tx:
        assert tx.tokens.touch(row.id, at=start, every=every)
        assert not tx.tokens.touch(row.id, at=start + timedelta(seconds=59), every=every)
        assert tx.tokens.touch(row.id, at=start + every, every=every)
        found = tx.tokens.find(row.id)
    assert found is not None and found.last_used_at == start + every


def test_a_live_account_admin_is_one_that_is_neither_revoked_nor_expired(
    db: Database, store_clock: FakeClock
) -> None:
    now = store_clock.now

    def exists() -> bool:
        with db.transaction(write=False) as tx:
            return tx.tokens.live_account_admin_exists(kind="api", role="admin", now=now)

    add(db, "org_admin", role="admin", org="eng")
    add(db, "viewer")
    add(db, "expired", role="admin", expires_at=now)
    assert not exists()
    admin = add(db, "admin", role="admin", expires_at=now + timedelta(seconds=1))
    assert exists()
    with db.transaction() as tx:
        tx.tokens.revoke(admin.id, by="x")
    assert not exists()


def test_the_bootstrap_lock_needs_a_write_transaction(db: Database) -> None:
    with db.transaction() as tx:
        tx.tokens.lock_bootstrap()
    with pytest.raises(InternalError), db.transaction(write=False) as tx:
        tx.tokens.lock_bootstrap()


def test_the_hash_lookup_is_one_query_on_the_unique_index(db: Database) -> None:
    row = add(db, "ci")
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.transaction(write=False) as tx:
            assert tx.tokens.find_by_hash(row.token_hash) == row
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    queries = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 1
    statement, params = queries[0]
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            assert "USING INDEX" in str(plan) and "(token_hash=?)" in str(plan)
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: force the choice
            plan = conn.exec_driver_sql(f"EXPLAIN {statement}", params).fetchall()
            assert "Index Scan using uq_api_tokens_token_hash" in str(plan)
