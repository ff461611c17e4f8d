"""SecretStore over a real SQLite file: write-only values, binding, rotation, no leaks."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsconn.errors import Conflict, MasterKeyMismatch, NotFound
from awsconn.secrets.crypto import Keyring, SecretValue
from awsconn.secrets.master_keys import MASTER_KEY_ENV, MasterKeys
from awsconn.secrets.store import SecretStore
from awsconn.store.database import Database
from store_fixtures import FakeClock

CANARY = "CANARY-9f3b1c7e-do-not-store-in-clear"
KEY_OLD = bytes(range(32))
KEY_NEW = bytes(range(100, 132))


def keyring(*entries: tuple[str, bytes]) -> Keyring:
    text = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in entries)
    ring = MasterKeys({MASTER_KEY_ENV: text}).load()
    assert ring is not None
    return ring


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'awsconn.db'}", clock=FakeClock())
    yield database
    database.close()


@pytest.fixture
def store(sqlite_db: Database) -> SecretStore:
    return SecretStore(sqlite_db, keyring(("old", KEY_OLD)))


def test_value_round_trip_and_metadata_only_listing(store: SecretStore) -> None:
    meta = store.create(
        org="o", project="p", identifier="aws_secret", value=CANARY, description="prod key"
    )
    assert (meta.identifier, meta.key_id, meta.version, meta.description) == (
        "aws_secret",
        "old",
        1,
        "prod key",
    )
    assert store.reveal(org="o", project="p", identifier="aws_secret").reveal_text() == CANARY
    listed = store.list(org="o", project="p")
    assert listed == [meta]
    assert CANARY not in repr(listed) and not hasattr(listed[0], "ciphertext")
    assert store.exists(org="o", project="p", identifier="aws_secret")


@pytest.mark.parametrize("value", [CANARY, CANARY.encode(), SecretValue(CANARY)])
def test_value_types_accepted(store: SecretStore, value: str | bytes | SecretValue) -> None:
    store.create(org=None, project=None, identifier="s", value=value)
    assert store.reveal(org=None, project=None, identifier="s") == SecretValue(CANARY)


def test_update_value_and_description(store: SecretStore) -> None:
    store.create(org="o", project=None, identifier="s", value="v1")
    meta = store.update(org="o", project=None, identifier="s", value="v2", expected_version=1)
    assert meta.version == 2
    assert store.reveal(org="o", project=None, identifier="s").reveal_text() == "v2"
    meta = store.update(org="o", project=None, identifier="s", description="d")
    assert (meta.version, meta.description) == (3, "d")
    assert store.reveal(org="o", project=None, identifier="s").reveal_text() == "v2"
    with pytest.raises(Conflict) as info:
        store.update(org="o", project=None, identifier="s", value=CANARY, expected_version=1)
    assert CANARY not in str(info.value) and CANARY not in repr(info.value)
    assert store.reveal(org="o", project=None, identifier="s").reveal_text() == "v2"


def test_duplicate_and_missing_errors_never_show_the_value(store: SecretStore) -> None:
    store.create(org="o", project=None, identifier="s", value=CANARY)
    with pytest.raises(Conflict) as info:
        store.create(org="o", project=None, identifier="s", value=CANARY)
    assert CANARY not in str(info.value)
    assert CANARY.encode() not in repr(info.value.__cause__).encode()
    with pytest.raises(NotFound, match="secret 'x' in org o not found"):
        store.reveal(org="o", project=None, identifier="x")
    store.delete(org="o", project=None, identifier="s", expected_version=1)
    assert store.list(org="o") == []


def test_ciphertext_copied_to_another_row_does_not_decrypt(
    store: SecretStore, sqlite_db: Database
) -> None:
    store.create(org="o", project=None, identifier="prod", value=CANARY)
    store.create(org="o", project=None, identifier="dev", value="harmless")
    with sqlite_db.transaction() as tx:
        prod = tx.secrets.get(org="o", project=None, identifier="prod")
        tx.secrets.update(
            org="o",
            project=None,
            identifier="dev",
            key_id=prod.key_id,
            nonce=prod.nonce,
            ciphertext=prod.ciphertext,
            aad_version=prod.aad_version,
        )
    with pytest.raises(MasterKeyMismatch, match="moved to another secret") as info:
        store.reveal(org="o", project=None, identifier="dev")
    assert "secret 'dev' in org o" in str(info.value)


def test_rotation_old_secrets_still_read_new_writes_use_newest(sqlite_db: Database) -> None:
    before = SecretStore(sqlite_db, keyring(("old", KEY_OLD)))
    before.create(org=None, project=None, identifier="a", value="value-a")
    after = SecretStore(sqlite_db, keyring(("new", KEY_NEW), ("old", KEY_OLD)))
    assert after.reveal(org=None, project=None, identifier="a").reveal_text() == "value-a"
    assert after.create(org=None, project=None, identifier="b", value="value-b").key_id == "new"
    assert after.update(org=None, project=None, identifier="a", value="a2").key_id == "new"
    after.create(org=None, project=None, identifier="c", value="value-c")
    with pytest.raises(MasterKeyMismatch, match="'new'"):
        before.reveal(org=None, project=None, identifier="b")


def test_reencrypt_moves_everything_to_the_newest_key(sqlite_db: Database) -> None:
    before = SecretStore(sqlite_db, keyring(("old", KEY_OLD)))
    for name in ("a", "b"):
        before.create(org="o", project="p", identifier=name, value=f"value-{name}")
    after = SecretStore(sqlite_db, keyring(("new", KEY_NEW), ("old", KEY_OLD)))
    assert after.reencrypt() == 2
    assert after.reencrypt() == 0
    only_new = SecretStore(sqlite_db, keyring(("new", KEY_NEW)))
    metas = only_new.list(org="o", project="p")
    assert [(m.key_id, m.version) for m in metas] == [("new", 1), ("new", 1)]
    assert only_new.reveal(org="o", project="p", identifier="b").reveal_text() == "value-b"


def test_secret_and_connector_in_one_transaction(store: SecretStore, sqlite_db: Database) -> None:
    with pytest.raises(Conflict), sqlite_db.transaction() as tx:
        store.create(org="o", project=None, identifier="key", value=CANARY, tx=tx)
        for _ in range(2):
            tx.connectors.create(
                org="o",
                project=None,
                identifier="c",
                name="c",
                credential_type="ManualConfig",
                region=None,
                tags={},
                document={"secretKeyRef": "org.key"},
            )
    assert store.list(org="o") == []


def test_canary_value_never_reaches_the_database_files(
    store: SecretStore, sqlite_db: Database, tmp_path: Path
) -> None:
    store.create(org="o", project="p", identifier="canary", value=CANARY, description="c")
    store.update(org="o", project="p", identifier="canary", value=CANARY + "-v2")
    assert store.reveal(org="o", project="p", identifier="canary").reveal_text() == CANARY + "-v2"
    files = sorted(tmp_path.glob("awsconn.db*"))
    names = {f.name for f in files}
    assert "awsconn.db-wal" in names  # the WAL is checked while it still holds the pages
    for path in files:
        data = path.read_bytes()
        assert CANARY.encode() not in data, path.name
        assert CANARY.encode("utf-16-le") not in data, path.name
        assert base64.b64encode(CANARY.encode()) not in data, path.name
    sqlite_db.close()  # checkpoint: the main file now holds everything
    data = (tmp_path / "awsconn.db").read_bytes()
    assert CANARY.encode() not in data
    assert b"canary" in data  # the identifier is stored, so the search did look at rows


def test_reprs_show_no_key_material(store: SecretStore) -> None:
    shown = repr(store)
    assert base64.b64encode(KEY_OLD).decode() not in shown
    assert "old" in shown
