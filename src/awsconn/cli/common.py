"""Options and helpers shared by the command modules (context, refs, input files)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import typer

from awsconn.cli.process import build_context, ref_of
from awsconn.errors import InvalidInput
from awsconn.timeouts import TimeoutRange

if TYPE_CHECKING:
    pass

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
    "read_bounded",
    "read_input",
    "ref_of",
    "timeout_option",
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


def timeout_option(limits: TimeoutRange, help: str) -> Any:
    """A ``--timeout`` option checked by ``limits`` (the service's own rule): ``inf``,
    ``nan``, negative or huge values exit 2 naming the option and the allowed range."""

    def check(value: float) -> float:
        return limits.check(value, setting="--timeout")

    return typer.Option(
        limits.default,
        "--timeout",
        callback=check,
        metavar="SECONDS",
        help=f"{help} ({limits.allowed}).",
    )


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


def read_bounded(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``stream``: one more than allowed says "too large"
    without reading the rest (``/dev/zero`` would never end)."""
    chunks: list[bytes] = []
    left = limit + 1
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_input(path: str, *, limit: int | None = None) -> tuple[str, str]:
    """Read ``-f FILE`` (``-`` for stdin), at most ``limit`` bytes (default: the YAML
    limit); returns (text, a name for messages). Bad input raises InvalidInput."""
    from awsconn.model.yaml_io import MAX_YAML_BYTES

    limit = MAX_YAML_BYTES if limit is None else limit
    name = "stdin" if path == "-" else path
    try:
        if path == "-" and hasattr(sys.stdin, "buffer"):
            data = read_bounded(sys.stdin.buffer, limit)
        elif path == "-":  # a text stream stands in for stdin (embedding, tests)
            data = sys.stdin.read(limit + 1).encode("utf-8", "surrogateescape")
        else:
            with Path(path).open("rb") as stream:
                data = read_bounded(stream, limit)
    except FileNotFoundError:
        raise InvalidInput(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InvalidInput(
            f"{name} is larger than {limit} bytes, the most awsconn reads at once",
            hint="split the connectors into several files and import each",
        )
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError:
        raise InvalidInput(f"cannot read {name}: it is not UTF-8 text") from None
