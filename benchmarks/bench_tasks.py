"""The task queue: how fast delegates drain it, and how soon a submitted task starts.

Timed through the service (``awsconn.service.tasks``), as a server runs it, with real
delegate tokens and registered delegates; trivial tasks (``regions`` of an
InheritFromDelegate connector, the result posted at once):

- claim throughput: ``--tasks`` tasks queued first, then 3 claimer threads (3 delegates)
  each looping ``claim`` + ``finish`` until the queue is empty: tasks per second.
  Baseline, same run: the same 3 threads each doing one-row write transactions (a
  delegate's heartbeat, ``tx.delegates.beat``): writes per second; the ratio is the cost
  of one task (claim + finish) in baseline writes.
- submit→claim latency: one delegate asleep in ``claim``; the time from calling
  ``submit`` to the claim returning the task, ``--latency`` times: p50 and p99.
  Baseline, same run: ``submit``'s own duration (p50). On PostgreSQL also across
  replicas: the claimer on a second runtime (its own engine), woken by NOTIFY.

SQLite always; PostgreSQL too when ``AWSCONN_TEST_POSTGRES_URL`` is set (a fresh schema,
dropped after).

    .venv/bin/python benchmarks/bench_tasks.py [--tasks 600] [--latency 200] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from awsconn.model import EntityRef, Scope
from awsconn.model.results import RegionList
from awsconn.service import delegates, tasks
from awsconn.service.access import LOCAL_OWNER
from awsconn.service.connectors import apply_yaml
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate, create_delegate_token

CONNECTOR = """connector:
  name: bench
  identifier: bench
  type: Aws
  spec:
    credential:
      type: InheritFromDelegate
      region: us-east-1
    delegateSelectors: [bench]
"""
CAPABILITIES = ["regions", "identity:InheritFromDelegate"]
RESULT = RegionList(connector="bench", region="us-east-1", regions=["us-east-1"])


def _runtime(url: str, home: Path) -> AppContext:
    return AppContext(
        environ={"AWSCONN_HOME": str(home), "AWSCONN_DATABASE_URL": url}, runs_as="server"
    )


def _delegate(ctx: AppContext, name: str) -> tuple[AppContext, str]:
    token, _ = create_delegate_token(ctx.for_request(LOCAL_OWNER), name=f"token-{name}")
    dctx = ctx.for_request(authenticate(ctx.runtime, token))
    info = delegates.register(
        dctx, name=name, tags=["bench"], capabilities=CAPABILITIES, version="bench"
    )
    return dctx, info.id


def _threads(count: int, work: Callable[[int], None]) -> float:
    """Seconds for ``count`` threads running ``work(i)`` to end."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def _throughput(ctx: AppContext, ref: EntityRef, count: int) -> None:
    workers = [_delegate(ctx, f"drain-{i}") for i in range(3)]
    start = time.perf_counter()
    for _ in range(count):
        tasks.submit(ctx, "regions", ref)
    submitted = time.perf_counter() - start
    done = [0, 0, 0]

    def drain(i: int) -> None:
        dctx, delegate_id = workers[i]
        while (claimed := tasks.claim(dctx, delegate_id, wait_s=0)) is not None:
            tasks.finish(dctx, delegate_id, claimed.task.id, claimed.task.attempt, result=RESULT)
            done[i] += 1

    drained = _threads(3, drain)
    assert sum(done) == count, done

    per_thread = count // 3

    def beat(i: int) -> None:
        _, delegate_id = workers[i]
        for _ in range(per_thread):
            with ctx.db.transaction() as tx:
                tx.delegates.beat(delegate_id, now=ctx.clock())

    baseline = _threads(3, beat)
    task_rate, write_rate = count / drained, per_thread * 3 / baseline
    print(f"  submit (one thread)                               {count / submitted:9.0f} tasks/s")
    print(f"  claim + finish, 3 claimer threads                 {task_rate:9.0f} tasks/s")
    print(f"  baseline: one-row write transactions, 3 threads   {write_rate:9.0f} writes/s")
    cost = write_rate / task_rate
    print(f"  one task (claim + finish) costs                   {cost:9.2f}x a write")


def _latency(submitter: AppContext, claimer: AppContext, ref: EntityRef, rounds: int) -> None:
    dctx, delegate_id = _delegate(claimer, f"wait-{uuid.uuid4().hex[:6]}")
    started: list[float] = []
    latencies: list[float] = []
    submits: list[float] = []
    ready = threading.Semaphore(0)

    def wait_for_tasks() -> None:
        for _ in range(rounds):
            ready.release()
            claimed = tasks.claim(dctx, delegate_id, wait_s=30)
            got = time.perf_counter()
            assert claimed is not None
            latencies.append(got - started[len(latencies)])
            tasks.finish(dctx, delegate_id, claimed.task.id, claimed.task.attempt, result=RESULT)

    thread = threading.Thread(target=wait_for_tasks)
    thread.start()
    for _ in range(rounds):
        ready.acquire()
        time.sleep(0.02)  # the claimer is asleep by now: what is timed is the wake-up
        started.append(time.perf_counter())
        tasks.submit(submitter, "regions", ref)
        submits.append(time.perf_counter() - started[-1])
    thread.join()
    ms = sorted(x * 1000 for x in latencies)
    p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    base = statistics.median(submits) * 1000
    print(f"    submit->claim p50 {p50:7.2f} ms  p99 {p99:7.2f} ms   ({rounds} tasks)")
    print(f"    baseline: submit alone p50 {base:7.2f} ms; p50 latency = {p50 / base:5.2f}x")


def _bench(label: str, url: str, home: Path, count: int, rounds: int, replicas: bool) -> None:
    ctx = _runtime(url, home)
    apply_yaml(ctx, CONNECTOR, mode="create")
    ref = EntityRef(Scope(), "bench")
    print(f"\n{label}: {count} trivial tasks")
    _throughput(ctx, ref, count)
    print("  latency, claimer in the same runtime:")
    _latency(ctx, ctx, ref, rounds)
    if replicas:
        other = _runtime(url, home)
        print("  latency, claimer on another replica (NOTIFY):")
        _latency(ctx, other, ref, rounds)
        other.close()
    ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=600)
    parser.add_argument("--latency", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="90 tasks, 20 latency rounds")
    args = parser.parse_args()
    count, rounds = (90, 20) if args.quick else (args.tasks, args.latency)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        _bench(
            "SQLite (WAL, a file)", f"sqlite:///{home / 'awsconn.db'}", home, count, rounds, False
        )
    server = os.environ.get("AWSCONN_TEST_POSTGRES_URL")
    if not server:
        print("\nPostgreSQL: skipped (set AWSCONN_TEST_POSTGRES_URL)")
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        with tempfile.TemporaryDirectory() as tmp:
            _bench(
                "PostgreSQL (local server)",
                url.render_as_string(hide_password=False),
                Path(tmp) / "home",
                count,
                rounds,
                True,
            )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
