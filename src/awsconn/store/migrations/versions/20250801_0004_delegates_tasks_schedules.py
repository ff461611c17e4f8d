"""Delegates, their tasks, each connector's test schedule and its status changes.

Revision ID: 0004
Revises: 0003
Create Date: 2025-08-01

``tasks`` holds a connector's work for a delegate (no secret in any column but the
sealed result of a credentials task); ``delegates`` one row per registered delegate
instance; ``connector_schedules`` when the monitor next tests a connector and its own
interval; ``connector_status_changes`` each move of a connector's status. Existing
stores gain the four tables empty: connectors are scheduled when the monitor first
looks at them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("org", sa.String(128), nullable=False),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("connector", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("params", _JSON, nullable=False),
        sa.Column("requires", _JSON, nullable=False),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("result_key_id", sa.String(64), nullable=True),
        sa.Column("result_nonce", sa.LargeBinary(), nullable=True),
        sa.Column("result_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("result_digest", sa.String(64), nullable=True),
        sa.Column("error", _JSON, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("started_at", _TIME, nullable=True),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.Column("deadline", _TIME, nullable=False),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("lease_until", _TIME, nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_tasks"),
        sa.UniqueConstraint("id", name="uq_tasks_id"),
    )
    op.create_index("ix_tasks_state_seq", "tasks", ["state", "seq"])
    op.create_index("ix_tasks_owner_state", "tasks", ["owner", "state"])
    op.create_index("ix_tasks_org_project_connector", "tasks", ["org", "project", "connector"])
    op.create_index("ix_tasks_finished_at", "tasks", ["finished_at"])
    op.create_table(
        "delegates",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("token_id", sa.String(32), nullable=False),
        sa.Column("host_name", sa.String(256), nullable=True),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("capabilities", _JSON, nullable=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("init_status", sa.String(16), nullable=False),
        sa.Column("init_exit_code", sa.Integer(), nullable=True),
        sa.Column("init_output", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("registered_at", _TIME, nullable=False),
        sa.Column("last_heartbeat", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delegates"),
    )
    op.create_index("ix_delegates_name", "delegates", ["name"])
    op.create_index("ix_delegates_token_id", "delegates", ["token_id"])
    op.create_index("ix_delegates_last_heartbeat", "delegates", ["last_heartbeat"])
    op.create_table(
        "connector_schedules",
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("test_interval_min", sa.Integer(), nullable=True),
        sa.Column("next_test_at", _TIME, nullable=False),
        sa.Column("claimed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("connector_id", name="pk_connector_schedules"),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name="fk_connector_schedules_connector_id_connectors",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_connector_schedules_next_test_at", "connector_schedules", ["next_test_at"])
    op.create_table(
        "connector_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=True),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_connector_status_changes"),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name="fk_connector_status_changes_connector_id_connectors",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["test_id"],
            ["connector_tests.id"],
            name="fk_connector_status_changes_test_id_connector_tests",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_connector_status_changes_at", "connector_status_changes", ["at"])
    op.create_index(
        "ix_connector_status_changes_connector_id_at",
        "connector_status_changes",
        ["connector_id", "at"],
    )
    op.create_index("ix_connector_status_changes_test_id", "connector_status_changes", ["test_id"])


def downgrade() -> None:
    for index in (
        "ix_connector_status_changes_test_id",
        "ix_connector_status_changes_connector_id_at",
        "ix_connector_status_changes_at",
    ):
        op.drop_index(index, table_name="connector_status_changes")
    op.drop_table("connector_status_changes")
    op.drop_index("ix_connector_schedules_next_test_at", table_name="connector_schedules")
    op.drop_table("connector_schedules")
    for index in ("ix_delegates_last_heartbeat", "ix_delegates_token_id", "ix_delegates_name"):
        op.drop_index(index, table_name="delegates")
    op.drop_table("delegates")
    for index in (
        "ix_tasks_finished_at",
        "ix_tasks_org_project_connector",
        "ix_tasks_owner_state",
        "ix_tasks_state_seq",
    ):
        op.drop_index(index, table_name="tasks")
    op.drop_table("tasks")
