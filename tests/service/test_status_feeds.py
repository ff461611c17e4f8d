"""Following the status changes: each change handed to a follower once across replicas, in
order, from where the feed was; a feed held by a process that died is taken over; a change
committed late with a smaller id (PostgreSQL) is not skipped. And the server's own caller
may do the background work and nothing else."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from awsconn.errors import Forbidden
from awsconn.model import EntityRef, Scope
from awsconn.model.results import StatusChange
from awsconn.service import audit, connectors, monitoring, task_submit, tasks, tokens
from awsconn.service import secrets as secret_service
from awsconn.service.access import SERVER_CALLER
from awsconn.service.context import AppContext
from status_change_fixtures import connector_yaml, post_outcome
from store_fixtures import FakeClock


def _connector(server: AppContext, identifier: str) -> EntityRef:
    connectors.apply_yaml(server, connector_yaml(identifier), mode="create")
    return EntityRef(Scope(), identifier)


def _collect(into: list[StatusChange]) -> object:
    def handle(change: StatusChange) -> bool:
        into.append(change)
        return True

    return handle


def test_a_new_feed_starts_at_the_newest_change_then_hands_each_on_once_in_order(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = _connector(server, "prod")
    post_outcome(server, ref, "SUCCESS")
    post_outcome(server, ref, "FAILURE", code="ACCESS_DENIED")
    seen: list[StatusChange] = []
    first = monitoring.follow_status_changes(server, "f", _collect(seen), holder="a")  # type: ignore[arg-type]
    assert first.handled == [] and seen == []  # history is not replayed
    post_outcome(server, ref, "SUCCESS")
    post_outcome(server, ref, "FAILURE", code="EXPIRED_CREDENTIALS")
    report = monitoring.follow_status_changes(server, "f", _collect(seen), holder="a")  # type: ignore[arg-type]
    assert [(c.from_status, c.to_status, c.error_code) for c in seen] == [
        ("FAILURE", "SUCCESS", None),
        ("SUCCESS", "FAILURE", "EXPIRED_CREDENTIALS"),
    ]
    assert report.handled == seen
    again = monitoring.follow_status_changes(server, "f", _collect(seen), holder="b")  # type: ignore[arg-type]
    assert again.handled == [] and len(seen) == 2
    other: list[StatusChange] = []  # another feed keeps its own place
    monitoring.follow_status_changes(server, "g", _collect(other), holder="a")  # type: ignore[arg-type]
    assert other == []


def test_a_change_the_follower_refuses_is_offered_again(server: AppContext) -> None:
    ref = _connector(server, "prod")
    monitoring.follow_status_changes(server, "f", lambda c: True, holder="a")
    post_outcome(server, ref, "SUCCESS")
    post_outcome(server, ref, "FAILURE", code="ACCESS_DENIED")
    offered: list[int] = []

    def refuse_the_second(change: StatusChange) -> bool:
        offered.append(change.id)
        return len(offered) != 2

    report = monitoring.follow_status_changes(server, "f", refuse_the_second, holder="a")
    assert report.stopped_at is not None and report.stopped_at.id == offered[1]
    assert [c.id for c in report.handled] == offered[:1]
    seen: list[StatusChange] = []
    monitoring.follow_status_changes(server, "f", _collect(seen), holder="b")  # type: ignore[arg-type]
    assert [c.id for c in seen] == [offered[1]]


def test_a_feed_held_by_a_process_that_died_is_taken_over_after_its_hold(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = _connector(server, "prod")
    monitoring.follow_status_changes(server, "f", lambda c: True, holder="a")
    post_outcome(server, ref, "SUCCESS")
    now = store_clock.now
    with server.db.transaction() as tx:  # "dead" takes the feed and never comes back
        tx.monitor.take_feed("f", holder="dead", now=now, until=now + monitoring.FEED_HOLD)
    seen: list[StatusChange] = []
    held = monitoring.follow_status_changes(server, "f", _collect(seen), holder="b")  # type: ignore[arg-type]
    assert held.held_elsewhere and seen == []
    store_clock.advance(monitoring.FEED_HOLD.total_seconds() + 1)
    taken = monitoring.follow_status_changes(server, "f", _collect(seen), holder="b")  # type: ignore[arg-type]
    assert not taken.held_elsewhere and [c.to_status for c in seen] == ["SUCCESS"]


def test_followers_on_several_replicas_see_each_change_once(
    db_url: str, server: AppContext, tmp_path: Path, store_clock: FakeClock
) -> None:
    refs = [_connector(server, f"c{i}") for i in range(4)]
    monitoring.follow_status_changes(server, "f", lambda c: True, holder="r0")
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    replicas = [server] + [
        AppContext(environ=environ, clock=store_clock, runs_as="server") for _ in range(2)
    ]
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()
    writing = threading.Event()

    def follow(i: int) -> None:
        def handle(change: StatusChange) -> bool:
            with lock:
                seen.append((f"r{i}", change.id))
            return True

        while True:
            done = not writing.is_set()  # one last pass after the writer is done
            monitoring.follow_status_changes(replicas[i], "f", handle, holder=f"r{i}", limit=3)
            if done:
                return

    writing.set()
    threads = [threading.Thread(target=follow, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for n in range(6):
        for ref in refs:
            post_outcome(server, ref, "SUCCESS" if n % 2 == 0 else "FAILURE", code="X")
    writing.clear()
    for t in threads:
        t.join(120)
    for ctx in replicas[1:]:
        ctx.close()
    # followers that ended before the last writes: one more pass picks up the rest
    rest: list[StatusChange] = []
    monitoring.follow_status_changes(server, "f", _collect(rest), holder="r9", limit=1000)  # type: ignore[arg-type]
    ids = [i for _, i in seen] + [c.id for c in rest]
    every = [c.id for c in monitoring.status_changes(server, limit=1000)]
    assert len(every) == 24
    assert sorted(ids) == every  # each exactly once
    assert ids == sorted(ids)  # and in order


@pytest.mark.postgres
def test_a_change_committed_late_with_a_smaller_id_is_not_skipped(
    postgres_url: str, tmp_path: Path
) -> None:
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": postgres_url}
    server = AppContext(environ=environ, runs_as="server")
    early, late = _connector(server, "early"), _connector(server, "late")
    monitoring.follow_status_changes(server, "f", lambda c: True, holder="a")
    inserted, release = threading.Event(), threading.Event()

    def slow_writer() -> None:  # takes its change id first and commits last
        with server.db.transaction() as tx:
            tx.connectors.record_test(
                org=None, project=None, identifier="early", status="SUCCESS",
                tested_at=server.clock(), result={},
            )  # fmt: skip
            inserted.set()
            release.wait(30)

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert inserted.wait(30)
    with server.db.transaction() as tx:
        tx.connectors.record_test(
            org=None, project=None, identifier="late", status="SUCCESS",
            tested_at=server.clock(), result={},
        )  # fmt: skip
    seen: list[StatusChange] = []
    follower = threading.Thread(
        target=monitoring.follow_status_changes,
        args=(server, "f", _collect(seen)),
        kwargs={"holder": "a"},
    )
    follower.start()
    time.sleep(0.5)  # let the follower read while the slow writer is still open
    release.set()
    writer.join(30)
    follower.join(30)
    monitoring.follow_status_changes(server, "f", _collect(seen), holder="a")  # type: ignore[arg-type]
    assert sorted(c.connector for c in seen) == [str(early), str(late)]
    server.close()


def test_the_servers_own_caller_does_the_background_work_and_nothing_else(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = _connector(server, "prod")
    own = server.for_request(SERVER_CALLER)
    monitoring.claim_due(own)
    tasks.expire_and_requeue(own)
    monitoring.prune_history(own)
    monitoring.follow_status_changes(own, "f", lambda c: True, holder="a")
    store_clock.advance(timedelta(minutes=12).total_seconds())
    submitted = monitoring.run_due_tests(own)
    assert [t.connector for t in submitted] == ["prod"]  # failed at once: no delegate
    entry = audit.list_audit(server, action="task.connection-test").events[0]
    assert entry.actor == "awsconn-server"
    refused = [
        lambda: task_submit.submit(own, "credentials", ref),
        lambda: secret_service.create(own, EntityRef(Scope(), "s"), b"value"),
        lambda: tokens.create_token(own, name="t", role="viewer"),
        lambda: audit.list_audit(own),
    ]
    for attempt in refused:
        with pytest.raises(Forbidden, match=r"awsconn-server may not .*it is limited to"):
            attempt()
