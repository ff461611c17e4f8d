"""Schema 0005: a 0004 store keeps its status changes and gains the status feeds; a status
change id is never handed out again once the newest change is deleted (a feed's place
compares ids); down and up again cleanly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, inspect

from awsconn.store.database import ALEMBIC_INI, MIGRATIONS_DIR, Database
from awsconn.store.revision import HEAD_REVISION
from awsconn.store.tables import ConnectorStatusChangeRecord

T0 = datetime(2025, 1, 2, tzinfo=UTC)


def _migrate_to(db: Database, revision: str, *, down: bool = False) -> None:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def _connector(db: Database, identifier: str) -> None:
    with db.transaction() as tx:
        tx.connectors.create(
            org=None, project=None, identifier=identifier, name=identifier,
            credential_type="Irsa", region="us-east-1", tags={},
            document={"connector": {"identifier": identifier}},
        )  # fmt: skip


def _test(db: Database, identifier: str, status: str, at: datetime) -> None:
    with db.transaction() as tx:
        tx.connectors.record_test(
            org=None, project=None, identifier=identifier, status=status, tested_at=at,
            result={"errors": [{"code": "ACCESS_DENIED", "message": "no"}]}
            if status == "FAILURE" else {},
        )  # fmt: skip


def test_a_0004_store_keeps_its_status_changes_and_gains_the_feeds(db_url: str) -> None:
    old = Database(db_url, migrate=False)
    _migrate_to(old, "0004")
    assert "status_feeds" not in inspect(old.engine).get_table_names()
    _connector(old, "c")
    _test(old, "c", "SUCCESS", T0)
    _test(old, "c", "FAILURE", T0 + timedelta(minutes=1))
    old.close()

    with Database(db_url) as db:
        assert db.schema_revision() == HEAD_REVISION
        with db.transaction() as tx:
            changes = tx.monitor.status_changes()
            assert [(c.to_status, c.error_code) for c in changes] == [
                ("SUCCESS", None),
                ("FAILURE", "ACCESS_DENIED"),
            ]
            now = T0 + timedelta(hours=1)
            place = tx.monitor.take_feed("alerts", holder="p1", now=now, until=now)
            assert place == changes[-1].id  # a new feed starts at the newest change
            assert tx.monitor.advance_feed(
                "alerts", holder="p1", from_id=place, to_id=place, until=now
            )
            assert not tx.monitor.advance_feed(  # not its place any more: refused
                "alerts", holder="p1", from_id=place - 1, to_id=place, until=now
            )


def test_a_deleted_newest_change_never_gives_its_id_again(db_url: str) -> None:
    with Database(db_url) as db:
        _connector(db, "c")
        for i, status in enumerate(("SUCCESS", "FAILURE", "SUCCESS")):
            _test(db, "c", status, T0 + timedelta(minutes=i))
        with db.transaction() as tx:
            newest = tx.monitor.status_changes()[-1].id
            tx.session.execute(delete(ConnectorStatusChangeRecord))  # pruned, every one
        _test(db, "c", "FAILURE", T0 + timedelta(minutes=9))
        with db.transaction() as tx:
            assert [c.id for c in tx.monitor.status_changes()] == [newest + 1]


def test_0005_downgrades_and_upgrades_again(db_url: str) -> None:
    with Database(db_url) as db:
        _connector(db, "c")
        _test(db, "c", "SUCCESS", T0)
        _migrate_to(db, "0004", down=True)
        assert "status_feeds" not in inspect(db.engine).get_table_names()
        _migrate_to(db, "head")
        assert db.schema_revision() == HEAD_REVISION
        with db.transaction() as tx:
            assert [c.to_status for c in tx.monitor.status_changes()] == ["SUCCESS"]
