"""What every command takes from its process: the environment as an AppContext, and
connector references from the command line. No CLI framework here, so the fast road of
``credentials`` (``cli/credential_process.py``) shares it with the Typer commands."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from awsconn.model import EntityRef
    from awsconn.service.context import AppContext

__all__ = ["build_context", "ref_of"]


def build_context() -> AppContext:
    """The one place the CLI reads the process environment."""
    from awsconn.service.context import AppContext

    return AppContext(environ=dict(os.environ), warn=_warn)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def ref_of(text: str, *, what: str = "REF") -> EntityRef:
    from awsconn.model import parse_ref

    return parse_ref(text, path=what)
