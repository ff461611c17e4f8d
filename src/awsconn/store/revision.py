"""The schema revision this awsconn writes and reads, known without importing Alembic.

The migrations in ``migrations/versions`` are the schema's source of truth; this is
the id of the newest one, so opening a store can compare it with the database's
``alembic_version`` in one query and import Alembic only when they differ.
``tests/store/test_schema_revision.py`` keeps it equal to Alembic's head.
"""

from __future__ import annotations

__all__ = ["HEAD_REVISION", "VERSION_QUERY"]

HEAD_REVISION = "0005"
VERSION_QUERY = "SELECT version_num FROM alembic_version"
