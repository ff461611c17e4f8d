"""A use case that failed because the SQLite store was busy has waited the store's busy
timeout (10 s) once: recording its failure waits a short while only, then warns, instead
of waiting the whole timeout a second time. When the store is free again in time, the
failure is recorded as usual."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsconn.errors import StoreUnavailable
from awsconn.model import EntityRef, Scope
from awsconn.service.audit import FAILURE_WAIT_S, AuditTarget, audited, list_audit
from awsconn.service.context import AppContext

TARGET = AuditTarget.of("secret", EntityRef(Scope(), "deploy_secret"))
BUSY = StoreUnavailable("the database is busy: another process holds its write lock")


@pytest.fixture
def sqlite_ctx(tmp_path: Path) -> Iterator[tuple[AppContext, list[str], Path]]:
    warnings: list[str] = []
    home = tmp_path / "home"
    ctx = AppContext(environ={"AWSCONN_HOME": str(home)}, warn=warnings.append)
    ctx.db  # noqa: B018  (the store made and migrated before anyone holds its lock)
    try:
        yield ctx, warnings, home / "awsconn.db"
    finally:
        ctx.close()


@pytest.mark.timeout(8)  # the store's own busy timeout is 10 s: waiting it again fails here
def test_a_failure_on_a_busy_store_is_warned_without_waiting_the_busy_timeout_again(
    sqlite_ctx: tuple[AppContext, list[str], Path],
) -> None:
    ctx, warnings, path = sqlite_ctx
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock throughout
        with pytest.raises(StoreUnavailable), audited(ctx, "secret.create", TARGET):
            raise BUSY  # the use case's write waited the busy timeout and gave up
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(warnings) == 1
    assert (
        "the audit log did not record secret.create of secret deploy_secret (failed)"
        in (warnings[0])
    )
    assert list_audit(ctx).events == []


def test_a_failure_on_a_store_freed_in_time_is_recorded(
    sqlite_ctx: tuple[AppContext, list[str], Path],
) -> None:
    ctx, warnings, path = sqlite_ctx
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(FAILURE_WAIT_S / 10, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        with pytest.raises(StoreUnavailable), audited(ctx, "secret.create", TARGET):
            raise BUSY
    finally:
        release.join()
        holder.close()
    assert warnings == []
    (event,) = list_audit(ctx).events
    assert (event.action, event.outcome, event.detail) == (
        "secret.create",
        "failed",
        {"errorCode": "STORE_UNAVAILABLE"},
    )
