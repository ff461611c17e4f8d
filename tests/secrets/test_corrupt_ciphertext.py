"""A ciphertext stored as text (a hand-edited database, a column of the wrong type) is a
clear store error naming the secret, in every reader; its metadata stays usable."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from awsconn.errors import StoreCorrupt
from awsconn.secrets.crypto import Keyring
from awsconn.secrets.store import SecretStore
from awsconn.store.database import Database
from store_fixtures import ProcessCli, manual_connector_yaml


def _store_ciphertext_as_text(db: Database, identifier: str) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.execute(
                text("UPDATE secrets SET ciphertext = 'aGVsbG8=' WHERE identifier = :i"),
                {"i": identifier},
            )
        else:
            conn.execute(
                text(
                    "ALTER TABLE secrets ALTER COLUMN ciphertext TYPE text "
                    "USING encode(ciphertext, 'base64')"
                )
            )


def test_text_ciphertext_is_a_store_error_naming_the_secret(db: Database) -> None:
    store = SecretStore(db, Keyring([("k1", bytes(range(32)))]))
    store.create(org="o", project=None, identifier="edited", value="value")
    store.create(org="o", project=None, identifier="fine", value="value")
    _store_ciphertext_as_text(db, "edited")
    with pytest.raises(StoreCorrupt, match="secret 'edited' in org o cannot be opened") as info:
        store.reveal(org="o", project=None, identifier="edited")
    assert "ciphertext is stored as str, not bytes" in info.value.message
    assert [m.identifier for m in store.list(org="o")] == ["edited", "fine"]
    if db.dialect == "sqlite":  # a new value repairs it (a text column cannot hold one)
        store.update(org="o", project=None, identifier="edited", value="again")
        assert store.reveal(org="o", project=None, identifier="edited").reveal_text() == "again"


def test_the_cli_says_store_corrupt_without_a_traceback(store_cli: ProcessCli) -> None:
    cli = store_cli
    assert cli("secret", "create", "access_key", input="AKIACORRUPT000001\n").code == 0
    assert cli("secret", "create", "secret_key", input="corrupt-secret\n").code == 0
    (cli.home / "c.yaml").write_text(manual_connector_yaml("c1"))
    assert cli("connector", "apply", "-f", str(cli.home / "c.yaml")).code == 0
    with cli.database() as db:
        _store_ciphertext_as_text(db, "secret_key")
    done = cli("credentials", "c1")
    assert done.code == 1
    # SQLite: the edited row; PostgreSQL: the column, so every secret (the first read).
    named = "secret_key" if cli.url.startswith("sqlite") else "access_key"
    assert f"error [STORE_CORRUPT]: secret '{named}' in the account scope cannot be opened" in (
        done.err
    )
    tested = json.loads(cli("connector", "test", "c1", "-o", "json").out)
    assert [e["code"] for e in tested["errors"]] == ["STORE_CORRUPT"]
    assert cli("secret", "list").code == 0
