"""A task's life on both engines: queued → running (owner, lease) → ended, exactly once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from delegate_fixtures import add_connector, start_delegate

from awsconn.errors import Conflict, NotFound, ValidationFailed
from awsconn.model.results import Failure, RegionList
from awsconn.service import task_submit, tasks
from awsconn.service.context import AppContext
from awsconn.service.delegates import LEASE
from store_fixtures import FakeClock


def _regions(connector: str) -> RegionList:
    return RegionList(connector=connector, region="us-east-1", regions=["us-east-1", "eu-west-1"])


def test_submit_claim_finish(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    task = task_submit.submit(server, "regions", ref)
    assert (task.state, task.owner, task.attempt, task.connector) == ("queued", None, 0, "prod")
    assert task.deadline - task.created_at == timedelta(minutes=2)

    claimed = tasks.claim(d.ctx, d.id, wait_s=0)
    assert claimed is not None
    assert claimed.task.id == task.id
    assert (claimed.task.state, claimed.task.owner, claimed.task.attempt) == ("running", d.id, 1)
    assert claimed.connector["connector"]["identifier"] == "prod"
    assert claimed.session.credential_type == "InheritFromDelegate"
    assert claimed.session.static_keys is None
    assert claimed.params == {"timeoutSeconds": 30.0}
    assert tasks.claim(d.ctx, d.id, wait_s=0) is None  # nothing else is queued

    done = tasks.finish(d.ctx, d.id, task.id, 1, result=_regions("prod"))
    assert done.state == "succeeded" and done.result == _regions("prod")
    assert tasks.get(server, task.id) == done
    assert tasks.wait(server, task.id, 0) == done


def test_the_same_result_posted_twice_is_harmless_another_is_refused(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    task = task_submit.submit(server, "regions", ref)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    first = tasks.finish(d.ctx, d.id, task.id, 1, result=_regions("prod").wire())
    again = tasks.finish(d.ctx, d.id, task.id, 1, result=_regions("prod"))
    assert again == first
    other = RegionList(connector="prod", region="us-east-1", regions=["us-west-2"])
    with pytest.raises(Conflict, match="ended \\(succeeded\\) with another outcome"):
        tasks.finish(d.ctx, d.id, task.id, 1, result=other)
    assert tasks.get(server, task.id).result == _regions("prod")


def test_a_lapsed_lease_requeues_and_the_old_owners_result_is_refused(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = add_connector(server, "prod")
    old = start_delegate(server, "old")
    task = task_submit.submit(server, "regions", ref)
    assert tasks.claim(old.ctx, old.id, wait_s=0) is not None

    store_clock.advance(LEASE.total_seconds() - 1)  # a heartbeat in time keeps it
    assert tasks.heartbeat(old.ctx, old.id, [task.id]).renewed == [task.id]
    store_clock.advance(LEASE.total_seconds() - 1)
    assert tasks.expire_and_requeue(server).requeued == []

    store_clock.advance(2)  # the lease lapses: back in the queue, for anyone
    report = tasks.expire_and_requeue(server)
    assert report.requeued == [task.id]
    requeued = tasks.get(server, task.id)
    assert (requeued.state, requeued.owner, requeued.attempt) == ("queued", None, 1)
    with pytest.raises(Conflict, match="lease lapsed and it went back to the queue"):
        tasks.finish(old.ctx, old.id, task.id, 1, result=_regions("prod"))

    new = start_delegate(server, "new")
    claimed = tasks.claim(new.ctx, new.id, wait_s=0)
    assert claimed is not None and claimed.task.attempt == 2
    beat = tasks.heartbeat(old.ctx, old.id, [task.id])
    assert (beat.renewed, beat.abandon) == ([], [task.id])
    with pytest.raises(Conflict, match=f"now attempt 2 of delegate {new.id}"):
        tasks.finish(old.ctx, old.id, task.id, 1, result=_regions("prod"))
    done = tasks.finish(new.ctx, new.id, task.id, 2, result=_regions("prod"))
    assert (done.state, done.owner, done.attempt) == ("succeeded", new.id, 2)
    with pytest.raises(Conflict):  # completes at most once: the old attempt stays refused
        tasks.finish(old.ctx, old.id, task.id, 1, result=_regions("prod"))


def test_a_task_past_its_deadline_expires(server: AppContext, store_clock: FakeClock) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    queued = task_submit.submit(server, "regions", ref, deadline_s=30)
    running = task_submit.submit(server, "regions", ref, deadline_s=30)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None  # the older one runs
    store_clock.advance(29)
    tasks.heartbeat(d.ctx, d.id, [queued.id])
    store_clock.advance(1)
    report = tasks.expire_and_requeue(server)
    assert sorted(report.expired) == sorted([queued.id, running.id])
    first = tasks.get(server, queued.id)
    assert first.state == "expired" and first.error is not None
    assert first.error.code == "TASK_EXPIRED" and "running on delegate" in first.error.message
    second = tasks.get(server, running.id)
    assert "still queued" in (second.error.message if second.error else "")
    with pytest.raises(Conflict, match="ended \\(expired\\)"):
        tasks.finish(d.ctx, d.id, queued.id, 1, result=_regions("prod"))


def test_get_expires_an_overdue_task_without_the_reaper(
    server: AppContext, store_clock: FakeClock
) -> None:
    ref = add_connector(server, "prod")
    start_delegate(server)
    task = task_submit.submit(server, "regions", ref, deadline_s=10)
    store_clock.advance(10)
    assert tasks.get(server, task.id).state == "expired"
    assert tasks.wait(server, task.id, 5).state == "expired"


def test_cancel_a_queued_and_a_running_task(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    running = task_submit.submit(server, "regions", ref)
    queued = task_submit.submit(server, "regions", ref)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    assert tasks.cancel(server, queued.id).state == "cancelled"
    assert tasks.claim(d.ctx, d.id, wait_s=0) is None  # a cancelled task is never handed out
    cancelled = tasks.cancel(server, running.id)
    assert cancelled.state == "cancelled" and cancelled.finished_at is not None
    assert tasks.cancel(server, running.id) == cancelled  # cancelling twice: as it is
    assert tasks.heartbeat(d.ctx, d.id, [running.id]).abandon == [running.id]
    with pytest.raises(Conflict, match="ended \\(cancelled\\)"):
        tasks.finish(d.ctx, d.id, running.id, 1, result=_regions("prod"))
    other = task_submit.submit(server, "regions", ref)
    claimed = tasks.claim(d.ctx, d.id, wait_s=0)
    assert claimed is not None
    tasks.finish(d.ctx, d.id, other.id, 1, error=Failure(code="TIMEOUT", message="slow"))
    with pytest.raises(Conflict, match="nothing to cancel"):
        tasks.cancel(server, other.id)


def test_a_failed_run_is_posted_as_the_tasks_error(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    task = task_submit.submit(server, "regions", ref)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    error = {"code": "ACCESS_DENIED", "message": "not allowed: ec2:DescribeRegions"}
    done = tasks.finish(d.ctx, d.id, task.id, 1, error=error)
    assert done.state == "failed" and done.error == Failure.model_validate(error)


def test_bad_outcomes_and_ids_are_refused_with_their_path(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    task = task_submit.submit(server, "regions", ref)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    with pytest.raises(ValidationFailed, match=r"result\.regions"):
        tasks.finish(d.ctx, d.id, task.id, 1, result={"connector": "prod", "region": "x"})
    with pytest.raises(ValidationFailed, match="exactly one"):
        tasks.finish(d.ctx, d.id, task.id, 1)
    with pytest.raises(ValidationFailed, match="attempt"):
        tasks.finish(d.ctx, d.id, task.id, 0, result=_regions("prod"))
    with pytest.raises(ValidationFailed, match="taskId"):
        tasks.finish(d.ctx, d.id, "../etc", 1, result=_regions("prod"))
    with pytest.raises(NotFound):
        tasks.finish(d.ctx, d.id, "0" * 32, 1, result=_regions("prod"))
    with pytest.raises(ValidationFailed, match=r"params\.timeoutSeconds"):
        task_submit.submit(server, "regions", ref, {"timeoutSeconds": float("nan")})
    with pytest.raises(ValidationFailed, match=r"params\.nope"):
        task_submit.submit(server, "regions", ref, {"nope": 1})
    with pytest.raises(ValidationFailed, match="kind"):
        task_submit.submit(server, "shell", ref)
    assert tasks.get(server, task.id).state == "running"  # nothing half-written


def test_a_restarted_server_loses_no_task(db_url: str, server: AppContext, tmp_path: Path) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    running = task_submit.submit(server, "regions", ref)
    queued = task_submit.submit(server, "regions", ref)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    server.close()  # the process ends; another starts on the same database
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    again = AppContext(environ=environ, clock=server.clock, runs_as="server")
    try:
        dctx = again.for_request(d.ctx.caller)
        assert tasks.get(again, running.id).state == "running"
        claimed = tasks.claim(dctx, d.id, wait_s=0)
        assert claimed is not None and claimed.task.id == queued.id
        for task in (running, queued):
            assert tasks.finish(dctx, d.id, task.id, 1, result=_regions("prod")).ended
    finally:
        again.close()
