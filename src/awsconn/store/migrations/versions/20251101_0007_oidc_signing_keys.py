"""OIDC signing keys: awsconn's issuer signs ID tokens with RS256 keys kept here.

Revision ID: 0007
Revises: 0006
Create Date: 2025-11-01

``oidc_signing_keys`` holds one row per key: its ``kid``, the public JWK in the clear,
the private key sealed with the master key (key id, nonce, ciphertext), when it was made
and, once rotated out, when it was retired and until when the JWKS still publishes it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oidc_signing_keys",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("retired_at", _TIME, nullable=True),
        sa.Column("published_until", _TIME, nullable=True),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kid", name="pk_oidc_signing_keys"),
    )


def downgrade() -> None:
    op.drop_table("oidc_signing_keys")
