"""`awsconn --help` cold start vs two baselines measured in the same run.

Baselines: a bare interpreter (`python -c pass`, the floor) and `python -c "import boto3"`
(what every command would pay if the CLI imported the AWS SDK eagerly). Also proves
that `--help` imports neither boto3, botocore, SQLAlchemy nor FastAPI.

    .venv/bin/python benchmarks/bench_cli_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = ("boto3", "botocore", "sqlalchemy", "fastapi")


def _median_ms(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def heavy_modules_imported_by_help() -> list[str]:
    probe = (
        "import sys\nfrom awsconn.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    return [m for m in last.split(",") if m in HEAVY]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    py = sys.executable
    awsconn = [py, "-m", "awsconn", "--help"]
    floor = _median_ms([py, "-c", "pass"], args.runs)
    boto = _median_ms([py, "-c", "import boto3"], args.runs)
    cli = _median_ms(awsconn, args.runs)
    print(f"runs per command: {args.runs}")
    print(f"python -c pass            median {floor:7.1f} ms  (baseline: interpreter floor)")
    print(f"python -c 'import boto3'  median {boto:7.1f} ms  (baseline: eager SDK import)")
    print(f"awsconn --help            median {cli:7.1f} ms  goal <= 150 ms")
    print(f"ratio awsconn/floor  {cli / floor:5.2f}x")
    print(f"ratio awsconn/boto3  {cli / boto:5.2f}x")
    heavy = heavy_modules_imported_by_help()
    print("heavy modules imported by --help:", ", ".join(heavy) or "none")


if __name__ == "__main__":
    main()
