"""The secret store: values go in sealed and come out only through ``reveal``.

Everything but ``reveal`` returns metadata; the service calls ``reveal`` only to
build AWS sessions. Each call runs in its own transaction unless the caller passes
``tx`` (e.g. to create a secret and the connector that uses it all or nothing).

Master keys load on first need. A key is created only for a store without secrets:
when secrets exist and no key is configured, sealing and opening both refuse with
``MasterKeyMissing`` naming the key ids the secrets need, instead of sealing new
secrets under a new key the lost one cannot be merged with. Values are sealed with
associated data binding the row's version and key id, so every version change
re-seals (a description change too) and an older ciphertext copied back does not open.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from awsconn.errors import MasterKeyMismatch, MasterKeyMissing, StoreCorrupt
from awsconn.secrets.crypto import AAD_VERSION, Keyring, Sealed, SecretValue, secret_aad
from awsconn.secrets.master_keys import MasterKeys
from awsconn.store.rows import KEEP, Keep, PointReads, SecretRow, describe_scope

if TYPE_CHECKING:
    from awsconn.store.database import Transaction

__all__ = ["SecretMetadata", "SecretStore", "SecretsDatabase"]


class SecretsDatabase(Protocol):
    """What the secret store needs of a database: a ``Database`` or a ``Store``."""

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]: ...

    def reading(self) -> AbstractContextManager[PointReads]: ...


@dataclass(frozen=True)
class SecretMetadata:
    """What may be shown about a secret: never its value."""

    org: str | None
    project: str | None
    identifier: str
    description: str | None
    key_id: str
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: SecretRow) -> SecretMetadata:
        return cls(
            org=row.org,
            project=row.project,
            identifier=row.identifier,
            description=row.description,
            key_id=row.key_id,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def _what(org: str | None, project: str | None, identifier: str) -> str:
    return f"secret {identifier!r} in {describe_scope(org, project)}"


class SecretStore:
    """Encrypted secrets in a database, sealed with master keys (a Keyring, or their source)."""

    def __init__(self, db: SecretsDatabase, keys: Keyring | MasterKeys) -> None:
        self._db = db
        self._keys = keys
        self._keyring: Keyring | None = keys if isinstance(keys, Keyring) else None
        self._checked: Keyring | None = None  # the keyring keyring_to_seal has checked

    @contextmanager
    def _tx(self, tx: Transaction | None, *, write: bool = True) -> Iterator[Transaction]:
        if tx is not None:
            yield tx
        else:
            with self._db.transaction(write=write) as own:
                yield own

    # -- master keys ---------------------------------------------------------------

    def _loaded(self) -> Keyring | None:
        if self._keyring is None and isinstance(self._keys, MasterKeys):
            self._keyring = self._keys.load()
        return self._keyring

    def _where_keys_are(self) -> str:
        return self._keys.where if isinstance(self._keys, MasterKeys) else "the keyring given"

    def keyring_to_seal(self, *, tx: Transaction | None = None) -> Keyring:
        """The keyring new values are sealed with, checked once against the stored secrets.

        A key is made only when no secret is stored. Otherwise every key id the secrets
        use must be loaded, and the newest key must open a secret sealed under it: a
        wrong key under the right id would seal new values nobody holding the real key
        can open, so it is MasterKeyMismatch here too, before anything is sealed.
        """
        ring = self._loaded()
        if ring is not None and ring is self._checked:
            return ring
        with self._tx(tx, write=False) as t:
            needed = t.secrets.key_ids()
            if ring is None:
                if needed:
                    raise MasterKeyMissing(
                        "no master key is configured, and stored secrets are sealed under "
                        f"{', '.join(repr(k) for k in needed)}; looked in "
                        f"{self._where_keys_are()}",
                        hint="restore the key file (or set AWSCONN_MASTER_KEY) with those "
                        "keys; awsconn makes a new key only for a store without secrets",
                    )
                assert isinstance(self._keys, MasterKeys)
                ring = self._keyring = self._keys.create()
            else:
                ring = self._with_key_ids(ring, needed)
                sample = t.secrets.one_sealed_under(ring.current_key_id)
                if sample is not None and sample.sealed_problem is None:
                    self._open(sample)
        self._checked = ring
        return ring

    def _with_key_ids(self, ring: Keyring, needed: list[str]) -> Keyring:
        """``ring``, or the key file read again, holding every id in ``needed``."""
        missing = [k for k in needed if k not in ring.key_ids]
        if missing and isinstance(self._keys, MasterKeys):
            fresh = self._keys.load()  # a rotation elsewhere may have added them
            if fresh is not None:
                self._keyring = ring = fresh
                missing = [k for k in needed if k not in ring.key_ids]
        if missing:
            raise MasterKeyMismatch(
                f"stored secrets are sealed under master key{'s' * (len(missing) > 1)} "
                f"{', '.join(repr(k) for k in missing)}, not among the keys loaded from "
                f"{ring.source} ({', '.join(ring.key_ids)}); nothing is sealed until they are",
                hint=f"restore {', '.join(missing)} to {ring.source}, after the newest key",
            )
        return ring

    def _keyring_to_open(self, row: SecretRow) -> Keyring:
        ring = self._loaded()
        if (
            ring is not None
            and row.key_id not in ring.key_ids
            and isinstance(self._keys, MasterKeys)
        ):
            # A rotation elsewhere may have added it since the keys were loaded: read again.
            fresh = self._keys.load()
            if fresh is not None and row.key_id in fresh.key_ids:
                self._keyring = ring = fresh
        if ring is None:
            raise MasterKeyMissing(
                f"{_what(row.org, row.project, row.identifier)} is sealed under master key "
                f"{row.key_id!r}, and no master key is configured; looked in "
                f"{self._where_keys_are()}",
                hint=f"restore the key file (or set AWSCONN_MASTER_KEY) holding {row.key_id!r}",
            )
        return ring

    # -- sealing -------------------------------------------------------------------

    def _seal(
        self,
        ring: Keyring,
        org: str | None,
        project: str | None,
        identifier: str,
        *,
        version: int,
        value: bytes,
    ) -> Sealed:
        kid = ring.current_key_id
        aad = secret_aad(org, project, identifier, version=version, key_id=kid)
        sealed = ring.encrypt(value, aad=aad)
        assert sealed.key_id == kid
        return sealed

    def _open(self, row: SecretRow) -> bytes:
        what = _what(row.org, row.project, row.identifier)
        if row.sealed_problem is not None:
            raise StoreCorrupt(
                f"{what} cannot be opened: {row.sealed_problem}",
                hint="the database was edited outside awsconn; set the secret's value again",
            )
        if row.aad_version == 1:
            aad = secret_aad(row.org, row.project, row.identifier)
        else:
            aad = secret_aad(
                row.org, row.project, row.identifier, version=row.version, key_id=row.key_id
            )
        ring = self._keyring_to_open(row)
        return ring.decrypt(Sealed(row.key_id, row.nonce, row.ciphertext), aad=aad, what=what)

    # -- use cases -----------------------------------------------------------------

    def create(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        value: SecretValue | bytes | str,
        description: str | None = None,
        tx: Transaction | None = None,
    ) -> SecretMetadata:
        plain = SecretValue.of(value).reveal()
        with self._tx(tx) as t:
            ring = self.keyring_to_seal(tx=t)
            sealed = self._seal(ring, org, project, identifier, version=1, value=plain)
            row = t.secrets.create(
                org=org,
                project=project,
                identifier=identifier,
                description=description,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                aad_version=AAD_VERSION,
            )
        return SecretMetadata.of(row)

    def update(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        value: SecretValue | bytes | str | None = None,
        description: str | Keep | None = KEEP,
        expected_version: int | None = None,
        tx: Transaction | None = None,
    ) -> SecretMetadata:
        """Replace the value and/or the description; the new version is sealed in either
        case (the value is bound to its version), under the newest key."""
        with self._tx(tx) as t:
            current = t.secrets.get(org=org, project=project, identifier=identifier)
            version = current.version if expected_version is None else expected_version
            plain = self._open(current) if value is None else SecretValue.of(value).reveal()
            ring = self.keyring_to_seal(tx=t)
            sealed = self._seal(ring, org, project, identifier, version=version + 1, value=plain)
            row = t.secrets.update(
                org=org,
                project=project,
                identifier=identifier,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                aad_version=AAD_VERSION,
                description=description,
                expected_version=version,
            )
        return SecretMetadata.of(row)

    def get(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        tx: Transaction | None = None,
    ) -> SecretMetadata:
        if tx is not None:
            return SecretMetadata.of(
                tx.secrets.get(org=org, project=project, identifier=identifier)
            )
        with self._db.reading() as reads:
            return SecretMetadata.of(
                reads.secrets.get(org=org, project=project, identifier=identifier)
            )

    def exists(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        tx: Transaction | None = None,
    ) -> bool:
        if tx is not None:
            return tx.secrets.find(org=org, project=project, identifier=identifier) is not None
        with self._db.reading() as reads:
            return reads.secrets.find(org=org, project=project, identifier=identifier) is not None

    def list(
        self,
        *,
        org: str | None = None,
        project: str | None = None,
        all_scopes: bool = False,
        tx: Transaction | None = None,
    ) -> builtins.list[SecretMetadata]:
        with self._tx(tx, write=False) as t:
            rows = t.secrets.list(org=org, project=project, all_scopes=all_scopes)
        return [SecretMetadata.of(r) for r in rows]

    def delete(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        expected_version: int | None = None,
        detach_users: bool = False,
        tx: Transaction | None = None,
    ) -> None:
        """Delete; refused while a connector names the secret unless ``detach_users``."""
        with self._tx(tx) as t:
            t.secrets.delete(
                org=org,
                project=project,
                identifier=identifier,
                expected_version=expected_version,
                detach_users=detach_users,
            )

    def reveal(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        tx: Transaction | None = None,
    ) -> SecretValue:
        """The plaintext, for building an AWS session; never log or return it to a user."""
        if tx is not None:
            row = tx.secrets.get(org=org, project=project, identifier=identifier)
        else:
            with self._db.reading() as reads:
                row = reads.secrets.get(org=org, project=project, identifier=identifier)
        return SecretValue(self._open(row))

    def check_keys(self) -> int:
        """Open every secret, writing nothing; the first that does not open raises its
        error (MasterKeyMismatch, MasterKeyMissing, StoreCorrupt). Returns the count."""
        with self._db.transaction(write=False) as t:
            rows = t.secrets.list(all_scopes=True)
        for row in rows:
            self._open(row)
        return len(rows)

    def reencrypt(self, *, tx: Transaction | None = None) -> int:
        """Re-seal every secret not under the newest key, or sealed before the version was
        bound (``aad_version`` 1); returns the count. Every secret is opened, so a wrong
        key is reported even when nothing needs re-sealing.

        Versions do not change: the values are the same, so editors see no conflict.
        """
        count = 0
        with self._tx(tx) as t:
            ring = self.keyring_to_seal(tx=t)
            for row in t.secrets.list(all_scopes=True):
                plain = self._open(row)
                if row.key_id == ring.current_key_id and row.aad_version == AAD_VERSION:
                    continue
                sealed = self._seal(
                    ring, row.org, row.project, row.identifier, version=row.version, value=plain
                )
                count += t.secrets.reseal(
                    row=row,
                    key_id=sealed.key_id,
                    nonce=sealed.nonce,
                    ciphertext=sealed.ciphertext,
                    aad_version=AAD_VERSION,
                )
        return count

    def __repr__(self) -> str:
        keys = self._keyring if self._keyring is not None else self._keys
        return f"SecretStore({self._db!r}, {keys!r})"
