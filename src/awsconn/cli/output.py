"""Rendering for the CLI: human text by default, ``-o json`` for machines; errors to stderr."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

from awsconn.errors import AwsconnError

__all__ = ["OutputFormat", "console", "print_error", "print_json"]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def console() -> Any:
    """A rich Console for human output.

    On a terminal it wraps to the terminal's width. Piped into a file, ``grep`` or a CI
    log, rich would assume 80 columns and cut table cells ("InheritFromDel…") and break
    hints mid-JSON, so there lines keep their natural length.
    """
    from rich.console import Console

    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=100_000)
    return out


def print_json(data: Any) -> None:
    """Write one JSON document to stdout (sorted keys, stable for scripts and diffs)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def print_error(exc: AwsconnError) -> None:
    """One error to stderr: code, message, and the hint that says what to change."""
    text = f"error [{exc.code}]: {exc.message}"
    if exc.hint:
        text += f"\nhint: {exc.hint}"
    sys.stderr.write(text + "\n")
