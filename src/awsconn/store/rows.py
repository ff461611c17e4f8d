"""What the repositories hand out, importable without SQLAlchemy.

Rows are frozen dataclasses built from a record of either reader: the SQLAlchemy
repositories and the stdlib ``sqlite3`` point reader (``sqlite_reads.py``) both call
``Row.of`` on an object with the table's column names as attributes, so the two agree
on every conversion ('' scope columns become None, JSON is copied, blobs are checked).
``PointReads`` is the little a hot path needs: one connector or one secret by key, a
token by its hash (every API request). ``AuditRow`` comes from the SQLAlchemy
repositories only.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from awsconn.errors import InvalidInput, NotFound
from awsconn.model.clock import Clock, utc_now

__all__ = [
    "KEEP",
    "AuditRow",
    "Clock",
    "ConnectorLookup",
    "ConnectorRow",
    "ConnectorTestRow",
    "Keep",
    "PointReads",
    "ReadSource",
    "SecretLookup",
    "SecretRow",
    "TokenRow",
    "blob_of",
    "describe_scope",
    "not_found",
    "scope_columns",
    "system_clock",
]

system_clock = utc_now
"""The real time, aware UTC; the default clock handed to repositories."""


class Keep(Enum):
    """Marker for "leave this field as it is" where None is a meaningful new value."""

    KEEP = "keep"


KEEP = Keep.KEEP


def describe_scope(org: str | None, project: str | None) -> str:
    """Human name of a scope, for messages: account, org o, project o/p."""
    if project:
        return f"project {org}/{project}"
    if org:
        return f"org {org}"
    return "the account scope"


def scope_columns(org: str | None, project: str | None) -> tuple[str, str]:
    """Column values of a scope ('' stands for none); a project always belongs to an org."""
    if project and not org:
        raise InvalidInput(f"project {project!r} is given without its org")
    return org or "", project or ""


def not_found(noun: str, org: str | None, project: str | None, identifier: str) -> NotFound:
    """The one wording of "no such row", whichever reader looked."""
    return NotFound(f"{noun} {identifier!r} in {describe_scope(org, project)} not found")


@dataclass(frozen=True)
class ConnectorRow:
    """A stored connector: filter columns, its canonical document, its last test outcome."""

    id: int
    org: str | None
    project: str | None
    identifier: str
    name: str
    credential_type: str
    region: str | None
    tags: dict[str, str]
    document: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    last_status: str | None
    last_tested_at: datetime | None
    last_success_at: datetime | None

    @classmethod
    def of(cls, rec: Any) -> ConnectorRow:
        return cls(
            id=rec.id,
            org=rec.org or None,
            project=rec.project or None,
            identifier=rec.identifier,
            name=rec.name,
            credential_type=rec.credential_type,
            region=rec.region,
            tags=dict(rec.tags),
            document=dict(rec.document),
            version=rec.version,
            created_at=rec.created_at,
            updated_at=rec.updated_at,
            last_status=rec.last_status,
            last_tested_at=rec.last_tested_at,
            last_success_at=rec.last_success_at,
        )


@dataclass(frozen=True)
class ConnectorTestRow:
    """One recorded connection test of a connector."""

    id: int
    connector_id: int
    status: str
    tested_at: datetime
    duration_ms: int | None
    result: dict[str, Any]

    @classmethod
    def of(cls, rec: Any) -> ConnectorTestRow:
        return cls(
            id=rec.id,
            connector_id=rec.connector_id,
            status=rec.status,
            tested_at=rec.tested_at,
            duration_ms=rec.duration_ms,
            result=dict(rec.result),
        )


def blob_of(value: object) -> bytes | None:
    """Bytes as the drivers return a BLOB/bytea (bytes, memoryview); None for anything else."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return None


@dataclass(frozen=True)
class SecretRow:
    """A stored secret: metadata plus the sealed value (never plaintext).

    ``sealed_problem`` says why the sealed parts cannot be used (e.g. the ciphertext
    came back as text): the metadata stays listable and the value replaceable, and
    only opening it fails, naming the secret.
    """

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
    aad_version: int = 1
    sealed_problem: str | None = None

    @classmethod
    def of(cls, rec: Any) -> SecretRow:
        nonce, ciphertext = blob_of(rec.nonce), blob_of(rec.ciphertext)
        problems = [
            f"its {column} is stored as {type(raw).__name__}, not bytes"
            for column, raw, value in (
                ("nonce", rec.nonce, nonce),
                ("ciphertext", rec.ciphertext, ciphertext),
            )
            if value is None
        ]
        return cls(
            id=rec.id,
            org=rec.org or None,
            project=rec.project or None,
            identifier=rec.identifier,
            description=rec.description,
            key_id=rec.key_id,
            nonce=nonce or b"",
            ciphertext=ciphertext or b"",
            version=rec.version,
            created_at=rec.created_at,
            updated_at=rec.updated_at,
            aad_version=rec.aad_version,
            sealed_problem="; ".join(problems) or None,
        )


@dataclass(frozen=True)
class TokenRow:
    """A stored API or delegate token: what it grants and its life, never the token itself.

    ``token_hash`` is the SHA-256 the token is looked up by (kept out of ``repr``: it is
    not the token, but nothing gains from printing it).
    """

    id: str
    kind: str
    name: str
    description: str | None
    token_hash: str = field(repr=False)
    prefix: str
    role: str
    org: str | None
    project: str | None
    access: bool
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, rec: Any) -> TokenRow:
        return cls(
            id=rec.id,
            kind=rec.kind,
            name=rec.name,
            description=rec.description,
            token_hash=rec.token_hash,
            prefix=rec.prefix,
            role=rec.role,
            org=rec.org or None,
            project=rec.project or None,
            access=bool(rec.access),
            created_at=rec.created_at,
            created_by=rec.created_by,
            expires_at=rec.expires_at,
            revoked_at=rec.revoked_at,
            revoked_by=rec.revoked_by,
            last_used_at=rec.last_used_at,
        )


@dataclass(frozen=True)
class AuditRow:
    """One audit event as stored (see ``tables.AuditEventRecord``)."""

    id: int
    at: datetime
    actor: str
    actor_token: str | None
    address: str | None
    action: str
    target_kind: str
    target_ref: str
    target_org: str | None
    target_project: str | None
    version: int | None
    outcome: str
    detail: dict[str, Any] | None

    @classmethod
    def of(cls, rec: Any) -> AuditRow:
        return cls(
            id=rec.id,
            at=rec.at,
            actor=rec.actor,
            actor_token=rec.actor_token,
            address=rec.address,
            action=rec.action,
            target_kind=rec.target_kind,
            target_ref=rec.target_ref,
            target_org=rec.target_org or None,
            target_project=rec.target_project or None,
            version=rec.version,
            outcome=rec.outcome,
            detail=dict(rec.detail) if rec.detail is not None else None,
        )


class ConnectorLookup(Protocol):
    def find(
        self, *, org: str | None, project: str | None, identifier: str
    ) -> ConnectorRow | None: ...

    def get(self, *, org: str | None, project: str | None, identifier: str) -> ConnectorRow: ...


class SecretLookup(Protocol):
    def find(
        self, *, org: str | None, project: str | None, identifier: str
    ) -> SecretRow | None: ...

    def get(self, *, org: str | None, project: str | None, identifier: str) -> SecretRow: ...


class TokenLookup(Protocol):
    def find_by_hash(self, token_hash: str) -> TokenRow | None: ...


class PointReads(Protocol):
    """One connector or one secret by key, or a token by its hash, inside one read
    transaction."""

    @property
    def connectors(self) -> ConnectorLookup: ...

    @property
    def secrets(self) -> SecretLookup: ...

    @property
    def tokens(self) -> TokenLookup: ...


class ReadSource(Protocol):
    """Something that opens read transactions for point reads (a Database, a Store)."""

    def reading(self) -> AbstractContextManager[PointReads]: ...
