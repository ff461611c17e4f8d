"""The secret store: values go in sealed and come out only through ``reveal``.

Everything but ``reveal`` returns metadata; the service calls ``reveal`` only to
build AWS sessions. Each call runs in its own transaction unless the caller passes
``tx`` (e.g. to create a secret and the connector that uses it all or nothing).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from awsconn.secrets.crypto import Keyring, Sealed, SecretValue, secret_aad
from awsconn.store.database import Database, Transaction
from awsconn.store.repositories import KEEP, Keep, SecretRow, describe_scope

__all__ = ["SecretMetadata", "SecretStore"]


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


class SecretStore:
    """Encrypted secrets in a :class:`Database`, sealed with a :class:`Keyring`."""

    def __init__(self, db: Database, keyring: Keyring) -> None:
        self._db = db
        self._keyring = keyring

    @contextmanager
    def _tx(self, tx: Transaction | None, *, write: bool = True) -> Iterator[Transaction]:
        if tx is not None:
            yield tx
        else:
            with self._db.transaction(write=write) as own:
                yield own

    def _seal(self, org: str | None, project: str | None, identifier: str, value: bytes) -> Sealed:
        return self._keyring.encrypt(value, aad=secret_aad(org, project, identifier))

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
        sealed = self._seal(org, project, identifier, SecretValue.of(value).reveal())
        with self._tx(tx) as t:
            row = t.secrets.create(
                org=org,
                project=project,
                identifier=identifier,
                description=description,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
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
        """Replace the value (sealed under the newest key) and/or the description."""
        sealed = (
            None
            if value is None
            else self._seal(org, project, identifier, SecretValue.of(value).reveal())
        )
        with self._tx(tx) as t:
            row = t.secrets.update(
                org=org,
                project=project,
                identifier=identifier,
                key_id=sealed.key_id if sealed else None,
                nonce=sealed.nonce if sealed else None,
                ciphertext=sealed.ciphertext if sealed else None,
                description=description,
                expected_version=expected_version,
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
        with self._tx(tx, write=False) as t:
            return SecretMetadata.of(t.secrets.get(org=org, project=project, identifier=identifier))

    def exists(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        tx: Transaction | None = None,
    ) -> bool:
        with self._tx(tx, write=False) as t:
            return t.secrets.find(org=org, project=project, identifier=identifier) is not None

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
        tx: Transaction | None = None,
    ) -> None:
        with self._tx(tx) as t:
            t.secrets.delete(
                org=org, project=project, identifier=identifier, expected_version=expected_version
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
        with self._tx(tx, write=False) as t:
            row = t.secrets.get(org=org, project=project, identifier=identifier)
        return SecretValue(self._open(row))

    def reencrypt(self, *, tx: Transaction | None = None) -> int:
        """Re-seal every secret not under the newest key (after a rotation); returns the count.

        Versions do not change: the values are the same, so editors see no conflict.
        """
        count = 0
        with self._tx(tx) as t:
            for row in t.secrets.list(all_scopes=True):
                if row.key_id == self._keyring.current_key_id:
                    continue
                sealed = self._seal(row.org, row.project, row.identifier, self._open(row))
                t.secrets.reseal(
                    id=row.id,
                    key_id=sealed.key_id,
                    nonce=sealed.nonce,
                    ciphertext=sealed.ciphertext,
                )
                count += 1
        return count

    def _open(self, row: SecretRow) -> bytes:
        return self._keyring.decrypt(
            Sealed(row.key_id, row.nonce, row.ciphertext),
            aad=secret_aad(row.org, row.project, row.identifier),
            what=f"secret {row.identifier!r} in {describe_scope(row.org, row.project)}",
        )

    def __repr__(self) -> str:
        return f"SecretStore({self._db!r}, {self._keyring!r})"
