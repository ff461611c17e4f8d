"""`make bench` runs benchmarks/run_all.py: it must find every bench_*.py (none run here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
RUN_ALL = BENCHMARKS / "run_all.py"


def _run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_all", RUN_ALL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_all"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_list_names_every_benchmark_file_with_quick_arguments() -> None:
    out = subprocess.run(
        [sys.executable, str(RUN_ALL), "--list"], capture_output=True, text=True, check=True
    ).stdout
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed == sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))
    assert listed  # the folder has benchmarks
    assert "bench_iam.py --quick  # quick" in out


def test_a_new_benchmark_is_found_and_runs_quick_when_it_can(tmp_path: Path) -> None:
    (tmp_path / "bench_new.py").write_text('p.add_argument("--quick")\n')
    (tmp_path / "bench_plain.py").write_text("print(1)\n")
    (tmp_path / "helper.py").write_text("")
    planned = _run_all().plan(tmp_path)
    assert [(p.path.name, p.args) for p in planned] == [
        ("bench_new.py", ("--quick",)),
        ("bench_plain.py", ()),
    ]
    assert all(p.args == () for p in _run_all().plan(tmp_path, full=True))


def test_make_bench_runs_run_all() -> None:
    makefile = (BENCHMARKS.parent / "Makefile").read_text()
    assert "benchmarks/run_all.py" in makefile.split("bench:", 1)[1].split("\n\n", 1)[0]
