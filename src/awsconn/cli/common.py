"""Options and helpers shared by the command modules (context, refs, input files)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from awsconn.errors import InvalidInput

if TYPE_CHECKING:
    from awsconn.model import EntityRef
    from awsconn.service.context import AppContext

__all__ = ["OUTPUT", "build_context", "read_input", "ref_of"]

OUTPUT = typer.Option("table", "--output", "-o", help="table (for people) or json (for machines).")


def build_context() -> AppContext:
    """The one place the CLI reads the process environment."""
    from awsconn.service.context import AppContext

    return AppContext(environ=dict(os.environ), warn=_warn)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def ref_of(text: str, *, what: str = "REF") -> EntityRef:
    from awsconn.model import parse_ref

    return parse_ref(text, path=what)


def check_output(value: str, allowed: tuple[str, ...] = ("table", "json")) -> str:
    if value not in allowed:
        raise InvalidInput(f"--output must be one of {', '.join(allowed)} (given {value!r})")
    return value


def read_input(path: str) -> tuple[str, str]:
    """Read ``-f FILE`` (``-`` for stdin); returns (text, a name for messages)."""
    if path == "-":
        try:
            return sys.stdin.read(), "stdin"
        except UnicodeDecodeError:
            raise InvalidInput("cannot read stdin: it is not UTF-8 text") from None
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except FileNotFoundError:
        raise InvalidInput(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"cannot read {path}: it is a directory") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"cannot read {path}: it is not UTF-8 text") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
