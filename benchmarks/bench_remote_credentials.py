"""`awsconn credentials REF` through a server vs on a local store, in the same run.

`credentials` runs before every AWS CLI call of a ``credential_process`` profile; against
a server (``AWSCONN_URL`` + ``AWSCONN_TOKEN``) it takes the same road past the CLI
framework and asks the server over HTTP. Each command is a fresh process, timed
round-robin with its baselines so machine load hits all alike; medians and ratios.

Baselines, same run: `awsconn --help` (the CLI's own start) and `awsconn credentials`
on the server's own store (the local road, same connector). The server is a real
``awsconn server`` on loopback with the connector (stored keys, no role: no AWS call)
and an admin token. A last part times ``client.credentials(REF)`` in one process
(one connection kept) against the service's ``credential_process_output`` in-process.

    .venv/bin/python benchmarks/bench_remote_credentials.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONNECTOR = """\
connector:
  name: bench
  identifier: bench
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: AKIABENCHEXAMPLE0001
        secretKeyRef: bench_secret_key
      region: us-east-1
    executeOnDelegate: false
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr}")
    return elapsed


def _server(env: dict[str, str], home: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    import httpx

    port = _port()
    log = (home.parent / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "awsconn", "server", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, url, (home / "admin-token").read_text().strip()
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def _in_process(url: str, token: str, env: dict[str, str], runs: int) -> tuple[float, float]:
    from awsconn.client import connect
    from awsconn.model import parse_ref
    from awsconn.service import connection
    from awsconn.service.context import AppContext

    ctx = AppContext(environ=env)
    local, remote = [], []
    with connect(url, token) as client:
        for _ in range(runs):
            start = time.perf_counter()
            connection.credential_process_output(ctx, parse_ref("bench"))
            local.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            client.credentials("bench")
            remote.append((time.perf_counter() - start) * 1000)
    ctx.close()
    return statistics.median(local), statistics.median(remote)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    awsconn = [sys.executable, "-m", "awsconn"]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS", "AWSCONN_"))}
        env = {**base, "AWSCONN_HOME": str(home)}
        _run([*awsconn, "secret", "create", "bench_secret_key"], env, "bench-secret-value\n")
        (Path(tmp) / "bench.yaml").write_text(CONNECTOR)
        _run([*awsconn, "connector", "apply", "-f", str(Path(tmp) / "bench.yaml")], env)
        proc, url, token = _server(env, home)
        try:
            remote_env = {
                **base,
                "AWSCONN_HOME": str(Path(tmp) / "client-home"),
                "AWSCONN_URL": url,
                "AWSCONN_TOKEN": token,
            }
            commands = {
                "awsconn --help": ([*awsconn, "--help"], env),
                "credentials, local store": ([*awsconn, "credentials", "bench"], env),
                "credentials, via the server": ([*awsconn, "credentials", "bench"], remote_env),
            }
            samples: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, (cmd, cmd_env) in commands.items():
                    samples[name].append(_run(cmd, cmd_env))
            medians = {name: statistics.median(s) for name, s in samples.items()}
            local_call, remote_call = _in_process(url, token, env, max(args.runs, 50))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    help_ms = medians["awsconn --help"]
    local_ms = medians["credentials, local store"]
    print(f"runs per command: {args.runs} (fresh process each, round-robin)")
    for name, ms in medians.items():
        print(f"{name:30} median {ms:7.1f} ms  {ms / help_ms:5.2f}x --help  "
              f"{ms / local_ms:5.2f}x local")  # fmt: skip
    print(f"in one process: service call {local_call:.2f} ms, client.credentials "
          f"{remote_call:.2f} ms ({remote_call / local_call:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
