"""AES-256-GCM sealing of secret values, and the keyring that holds the master keys.

Every value is sealed with a fresh random 96-bit nonce under the newest master key;
the key id travels with the ciphertext so older keys keep decrypting after a rotation.
The associated data binds a ciphertext to its secret's scope and identifier: a
ciphertext copied onto another row does not decrypt.

Master keys come from ``AWSCONN_MASTER_KEY`` (``BASE64`` or ``kid:BASE64[,kid:BASE64...]``,
newest first) or from ``$AWSCONN_HOME/master.key`` (same format, one entry a line),
which is created with mode 0600 on first use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets as _random
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from awsconn.errors import InternalError, InvalidInput
from awsconn.store.home import HOME_ENV, awsconn_home

__all__ = [
    "KEY_FILE_NAME",
    "MASTER_KEY_ENV",
    "Keyring",
    "Sealed",
    "SecretValue",
    "add_key_to_file",
    "secret_aad",
]

MASTER_KEY_ENV = "AWSCONN_MASTER_KEY"
KEY_FILE_NAME = "master.key"
KEY_BYTES = 32
NONCE_BYTES = 12
_KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_MASKED = "********"


class SecretValue:
    """A secret's plaintext; ``repr``/``str`` never show it, ``reveal()`` does, on purpose."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes | str) -> None:
        if isinstance(value, str):
            value = value.encode("utf-8")
        if not isinstance(value, bytes | bytearray):
            raise InvalidInput("a secret value must be text or bytes")
        self._value = bytes(value)

    @classmethod
    def of(cls, value: SecretValue | bytes | str) -> SecretValue:
        return value if isinstance(value, SecretValue) else cls(value)

    def reveal(self) -> bytes:
        """The plaintext bytes; call only where the value is handed to AWS."""
        return self._value

    def reveal_text(self) -> str:
        """The plaintext as UTF-8 text (access keys, passwords)."""
        try:
            return self._value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the secret value is binary, not UTF-8 text") from exc

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"SecretValue('{_MASKED}')"

    def __str__(self) -> str:
        return _MASKED

    def __format__(self, spec: str) -> str:
        return _MASKED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return NotImplemented
        return hmac.compare_digest(self._value, other._value)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a SecretValue cannot be pickled")


@dataclass(frozen=True)
class Sealed:
    """One encrypted value as stored: key id, nonce, ciphertext (with the GCM tag)."""

    key_id: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)


def secret_aad(org: str | None, project: str | None, identifier: str) -> bytes:
    """Associated data naming the row a ciphertext belongs to (unambiguous JSON array)."""
    return json.dumps(["awsconn.secret.v1", org or "", project or "", identifier]).encode()


def _key_id_for(key: bytes) -> str:
    """A stable id for a key given without one: a short fingerprint, not the key."""
    return "k" + hashlib.sha256(b"awsconn-key-id:" + key).hexdigest()[:12]


def _decode_key(text: str, *, where: str) -> bytes:
    text = text.strip()
    try:
        alphabet = b"-_" if ("-" in text or "_" in text) else None
        key = base64.b64decode(text.encode("ascii"), altchars=alphabet, validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise InvalidInput(
            f"the master key in {where} is not valid base64",
            hint="generate one with: python -c 'import os,base64;"
            "print(base64.b64encode(os.urandom(32)).decode())'",
        ) from None
    if len(key) != KEY_BYTES:
        raise InvalidInput(
            f"the master key in {where} is {len(key)} bytes; AES-256 needs {KEY_BYTES}",
            hint="use 32 random bytes, base64-encoded (44 characters)",
        )
    return key


def parse_keys(text: str, *, where: str) -> list[tuple[str, bytes]]:
    """Parse ``BASE64`` or ``kid:BASE64`` entries (comma- or newline-separated, newest first)."""
    entries = [e.strip() for e in re.split(r"[,\n]", text) if e.strip() and not e.startswith("#")]
    if not entries:
        raise InvalidInput(f"{where} holds no master key")
    keys: list[tuple[str, bytes]] = []
    for entry in entries:
        kid, sep, encoded = entry.partition(":")
        if not sep:
            key = _decode_key(kid, where=where)
            kid = _key_id_for(key)
        else:
            kid = kid.strip()
            if not _KID.match(kid):
                raise InvalidInput(
                    f"the key id {kid!r} in {where} is not valid",
                    hint="key ids are 1-64 letters, digits, '.', '_' or '-'",
                )
            key = _decode_key(encoded, where=where)
        if any(kid == seen for seen, _ in keys):
            raise InvalidInput(f"the key id {kid!r} appears twice in {where}")
        keys.append((kid, key))
    return keys


class Keyring:
    """Master keys by id, newest first: the newest seals, any of them opens."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise InvalidInput("a keyring needs at least one master key")
        self._order = [kid for kid, _ in keys]
        self._ciphers: dict[str, AESGCM] = {}
        for kid, key in keys:
            if len(key) != KEY_BYTES:
                raise InvalidInput(f"master key {kid!r} is {len(key)} bytes; need {KEY_BYTES}")
            if kid in self._ciphers:
                raise InvalidInput(f"the key id {kid!r} appears twice")
            self._ciphers[kid] = AESGCM(key)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, home: Path | None = None) -> Keyring:
        """``AWSCONN_MASTER_KEY`` if set, else the key file in ``home`` (made on first use)."""
        configured = environ.get(MASTER_KEY_ENV)
        if configured is not None and configured.strip():
            return cls(parse_keys(configured, where=MASTER_KEY_ENV))
        base = home if home is not None else awsconn_home(environ)
        return cls.from_key_file(base / KEY_FILE_NAME, create=True)

    @classmethod
    def from_key_file(cls, path: Path, *, create: bool = False) -> Keyring:
        """Read a key file; with ``create``, write a new random key (mode 0600) if missing."""
        if create and not path.exists():
            _create_key_file(path)
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
                hint=f"chmod 600 {path}",
            )
        return cls(parse_keys(text, where=str(path)))

    @property
    def current_key_id(self) -> str:
        return self._order[0]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._order)

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> Sealed:
        """Encrypt under the newest key with a fresh random nonce."""
        kid = self._order[0]
        nonce = _random.token_bytes(NONCE_BYTES)
        return Sealed(kid, nonce, self._ciphers[kid].encrypt(nonce, plaintext, aad))

    def decrypt(self, sealed: Sealed, *, aad: bytes, what: str = "secret") -> bytes:
        """Decrypt; a missing key id, a wrong row binding or tampering is a clear error."""
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise InternalError(
                f"{what} was encrypted with master key {sealed.key_id!r}, which is not loaded",
                hint=f"add {sealed.key_id}:<key> to {MASTER_KEY_ENV} after the newest key "
                f"(loaded: {', '.join(self._order)})",
            )
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, aad)
        except (InvalidTag, ValueError):
            raise InternalError(
                f"{what} cannot be decrypted: the stored ciphertext was altered, moved to "
                f"another secret, or key {sealed.key_id!r} is not the key that sealed it",
                hint="check the master key; otherwise set the secret's value again",
            ) from None

    def __repr__(self) -> str:
        return f"Keyring(key_ids={self._order!r})"


def generate_key_entry() -> str:
    """A new ``kid:BASE64`` line with 32 random bytes."""
    key = _random.token_bytes(KEY_BYTES)
    return f"{_key_id_for(key)}:{base64.b64encode(key).decode('ascii')}"


def _create_key_file(path: Path) -> None:
    """Write a new key atomically with mode 0600; a concurrent creator's file wins."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{_random.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(generate_key_entry() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise InvalidInput(
            f"cannot create the master key file {path}: {exc.strerror or exc}",
            hint=f"set {HOME_ENV} to a writable directory, or set {MASTER_KEY_ENV}",
        ) from None


def add_key_to_file(path: Path) -> str:
    """Put a new random key first in the key file (older keys stay, to open old secrets).

    The file is replaced atomically with mode 0600; returns the new key id.
    """
    current = Keyring.from_key_file(path)  # refuses a missing, unreadable or open file
    entry = generate_key_entry()
    kid = entry.partition(":")[0]
    try:
        old_text = path.read_text(encoding="ascii")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{_random.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(entry + "\n" + old_text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise InvalidInput(
            f"cannot rewrite the master key file {path}: {exc.strerror or exc}"
        ) from None
    assert kid not in current.key_ids
    return kid
