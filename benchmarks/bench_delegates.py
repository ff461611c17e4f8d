"""Delegates with real processes: task round trip, throughput, a new delegate's first task.

One ``awsconn server`` (SQLite, loopback) and ``awsconn delegate run`` processes; the task
is ``credentials`` of an InheritFromDelegate connector (the delegate answers with its own
environment keys: no AWS call, so the queue and the protocol are what is measured).

- round trip: submit (``POST /ng/api/awsconn/tasks`` with ``waitSeconds``) → a delegate
  takes it (long poll) → posts the result → the submit's answer has it, one client,
  ``--round-trips`` times, one delegate: p50 and p99 (and the same with the result fetched
  by a waiting ``GET .../tasks/{id}`` after the submit: two requests). Baseline, same
  run: the same work in-process (``credential_process_output`` on a local store that
  runs it here, the CLI's local road): p50; the overhead is the difference (goal: p50 ≤
  10 ms). For scale, one authenticated API request (GET of an ended task): p50.
- throughput: ``--tasks`` tasks through one server and 3 delegates (concurrency 4 each),
  8 client threads each submitting and waiting: tasks/s. Baseline: the in-process rate.
- a new delegate: one delegate busy (concurrency 1, its task's AWS endpoint never
  answers), a task queued behind it; a second delegate process starts: seconds from its
  start to taking the queued task (and from its registration). Baseline: the CLI's own
  process start (``python -m awsconn --version``).

    .venv/bin/python benchmarks/bench_delegates.py [--round-trips 300] [--tasks 600] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7BENCHMK",
    "AWS_SECRET_ACCESS_KEY": "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",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _aws_env(work: Path, endpoint: str | None) -> dict[str, str]:
    (work / "aws-config").touch()
    env = {
        "AWS_CONFIG_FILE": str(work / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "aws-config"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
        "PATH": os.defpath,
        "HOME": str(work),
        "PYTHONUNBUFFERED": "1",
    }
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


class Stack:
    """The server and its delegates; everything stopped by :meth:`close`."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.home = work / "server-home"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**_aws_env(work, None), "AWSCONN_HOME": str(self.home), "AWSCONN_MONITORING": "0"}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.server = self._spawn(
            [sys.executable, "-m", "awsconn", "server", "--port", str(self.port)], env, "server"
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        token = (self.home / "admin-token").read_text().strip()
        self.http = httpx.Client(base_url=self.url, headers={"x-api-key": token}, timeout=60)
        answer = self.http.post("/ng/api/delegate-token-ng", params={"tokenName": "bench"})
        self.delegate_token: str = answer.json()["resource"]["value"]

    def _spawn(self, argv: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        with (self.work / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def connector(self, identifier: str, tag: str) -> None:
        spec = {
            "credential": {"type": "InheritFromDelegate", "region": "us-east-1"},
            "delegateSelectors": [tag],
            "executeOnDelegate": True,
        }
        body = {"connector": {"name": identifier, "identifier": identifier, "type": "Aws",
                              "spec": spec}}  # fmt: skip
        answer = self.http.post("/ng/api/connectors", json=body)
        assert answer.status_code == 200, answer.text

    def delegate(
        self, name: str, tag: str, *, concurrency: int = 4, endpoint: str | None = None
    ) -> subprocess.Popen[bytes]:
        work = self.work / name
        work.mkdir(exist_ok=True)
        env = {**_aws_env(work, endpoint), **KEYS, "AWSCONN_DELEGATE_TOKEN": self.delegate_token}
        argv = [sys.executable, "-m", "awsconn", "delegate", "run", "--manager", self.url,
                "--name", name, "--tags", tag, "--concurrency", str(concurrency)]  # fmt: skip
        return self._spawn(argv, env, name)

    def wait_connected(self, names: set[str]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = self.http.get("/ng/api/awsconn/delegates", params={"connected": True})
            if names <= {d["name"] for d in listed.json()["data"]}:
                return
            time.sleep(0.1)
        raise SystemExit(f"delegates {names} did not connect")

    def submit(self, connector: str, kind: str = "credentials", **params: Any) -> dict[str, Any]:
        body = {"kind": kind, "connector": connector, "params": params}
        answer = self.http.post("/ng/api/awsconn/tasks", json=body)
        assert answer.status_code == 200, answer.text
        task: dict[str, Any] = answer.json()["data"]
        return task

    def round_trip(
        self, connector: str, http: httpx.Client | None = None, *, in_submit: bool = True
    ) -> None:
        """Submit and have the result: in the submit's answer (``waitSeconds``), or with
        ``in_submit=False`` by a waiting get after the submit (two requests)."""
        client = http or self.http
        body: dict[str, Any] = {"kind": "credentials", "connector": connector}
        if in_submit:
            body["waitSeconds"] = 10
        task = client.post("/ng/api/awsconn/tasks", json=body).json()["data"]
        while task["state"] in ("queued", "running"):
            task = client.get(
                f"/ng/api/awsconn/tasks/{task['id']}", params={"waitSeconds": 10}
            ).json()["data"]
        assert task["state"] == "succeeded", task

    def close(self) -> None:
        self.http.close()
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL if proc is not self.server else signal.SIGTERM)
                proc.wait(timeout=30)


def _in_process(work: Path) -> Callable[[], None]:
    """The same work on a local store that runs it here (the CLI's local road)."""
    from awsconn.model import parse_ref
    from awsconn.service.connection import credential_process_output
    from awsconn.service.connectors import apply_yaml
    from awsconn.service.context import AppContext

    home = work / "local-home"
    env = {**_aws_env(work, None), **KEYS, "AWSCONN_HOME": str(home),
           "AWSCONN_DELEGATE_TAGS": "bench"}  # fmt: skip
    ctx = AppContext(environ=env)
    apply_yaml(
        ctx,
        "connector:\n  name: c\n  identifier: c\n  type: Aws\n  spec:\n    credential:\n"
        "      type: InheritFromDelegate\n      region: us-east-1\n"
        "    delegateSelectors: [bench]\n    executeOnDelegate: true\n",
        mode="import",
        source="bench",
    )
    ref = parse_ref("c")
    return lambda: credential_process_output(ctx, ref)  # type: ignore[func-returns-value]


def _times_ms(work: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _silent_endpoint() -> tuple[str, socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return f"http://127.0.0.1:{server.getsockname()[1]}", server


def _parse_time(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value) / 1000
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--round-trips", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=600)
    parser.add_argument("--quick", action="store_true", help="a check: 40 round trips, 90 tasks")
    args = parser.parse_args()
    if args.quick:
        args.round_trips, args.tasks = 40, 90
    work = Path(tempfile.mkdtemp(prefix="awsconn-bench-delegates-"))
    stack = Stack(work)
    try:
        local = _in_process(work)
        for _ in range(5):
            local()
        baseline = _times_ms(local, args.round_trips)
        base50 = statistics.median(baseline)

        stack.connector("one", "one")
        stack.delegate("d-one", "one")
        stack.wait_connected({"d-one"})
        for _ in range(5):
            stack.round_trip("one")
        trips = _times_ms(lambda: stack.round_trip("one"), args.round_trips)
        p50, p99 = statistics.median(trips), _p(trips, 0.99)
        two = _times_ms(lambda: stack.round_trip("one", in_submit=False), args.round_trips)
        ended = stack.submit("one")["id"]
        stack.http.get(f"/ng/api/awsconn/tasks/{ended}", params={"waitSeconds": 10})
        one_request = statistics.median(
            _times_ms(lambda: stack.http.get(f"/ng/api/awsconn/tasks/{ended}"), args.round_trips)
        )
        print(f"round trip (1 server, 1 delegate, loopback), {args.round_trips} tasks:")
        print(
            f"  in-process (baseline)        p50 {base50:7.2f} ms   "
            f"p99 {_p(baseline, 0.99):7.2f} ms"
        )
        print(f"  submit → delegate → result   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
              f"overhead p50 {p50 - base50:.2f} ms ({p50 / base50:.1f}x baseline)")  # fmt: skip
        print(f"  … submit, then a waiting get p50 {statistics.median(two):7.2f} ms   "
              f"p99 {_p(two, 0.99):7.2f} ms   (two requests from the client)")  # fmt: skip
        print(f"  one API request (GET an ended task)  p50 {one_request:7.2f} ms; a round trip "
              f"(submit, take, finish) = {p50 / one_request:.1f}x one")  # fmt: skip

        stack.connector("many", "many")
        for i in range(3):
            stack.delegate(f"d-many-{i}", "many")
        stack.wait_connected({f"d-many-{i}" for i in range(3)})
        clients = [
            httpx.Client(base_url=stack.url, headers=stack.http.headers, timeout=60)
            for _ in range(8)
        ]
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda i: stack.round_trip("many", clients[i % 8]), range(args.tasks)))
        took = time.perf_counter() - start
        for c in clients:
            c.close()
        rate, base_rate = args.tasks / took, 1000 / base50
        print(f"throughput, 1 server + 3 delegates (concurrency 4), 8 clients, {args.tasks} tasks:")
        print(f"  {rate:7.1f} tasks/s   (in-process, one thread: {base_rate:.1f}/s; "
              f"ratio {rate / base_rate:.2f})")  # fmt: skip

        silent, held = _silent_endpoint()
        stack.connector("late", "late")
        stack.delegate("d-busy", "late", concurrency=1, endpoint=silent)
        stack.wait_connected({"d-busy"})
        stack.submit("late", "regions", timeoutSeconds=120)  # holds d-busy's only slot
        time.sleep(1.0)
        queued = stack.submit("late")
        started = time.time()
        stack.delegate("d-new", "late")
        while True:
            task = stack.http.get(f"/ng/api/awsconn/tasks/{queued['id']}").json()["data"]
            if task["state"] not in ("queued",):
                break
            time.sleep(0.01)
        taken_s = _parse_time(task["startedAt"]) - started
        listed = stack.http.get("/ng/api/awsconn/delegates").json()["data"]
        new = next(d for d in listed if d["name"] == "d-new")
        registered_s = _parse_time(new["registeredAt"]) - started
        cli = _times_ms(
            lambda: subprocess.run([sys.executable, "-m", "awsconn", "--version"],
                                   check=True, capture_output=True), 3,
        )  # fmt: skip
        print("a new delegate takes a queued task (its pool busy):")
        print(f"  process start → task taken   {taken_s * 1000:7.0f} ms   "
              f"(registered at {registered_s * 1000:.0f} ms; taken "
              f"{(taken_s - registered_s) * 1000:.0f} ms after)")  # fmt: skip
        print(f"  baseline: awsconn --version process {statistics.median(cli):.0f} ms")
        held.close()
    finally:
        stack.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
