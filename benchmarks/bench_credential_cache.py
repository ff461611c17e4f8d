"""`awsconn credentials REF` of an assumed role: cached vs uncached vs `awsconn --help`.

The AWS CLI runs `credential_process` before every command. An uncached call
(`--no-cache`) imports the AWS SDK and calls STS AssumeRole; a cached one reads the
store, checks the connector and opens one sealed file. Goals: cached >= 10x faster than
uncached, and cached <= 150 ms wall clock (as `--help`).

Baselines measured in the same run, round-robin so machine load hits all alike, each
a fresh process: `python -c pass` (the floor), `awsconn --help`, `awsconn credentials
REF --no-cache`, and `credentials` of a connector with stored keys and no role (the
light road: nothing to cache, no SDK). STS is a local moto server with IAM auth (a user
whose key may assume the role): a real STS answers over the network, so the uncached
figure here is a floor. A last part times the service call in one process (no start-up,
imports done): cached vs `cache=False` (a new AssumeRole each time).

    .venv/bin/python benchmarks/bench_credential_cache.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, isolated_environ, user_arn

PLAIN = """\
connector:
  name: plain
  identifier: plain
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: {key}
        secretKeyRef: bench_secret_key
      region: us-east-1
    executeOnDelegate: false
"""

CONNECTOR = """\
connector:
  name: bench
  identifier: bench
  type: Aws
  spec:
    credential:
      type: ManualConfig
      crossAccountAccess:
        crossAccountRoleArn: {role}
      spec:
        accessKey: {key}
        secretKeyRef: bench_secret_key
      region: us-east-1
    executeOnDelegate: false
"""


def _run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    awsconn = [sys.executable, "-m", "awsconn"]
    with tempfile.TemporaryDirectory() as tmp, LocalAwsEndpoint(enforce_auth=True) as moto:
        keys = moto.create_user("bench", allow_policy("sts:AssumeRole"))
        assert keys is not None
        role = moto.create_role("bench-role", trust_principal=user_arn("bench"))
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS", "AWSCONN_"))}
        env = {**base, **isolated_environ(moto.url, Path(tmp) / "aws")}
        env["AWSCONN_HOME"] = str(Path(tmp) / "home")
        _run([*awsconn, "secret", "create", "bench_secret_key"], env, keys.secret_access_key)
        doc = Path(tmp) / "bench.yaml"
        doc.write_text(CONNECTOR.format(role=role.arn, key=keys.access_key_id))
        _run([*awsconn, "connector", "apply", "-f", str(doc)], env)
        doc.write_text(PLAIN.format(key=keys.access_key_id))
        _run([*awsconn, "connector", "apply", "-f", str(doc)], env)
        _run([*awsconn, "credentials", "bench"], env)  # fills the cache
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "awsconn --help": [*awsconn, "--help"],
            "credentials, stored keys": [*awsconn, "credentials", "plain"],
            "credentials, uncached": [*awsconn, "credentials", "bench", "--no-cache"],
            "credentials, cached": [*awsconn, "credentials", "bench"],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                samples[name].append(_run(cmd, env))
        in_cached, in_fresh = _in_process(env, max(args.runs, 20))
    medians = {name: statistics.median(s) for name, s in samples.items()}
    help_ms = medians["awsconn --help"]
    cached = medians["credentials, cached"]
    uncached = medians["credentials, uncached"]
    print(f"runs per command: {args.runs} (fresh process each, round-robin)")
    for name, ms in medians.items():
        print(f"{name:24} median {ms:7.1f} ms  {ms / help_ms:5.2f}x --help")
    print(f"uncached / cached: {uncached / cached:5.1f}x  (goal >= 10x)")
    print(f"cached wall clock: {cached:.1f} ms  (goal <= 150 ms)")
    print(
        f"in one process: cached {in_cached:.2f} ms, uncached {in_fresh:.2f} ms "
        f"({in_fresh / in_cached:.0f}x)"
    )


def _in_process(env: dict[str, str], runs: int) -> tuple[float, float]:
    """The service call alone, round-robin: cached vs a new AssumeRole."""
    from awsconn.model import parse_ref
    from awsconn.service import connection
    from awsconn.service.context import AppContext

    ctx = AppContext(environ=env)
    ref = parse_ref("bench")
    cached, fresh = [], []
    connection.credential_process_output(ctx, ref)
    for _ in range(runs):
        start = time.perf_counter()
        connection.credential_process_output(ctx, ref)
        cached.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        connection.credential_process_output(ctx, ref, cache=False)
        fresh.append((time.perf_counter() - start) * 1000)
    ctx.close()
    return statistics.median(cached), statistics.median(fresh)


if __name__ == "__main__":
    main()
