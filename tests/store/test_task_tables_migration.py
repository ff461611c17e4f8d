"""A store written before 0004 (no delegates, tasks or schedules) migrates forward, keeps
its connectors and their history, and goes back down cleanly."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import insert, inspect

from awsconn.store.database import ALEMBIC_INI, MIGRATIONS_DIR, Database
from awsconn.store.revision import HEAD_REVISION
from awsconn.store.tables import ConnectorTestRecord

NEW_TABLES = {"tasks", "delegates", "connector_schedules", "connector_status_changes"}


def _migrate_to(db: Database, revision: str, *, down: bool = False) -> None:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def test_a_0003_store_gains_the_work_tables_and_keeps_its_connectors(db_url: str) -> None:
    old = Database(db_url, migrate=False)
    _migrate_to(old, "0003")
    assert not NEW_TABLES & set(inspect(old.engine).get_table_names())
    tested = datetime(2025, 1, 2, tzinfo=UTC)
    with old.transaction() as tx:
        tx.connectors.create(
            org=None, project=None, identifier="c", name="c", credential_type="Irsa",
            region="us-east-1", tags={}, document={"connector": {"identifier": "c"}},
        )  # fmt: skip
        # what 0003's record_test wrote (today's also writes the status change 0004 adds)
        tx.session.execute(
            insert(ConnectorTestRecord).values(
                connector_id=tx.connectors.get(org=None, project=None, identifier="c").id,
                status="SUCCESS",
                tested_at=tested,
                result={},
            )
        )
    old.close()

    with Database(db_url) as db:
        assert db.schema_revision() == HEAD_REVISION
        with db.transaction() as tx:
            assert [
                h.status for h in tx.connectors.history(org=None, project=None, identifier="c")
            ] == ["SUCCESS"]
            assert tx.monitor.status_changes() == []  # changes before 0004 were not recorded
            assert tx.monitor.add_missing(first_test_at=lambda: tested) == 1
            tx.connectors.record_test(
                org=None, project=None, identifier="c", status="FAILURE", tested_at=tested,
                result={},
            )  # fmt: skip
            assert [c.to_status for c in tx.monitor.status_changes()] == ["FAILURE"]


def test_0004_downgrades_and_upgrades_again(db_url: str) -> None:
    with Database(db_url) as db:
        _migrate_to(db, "0003", down=True)
        assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
        _migrate_to(db, "head")
        assert db.schema_revision() == HEAD_REVISION
        assert set(inspect(db.engine).get_table_names()) >= NEW_TABLES
