"""The REST API at 10,000 connectors: one connector and a 100-item page over HTTP, against the
same service call made in-process, and a bounded load run.

For each engine (SQLite always; PostgreSQL when ``AWSCONN_TEST_POSTGRES_URL`` is set, in a
schema of its own, dropped after) the store is filled with ``--connectors`` connectors
(account scope), a real ``awsconn server`` process is started on a loopback port, and:

- ``GET /ng/api/connectors/{id}`` (random ids) and ``GET /ng/api/connectors?pageIndex=K
  &pageSize=100`` (random pages) are timed one after the other on one keep-alive
  connection: p50 and p99 in milliseconds (goal: p99 <= 50 ms);
- baseline: the same service calls in this process (``service.connectors.get``,
  ``service.connector_pages.list_page``) with an admin caller: p50/p99 and the ratio
  HTTP / in-process;
- a bounded load run: ``--clients`` threads send ``--load`` requests in all (gets and
  pages alternating), loopback only: requests per second and errors (goal: 0 errors).

    .venv/bin/python benchmarks/bench_api.py [--connectors 10000] [--requests 400]
        [--load 3000] [--clients 8] [--workers 1] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from awsconn.model import EntityRef, Scope
from awsconn.service import connectors
from awsconn.service.access import Caller, Role
from awsconn.service.connector_pages import list_page
from awsconn.service.context import AppContext
from awsconn.service.runtime import Runtime

PAGE = 100


def _document(identifier: str) -> dict[str, object]:
    return {
        "connector": {
            "name": f"bench {identifier}",
            "identifier": identifier,
            "description": "",
            "tags": {"team": "bench"},
            "type": "Aws",
            "spec": {
                "credential": {"type": "InheritFromDelegate", "region": "us-east-1"},
                "delegateSelectors": ["bench"],
                "executeOnDelegate": True,
            },
        }
    }


def _fill(environ: dict[str, str], count: int) -> list[str]:
    """``count`` connectors written through the repository, 1,000 per transaction."""
    runtime = Runtime(environ)
    ids = [f"c{i:06d}" for i in range(count)]
    for start in range(0, count, 1000):
        with runtime.db.transaction() as tx:
            for identifier in ids[start : start + 1000]:
                tx.connectors.create(
                    org=None,
                    project=None,
                    identifier=identifier,
                    name=f"bench {identifier}",
                    credential_type="InheritFromDelegate",
                    region="us-east-1",
                    tags={"team": "bench"},
                    document=_document(identifier),
                )
    runtime.close()
    return ids


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Server:
    def __init__(self, environ: dict[str, str], workers: int, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "awsconn", "server", "--port", str(self.port)]
        command += ["--workers", str(workers)]
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            command, env={**os.environ, **environ}, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit(f"the server did not start; see {log}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def _timed(call: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _row(label: str, samples: list[float], base: list[float] | None = None) -> None:
    p50, p99 = _percentiles(samples)
    ratio = ""
    if base is not None:
        b50, b99 = _percentiles(base)
        ratio = f"   {p50 / b50:5.1f}x / {p99 / b99:5.1f}x in-process"
    print(f"  {label:<44} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms{ratio}")


def _load(url: str, token: str, ids: list[str], total: int, clients: int) -> None:
    pages = max(1, len(ids) // PAGE)
    errors = 0
    lock = threading.Lock()
    each = total // clients

    def client(seed: int) -> None:
        nonlocal errors
        pick = random.Random(seed)
        with httpx.Client(base_url=url, headers={"x-api-key": token}, timeout=60) as http:
            for i in range(each):
                if i % 2:
                    answer = http.get(f"/ng/api/connectors/{pick.choice(ids)}")
                else:
                    params = {"pageIndex": pick.randrange(pages), "pageSize": PAGE}
                    answer = http.get("/ng/api/connectors", params=params)
                if answer.status_code != 200:
                    with lock:
                        errors += 1

    threads = [threading.Thread(target=client, args=(s,)) for s in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    sent = each * clients
    print(
        f"  load run: {sent} requests, {clients} clients: {sent / elapsed:7.1f} requests/s, "
        f"{errors} errors"
    )


def _bench(label: str, environ: dict[str, str], args: argparse.Namespace, work: Path) -> None:
    print(f"{label}: {args.connectors} connectors, {args.workers} worker(s)")
    started = time.perf_counter()
    ids = _fill(environ, args.connectors)
    print(f"  filled in {time.perf_counter() - started:.1f} s")
    server = _Server(environ, args.workers, work / f"server-{label}.log")
    try:
        token = (Path(environ["AWSCONN_HOME"]) / "admin-token").read_text().strip()
        pick = random.Random(7)
        pages = max(1, len(ids) // PAGE)
        runtime = Runtime(environ, runs_as="server")
        ctx = AppContext(runtime=runtime, caller=Caller("bench", Role.ADMIN, access=True))
        with httpx.Client(base_url=server.url, headers={"x-api-key": token}, timeout=60) as http:

            def http_get() -> None:
                answer = http.get(f"/ng/api/connectors/{pick.choice(ids)}")
                assert answer.status_code == 200, answer.text

            def http_page() -> None:
                params = {"pageIndex": pick.randrange(pages), "pageSize": PAGE}
                answer = http.get("/ng/api/connectors", params=params)
                assert answer.status_code == 200 and len(answer.json()["data"]["content"]) == PAGE

            def local_get() -> None:
                connectors.get(ctx, EntityRef(Scope(), pick.choice(ids)))

            def local_page() -> None:
                list_page(ctx, Scope(), page_index=pick.randrange(pages), page_size=PAGE)

            for call in (http_get, http_page, local_get, local_page):  # warm up
                _timed(call, 20)
            base_get = _timed(local_get, args.requests)
            base_page = _timed(local_page, args.requests)
            _row("in-process connectors.get", base_get)
            _row(f"in-process list_page ({PAGE} items)", base_page)
            _row("GET /ng/api/connectors/{id}", _timed(http_get, args.requests), base_get)
            _row(
                f"GET /ng/api/connectors?pageSize={PAGE}",
                _timed(http_page, args.requests),
                base_page,
            )
        runtime.close()
        _load(server.url, token, ids, args.load, args.clients)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connectors", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--load", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1,000 connectors, short runs")
    args = parser.parse_args()
    if args.quick:
        args.connectors, args.requests, args.load = 1000, 100, 400
    with tempfile.TemporaryDirectory(prefix="awsconn-bench-api-") as tmp:
        work = Path(tmp)
        _bench("SQLite", {"AWSCONN_HOME": str(work / "sqlite")}, args, work)
        server = os.environ.get("AWSCONN_TEST_POSTGRES_URL")
        if server:
            _bench_postgres(server, args, work)


def _bench_postgres(server: str, args: argparse.Namespace, work: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        environ = {
            "AWSCONN_HOME": str(work / "pg"),
            "AWSCONN_DATABASE_URL": url.render_as_string(hide_password=False),
        }
        _bench("PostgreSQL", environ, args, work)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
