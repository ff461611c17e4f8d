"""A queued task starts as soon as a delegate is free, on this replica and on others;
many claimers on several replicas finish every task exactly once.

The wake-up tests turn the fallback poll off (an hour), so a sleeping claim or wait that
returns at all was woken by the submit or the finish itself: no timing is asserted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from delegate_fixtures import Delegate, add_connector, start_delegate
from sqlalchemy import event

from awsconn.errors import Conflict
from awsconn.model.results import RegionList
from awsconn.service import task_signals, task_submit, tasks
from awsconn.service.context import AppContext
from awsconn.service.task_signals import Change
from store_fixtures import FakeClock

WATCHDOG_S = 20.0


@pytest.fixture
def no_fallback_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(task_signals, "FALLBACK_POLL_S", 3600.0)


class Background:
    """Runs ``call`` in a thread; ``result()`` waits for it under a generous watchdog."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self._value = call()
        except BaseException as exc:
            self._error = exc

    def result(self) -> Any:
        self._thread.join(WATCHDOG_S)
        assert not self._thread.is_alive(), "still sleeping: the wake-up never came"
        if self._error is not None:
            raise self._error
        return self._value


def _sleeping(ctx: AppContext, before: int) -> None:
    """Until someone sleeps on ``ctx``'s signals (the claim or wait has found nothing)."""
    signals = task_signals.signals_of(ctx)
    for _ in range(2000):
        with signals._condition:
            if signals._sleepers:
                return
        threading.Event().wait(0.005)
    raise AssertionError("nobody went to sleep")


def _regions(connector: str) -> RegionList:
    return RegionList(connector=connector, region="us-east-1", regions=["us-east-1"])


@pytest.mark.usefixtures("no_fallback_poll")
def test_a_sleeping_claim_is_woken_by_the_submit(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    claim = Background(lambda: tasks.claim(d.ctx, d.id, wait_s=60))
    _sleeping(server, 0)
    task = task_submit.submit(server, "regions", ref)
    claimed = claim.result()
    assert claimed is not None and claimed.task.id == task.id


@pytest.mark.usefixtures("no_fallback_poll")
def test_a_waiter_is_woken_by_the_finish(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    task = task_submit.submit(server, "regions", ref)
    waiter = Background(lambda: tasks.wait(server, task.id, 60))
    _sleeping(server, 0)
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    tasks.finish(d.ctx, d.id, task.id, 1, result=_regions("prod"))
    assert waiter.result().state == "succeeded"


def test_an_ending_task_wakes_the_waiters_not_the_idle_claimers(server: AppContext) -> None:
    ref = add_connector(server, "prod")
    d = start_delegate(server)
    signals = task_signals.signals_of(server)
    queued, ended = Change.QUEUED, Change.ENDED
    before = signals.generation(queued), signals.generation(ended)
    task = task_submit.submit(server, "regions", ref)
    assert (signals.generation(queued), signals.generation(ended)) == (before[0] + 1, before[1])
    assert tasks.claim(d.ctx, d.id, wait_s=0) is not None
    tasks.finish(d.ctx, d.id, task.id, 1, result=_regions("prod"))
    assert (signals.generation(queued), signals.generation(ended)) == (before[0] + 1, before[1] + 1)


def test_a_claim_with_nothing_queued_for_it_writes_nothing(server: AppContext) -> None:
    d = start_delegate(server)  # registered just now: its heartbeat is fresh
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(server.db.engine, "before_cursor_execute", seen)
    try:
        assert tasks.claim(d.ctx, d.id, wait_s=0) is None
    finally:
        event.remove(server.db.engine, "before_cursor_execute", seen)
    assert any(s.startswith("SELECT") for s in statements)
    writes = [s for s in statements if s.startswith(("UPDATE", "INSERT", "DELETE", "BEGIN IMM"))]
    assert not writes


@pytest.fixture
def replica(
    db_url: str, tmp_path: Path, store_clock: FakeClock, server: AppContext
) -> Iterator[AppContext]:
    """A second server process's runtime on the same database (its own engine)."""
    environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": db_url}
    ctx = AppContext(environ=environ, clock=store_clock, runs_as="server")
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.mark.postgres
@pytest.mark.usefixtures("no_fallback_poll")
def test_another_replicas_claim_and_wait_are_woken_through_postgresql(
    postgres_url: str, tmp_path: Path, store_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the listener passes each notification on as it arrives: were it held until the
    # listener's next look, no wake-up would come within the watchdog
    monkeypatch.setattr(task_signals, "LISTEN_POLL_S", 3600.0)

    def runtime() -> AppContext:
        environ = {"AWSCONN_HOME": str(tmp_path / "home"), "AWSCONN_DATABASE_URL": postgres_url}
        return AppContext(environ=environ, clock=store_clock, runs_as="server")

    a, b = runtime(), runtime()
    try:
        ref = add_connector(a, "prod")
        d = start_delegate(b)
        claim = Background(lambda: tasks.claim(d.ctx, d.id, wait_s=60))
        _sleeping(b, 0)
        assert task_signals.signals_of(b).wait_listening(WATCHDOG_S)
        task = task_submit.submit(a, "regions", ref)
        claimed = claim.result()
        assert claimed is not None and claimed.task.id == task.id
        waiter = Background(lambda: tasks.wait(a, task.id, 60))
        _sleeping(a, 0)
        assert task_signals.signals_of(a).wait_listening(WATCHDOG_S)
        tasks.finish(d.ctx, d.id, task.id, 1, result=_regions("prod"))
        assert waiter.result().state == "succeeded"
    finally:
        a.close()
        b.close()


def _work(d: Delegate, claimed_ids: list[str], finished: list[str], stop: threading.Event) -> None:
    """A delegate's loop: claim, post the result, until told to stop."""
    while not stop.is_set():
        claimed = tasks.claim(d.ctx, d.id, wait_s=0.5)
        if claimed is None:
            continue
        claimed_ids.append(claimed.task.id)
        try:
            done = tasks.finish(
                d.ctx, d.id, claimed.task.id, claimed.task.attempt, result=_regions("prod")
            )
        except Conflict:
            continue
        finished.append(done.id)


@pytest.mark.timeout(300)
def test_claimers_on_several_replicas_finish_every_task_exactly_once(
    db_url: str, server: AppContext, replica: AppContext
) -> None:
    """PostgreSQL: 2 replicas x 3 claimers x 300 tasks; SQLite (one server process): one
    runtime x 3 claimers x 100 tasks. Tasks are submitted while the claimers run."""
    postgres = db_url.startswith("postgresql")
    runtimes = [server, replica] if postgres else [server]
    count = 300 if postgres else 100
    ref = add_connector(server, "prod")
    workers = [start_delegate(rt, f"d{i}-{j}") for i, rt in enumerate(runtimes) for j in range(3)]
    claimed_ids: list[str] = []
    finished: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_work, args=(w, claimed_ids, finished, stop), daemon=True)
        for w in workers
    ]
    for t in threads:
        t.start()
    submitted = [
        task_submit.submit(runtimes[i % len(runtimes)], "regions", ref).id for i in range(count)
    ]
    try:
        waiter = Background(lambda: [tasks.wait(server, i, 120) for i in submitted])
        ended = waiter.result()
    finally:
        stop.set()
        for t in threads:
            t.join(WATCHDOG_S)
    assert [t.state for t in ended] == ["succeeded"] * count
    assert sorted(finished) == sorted(submitted)  # each posted once, each accepted once
    assert sorted(claimed_ids) == sorted(submitted)  # none handed out twice
    with server.db.transaction(write=False) as tx:
        rows = [tx.tasks.find(i) for i in submitted]
    assert {(r.state, r.attempt) for r in rows if r is not None} == {("succeeded", 1)}
    assert len({r.owner for r in rows if r is not None}) > 1  # the work was shared
