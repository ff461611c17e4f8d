"""Commands that open the store, wall-clock, against `awsconn --help` in the same run.

`awsconn credentials REF` runs on every AWS CLI call of a profile using
``credential_process``, and `awsconn connector get REF` is what scripts call; both
open the store. Each is timed as a fresh process (what a user pays), round-robin with
the baselines so machine load hits all alike; medians and ratios are printed.

Baselines, same run: `python -c pass` (the interpreter floor) and `awsconn --help`
(the CLI's own start, the goal's yardstick: <= 2x). A third row, `credentials` with a
REF that fails to parse, runs the same command line through the CLI framework and the
model but stops before the store: the difference to `credentials` is the store's part.

The store is a fresh SQLite home with two secrets and one ManualConfig connector
(no cross-account role); the last lines list which heavy modules each command loads.

    .venv/bin/python benchmarks/bench_store_open.py [--runs 30] [--src DIR]

``--src DIR`` times another checkout's ``src`` with this interpreter (e.g. main's, for
the numbers before a change).
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

HEAVY = ("sqlalchemy", "alembic", "boto3", "botocore", "pydantic")
CONNECTOR = """\
connector:
  name: bench
  identifier: bench
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKeyRef: bench_access_key
        secretKeyRef: bench_secret_key
      region: us-east-1
"""


def _run(cmd: list[str], env: dict[str, str], *, stdin: str | None = None, ok: bool = True) -> None:
    done = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=False)
    if ok and done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr}")


def _prepare(env: dict[str, str], awsconn: list[str], home: Path) -> None:
    _run([*awsconn, "secret", "create", "bench_access_key"], env, stdin="AKIABENCHEXAMPLE01\n")
    _run([*awsconn, "secret", "create", "bench_secret_key"], env, stdin="bench-secret-value\n")
    (home / "bench.yaml").write_text(CONNECTOR)
    _run([*awsconn, "connector", "apply", "-f", str(home / "bench.yaml")], env)


def _heavy_modules(argv: list[str], env: dict[str, str]) -> list[str]:
    probe = (
        "import contextlib, io, sys\nfrom awsconn.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    return [m for m in last.split(",") if m in HEAVY]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--src", type=Path, help="time this checkout's src instead")
    args = parser.parse_args()
    py = sys.executable
    awsconn = [py, "-m", "awsconn"]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWSCONN_", "AWS_"))}
        env["AWSCONN_HOME"] = str(home)
        if args.src is not None:
            env["PYTHONPATH"] = str(args.src.resolve())
        _prepare(env, awsconn, home)
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "awsconn --help": [*awsconn, "--help"],
            "awsconn connector get bench": [*awsconn, "connector", "get", "bench"],
            "awsconn credentials bench": [*awsconn, "credentials", "bench"],
            "awsconn credentials 'no/such/ref/x' (refused before the store)": [
                *awsconn,
                "credentials",
                "no/such/ref/x",
            ],
        }
        expect_ok = {name: "refused" not in name for name in cases}
        for name, cmd in cases.items():  # warm the page cache, check each works
            _run(cmd, env, ok=expect_ok[name])
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                start = time.perf_counter()
                subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                samples[name].append((time.perf_counter() - start) * 1000)
        medians = {name: statistics.median(values) for name, values in samples.items()}
        help_ms = medians["awsconn --help"]
        print(f"runs per command: {args.runs} (round-robin); src: {args.src or 'this checkout'}")
        for name, ms in medians.items():
            print(f"{name:<68} median {ms:7.1f} ms  {ms / help_ms:5.2f}x --help")
        store_part = (
            medians["awsconn credentials bench"]
            - medians["awsconn credentials 'no/such/ref/x' (refused before the store)"]
        )
        print(f"store's part of credentials (credentials - refused): {store_part:6.1f} ms")
        print("goal: connector get and credentials <= 2x --help")
        for name, argv in (
            ("--help", ["--help"]),
            ("connector get", ["connector", "get", "bench"]),
            ("credentials", ["credentials", "bench"]),
        ):
            heavy = _heavy_modules(argv, env)
            print(f"heavy modules imported by {name}: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
