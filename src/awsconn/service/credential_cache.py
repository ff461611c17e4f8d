"""Temporary credentials kept between ``awsconn credentials`` runs, sealed with the master key.

Why: the AWS CLI runs ``credential_process`` before every command; without a cache
each run would import the AWS SDK and call STS. Why files under awsconn's home
(``cache/credentials/``) rather than a table: the CLI is what repeats, the file works
the same for a SQLite and a PostgreSQL store, a read costs one ``open`` (no schema
check, no SQLAlchemy), and temporary credentials of one machine stay on that machine
instead of in a database other machines read.

The contract:

- Only credentials with an ``Expiration`` are kept (an assumed role, a delegate's
  temporary identity); long-lived keys never are (they are in the store already).
- An entry is one file per store and connector, named by a hash (no name on disk),
  mode 0600 in a 0700 folder, written atomically. It is AES-256-GCM sealed under the
  newest master key; the associated data binds the store, the connector, its version
  and a digest of everything its credentials come from (keys, role, external id,
  region, chain, ambient AWS settings). A new connector version, a rotated secret or
  another store's entry therefore does not open: it is a miss, and is replaced.
- An entry is used until :data:`REFRESH_MARGIN_S` before its expiry (``exec``, whose
  command cannot renew keys in its environment, asks for more: ``min_left_s``).
- A corrupt, foreign or unreadable entry is a miss, never an error; a failed write is a
  warning. Editing or deleting a connector also removes its entry (:func:`forget`).

Stdlib and ``cryptography`` only: it runs on the fast road of ``awsconn credentials``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awsconn.errors import MasterKeyMismatch

if TYPE_CHECKING:
    from awsconn.aws.session_spec import SessionSpec
    from awsconn.model import EntityRef
    from awsconn.secrets.crypto import Keyring
    from awsconn.service.context import AppContext

__all__ = ["REFRESH_MARGIN_S", "CredentialCache", "cache_of", "forget"]

REFRESH_MARGIN_S = 300
"""Credentials are fetched again once less than this is left of them (5 minutes)."""

_FORMAT = "awsconn.credential-cache.v1"
_PASSWORD = re.compile(r"(://[^:/@]*):[^@/]*@")


def _store_id(database_url: str) -> str:
    """The store's URL without a password (the password never reaches a digest on disk)."""
    return _PASSWORD.sub(r"\1@", database_url)


def _spec_digest(spec: SessionSpec, environ: Mapping[str, str]) -> str:
    """A digest of everything the credentials come from; kept only in the associated data."""
    keys = spec.static_keys
    parts: list[Any] = [
        spec.connector,
        spec.credential_type,
        spec.region,
        [keys.access_key_id, keys.secret_access_key, keys.session_token] if keys else None,
        spec.role_arn,
        spec.external_id,
        [[hop.role_arn, hop.external_id] for hop in spec.chain],
    ]
    if keys is None:  # a delegate's identity: what botocore's chain reads from the environ
        parts.append(sorted((k, v) for k, v in environ.items() if k.startswith("AWS_")))
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class CredentialCache:
    """The entries of one store under one home, sealed with one keyring."""

    def __init__(self, folder: Path, store_id: str, keyring: Keyring | None) -> None:
        self.folder = folder
        self._store_id = store_id
        self._keyring = keyring

    def path(self, ref: EntityRef) -> Path:
        name = hashlib.sha256(json.dumps([_FORMAT, self._store_id, str(ref)]).encode())
        return self.folder / f"{name.hexdigest()}.json"

    def _aad(self, ref: EntityRef, version: int | None, digest: str) -> bytes:
        return json.dumps([_FORMAT, self._store_id, str(ref), version, digest]).encode()

    def get(
        self,
        ref: EntityRef,
        version: int | None,
        digest: str,
        now: datetime,
        *,
        min_left_s: float = REFRESH_MARGIN_S,
    ) -> dict[str, Any] | None:
        """The kept credentials when they open for exactly this connector version and
        digest and have more than ``min_left_s`` left; None otherwise (never raises)."""
        if self._keyring is None:
            return None
        from awsconn.secrets.crypto import Sealed

        try:
            entry = json.loads(self.path(ref).read_text(encoding="utf-8"))
            sealed = Sealed(
                str(entry["kid"]),
                base64.b64decode(entry["nonce"], validate=True),
                base64.b64decode(entry["ct"], validate=True),
            )
            plain = self._keyring.decrypt(sealed, aad=self._aad(ref, version, digest))
            creds = json.loads(plain)
            expiry = datetime.fromisoformat(str(creds["Expiration"]).replace("Z", "+00:00"))
        except (OSError, ValueError, KeyError, TypeError, binascii.Error, AttributeError):
            return None
        except MasterKeyMismatch:  # a foreign or altered entry, or a key since removed
            return None
        if not isinstance(creds, dict) or expiry - now <= timedelta(seconds=min_left_s):
            return None
        return creds

    def put(
        self, ref: EntityRef, version: int | None, digest: str, creds: Mapping[str, Any]
    ) -> None:
        """Keep ``creds`` (which carry an ``Expiration``); raises OSError when the folder
        or file cannot be written."""
        if self._keyring is None or "Expiration" not in creds:
            return
        from awsconn.store.home import ensure_private_dir, write_private_file

        sealed = self._keyring.encrypt(
            json.dumps(dict(creds)).encode(), aad=self._aad(ref, version, digest)
        )
        ensure_private_dir(self.folder, "awsconn's credential cache", _quiet)
        entry = {
            "format": _FORMAT,
            "kid": sealed.key_id,
            "nonce": base64.b64encode(sealed.nonce).decode("ascii"),
            "ct": base64.b64encode(sealed.ciphertext).decode("ascii"),
        }
        write_private_file(self.path(ref), json.dumps(entry))

    def forget(self, ref: EntityRef) -> None:
        """Remove the connector's entry, if any (never raises)."""
        with contextlib.suppress(OSError):
            self.path(ref).unlink(missing_ok=True)


def _quiet(_message: str) -> None:
    """The cache folder's mode is set by awsconn; the home folder's own warning suffices."""


def cache_of(ctx: AppContext) -> CredentialCache:
    """The cache of ``ctx``'s store under its home (no keyring: nothing is kept or read)."""
    try:
        keyring = ctx.master_keys.load()
    except Exception:  # an unreadable key file: the use case reports it where it matters
        keyring = None
    return CredentialCache(
        ctx.home / "cache" / "credentials", _store_id(ctx.runtime.database_url), keyring
    )


def digest_of(ctx: AppContext, spec: SessionSpec) -> str:
    """What binds an entry to the credentials' sources (see the module docstring)."""
    return _spec_digest(spec, ctx.environ)


def forget(ctx: AppContext, ref: EntityRef) -> None:
    """Drop a connector's kept credentials (after it was edited or deleted)."""
    CredentialCache(
        ctx.home / "cache" / "credentials", _store_id(ctx.runtime.database_url), None
    ).forget(ref)
