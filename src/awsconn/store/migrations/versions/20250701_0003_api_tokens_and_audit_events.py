"""API and delegate tokens (stored as hashes), and the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2025-07-01

``api_tokens`` holds a SHA-256 of each token (unique: authenticating is one lookup by
it), a short display prefix, the role and scope granted, expiry and revocation; a
name is unique per kind among tokens not revoked (a partial unique index).
``audit_events`` is append-only: who, what, on which target, when, from where, outcome.
Existing stores gain both tables empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("org", sa.String(128), nullable=False),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("access", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(256), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index(
        "uq_api_tokens_live_name",
        "api_tokens",
        ["kind", "name"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index("ix_api_tokens_org_project", "api_tokens", ["org", "project"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("actor_token", sa.String(32), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_ref", sa.String(400), nullable=False),
        sa.Column("target_org", sa.String(128), nullable=False),
        sa.Column("target_project", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", _JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor", "at"])
    op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"])
    op.create_index(
        "ix_audit_events_target_kind_target_ref", "audit_events", ["target_kind", "target_ref"]
    )
    op.create_index(
        "ix_audit_events_target_org_target_project",
        "audit_events",
        ["target_org", "target_project"],
    )


def downgrade() -> None:
    for index in (
        "ix_audit_events_target_org_target_project",
        "ix_audit_events_target_kind_target_ref",
        "ix_audit_events_action_at",
        "ix_audit_events_actor_at",
        "ix_audit_events_at",
    ):
        op.drop_index(index, table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_api_tokens_org_project", table_name="api_tokens")
    op.drop_index("uq_api_tokens_live_name", table_name="api_tokens")
    op.drop_table("api_tokens")
