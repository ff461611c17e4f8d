"""The import rule of docs/architecture.md, enforced: imports point down the layers only.

Every ``import`` in src/awsconn is read with ``ast`` (function-level and TYPE_CHECKING
imports included: a lazy import is still a dependency), and each module's layer may
import only from lower layers, its own package, and the third-party libraries its
layer is allowed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "awsconn"

# Package -> rank. Imports go to a strictly lower rank, or within the same package.
# Packages of equal rank are siblings and may not import each other.
RANK = {
    "errors": 0,
    "version": 0,  # the version constant every layer may name
    "model": 1,
    "iam": 2,
    "aws": 3,
    "store": 3,
    "secrets": 4,  # sealed values stored through the store
    "service": 5,
    "client": 5,  # a server's client, the service's sibling: errors, model and httpx only
    "cli": 6,  # on a local store (service) or on a server (client)
    "api": 6,
    "web": 6,
    "delegate": 6,
}
# The doors between sibling entry points: ``awsconn server`` (a CLI command) starts the
# API server through its start module and settings, nothing else of it; the API's
# application mounts the web UI through its application module; ``awsconn delegate run``
# starts the delegate agent through its start function and options.
ENTRY_POINT_DOORS = {
    ("cli/server.py", "awsconn.api.serve"),
    ("cli/server.py", "awsconn.api.settings"),
    ("api/app.py", "awsconn.web.app"),  # the server mounts the web UI beside the API
    ("cli/delegate.py", "awsconn.delegate.agent"),
    ("cli/delegate.py", "awsconn.delegate.options"),
}
# Third-party libraries a layer must not import (frameworks belong to the entry points).
FORBIDDEN = {
    "errors": {"boto3", "botocore", "sqlalchemy", "alembic", "typer", "rich", "fastapi", "httpx"},
    "model": {"boto3", "botocore", "sqlalchemy", "alembic", "typer", "rich", "fastapi", "httpx"},
    "iam": {"boto3", "botocore", "sqlalchemy", "alembic", "typer", "rich", "fastapi", "httpx"},
    "aws": {"sqlalchemy", "alembic", "typer", "rich", "fastapi"},
    "store": {"boto3", "botocore", "typer", "rich", "fastapi"},
    "secrets": {"boto3", "botocore", "typer", "rich", "fastapi"},
    "service": {"typer", "rich", "fastapi", "starlette", "uvicorn"},
    "client": {"sqlalchemy", "alembic", "typer", "rich", "fastapi", "starlette"},  # boto3: .session
}


def _package_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py") if rel.parts else ""


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.extend((node.lineno, node.module) for _ in (0,))
            if node.module == "awsconn":
                out.extend((node.lineno, f"awsconn.{a.name}") for a in node.names)
    return out


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _violations() -> list[str]:
    found: list[str] = []
    for path in _modules():
        own = _package_of(path)
        if own not in RANK:
            continue  # the package's __init__ and __main__ glue
        for line, name in _imports(path):
            top = name.split(".")[0]
            where = f"{path.relative_to(SRC.parent)}:{line}"
            if top == "awsconn":
                parts = name.split(".")
                if len(parts) < 2:
                    continue
                target = parts[1]
                if target == own or target not in RANK:
                    continue
                door = (path.relative_to(SRC).as_posix(), name) in ENTRY_POINT_DOORS
                if RANK[target] >= RANK[own] and not door:
                    found.append(f"{where}: {own} imports {name} (layer {target} is not below)")
            elif top in FORBIDDEN.get(own, set()):
                found.append(f"{where}: {own} imports {top}, which its layer may not use")
    return found


def test_every_import_points_down_the_layers() -> None:
    assert _violations() == []


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(RANK), f"give these packages a layer in RANK: {packages - set(RANK)}"


@pytest.mark.parametrize("pure", ["model", "iam"])
def test_pure_layers_import_no_io_library(pure: str) -> None:
    """model and iam load without boto3, botocore or SQLAlchemy (checked in a fresh interpreter)."""
    import subprocess

    code = (
        f"import awsconn.{pure}, sys; "
        "bad = [m for m in ('boto3', 'botocore', 'sqlalchemy', 'alembic') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
