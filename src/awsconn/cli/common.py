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

__all__ = [
    "CONNECTOR_REF",
    "HERE",
    "ORG",
    "OUTPUT",
    "PROJECT",
    "YES",
    "build_context",
    "check_output",
    "confirm_delete",
    "read_input",
    "ref_of",
]

# Options and arguments several commands share, so that each reads the same everywhere.
OUTPUT = typer.Option(
    "table",
    "--output",
    "-o",
    metavar="FORMAT",
    help="Output format: table (for people) or json (for scripts).",
)
YES = typer.Option(
    False, "--yes", "-y", help="Delete without asking (required without a terminal)."
)
CONNECTOR_REF = typer.Argument(
    ..., metavar="REF", help="The connector: ID (account scope), ORG/ID or ORG/PROJECT/ID."
)
ORG = typer.Option(None, "--org", metavar="ORG", help="Org identifier (omit for account scope).")
PROJECT = typer.Option(
    None, "--project", metavar="PROJECT", help="Project identifier (needs --org)."
)
HERE = typer.Option(
    False,
    "--here",
    help="Use this machine's own AWS identity even if its delegate tags lack the selectors.",
)


def build_context() -> AppContext:
    """The one place the CLI reads the process environment."""
    from awsconn.service.context import AppContext

    return AppContext(environ=dict(os.environ))


def ref_of(text: str, *, what: str = "REF") -> EntityRef:
    from awsconn.model import parse_ref

    return parse_ref(text, path=what)


def confirm_delete(what: str, *, yes: bool) -> None:
    """Go on only if ``--yes`` was given or a person at a terminal said yes.

    Without a terminal nobody can answer, so deleting silently would be a guess: refused
    as bad input (exit 2) naming ``--yes``. A person who answers no gets exit 1.
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput(
            f"{what} was not deleted: there is no terminal to confirm on",
            hint="pass --yes to delete without asking",
        )
    if not typer.confirm(f"Delete {what}?"):
        typer.echo(f"{what} not deleted", err=True)
        raise typer.Exit(1)


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
