"""AES-256-GCM sealing of secret values, and the keyring that holds the master keys.

Every value is sealed with a fresh random 96-bit nonce under the newest master key;
the key id travels with the ciphertext so older keys keep decrypting after a rotation.
The associated data binds a ciphertext to its secret's scope, identifier, version and
key id: a ciphertext copied onto another row, or an older ciphertext of the same row
copied back (a rollback), does not decrypt. Rows sealed before the version and key id
were bound (``aad_version`` 1) still open; re-sealing moves them to version 2.

Where keys come from (``AWSCONN_MASTER_KEY`` or the key file) is ``master_keys.py``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets as _random
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from awsconn.errors import InvalidInput, MasterKeyMismatch

__all__ = [
    "AAD_VERSION",
    "Keyring",
    "Sealed",
    "SecretValue",
    "generate_key_entry",
    "parse_keys",
    "secret_aad",
]

KEY_BYTES = 32
NONCE_BYTES = 12
AAD_VERSION = 2  # the associated data new seals use (see secret_aad)
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


def secret_aad(
    org: str | None,
    project: str | None,
    identifier: str,
    *,
    version: int | None = None,
    key_id: str | None = None,
) -> bytes:
    """Associated data naming what a ciphertext belongs to (an unambiguous JSON array).

    With ``version`` and ``key_id``: format 2, binding the row's version and the key id
    too (what awsconn seals with). Without: format 1, scope and identifier only, which
    is how rows written before schema revision 0002 were sealed.
    """
    if version is None and key_id is None:
        return json.dumps(["awsconn.secret.v1", org or "", project or "", identifier]).encode()
    if version is None or key_id is None:
        raise ValueError("format 2 associated data binds both the version and the key id")
    return json.dumps(
        ["awsconn.secret.v2", org or "", project or "", identifier, version, key_id]
    ).encode()


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
    """Master keys by id, newest first: the newest seals, any of them opens.

    ``source`` says where the keys were loaded from, for messages (never the keys).
    """

    def __init__(self, keys: Sequence[tuple[str, bytes]], *, source: str = "the keyring") -> None:
        if not keys:
            raise InvalidInput("a keyring needs at least one master key")
        self.source = source
        self._order = [kid for kid, _ in keys]
        self._ciphers: dict[str, AESGCM] = {}
        for kid, key in keys:
            if len(key) != KEY_BYTES:
                raise InvalidInput(f"master key {kid!r} is {len(key)} bytes; need {KEY_BYTES}")
            if kid in self._ciphers:
                raise InvalidInput(f"the key id {kid!r} appears twice")
            self._ciphers[kid] = AESGCM(key)

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
        """Decrypt; a key not loaded, or one that does not open the value, is
        MasterKeyMismatch naming the key id the value needs and where keys came from."""
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise MasterKeyMismatch(
                f"{what} is sealed under master key {sealed.key_id!r}, which is not among "
                f"the keys loaded from {self.source} ({', '.join(self._order)})",
                hint=f"restore the key {sealed.key_id!r} to {self.source}, after the newest "
                "key (older keys stay to open older secrets)",
            )
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, aad)
        except (InvalidTag, ValueError):
            raise MasterKeyMismatch(
                f"{what} does not open with master key {sealed.key_id!r} from {self.source}: "
                "that is not the key that sealed it, or the stored value was altered, moved "
                "to another secret or rolled back to an older version",
                hint=f"check the key {sealed.key_id!r} in {self.source}; "
                "if it is right, set the secret's value again",
            ) from None

    def __repr__(self) -> str:
        return f"Keyring(key_ids={self._order!r})"


def generate_key_entry() -> str:
    """A new ``kid:BASE64`` line with 32 random bytes."""
    key = _random.token_bytes(KEY_BYTES)
    return f"{_key_id_for(key)}:{base64.b64encode(key).decode('ascii')}"
