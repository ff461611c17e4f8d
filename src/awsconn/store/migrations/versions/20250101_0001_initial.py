"""Initial schema: secrets, connectors, connector_tests.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _scope_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("org", sa.String(128), nullable=False),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("identifier", sa.String(128), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "secrets",
        *_scope_columns(),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_secrets"),
        sa.UniqueConstraint(
            "org", "project", "identifier", name="uq_secrets_org_project_identifier"
        ),
    )
    op.create_table(
        "connectors",
        *_scope_columns(),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("credential_type", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.String(32), nullable=True),
        sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_connectors"),
        sa.UniqueConstraint(
            "org", "project", "identifier", name="uq_connectors_org_project_identifier"
        ),
    )
    op.create_index("ix_connectors_credential_type", "connectors", ["credential_type"])
    op.create_table(
        "connector_tests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("result", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_connector_tests"),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name="fk_connector_tests_connector_id_connectors",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_connector_tests_connector_id_tested_at",
        "connector_tests",
        ["connector_id", "tested_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_connector_tests_connector_id_tested_at", table_name="connector_tests")
    op.drop_table("connector_tests")
    op.drop_index("ix_connectors_credential_type", table_name="connectors")
    op.drop_table("connectors")
    op.drop_table("secrets")
