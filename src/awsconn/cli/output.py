"""Rendering for the CLI: human text by default, ``-o json`` for machines; errors to stderr."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

from awsconn.errors import AwsconnError

__all__ = ["OutputFormat", "print_error", "print_json"]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def print_json(data: Any) -> None:
    """Write one JSON document to stdout (sorted keys, stable for scripts and diffs)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def print_error(exc: AwsconnError) -> None:
    """One error to stderr: code, message, and the hint that says what to change."""
    text = f"error [{exc.code}]: {exc.message}"
    if exc.hint:
        text += f"\nhint: {exc.hint}"
    sys.stderr.write(text + "\n")
