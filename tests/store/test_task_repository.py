"""The task, delegate and monitor repositories on both engines: claims filter by what a
delegate offers and never wait for each other, state changes are conditional, status
changes come with the test that made them, pruning keeps each connector's newest test."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from awsconn.store.database import Database
from store_fixtures import FakeClock


def _task(db: Database, task_id: str, requires: list[str], *, minutes: float = 2) -> None:
    with db.transaction() as tx:
        tx.tasks.create(
            id=task_id,
            kind="regions",
            org=None,
            project=None,
            connector="c",
            params={},
            requires=requires,
            deadline=db.clock() + timedelta(minutes=minutes),
            submitted_by="test",
        )


def _claim(db: Database, owner: str, offered: list[str]) -> str | None:
    now = db.clock()
    with db.transaction() as tx:
        row = tx.tasks.claim_next(owner=owner, offered=offered, now=now, lease_until=now)
    return row.id if row is not None else None


def test_a_claim_takes_the_oldest_task_whose_every_requirement_is_offered(db: Database) -> None:
    _task(db, "a" * 32, ["tag:east", "capability:regions"])
    _task(db, "b" * 32, ["capability:regions"])
    _task(db, "c" * 32, [])
    _task(db, "d" * 32, ["tag:east"])
    assert _claim(db, "d1", ["capability:regions"]) == "b" * 32
    assert _claim(db, "d1", []) == "c" * 32
    assert _claim(db, "d1", ["tag:west"]) is None
    assert _claim(db, "d2", ["tag:east", "tag:west", "capability:regions"]) == "a" * 32
    assert _claim(db, "d2", ["tag:east", "tag:west", "capability:regions"]) == "d" * 32
    with db.transaction(write=False) as tx:
        row = tx.tasks.find("a" * 32)
    assert row is not None and (row.state, row.owner, row.attempt) == ("running", "d2", 1)


def test_a_task_past_its_deadline_is_not_handed_out(db: Database, store_clock: FakeClock) -> None:
    _task(db, "a" * 32, [], minutes=1)
    store_clock.advance(60)
    assert _claim(db, "d1", []) is None


@pytest.mark.postgres
def test_claims_skip_a_task_another_transaction_holds(postgres_url: str) -> None:
    clock = FakeClock()
    with Database(postgres_url, clock=clock) as db:
        _task(db, "a" * 32, [])
        _task(db, "b" * 32, [])
        holding = threading.Event()
        release = threading.Event()
        seen: list[str | None] = []

        def hold() -> None:
            now = clock()
            with db.transaction() as tx:
                row = tx.tasks.claim_next(owner="slow", offered=[], now=now, lease_until=now)
                seen.append(row.id if row else None)
                holding.set()
                release.wait(30)

        slow = threading.Thread(target=hold)
        slow.start()
        assert holding.wait(30)
        try:
            assert _claim(db, "fast", []) == "b" * 32  # the locked one is skipped, not awaited
            assert _claim(db, "fast", []) is None
        finally:
            release.set()
            slow.join(30)
        assert seen == ["a" * 32]


def test_state_changes_are_conditional(db: Database) -> None:
    _task(db, "a" * 32, [])
    assert _claim(db, "d1", []) == "a" * 32
    now = db.clock()
    with db.transaction() as tx:
        assert tx.tasks.renew(owner="d2", task_ids=["a" * 32], now=now, lease_until=now) == []
        assert tx.tasks.renew(owner="d1", task_ids=["a" * 32], now=now, lease_until=now) == [
            "a" * 32
        ]
        common = {"task_id": "a" * 32, "state": "succeeded", "now": now, "digest": "x"}
        assert not tx.tasks.finish(owner="d2", attempt=1, **common)
        assert not tx.tasks.finish(owner="d1", attempt=2, **common)
        assert not tx.tasks.requeue("a" * 32, owner="d2")
        assert tx.tasks.requeue("a" * 32, owner="d1")
        assert not tx.tasks.finish(owner="d1", attempt=1, **common)  # queued again
    assert _claim(db, "d2", []) == "a" * 32
    with db.transaction() as tx:
        assert tx.tasks.finish(owner="d2", attempt=2, result={"ok": True}, **common)
        assert not tx.tasks.end(
            "a" * 32, from_states=("queued", "running"), state="expired", now=now
        )
        row = tx.tasks.find("a" * 32)
    assert row is not None and (row.state, row.version, row.result) == (
        "succeeded",
        5,
        {"ok": True},
    )


def _connector(db: Database, identifier: str) -> None:
    with db.transaction() as tx:
        tx.connectors.create(
            org=None,
            project=None,
            identifier=identifier,
            name=identifier,
            credential_type="InheritFromDelegate",
            region="us-east-1",
            tags={},
            document={"connector": {"identifier": identifier}},
        )


def test_status_changes_come_with_the_test_that_made_them(
    db: Database, store_clock: FakeClock
) -> None:
    _connector(db, "c")
    start = store_clock.now
    for minutes, status in ((0, "SUCCESS"), (2, "FAILURE"), (1, "SUCCESS"), (3, "FAILURE")):
        with db.transaction() as tx:
            tx.connectors.record_test(
                org=None,
                project=None,
                identifier="c",
                status=status,
                tested_at=start + timedelta(minutes=minutes),
                result={},
            )
    with db.transaction(write=False) as tx:
        changes = tx.monitor.status_changes()
    # the result at minute 1 came late (older than the newest): history only, no change
    assert [(c.from_status, c.to_status) for c in changes] == [
        (None, "SUCCESS"),
        ("SUCCESS", "FAILURE"),
    ]
    assert changes[1].at == start + timedelta(minutes=2)


def test_pruning_keeps_each_connectors_newest_test(db: Database, store_clock: FakeClock) -> None:
    _connector(db, "busy")
    _connector(db, "idle")
    old = store_clock.now - timedelta(days=60)
    with db.transaction() as tx:
        for i in range(3):
            tx.connectors.record_test(
                org=None, project=None, identifier="busy", status="SUCCESS",
                tested_at=old + timedelta(minutes=i), result={},
            )  # fmt: skip
        tx.connectors.record_test(
            org=None, project=None, identifier="idle", status="FAILURE", tested_at=old, result={}
        )
        tx.connectors.record_test(
            org=None, project=None, identifier="busy", status="FAILURE",
            tested_at=store_clock.now, result={},
        )  # fmt: skip
    with db.transaction() as tx:
        assert tx.monitor.prune(before=store_clock.now - timedelta(days=30)) == (3, 2)
        busy = tx.connectors.history(org=None, project=None, identifier="busy")
        idle = tx.connectors.history(org=None, project=None, identifier="idle")
    assert [h.status for h in busy] == ["FAILURE"]
    assert [h.status for h in idle] == ["FAILURE"]  # its only (and newest) result stays


def test_schedules_are_added_once_and_claimed_once(db: Database, store_clock: FakeClock) -> None:
    for name in ("a", "b"):
        _connector(db, name)
    now = store_clock.now
    with db.transaction() as tx:
        assert tx.monitor.add_missing(first_test_at=lambda: now) == 2
        assert tx.monitor.add_missing(first_test_at=lambda: now) == 0
        due = tx.monitor.due(now=now, limit=10, lock=True)
        assert [r.identifier for r in due] == ["a", "b"]
        for row in due:
            tx.monitor.advance(
                row.connector_id, next_test_at=now + timedelta(minutes=10), claimed_at=now
            )
    with db.transaction() as tx:
        assert tx.monitor.due(now=now, limit=10) == []
        tx.connectors.delete(org=None, project=None, identifier="a")
        assert [
            r.identifier for r in tx.monitor.due(now=now + timedelta(minutes=10), limit=10)
        ] == ["b"]


def test_delegates_are_forgotten_after_a_long_silence(db: Database, store_clock: FakeClock) -> None:
    with db.transaction() as tx:
        tx.delegates.create(
            id="1" * 32, name="d", token_id="t", host_name=None, tags=["x"],
            capabilities=None, version="1", init_status="none",
        )  # fmt: skip
    store_clock.advance(3600)
    with db.transaction() as tx:
        assert not tx.delegates.beat("1" * 32, now=store_clock.now - timedelta(hours=2))
        assert tx.delegates.forget(silent_since=store_clock.now - timedelta(minutes=30)) == 1
        assert tx.delegates.list() == []
