"""A secret's older ciphertext copied back onto its row does not open (version and key id bound)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import text

from awsconn.errors import MasterKeyMismatch
from awsconn.secrets.crypto import Keyring, secret_aad
from awsconn.secrets.store import SecretStore
from awsconn.store.database import Database

KEY = bytes(range(32))
NEW_KEY = bytes(range(64, 96))


def ring(*entries: tuple[str, bytes]) -> Keyring:
    return Keyring(list(entries), source="the test's keys")


def sealed_parts(db: Database, identifier: str) -> dict[str, object]:
    with db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT key_id, nonce, ciphertext, aad_version, version FROM secrets "
                "WHERE identifier = :i"
            ),
            {"i": identifier},
        ).one()
    return dict(row._mapping)


def put_sealed(db: Database, identifier: str, parts: dict[str, object]) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE secrets SET key_id = :key_id, nonce = :nonce, ciphertext = :ciphertext, "
                "aad_version = :aad_version WHERE identifier = :i"
            ),
            {"i": identifier}
            | {k: parts[k] for k in ("key_id", "nonce", "ciphertext", "aad_version")},
        )


def test_an_older_ciphertext_copied_back_does_not_open(db: Database) -> None:
    store = SecretStore(db, ring(("k1", KEY)))
    store.create(org="o", project=None, identifier="s", value="old-value")
    old = sealed_parts(db, "s")
    store.update(org="o", project=None, identifier="s", value="new-value")
    put_sealed(db, "s", old)  # the row stays at version 2
    with pytest.raises(MasterKeyMismatch, match="rolled back") as info:
        store.reveal(org="o", project=None, identifier="s")
    assert "secret 's' in org o" in info.value.message


def test_a_description_change_reseals_the_value_under_the_new_version(db: Database) -> None:
    store = SecretStore(db, ring(("k1", KEY)))
    store.create(org="o", project=None, identifier="s", value="value")
    before = sealed_parts(db, "s")
    meta = store.update(org="o", project=None, identifier="s", description="about it")
    assert meta.version == 2
    after = sealed_parts(db, "s")
    assert after["ciphertext"] != before["ciphertext"]
    assert store.reveal(org="o", project=None, identifier="s").reveal_text() == "value"


def test_secrets_sealed_before_the_version_was_bound_open_and_are_upgraded(db: Database) -> None:
    """A row as awsconn wrote it before schema 0002: associated data format 1."""
    old_ring = ring(("k1", KEY))
    store = SecretStore(db, old_ring)
    store.create(org="o", project="p", identifier="legacy", value="placeholder")
    legacy = old_ring.encrypt(b"legacy-value", aad=secret_aad("o", "p", "legacy"))
    legacy_parts = {
        "key_id": legacy.key_id,
        "nonce": legacy.nonce,
        "ciphertext": legacy.ciphertext,
        "aad_version": 1,
    }
    put_sealed(db, "legacy", legacy_parts)
    assert store.reveal(org="o", project="p", identifier="legacy").reveal_text() == "legacy-value"

    assert store.reencrypt() == 1  # same key, but format 1: re-sealed
    upgraded = sealed_parts(db, "legacy")
    assert (upgraded["aad_version"], upgraded["version"], upgraded["key_id"]) == (2, 1, "k1")
    assert store.reencrypt() == 0
    put_sealed(db, "legacy", {**legacy_parts, "aad_version": 2})  # the old pair, copied back
    with pytest.raises(MasterKeyMismatch):
        store.reveal(org="o", project="p", identifier="legacy")


def test_rotation_binds_the_new_key_id(db: Database) -> None:
    store = SecretStore(db, ring(("k1", KEY)))
    store.create(org=None, project=None, identifier="s", value="value")
    under_k1 = sealed_parts(db, "s")
    rotated = SecretStore(db, ring(("k2", NEW_KEY), ("k1", KEY)))
    assert rotated.reencrypt() == 1
    assert sealed_parts(db, "s")["key_id"] == "k2"
    assert rotated.reveal(org=None, project=None, identifier="s").reveal_text() == "value"
    put_sealed(db, "s", {**under_k1, "key_id": "k2"})  # k1's pair presented as k2's
    with pytest.raises(MasterKeyMismatch):
        rotated.reveal(org=None, project=None, identifier="s")
    assert base64.b64encode(NEW_KEY).decode() not in repr(rotated)
