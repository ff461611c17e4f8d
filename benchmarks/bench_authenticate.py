"""What authenticating a request costs, against a point read of one secret in the same run.

Every API request will call ``service.tokens.authenticate``: one indexed read by the
token's hash, and a write of ``last_used_at`` at most once a minute per token. Timed
in one process, round-robin so machine load hits all rows alike (medians of rounds):

- baseline: ``Database.transaction(write=False)`` + ``tx.secrets.find`` of one secret
  by key: the cheapest read a use case makes through the normal path;
- ``authenticate``: a token used within the minute (the read only);
- ``authenticate, last use written each time``: the same with the clock one minute on
  at every call, what it would cost without the once-a-minute rule;
- ``refused (unknown token)``: a well-formed token nobody holds (one read, refused);
- ``refused (malformed)``: refused before any query.

Each row prints microseconds per call and its ratio to the baseline. SQLite always;
PostgreSQL too when ``AWSCONN_TEST_POSTGRES_URL`` is set (a fresh schema, dropped after).

    .venv/bin/python benchmarks/bench_authenticate.py [--calls 2000] [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from awsconn.errors import Unauthenticated
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate, create_token


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 2, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _refused(ctx: AppContext, text: str) -> Callable[[], None]:
    def call() -> None:
        try:
            authenticate(ctx, text)
        except Unauthenticated:
            return
        raise SystemExit("a token nobody holds authenticated")

    return call


def _bench(label: str, url: str, home: Path, calls: int, rounds: int) -> None:
    clock = _Clock()
    environ = {"AWSCONN_HOME": str(home), "AWSCONN_DATABASE_URL": url}
    ctx = AppContext(environ=environ, clock=clock)
    ctx.secrets.create(org=None, project=None, identifier="bench", value=b"bench-value")
    token, _ = create_token(ctx, name="bench", role="viewer")
    authenticate(ctx, token)  # its first use: last_used_at written

    def baseline() -> None:
        with ctx.db.transaction(write=False) as tx:
            tx.secrets.find(org=None, project=None, identifier="bench")

    def within_the_minute() -> None:
        authenticate(ctx, token)

    def written_each_time() -> None:
        clock.now += timedelta(minutes=1)
        authenticate(ctx, token)

    rows: dict[str, Callable[[], None]] = {
        "baseline: one secret by key (read transaction)": baseline,
        "authenticate (used within the minute)": within_the_minute,
        "authenticate, last use written each time": written_each_time,
        "refused (unknown token)": _refused(ctx, "awsc_" + "B" * 43),
        "refused (malformed)": _refused(ctx, "not-a-token"),
    }
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(rounds):
        for name, call in rows.items():
            start = time.perf_counter()
            for _ in range(calls):
                call()
            times[name].append((time.perf_counter() - start) / calls * 1e6)
    ctx.close()
    base = statistics.median(times[next(iter(rows))])
    print(f"\n{label}: {calls} calls x {rounds} rounds, median microseconds per call")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:<50} {median:9.1f} us  {median / base:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 calls x 3 rounds")
    args = parser.parse_args()
    calls, rounds = (200, 3) if args.quick else (args.calls, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        _bench("SQLite (WAL, a file)", f"sqlite:///{home / 'awsconn.db'}", home, calls, rounds)
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
                calls,
                rounds,
            )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
