"""Where awsconn keeps its files (``$AWSCONN_HOME``, else ``~/.awsconn``), kept private.

Folders are created 0700 and files 0600 whatever the umask (the mode is set after
creating, not left to the umask); an existing folder or file that other users can
open is reported through ``warn`` with the command that fixes it, and still used.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = [
    "HOME_ENV",
    "Warn",
    "awsconn_home",
    "create_private_file",
    "ensure_private_dir",
    "log_warning",
    "report_open_to_others",
    "write_private_file",
]

HOME_ENV = "AWSCONN_HOME"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

Warn = Callable[[str], None]


def log_warning(message: str) -> None:
    """The default ``warn``: the ``awsconn`` logger (the CLI passes one that writes stderr)."""
    import logging

    logging.getLogger("awsconn").warning("%s", message)


def awsconn_home(environ: Mapping[str, str]) -> Path:
    """``$AWSCONN_HOME``, else ``$HOME/.awsconn`` (the environment is passed in, not read)."""
    configured = environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser()
    user_home = environ.get("HOME")
    return (Path(user_home) if user_home else Path.home()) / ".awsconn"


def report_open_to_others(path: Path, what: str, warn: Warn) -> None:
    """Warn when ``path`` exists and its group or others have any permission on it."""
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        private = PRIVATE_DIR if path.is_dir() else PRIVATE_FILE
        warn(f"{what} {path} is open to other users (mode {mode:o}); fix: chmod {private:o} {path}")


def ensure_private_dir(path: Path, what: str, warn: Warn) -> None:
    """Create ``path`` (and missing parents) with mode 0700; report an existing open one.

    Raises OSError when it cannot be created; callers turn that into their own error.
    """
    try:
        path.mkdir(mode=PRIVATE_DIR, parents=True)
    except FileExistsError:
        if not path.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(path)) from None
        report_open_to_others(path, what, warn)
        return
    os.chmod(path, PRIVATE_DIR)


def create_private_file(path: Path) -> bool:
    """Create an empty file with mode 0600 unless it exists; True when this call made it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return True


def write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` with a 0600 file holding ``text``, atomically: a reader sees the old
    file or the whole new one, never a part, and the text is never in a file others can
    read. The folder must exist. Raises OSError."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        try:
            os.fchmod(fd, PRIVATE_FILE)
            data = memoryview(text.encode("utf-8"))
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
