"""Secret links of connectors; the associated-data version of each sealed secret.

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-01

``connector_secret_refs`` holds, per connector, the secrets its document names
(foreign keys, so a secret in use cannot be deleted, even by a racing delete); the
links of existing connectors are written here from their stored documents.
``secrets.aad_version`` says which associated data sealed a value: existing rows
are 1 (scope and identifier); awsconn writes 2 (also version and key id).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from awsconn.store.connector_links import named_secrets

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("secrets") as batch:
        batch.add_column(sa.Column("aad_version", sa.Integer(), nullable=False, server_default="1"))
    refs = op.create_table(
        "connector_secret_refs",
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(128), nullable=False),
        sa.Column("secret_org", sa.String(128), nullable=False),
        sa.Column("secret_project", sa.String(128), nullable=False),
        sa.Column("secret_identifier", sa.String(128), nullable=False),
        sa.Column("secret_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("connector_id", "path", name="pk_connector_secret_refs"),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name="fk_connector_secret_refs_connector_id_connectors",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["secret_id"], ["secrets.id"], name="fk_connector_secret_refs_secret_id_secrets"
        ),
    )
    op.create_index("ix_connector_secret_refs_secret_id", "connector_secret_refs", ["secret_id"])
    op.create_index(
        "ix_connector_secret_refs_secret_key",
        "connector_secret_refs",
        ["secret_org", "secret_project", "secret_identifier"],
    )
    _link_existing_connectors(refs)


def _link_existing_connectors(refs: sa.Table) -> None:
    bind = op.get_bind()
    secrets = sa.table(
        "secrets",
        sa.column("id", sa.Integer()),
        sa.column("org", sa.String()),
        sa.column("project", sa.String()),
        sa.column("identifier", sa.String()),
    )
    connectors = sa.table(
        "connectors",
        sa.column("id", sa.Integer()),
        sa.column("org", sa.String()),
        sa.column("project", sa.String()),
        sa.column("document", _JSON),
    )
    secret_ids = {
        (org, project, identifier): id_
        for id_, org, project, identifier in bind.execute(
            sa.select(secrets.c.id, secrets.c.org, secrets.c.project, secrets.c.identifier)
        )
    }
    rows = []
    query = sa.select(
        connectors.c.id, connectors.c.org, connectors.c.project, connectors.c.document
    )
    for connector_id, org, project, document in bind.execute(query):
        for link in named_secrets(document, org, project):
            rows.append(
                {
                    "connector_id": connector_id,
                    "path": link.path,
                    "secret_org": link.org,
                    "secret_project": link.project,
                    "secret_identifier": link.identifier,
                    # A secret deleted with --force before this revision stays unlinked
                    # until it is created again (SecretRepository.create links it).
                    "secret_id": secret_ids.get((link.org, link.project, link.identifier)),
                }
            )
    if rows:
        op.bulk_insert(refs, rows)


def downgrade() -> None:
    op.drop_index("ix_connector_secret_refs_secret_key", table_name="connector_secret_refs")
    op.drop_index("ix_connector_secret_refs_secret_id", table_name="connector_secret_refs")
    op.drop_table("connector_secret_refs")
    with op.batch_alter_table("secrets") as batch:
        batch.drop_column("aad_version")
