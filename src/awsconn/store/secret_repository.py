"""Sealed secrets by scope and identifier; rows carry ciphertext, never plaintext.

A secret that connectors name cannot be deleted unless they are detached first
(``detach_users``): the links are foreign keys written by the connector repository.
"""

from __future__ import annotations

import builtins
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from awsconn.errors import InvalidInput
from awsconn.store.db_errors import translated
from awsconn.store.repository_base import (
    KEEP,
    Keep,
    ScopedRepository,
    scope_columns,
)
from awsconn.store.rows import SecretRow, not_found
from awsconn.store.tables import ConnectorRecord, ConnectorSecretRefRecord, SecretRecord

__all__ = ["SecretRepository", "SecretRow"]

Refs = ConnectorSecretRefRecord


class SecretRepository(ScopedRepository[SecretRecord, SecretRow]):
    """Sealed secrets by (org, project, identifier)."""

    _model = SecretRecord
    _noun = "secret"
    _row_of = staticmethod(SecretRow.of)

    def create(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        key_id: str,
        nonce: bytes,
        ciphertext: bytes,
        aad_version: int,
        description: str | None = None,
    ) -> SecretRow:
        """Insert a secret (version 1); connectors that named this key before are linked.

        ``aad_version`` is the associated-data format the sealer used (secrets.crypto).
        """
        o, p = scope_columns(org, project)
        now = self._now()
        record = SecretRecord(
            org=o,
            project=p,
            identifier=identifier,
            description=description,
            key_id=key_id,
            nonce=nonce,
            ciphertext=ciphertext,
            version=1,
            created_at=now,
            updated_at=now,
            aad_version=aad_version,
        )
        self._insert(record, f"{self._what(org, project, identifier)} already exists")
        row = self.get(org=org, project=project, identifier=identifier)
        relink = (
            update(Refs)
            .where(
                Refs.secret_org == o,
                Refs.secret_project == p,
                Refs.secret_identifier == identifier,
                Refs.secret_id.is_(None),
            )
            .values(secret_id=row.id)
        )
        with translated(self._where):
            self._session.execute(relink, execution_options={"synchronize_session": False})
        return row

    def update(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        key_id: str | None = None,
        nonce: bytes | None = None,
        ciphertext: bytes | None = None,
        description: str | Keep | None = KEEP,
        expected_version: int | None = None,
        aad_version: int | None = None,
    ) -> SecretRow:
        """Replace the sealed value (all four parts together) and/or the description."""
        sealed = (key_id, nonce, ciphertext, aad_version)
        if any(part is None for part in sealed) and any(part is not None for part in sealed):
            raise InvalidInput("key_id, nonce, ciphertext and aad_version are replaced together")
        values: dict[str, Any] = {"updated_at": self._now()}
        if key_id is not None:
            values.update(
                key_id=key_id, nonce=nonce, ciphertext=ciphertext, aad_version=aad_version
            )
        if not isinstance(description, Keep):
            values["description"] = description
        what = self._what(org, project, identifier)
        keys = self._keys(org, project, identifier)
        self._versioned_update(SecretRecord, keys, expected_version, values, what)
        return self.get(org=org, project=project, identifier=identifier)

    def reseal(
        self, *, row: SecretRow, key_id: str, nonce: bytes, ciphertext: bytes, aad_version: int
    ) -> bool:
        """Store a re-encryption of ``row``'s value (key rotation): the version stays.

        Only if the row is still as read (same version and sealing); False when another
        transaction changed it meanwhile, which re-sealed it already.
        """
        stmt = (
            update(SecretRecord)
            .where(
                SecretRecord.id == row.id,
                SecretRecord.version == row.version,
                SecretRecord.key_id == row.key_id,
                SecretRecord.aad_version == row.aad_version,
            )
            .values(key_id=key_id, nonce=nonce, ciphertext=ciphertext, aad_version=aad_version)
        )
        with translated(self._where):
            result = self._session.execute(stmt, execution_options={"synchronize_session": False})
        return bool(cast(CursorResult[Any], result).rowcount)

    def users(
        self, *, org: str | None, project: str | None, identifier: str
    ) -> builtins.list[tuple[str | None, str | None, str]]:
        """The connectors (org, project, identifier) whose settings name this secret.

        In a write transaction the secret is locked first, so a connector written at the
        same moment either committed before (and is listed) or waits for this transaction.
        """
        record = self._find_record(org, project, identifier)
        if record is None:
            raise not_found(self._noun, org, project, identifier)
        stmt = (
            select(ConnectorRecord.org, ConnectorRecord.project, ConnectorRecord.identifier)
            .join(Refs, Refs.connector_id == ConnectorRecord.id)
            .where(Refs.secret_id == record.id)
            .distinct()
            .order_by(ConnectorRecord.org, ConnectorRecord.project, ConnectorRecord.identifier)
        )
        with translated(self._where):
            return [(o or None, p or None, i) for o, p, i in self._session.execute(stmt)]

    def delete(
        self,
        *,
        org: str | None,
        project: str | None,
        identifier: str,
        expected_version: int | None = None,
        detach_users: bool = False,
    ) -> None:
        """Delete the secret; refused (Conflict) while a connector names it, unless
        ``detach_users`` (those connectors then name a secret that does not exist)."""
        record = self._find_record(org, project, identifier)
        if record is None:
            raise not_found(self._noun, org, project, identifier)
        if detach_users:
            stmt = update(Refs).where(Refs.secret_id == record.id).values(secret_id=None)
            with translated(self._where):
                self._session.execute(stmt, execution_options={"synchronize_session": False})
        what = self._what(org, project, identifier)
        self._versioned_delete(
            SecretRecord,
            self._keys(org, project, identifier),
            expected_version,
            what,
            conflict=f"{what} is named by a connector written meanwhile",
        )

    def one_sealed_under(self, key_id: str) -> SecretRow | None:
        """Some secret sealed under ``key_id`` (the oldest), to check a key opens it."""
        stmt = select(SecretRecord).where(SecretRecord.key_id == key_id)
        record = self._one(stmt.order_by(SecretRecord.id).limit(1))
        return SecretRow.of(record) if record is not None else None

    def key_ids(self) -> builtins.list[str]:
        """Every master key id some stored secret is sealed under."""
        stmt = select(SecretRecord.key_id).distinct().order_by(SecretRecord.key_id)
        with translated(self._where):
            return [str(k) for k in self._session.scalars(stmt)]

    def list(
        self, *, org: str | None = None, project: str | None = None, all_scopes: bool = False
    ) -> builtins.list[SecretRow]:
        """Secrets of exactly one scope, or of every scope with ``all_scopes``."""
        stmt = select(SecretRecord)
        if not all_scopes:
            o, p = scope_columns(org, project)
            stmt = stmt.where(SecretRecord.org == o, SecretRecord.project == p)
        stmt = stmt.order_by(SecretRecord.org, SecretRecord.project, SecretRecord.identifier)
        with translated(self._where):
            records = self._session.scalars(stmt.execution_options(populate_existing=True))
            return [SecretRow.of(r) for r in records]
