"""The modules of ``awsconn.iam`` import each other without cycles (stage by stage:
operators and variables below the grammar, the grammar below conditions and compile,
statements below the combining rule), counting imports inside functions too, and
import nothing above the iam layer."""

from __future__ import annotations

import ast
from pathlib import Path

import awsconn.iam

PACKAGE = Path(awsconn.iam.__file__).parent
FORBIDDEN = ("boto3", "botocore", "awsconn.aws", "awsconn.store", "awsconn.service", "awsconn.cli")


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    modules = {f"awsconn.iam.{p.stem}": p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return {
        name: {m for m in _imports(path) if m in modules} - {name} for name, path in modules.items()
    }


def test_no_import_cycle_inside_the_engine() -> None:
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_engine_stays_pure() -> None:
    for path in PACKAGE.glob("*.py"):
        bad = sorted(m for m in _imports(path) if m.startswith(FORBIDDEN))
        assert not bad, f"{path.name} imports {bad}"
