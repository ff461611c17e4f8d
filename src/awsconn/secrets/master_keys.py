"""Where the master keys come from: ``AWSCONN_MASTER_KEY``, else ``$AWSCONN_HOME/master.key``.

The variable holds ``BASE64`` or ``kid:BASE64[,kid:BASE64...]``, newest first; the key
file the same, one entry a line, mode 0600 (a file others can read is refused).

The key file is only ever created for a store without secrets (the secret store
decides; see ``SecretStore``): a missing file while secrets exist means the key was
lost or moved, and a new one would seal new secrets under a key the old file does
not hold. Every write of the file (creating it, adding a key for a rotation) holds
an exclusive ``fcntl`` lock on a lock file beside it, so two rotations at once keep
both new keys; the file is replaced atomically, and when it is a symlink the file
it points to is replaced, so the link stays.
"""

from __future__ import annotations

import fcntl
import os
import secrets as _random
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from awsconn.errors import InvalidInput
from awsconn.secrets.crypto import Keyring, generate_key_entry, parse_keys
from awsconn.store.home import (
    HOME_ENV,
    Warn,
    awsconn_home,
    ensure_private_dir,
    log_warning,
    report_open_to_others,
)

__all__ = ["KEY_FILE_NAME", "MASTER_KEY_ENV", "MasterKeys"]

MASTER_KEY_ENV = "AWSCONN_MASTER_KEY"
KEY_FILE_NAME = "master.key"


class MasterKeys:
    """The configured source of master keys; ``load`` reads it, never creating anything."""

    def __init__(
        self, environ: Mapping[str, str], *, home: Path | None = None, warn: Warn = log_warning
    ) -> None:
        configured = environ.get(MASTER_KEY_ENV)
        self._configured = configured if configured is not None and configured.strip() else None
        self.home = home if home is not None else awsconn_home(environ)
        self.key_file = self.home / KEY_FILE_NAME
        self._warn = warn

    @property
    def from_environment(self) -> bool:
        """Whether the keys come from ``AWSCONN_MASTER_KEY`` (awsconn never writes those)."""
        return self._configured is not None

    @property
    def where(self) -> str:
        """Where keys are looked for, for messages."""
        if self._configured is not None:
            return MASTER_KEY_ENV
        return f"{MASTER_KEY_ENV} (not set), then the key file {self.key_file}"

    def load(self) -> Keyring | None:
        """The keyring, or None when neither the variable nor the key file exists."""
        if self._configured is not None:
            return Keyring(
                parse_keys(self._configured, where=MASTER_KEY_ENV), source=MASTER_KEY_ENV
            )
        path = self.key_file
        if path.is_symlink() and not path.exists():
            raise InvalidInput(
                f"the master key file {path} is a symlink to {os.readlink(path)}, "
                "which does not exist",
                hint="restore the file it points to, or replace the link with the key file",
            )
        if not path.exists():
            return None
        report_open_to_others(self.home, "awsconn's home folder", self._warn)
        return _read_key_file(path)

    def create(self) -> Keyring:
        """Write a new random key file (0600) unless one exists; return what is there.

        The caller has checked that no secret needs an existing key.
        """
        if self._configured is not None:
            raise InvalidInput(
                f"the master keys come from {MASTER_KEY_ENV}; awsconn does not write it"
            )
        try:
            ensure_private_dir(self.home, "awsconn's home folder", self._warn)
        except OSError as exc:
            raise InvalidInput(
                f"cannot create the master key file {self.key_file}: {exc.strerror or exc}",
                hint=f"set {HOME_ENV} to a writable directory, or set {MASTER_KEY_ENV}",
            ) from None
        with _locked(self.key_file):
            if not self.key_file.exists():
                _write_atomically(self.key_file, generate_key_entry() + "\n", replace=False)
        ring = self.load()
        assert ring is not None  # written above, or by whoever held the lock before us
        return ring

    def add_key(self) -> str:
        """Put a new random key first in the key file; older keys stay to open old secrets.

        Under the file's lock: a rotation running at the same time adds its key before
        or after this one, never instead of it. Returns the new key id.
        """
        if self._configured is not None:
            raise InvalidInput(
                f"the master keys come from {MASTER_KEY_ENV}, which awsconn does not write",
                hint=f"put a new 'kid:BASE64' entry (32 random bytes) first in {MASTER_KEY_ENV} "
                "and keep the old ones after it; then re-seal the secrets under it",
            )
        path = self.key_file
        with _locked(path):
            current = _read_key_file(path)  # refuses a missing, unreadable or open file
            entry = generate_key_entry()
            kid = entry.partition(":")[0]
            if kid in current.key_ids:  # 2**-48 odds; a retry gets another
                raise InvalidInput("the new key's id collides with a stored one; run it again")
            old_text = _target(path).read_text(encoding="ascii")
            _write_atomically(path, entry + "\n" + old_text, replace=True)
        return kid

    def __repr__(self) -> str:
        return f"MasterKeys({self.where!r})"


def _target(path: Path) -> Path:
    """The file itself: through a symlink, the file it points to."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _read_key_file(path: Path) -> Keyring:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise InvalidInput(f"the master key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the master key file {path}: {exc}") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(
            f"the master key file {path} is readable by other users",
            hint=f"chmod 600 {_target(path)}",
        )
    return Keyring(parse_keys(text, where=str(path)), source=str(path))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``.NAME.lock`` beside the (real) key file."""
    target = _target(path)
    lock_path = target.with_name(f".{target.name}.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise InvalidInput(
            f"cannot lock the master key file {path} ({lock_path}): {exc.strerror or exc}"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_atomically(path: Path, text: str, *, replace: bool) -> None:
    """Write ``text`` to a 0600 temporary file beside the real file, then move it in place.

    ``replace=False`` links it in only if nothing is there (a creator that lost a race
    keeps the winner's key). Through a symlink, the file it points to is replaced.
    """
    target = _target(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{_random.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(tmp, target)
            else:
                with suppress(FileExistsError):  # another creator's key is kept
                    os.link(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the master key file {path}: {exc.strerror or exc}",
            hint=f"set {HOME_ENV} to a writable directory, or set {MASTER_KEY_ENV}",
        ) from None
