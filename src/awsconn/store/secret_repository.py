"""Sealed secrets by scope and identifier; rows carry ciphertext, never plaintext."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from awsconn.errors import InvalidInput
from awsconn.store.db_errors import translated
from awsconn.store.repository_base import (
    KEEP,
    Keep,
    ScopedRepository,
    scope_columns,
)
from awsconn.store.tables import SecretRecord

__all__ = ["SecretRepository", "SecretRow"]


@dataclass(frozen=True)
class SecretRow:
    """A stored secret: metadata plus the sealed value (never plaintext)."""

    id: int
    org: str | None
    project: str | None
    identifier: str
    description: str | None
    key_id: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, rec: SecretRecord) -> SecretRow:
        return cls(
            id=rec.id,
            org=rec.org or None,
            project=rec.project or None,
            identifier=rec.identifier,
            description=rec.description,
            key_id=rec.key_id,
            nonce=bytes(rec.nonce),
            ciphertext=bytes(rec.ciphertext),
            version=rec.version,
            created_at=rec.created_at,
            updated_at=rec.updated_at,
        )


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
        description: str | None = None,
    ) -> SecretRow:
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
        )
        self._insert(record, f"{self._what(org, project, identifier)} already exists")
        return self.get(org=org, project=project, identifier=identifier)

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
    ) -> SecretRow:
        """Replace the sealed value (all three parts together) and/or the description."""
        sealed = (key_id, nonce, ciphertext)
        if any(part is None for part in sealed) and any(part is not None for part in sealed):
            raise InvalidInput("key_id, nonce and ciphertext are replaced together")
        values: dict[str, Any] = {"updated_at": self._now()}
        if key_id is not None:
            values.update(key_id=key_id, nonce=nonce, ciphertext=ciphertext)
        if not isinstance(description, Keep):
            values["description"] = description
        what = self._what(org, project, identifier)
        keys = self._keys(org, project, identifier)
        self._versioned_update(SecretRecord, keys, expected_version, values, what)
        return self.get(org=org, project=project, identifier=identifier)

    def reseal(self, *, id: int, key_id: str, nonce: bytes, ciphertext: bytes) -> None:
        """Store a re-encryption of the same value (key rotation): the version stays."""
        stmt = (
            update(SecretRecord)
            .where(SecretRecord.id == id)
            .values(key_id=key_id, nonce=nonce, ciphertext=ciphertext)
        )
        with translated(self._where):
            self._session.execute(stmt, execution_options={"synchronize_session": False})

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
