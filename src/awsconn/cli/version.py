"""``awsconn --version``: the installed package's version, read without importing awsconn's parts.

Kept apart from the Typer app so that ``main`` can answer ``--version`` before building
it: the package metadata is all this needs.
"""

from __future__ import annotations

__all__ = ["version_line"]


def version_line() -> str:
    """``awsconn 0.1.0``, from the installed distribution's metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"awsconn {version('awsconn')}"
    except PackageNotFoundError:
        return "awsconn (version unknown: the package is not installed, only on sys.path)"
