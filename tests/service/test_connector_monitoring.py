"""The monitor: every connector tested on a schedule, each due test claimed by exactly one
replica, intervals of their own, status changes in order, history pruned."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from auth_fixtures import caller
from delegate_fixtures import add_connector, start_delegate

from awsconn.errors import Forbidden, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.model.results import ConnectionTestOutcome, Identity
from awsconn.service import connectors, monitoring, task_submit, tasks
from awsconn.service.access import Role
from awsconn.service.context import AppContext
from store_fixtures import FakeClock

INTERVAL = timedelta(minutes=monitoring.DEFAULT_INTERVAL_MIN)


def test_connectors_join_the_schedule_within_one_interval_then_recur_with_jitter(
    server: AppContext, store_clock: FakeClock
) -> None:
    refs = [add_connector(server, f"c{i}") for i in range(20)]
    start = store_clock.now
    assert monitoring.claim_due(server, rng=random.Random(1)) == []  # spread over the interval
    first = {s.connector: s.next_test_at for s in (monitoring.schedule_of(server, r) for r in refs)}
    assert all(start <= t <= start + INTERVAL for t in first.values() if t is not None)
    assert len(set(first.values())) == 20

    store_clock.now = start + INTERVAL
    claimed = monitoring.claim_due(server, limit=1000)
    assert sorted(str(d.ref) for d in claimed) == sorted(str(r) for r in refs)
    assert monitoring.claim_due(server) == []  # claimed: not due again
    later = [monitoring.schedule_of(server, r).next_test_at for r in refs]
    low, high = INTERVAL * (1 - monitoring.JITTER), INTERVAL * (1 + monitoring.JITTER)
    assert all(t is not None and low <= t - store_clock.now <= high for t in later)
    assert len(set(later)) > 1  # jittered


def test_each_due_connector_goes_to_exactly_one_replica(
    db_url: str, server: AppContext, tmp_path: Path, store_clock: FakeClock
) -> None:
    refs = [add_connector(server, f"c{i}") for i in range(60)]
    monitoring.claim_due(server)  # schedules them
    store_clock.advance(INTERVAL.total_seconds())
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    replicas = [server] + [
        AppContext(environ=environ, clock=store_clock, runs_as="server") for _ in range(2)
    ]
    got: list[list[str]] = [[] for _ in range(6)]

    def claim(i: int) -> None:
        ctx = replicas[i % len(replicas)]
        while batch := monitoring.claim_due(ctx, limit=5):
            got[i].extend(str(d.ref) for d in batch)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for ctx in replicas[1:]:
        ctx.close()
    everything = [r for part in got for r in part]
    assert sorted(everything) == sorted(str(r) for r in refs)  # each once, none lost


def test_a_connectors_own_interval_is_metadata_beside_the_harness_document(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = add_connector(server, "prod")
    document = connectors.get(server, ref).connector
    schedule = monitoring.set_test_interval(server, ref, 2, rng=random.Random(3))
    assert (schedule.interval_minutes, schedule.own_interval) == (2, True)
    assert schedule.next_test_at is not None
    assert schedule.next_test_at - store_clock.now <= timedelta(minutes=2.2)
    assert connectors.get(server, ref).connector == document  # Harness's document untouched
    assert "testInterval" not in connectors.export_yaml(server)
    store_clock.advance(timedelta(minutes=2.2).total_seconds())
    assert [str(d.ref) for d in monitoring.claim_due(server)] == ["prod"]
    nxt = monitoring.schedule_of(server, ref).next_test_at
    assert nxt is not None and nxt - store_clock.now <= timedelta(minutes=2.2)
    back = monitoring.set_test_interval(server, ref, None)
    assert (back.interval_minutes, back.own_interval) == (10, False)

    for bad in (0, 1441, True, 2.5):
        with pytest.raises(ValidationFailed, match="testInterval"):
            monitoring.set_test_interval(server, ref, bad)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        monitoring.set_test_interval(server.for_request(caller(Role.VIEWER)), ref, 5)


def test_due_tests_are_submitted_and_ignored_connectors_are_not(
    server: AppContext, store_clock: FakeClock
) -> None:
    add_connector(server, "watched")
    text = connectors.export_yaml(server).replace("identifier: watched", "identifier: quiet")
    text = text.replace("name: watched", "name: quiet").replace(
        "executeOnDelegate: true", "executeOnDelegate: true\n    ignoreTestConnection: true"
    )
    connectors.apply_yaml(server, text, mode="create")
    monitoring.claim_due(server)
    store_clock.advance(INTERVAL.total_seconds())
    start_delegate(server)
    assert {s.connector for s in monitoring.due_connectors(server)} == {"watched", "quiet"}
    submitted = monitoring.run_due_tests(server)
    assert [(t.kind, t.connector, t.state) for t in submitted] == [
        ("connection-test", "watched", "queued")
    ]
    assert monitoring.due_connectors(server) == []


def _post_test(server: AppContext, ref: EntityRef, status: str, store_clock: FakeClock) -> None:
    """A delegate runs a connection test of ``ref`` and posts ``status``."""
    d = start_delegate(server, f"d{store_clock.now.timestamp():.0f}")
    task = task_submit.submit(server, "connection-test", ref)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    outcome = ConnectionTestOutcome(
        connector=str(ref),
        status=status,  # type: ignore[arg-type]
        identity=Identity(),
        region="us-east-1",
        tested_at=store_clock.now,
        duration_ms=5,
        errors=[],
    )
    tasks.finish(d.ctx, d.id, task.id, 1, result=outcome)
    store_clock.advance(60)


def test_status_changes_are_recorded_in_order_for_the_alert_hook(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = add_connector(server, "prod", org="eng")
    for status in ("SUCCESS", "SUCCESS", "FAILURE", "FAILURE", "SUCCESS"):
        _post_test(server, ref, status, store_clock)
    changes = monitoring.status_changes(server)
    assert [(c.from_status, c.to_status, c.connector) for c in changes] == [
        (None, "SUCCESS", "eng/prod"),
        ("SUCCESS", "FAILURE", "eng/prod"),
        ("FAILURE", "SUCCESS", "eng/prod"),
    ]
    assert monitoring.status_changes(server, after_id=changes[1].id) == changes[2:]
    other = server.for_request(caller(Role.VIEWER, "ops"))
    assert monitoring.status_changes(other) == []  # another org's connectors are not seen
    assert len(connectors.history(server, ref)) == 5


def test_history_is_pruned_but_each_connector_keeps_its_newest_result(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = add_connector(server, "prod")
    for status in ("SUCCESS", "FAILURE", "SUCCESS"):
        _post_test(server, ref, status, store_clock)
    store_clock.advance(timedelta(days=31).total_seconds())
    report = monitoring.prune_history(server)
    assert (report.keep_days, report.tests, report.status_changes, report.tasks) == (30, 2, 3, 3)
    assert [h.status for h in connectors.history(server, ref)] == ["SUCCESS"]
    assert tasks.list_tasks(server) == []

    env_ctx = AppContext(
        runtime=server.runtime.__class__(
            {**server.environ, monitoring.HISTORY_DAYS_ENV: "forever"}, clock=store_clock
        )
    )
    with pytest.raises(ValidationFailed, match=monitoring.HISTORY_DAYS_ENV):
        monitoring.prune_history(env_ctx)
    env_ctx.close()
    with pytest.raises(Forbidden):
        monitoring.prune_history(server.for_request(caller(Role.EDITOR, "eng")))


def test_listing_tasks_shows_what_the_caller_may_see(server: AppContext) -> None:
    mine = add_connector(server, "mine", org="eng")
    theirs = add_connector(server, "theirs", org="ops")
    start_delegate(server)
    a = task_submit.submit(server, "regions", mine)
    task_submit.submit(server, "regions", theirs)
    creds = task_submit.submit(server, "credentials", mine)
    assert [t.id for t in tasks.list_tasks(server, connector=mine)] == [a.id]
    assert [t.id for t in tasks.list_tasks(server, kinds=["credentials"])] == [creds.id]
    editor = server.for_request(caller(Role.EDITOR, "eng"))
    assert [t.connector for t in tasks.list_tasks(editor)] == ["eng/mine"]
    with pytest.raises(Forbidden):  # credentials need connector:access
        tasks.list_tasks(editor, kinds=["credentials"])
    with pytest.raises(Forbidden):
        tasks.get(editor, creds.id)
    assert tasks.list_tasks(server, scope=Scope("ops"))[0].connector == "ops/theirs"
    with pytest.raises(ValidationFailed, match="states"):
        tasks.list_tasks(server, states=["done"])
