"""A store written before 0003 (no tokens, no audit log) migrates forward and keeps its rows."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from awsconn.store.database import ALEMBIC_INI, MIGRATIONS_DIR, Database
from awsconn.store.revision import HEAD_REVISION


def _config(db: Database) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _migrate_to(db: Database, revision: str, *, down: bool = False) -> None:
    config = _config(db)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def test_a_0002_store_gains_tokens_and_the_audit_log_and_keeps_its_rows(db_url: str) -> None:
    old = Database(db_url, migrate=False)
    _migrate_to(old, "0002")
    assert old.schema_revision() == "0002"
    assert "api_tokens" not in inspect(old.engine).get_table_names()
    with old.transaction() as tx:
        tx.secrets.create(
            org="o", project=None, identifier="s", key_id="k", nonce=b"n", ciphertext=b"c",
            aad_version=2,
        )  # fmt: skip
    old.close()

    with Database(db_url) as db:
        assert db.schema_revision() == HEAD_REVISION
        with db.transaction() as tx:
            assert [s.identifier for s in tx.secrets.list(org="o")] == ["s"]
            token = tx.tokens.create(
                id="t1", kind="api", name="ci", token_hash="a" * 64, prefix="awsc_abcdef",
                role="viewer", org=None, project=None, access=False, created_by="local",
                expires_at=None,
            )  # fmt: skip
            event = tx.audit.append(
                actor="local", actor_token=None, address=None, action="token.create",
                target_kind="token", target_ref="ci", target_org=None, target_project=None,
                version=None, outcome="ok", detail={"tokenId": "t1"},
            )  # fmt: skip
        with db.transaction(write=False) as tx:
            assert tx.tokens.find_by_hash("a" * 64) == token
            assert tx.audit.list() == [event]


def test_0003_downgrades_and_upgrades_again(db_url: str) -> None:
    with Database(db_url) as db:
        _migrate_to(db, "0002", down=True)
        assert not {"api_tokens", "audit_events"} & set(inspect(db.engine).get_table_names())
        _migrate_to(db, "head")
        assert db.schema_revision() == HEAD_REVISION
        assert {"api_tokens", "audit_events"} <= set(inspect(db.engine).get_table_names())
