"""Status feeds: how far each follower of the status changes got; change ids never reused.

Revision ID: 0005
Revises: 0004
Create Date: 2025-09-01

``status_feeds`` holds one row per follower of ``connector_status_changes`` (the alert
webhook, the metrics): the last change id it handled and which server process holds it
until when. Followers compare ids, so on SQLite ``connector_status_changes`` is rebuilt
with ``AUTOINCREMENT``: without it SQLite hands out an id again once the newest row is
deleted (pruned, or its connector deleted), and a follower would skip the new change.
PostgreSQL's sequence never goes back, so only the new table is made there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def _rebuild_changes(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "connector_status_changes",
        recreate="always",
        table_kwargs={"sqlite_autoincrement": autoincrement},
    ):
        pass


def upgrade() -> None:
    op.create_table(
        "status_feeds",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("held_until", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_status_feeds"),
    )
    _rebuild_changes(autoincrement=True)


def downgrade() -> None:
    _rebuild_changes(autoincrement=False)
    op.drop_table("status_feeds")
