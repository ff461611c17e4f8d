"""Connectors' secret links: written with the connector, guarding the secrets they name."""

from __future__ import annotations

from typing import Any

import pytest

from awsconn.errors import Conflict, NotFound
from awsconn.store.database import Database

SEALED = {"key_id": "k1", "nonce": b"n" * 12, "ciphertext": b"c", "aad_version": 2}


def document(identifier: str, access: str, secret: str, org: str | None = "o") -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": identifier,
        "identifier": identifier,
        "type": "Aws",
        "spec": {
            "credential": {
                "type": "ManualConfig",
                "spec": {"accessKeyRef": access, "secretKeyRef": secret},
                "region": "us-east-1",
            }
        },
    }
    if org:
        body["orgIdentifier"] = org
    return {"connector": body}


def write_connector(db: Database, identifier: str, access: str, secret: str, **scope: Any) -> None:
    org = scope.get("org", "o")
    with db.transaction() as tx:
        fields = {
            "org": org,
            "project": None,
            "identifier": identifier,
            "name": identifier,
            "credential_type": "ManualConfig",
            "region": "us-east-1",
            "tags": {},
            "document": document(identifier, access, secret, org),
        }
        if tx.connectors.find(org=org, project=None, identifier=identifier) is None:
            tx.connectors.create(**fields)
        else:
            tx.connectors.update(**fields)


def add_secrets(db: Database, *names: str, org: str | None = "o") -> None:
    with db.transaction() as tx:
        for name in names:
            tx.secrets.create(org=org, project=None, identifier=name, **SEALED)


def users(db: Database, name: str, org: str | None = "o") -> list[tuple[Any, ...]]:
    with db.transaction(write=False) as tx:
        return tx.secrets.users(org=org, project=None, identifier=name)


def test_a_secret_a_connector_names_cannot_be_deleted(db: Database) -> None:
    add_secrets(db, "ak", "sk")
    add_secrets(db, "shared", org=None)
    write_connector(db, "c1", "ak", "account.shared")
    assert users(db, "ak") == [("o", None, "c1")]
    assert users(db, "shared", org=None) == [("o", None, "c1")]
    assert users(db, "sk") == []
    with pytest.raises(Conflict, match="is named by a connector"), db.transaction() as tx:
        tx.secrets.delete(org="o", project=None, identifier="ak")
    with db.transaction() as tx:  # not named (any more): deleted
        tx.secrets.delete(org="o", project=None, identifier="sk")


def test_a_connector_naming_a_missing_secret_is_not_written(db: Database) -> None:
    add_secrets(db, "ak")
    with pytest.raises(Conflict, match=r"secret gone named at spec\.credential\.spec\.secretKey"):
        write_connector(db, "c1", "ak", "gone")
    with db.transaction(write=False) as tx:
        assert tx.connectors.find(org="o", project=None, identifier="c1") is None


def test_links_follow_updates_and_go_with_the_connector(db: Database) -> None:
    add_secrets(db, "ak", "sk", "sk2")
    write_connector(db, "c1", "ak", "sk")
    write_connector(db, "c1", "ak", "sk2")
    assert (users(db, "sk"), users(db, "sk2")) == ([], [("o", None, "c1")])
    with db.transaction() as tx:
        tx.connectors.delete(org="o", project=None, identifier="c1")
    assert users(db, "ak") == []
    with db.transaction() as tx:
        tx.secrets.delete(org="o", project=None, identifier="ak")


def test_detached_delete_then_a_new_secret_of_that_key_is_linked_again(db: Database) -> None:
    add_secrets(db, "ak", "sk")
    write_connector(db, "c1", "ak", "sk")
    with db.transaction() as tx:
        tx.secrets.delete(org="o", project=None, identifier="sk", detach_users=True)
    with pytest.raises(NotFound), db.transaction(write=False) as tx:
        tx.secrets.users(org="o", project=None, identifier="sk")
    add_secrets(db, "sk")
    assert users(db, "sk") == [("o", None, "c1")]
    with pytest.raises(Conflict), db.transaction() as tx:
        tx.secrets.delete(org="o", project=None, identifier="sk")


def test_an_org_reference_of_an_account_connector_names_nothing(db: Database) -> None:
    add_secrets(db, "ak", org=None)
    add_secrets(db, "sk", org=None)
    write_connector(db, "c1", "ak", "org.sk", org=None)
    assert users(db, "ak", org=None) == [(None, None, "c1")]
    assert users(db, "sk", org=None) == []
