"""Where the CLI's commands run: on an awsconn server, or on the local store.

Resolution, once per command: ``AWSCONN_URL`` and ``AWSCONN_TOKEN`` in the environment
(a CI job: no file written), else the login file ``$AWSCONN_HOME/login.json`` written by
``awsconn login``, else the local store. The login file holds the URL and the token, so
it is kept as the master key file is: written 0600 (atomically, whatever the umask), and
one that is a symlink or that other users can read is refused with the fix, never used.
Stdlib only: ``awsconn credentials`` resolves this on its fast road.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from awsconn.errors import InvalidInput

__all__ = [
    "LOGIN_FILE",
    "TOKEN_ENV",
    "URL_ENV",
    "Remote",
    "forget_login",
    "here_refused",
    "login_path",
    "resolve",
    "save_login",
]

URL_ENV = "AWSCONN_URL"
TOKEN_ENV = "AWSCONN_TOKEN"
LOGIN_FILE = "login.json"
_MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Remote:
    """A server to talk to; ``source`` says where it was configured (for messages)."""

    url: str
    token: str = field(repr=False)
    source: str


def login_path(environ: Mapping[str, str]) -> Path:
    from awsconn.store.home import awsconn_home

    return awsconn_home(environ) / LOGIN_FILE


def resolve(environ: Mapping[str, str]) -> Remote | None:
    """The server this command talks to, or None for the local store."""
    url, token = environ.get(URL_ENV) or None, environ.get(TOKEN_ENV) or None
    if url and token:
        return Remote(url, token, f"{URL_ENV} and {TOKEN_ENV}")
    if url or token:
        given, missing = (URL_ENV, TOKEN_ENV) if url else (TOKEN_ENV, URL_ENV)
        raise InvalidInput(
            f"{given} is set but {missing} is not: a server needs both",
            hint=f"set {missing} too, or unset {given} to use "
            + ("the login file or the local store" if url else "the login file"),
        )
    path = login_path(environ)
    return _read(path) if os.path.lexists(path) else None


def _refuse(path: Path, why: str, hint: str) -> InvalidInput:
    return InvalidInput(f"the login file {path} {why}", hint=hint)


def _read(path: Path) -> Remote:
    """The login file, refused when it is a link, open to others, or not ours."""
    if path.is_symlink():
        raise _refuse(
            path,
            f"is a symlink (to {os.readlink(path)}); it holds a token, so awsconn reads "
            "only a file of its own",
            "run 'awsconn logout' and 'awsconn login URL' again",
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc.strerror or exc}", "check its owner") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, "is not a regular file", f"remove it: rm -r {path}")
        if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise _refuse(
                path,
                f"is open to other users (mode {stat.S_IMODE(info.st_mode):o}); it holds a "
                "token, so it is not used",
                f"chmod 600 {path}, then rotate the token if others may have read it",
            )
        data = os.read(fd, _MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    try:
        body = json.loads(data.decode("utf-8"))
        url, token = body["url"], body["token"]
        if not isinstance(url, str) or not isinstance(token, str) or not url or not token:
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _refuse(
            path, "is not a login awsconn wrote", "run 'awsconn login URL' again"
        ) from None
    return Remote(url, token, f"the login file {path}")


def save_login(environ: Mapping[str, str], url: str, token: str) -> Path:
    """Write the login file (0600, atomically; the home folder 0700); returns its path.
    A symlink in its place is refused, not followed."""
    from awsconn.store.home import ensure_private_dir, log_warning, write_private_file

    path = login_path(environ)
    if path.is_symlink():
        raise _refuse(path, "is a symlink; awsconn writes only a file of its own", f"rm {path}")
    try:
        ensure_private_dir(path.parent, "awsconn's home folder", log_warning)
        write_private_file(path, json.dumps({"url": url, "token": token}) + "\n")
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the login file {path}: {exc.strerror or exc}",
            hint="set AWSCONN_HOME to a writable directory",
        ) from None
    return path


def forget_login(environ: Mapping[str, str]) -> Path | None:
    """Remove the login file; its path, or None when there was none."""
    path = login_path(environ)
    if not os.path.lexists(path):
        return None
    try:
        path.unlink()
    except OSError as exc:
        raise InvalidInput(f"cannot remove the login file {path}: {exc.strerror or exc}") from None
    return path


def here_refused(remote: Remote) -> InvalidInput:
    """``--here`` against a server: this machine's identity is not what the server uses."""
    return InvalidInput(
        f"--here uses this machine's own AWS identity, but this command line talks to the "
        f"server at {remote.url} (configured by {remote.source}), which decides where a "
        "connector's work runs",
        hint="leave out --here, or run it on the local store: 'awsconn logout' (or unset "
        "AWSCONN_URL and AWSCONN_TOKEN)",
    )
