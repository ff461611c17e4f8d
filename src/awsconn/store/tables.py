"""SQLAlchemy tables: secrets, connectors, the secrets each connector names, test history,
API and delegate tokens (hashes only), the audit log; delegates, their tasks, the test
schedule of each connector and its status changes.

Scope columns hold '' (never NULL) for "no org" / "no project", so the unique
(org, project, identifier) constraints hold on SQLite and PostgreSQL alike (NULLs
are distinct in SQL unique constraints). Repositories map '' back to None.
Timestamps are stored as UTC and come back timezone-aware on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ApiTokenRecord",
    "AuditEventRecord",
    "Base",
    "ConnectorRecord",
    "ConnectorScheduleRecord",
    "ConnectorSecretRefRecord",
    "ConnectorStatusChangeRecord",
    "ConnectorTestRecord",
    "DelegateRecord",
    "SecretRecord",
    "StatusFeedRecord",
    "TaskRecord",
    "metadata",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# JSONB on PostgreSQL (comparable, indexable), JSON text elsewhere.
Document = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValueError(f"unexpected timestamp value from the database: {type(value)}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = metadata


class SecretRecord(Base):
    """One encrypted secret; the value is only ever stored sealed (see awsconn.secrets)."""

    __tablename__ = "secrets"
    __table_args__ = (UniqueConstraint("org", "project", "identifier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    project: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    identifier: Mapped[str] = mapped_column(String(128), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    nonce: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Which associated data sealed the value: 1 = scope and identifier (before 0002),
    # 2 = those plus the version and key id. Re-sealing moves a row to 2.
    aad_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")


class ConnectorRecord(Base):
    """A connector: indexed columns for filtering plus the canonical document the model made."""

    __tablename__ = "connectors"
    __table_args__ = (
        UniqueConstraint("org", "project", "identifier"),
        Index(None, "credential_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    project: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    identifier: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    credential_type: Mapped[str] = mapped_column(String(64), nullable=False)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tags: Mapped[dict[str, str]] = mapped_column(Document, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    tests: Mapped[list[ConnectorTestRecord]] = relationship(
        back_populates="connector", cascade="all, delete-orphan", passive_deletes=True
    )


class ConnectorTestRecord(Base):
    """One connection-test outcome; the history of a connector, newest last."""

    __tablename__ = "connector_tests"
    __table_args__ = (Index(None, "connector_id", "tested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connector_id: Mapped[int] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    tested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)

    connector: Mapped[ConnectorRecord] = relationship(back_populates="tests")


class ConnectorSecretRefRecord(Base):
    """A secret a connector's settings name, written in the connector's own transaction.

    ``secret_id`` is a foreign key without cascade: a secret in use cannot be deleted
    (the database refuses it even when the delete races a connector write); deleting
    it on purpose first sets it to NULL. The secret's key is kept too, so a secret
    created again under that key is linked again.
    """

    __tablename__ = "connector_secret_refs"
    __table_args__ = (
        Index(None, "secret_id"),
        Index(
            "ix_connector_secret_refs_secret_key",
            "secret_org",
            "secret_project",
            "secret_identifier",
        ),
    )

    connector_id: Mapped[int] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(128), primary_key=True)
    secret_org: Mapped[str] = mapped_column(String(128), nullable=False)
    secret_project: Mapped[str] = mapped_column(String(128), nullable=False)
    secret_identifier: Mapped[str] = mapped_column(String(128), nullable=False)
    secret_id: Mapped[int | None] = mapped_column(ForeignKey("secrets.id"), nullable=True)


class ApiTokenRecord(Base):
    """An API or delegate token: its SHA-256 and a short display prefix, never the token.

    ``token_hash`` is unique and indexed: authenticating is one lookup by it. A name is
    unique per kind among tokens not revoked (a partial unique index, on both engines);
    an expired holder of a name gives it up (``revoked_at`` set) when the name is reused.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index(
            "uq_api_tokens_live_name",
            "kind",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index(None, "org", "project"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # "api" | "delegate"
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    org: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    project: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    access: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(256), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEventRecord(Base):
    """One audited action: who (name, token id, address), what, on which target, outcome.

    ``detail`` is a small JSON object built from a fixed set of fields (service/audit.py),
    so it has no place for a secret value. Rows are only ever appended.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "at"),
        Index(None, "actor", "at"),
        Index(None, "action", "at"),
        Index(None, "target_kind", "target_ref"),
        Index(None, "target_org", "target_project"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(256), nullable=False)
    actor_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    target_ref: Mapped[str] = mapped_column(String(400), nullable=False)
    target_org: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    target_project: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    detail: Mapped[dict[str, Any] | None] = mapped_column(Document, nullable=True)


class TaskRecord(Base):
    """A connector's work for a delegate: queued, running (owner and lease), ended.

    ``params`` is what the work needs besides the connector (capability names, a
    timeout): never a secret. ``requires`` lists what a delegate must offer to take it
    (``tag:NAME`` per delegate selector, ``capability:NAME`` per capability), so a claim
    filters in SQL. A credentials task's result is the credentials: it is kept sealed
    (``result_sealed``, AES-GCM under the master key, bound to the task and attempt),
    never in ``result``. ``result_digest`` identifies what the owner posted, so posting
    the same result again is recognised. ``version`` counts state changes.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("id"),
        Index(None, "state", "seq"),
        Index(None, "owner", "state"),
        Index(None, "org", "project", "connector"),
        Index(None, "finished_at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Submission order: claims take the oldest first, lists show the newest first."""
    id: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    org: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    project: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    connector: Mapped[str] = mapped_column(String(128), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(Document, nullable=False)
    requires: Mapped[list[str]] = mapped_column(Document, nullable=False)
    result: Mapped[dict[str, Any] | None] = mapped_column(Document, nullable=True)
    result_key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    result_nonce: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    result_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    result_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(Document, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_by: Mapped[str] = mapped_column(String(256), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class DelegateRecord(Base):
    """One registered delegate instance (a restart registers a new one).

    ``capabilities`` is None until the delegate reports them; ``init_status`` is
    ``none`` (no init script), ``pending``, ``succeeded`` or ``failed``; ``state`` is
    ``registered`` or ``disconnected`` (it said goodbye). Whether it counts as connected
    also needs a recent ``last_heartbeat``, so it is decided when read.
    """

    __tablename__ = "delegates"
    __table_args__ = (
        Index(None, "name"),
        Index(None, "token_id"),
        Index(None, "last_heartbeat"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    token_id: Mapped[str] = mapped_column(String(32), nullable=False)
    host_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    tags: Mapped[list[str]] = mapped_column(Document, nullable=False)
    capabilities: Mapped[list[str] | None] = mapped_column(Document, nullable=True)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    init_status: Mapped[str] = mapped_column(String(16), nullable=False)
    init_exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    init_output: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_heartbeat: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class ConnectorScheduleRecord(Base):
    """When a connector is next tested by the monitor, and its own interval (awsconn's
    metadata, not part of the Harness document). ``next_test_at`` moves forward in the
    same transaction that claims the test, so one replica takes each due test."""

    __tablename__ = "connector_schedules"
    __table_args__ = (Index(None, "next_test_at"),)

    connector_id: Mapped[int] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), primary_key=True
    )
    test_interval_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    next_test_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConnectorStatusChangeRecord(Base):
    """A connector's status moved (SUCCESS to FAILURE, back, or its first status): what
    an alert hook reads, in id order. Written with the test that caused it."""

    __tablename__ = "connector_status_changes"
    __table_args__ = (
        Index(None, "at"),
        Index(None, "connector_id", "at"),
        Index(None, "test_id"),
        # ids never come back after deletes (pruning, a connector deleted): the status
        # feeds' cursors (``status_feeds``) compare ids
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connector_id: Mapped[int] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), nullable=False
    )
    test_id: Mapped[int | None] = mapped_column(
        ForeignKey("connector_tests.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)


class StatusFeedRecord(Base):
    """How far a follower of ``connector_status_changes`` got (the alert webhook, the
    metrics): the last change id it handled, and which server process holds the feed
    until when, so replicas take turns and each change is handled once."""

    __tablename__ = "status_feeds"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False)
    holder: Mapped[str | None] = mapped_column(String(64), nullable=True)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
