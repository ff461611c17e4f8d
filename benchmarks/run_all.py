"""Run every benchmark in this folder (``bench_*.py``), one after the other, quick by default.

Each benchmark prints its own numbers and ratios against its own baseline; this runner
prints a header before each, passes its output through as it comes, and ends with a
summary (exit status, seconds). Exit 1 if any benchmark failed.

    .venv/bin/python benchmarks/run_all.py           # quick mode: minutes, for a check
    .venv/bin/python benchmarks/run_all.py --full    # each benchmark's own defaults
    .venv/bin/python benchmarks/run_all.py --list    # what would run, without running it

Quick arguments are known per benchmark below; a benchmark not listed runs with
``--quick`` when it declares that option, else with its defaults (said in the header).
The numbers for BENCHMARKS.md come from full runs, with the command each file names.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Arguments that make each known benchmark short (a check that it runs, rough numbers).
QUICK_ARGS: dict[str, tuple[str, ...]] = {
    "bench_cli_startup.py": ("--runs", "5"),
    "bench_credential_cache.py": ("--runs", "5"),
    "bench_connection_test.py": ("--connectors", "20", "--rounds", "1"),
    "bench_connectivity.py": ("--connectors", "20", "--rounds", "1"),
    "bench_iam.py": ("--quick",),
    "bench_remote_credentials.py": ("--runs", "5"),
    "bench_store_open.py": ("--runs", "5"),
}


@dataclass(frozen=True)
class Planned:
    """One benchmark to run: its file, its arguments, and why those."""

    path: Path
    args: tuple[str, ...]
    note: str

    def command(self) -> list[str]:
        return [sys.executable, str(self.path), *self.args]


def plan(directory: Path = HERE, *, full: bool = False) -> list[Planned]:
    """Every ``bench_*.py`` in ``directory``, sorted by name, with the arguments to use."""
    out: list[Planned] = []
    for path in sorted(directory.glob("bench_*.py")):
        if full:
            out.append(Planned(path, (), "full run"))
        elif path.name in QUICK_ARGS:
            out.append(Planned(path, QUICK_ARGS[path.name], "quick"))
        elif '"--quick"' in path.read_text(encoding="utf-8"):
            out.append(Planned(path, ("--quick",), "quick (its own --quick)"))
        else:
            out.append(Planned(path, (), "no quick mode known: full run"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="each benchmark's own defaults")
    parser.add_argument("--list", action="store_true", help="print the plan, run nothing")
    args = parser.parse_args(argv)
    planned = plan(full=args.full)
    if args.list:
        for p in planned:
            print(" ".join([p.path.name, *p.args]) + f"  # {p.note}")
        return 0
    results: list[tuple[str, int, float]] = []
    for p in planned:
        print(f"\n== {p.path.name} {' '.join(p.args)}  ({p.note})", flush=True)
        start = time.perf_counter()
        code = subprocess.run(p.command(), check=False, cwd=HERE.parent).returncode
        results.append((p.path.name, code, time.perf_counter() - start))
    print("\n== summary")
    for name, code, seconds in results:
        print(f"{name:<28} {'ok' if code == 0 else f'FAILED (exit {code})':<16} {seconds:7.1f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
