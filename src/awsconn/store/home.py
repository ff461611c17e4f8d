"""Where awsconn keeps its files: ``$AWSCONN_HOME``, else ``~/.awsconn``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["HOME_ENV", "awsconn_home"]

HOME_ENV = "AWSCONN_HOME"


def awsconn_home(environ: Mapping[str, str]) -> Path:
    """``$AWSCONN_HOME``, else ``$HOME/.awsconn`` (the environment is passed in, not read)."""
    configured = environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser()
    user_home = environ.get("HOME")
    return (Path(user_home) if user_home else Path.home()) / ".awsconn"
