"""Rules of the house that code review keeps missing, checked on the source itself.

- pytest collects ``test_*`` functions and ``Test*`` classes wherever it finds them
  (a test module that imports one runs it as a test): no such name in the product.
- One UTC clock (``awsconn.model.clock.utc_now``) and one deadline helper
  (``awsconn.aws.deadline``): nothing else reads the wall clock or times a wait, but for
  the server's background loops (``api/background.py``), whose pause between steps is a
  cadence ended by their stop event, not a deadline.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import awsconn
from awsconn.aws.connectivity import run_connection_test, run_connection_tests
from awsconn.model.clock import utc_now
from awsconn.service.context import AppContext
from awsconn.store.database import Database

SRC = Path(awsconn.__file__).parent
MODULES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _relative(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def test_no_product_module_or_name_looks_like_a_test_to_pytest() -> None:
    found = [
        _relative(p) for p in MODULES if p.name.startswith("test_") or p.stem.endswith("_test")
    ]
    for path in MODULES:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test"
            ):
                found.append(f"{_relative(path)}:{node.name}")
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                found.append(f"{_relative(path)}:{node.name}")
    assert found == []


def test_one_clock_reads_the_wall_time() -> None:
    readers = [
        _relative(p)
        for p in MODULES
        if "datetime.now(" in (text := p.read_text(encoding="utf-8")) or "utcnow(" in text
    ]
    assert readers == ["model/clock.py"]
    assert AppContext(environ={}).clock is utc_now
    assert inspect.signature(Database).parameters["clock"].default is utc_now
    for run in (run_connection_test, run_connection_tests):
        assert inspect.signature(run).parameters["clock"].default is utc_now


# Long-running processes wait on their own stop event between passes (a server's
# background loops, a delegate's agent, the demo server's supervisor): not a timed wait on
# work, which only aws/deadline.py does.
PROCESS_LOOPS = ["api/background.py", "cli/demo_server.py", "delegate/agent.py"]


def test_one_module_times_a_wait() -> None:
    timed = [
        _relative(p)
        for p in MODULES
        if any(
            word in p.read_text(encoding="utf-8")
            for word in ("threading.Event(", "monotonic() +", ".done.wait(")
        )
    ]
    assert sorted(timed) == sorted(["aws/deadline.py", *PROCESS_LOOPS])


_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
_BELOW_THE_ENTRY_POINTS = ("service", "aws", "store", "secrets", "iam", "model")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (not messages)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def test_messages_below_the_entry_points_name_settings_not_cli_flags() -> None:
    """``--here``, ``--force``, ``--for`` are the CLI's; the service says ``here``..."""
    found: list[str] = []
    for path in MODULES:
        if path.relative_to(SRC).parts[0] not in _BELOW_THE_ENTRY_POINTS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and (flag := _FLAG.search(node.value))
                and flag.group() != node.value  # a bare flag is a command line's, not a message
            ):
                found.append(f"{_relative(path)}:{node.lineno}: {flag.group()}")
    assert found == []
