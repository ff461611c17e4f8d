"""SecretRepository on real SQLite files and PostgreSQL: scopes, versions, conflicts."""

from __future__ import annotations

import pytest

from awsconn.errors import Conflict, InvalidInput, NotFound
from awsconn.store.database import Database
from awsconn.store.repositories import SecretRow
from store_fixtures import FakeClock

SEALED = {"key_id": "k1", "nonce": b"n" * 12, "ciphertext": b"\x00cipher\xff", "aad_version": 2}


def create(db: Database, org: str | None, project: str | None, identifier: str) -> SecretRow:
    with db.transaction() as tx:
        return tx.secrets.create(org=org, project=project, identifier=identifier, **SEALED)


def test_create_get_round_trip(db: Database, store_clock: FakeClock) -> None:
    row = create(db, "org1", "proj1", "aws_secret")
    assert (row.org, row.project, row.identifier, row.version) == ("org1", "proj1", "aws_secret", 1)
    assert row.created_at == row.updated_at == store_clock.now
    assert row.created_at.tzinfo is not None
    with db.transaction(write=False) as tx:
        again = tx.secrets.get(org="org1", project="proj1", identifier="aws_secret")
    assert again == row
    assert again.ciphertext == SEALED["ciphertext"] and again.nonce == SEALED["nonce"]
    assert "cipher" not in repr(again)


def test_same_identifier_in_different_scopes_is_allowed(db: Database) -> None:
    create(db, None, None, "s")
    create(db, "o", None, "s")
    create(db, "o", "p", "s")
    create(db, "o", "q", "s")
    with db.transaction() as tx:
        assert [(r.org, r.project) for r in tx.secrets.list(all_scopes=True)] == [
            (None, None),
            ("o", None),
            ("o", "p"),
            ("o", "q"),
        ]
        assert [r.project for r in tx.secrets.list(org="o", project="p")] == ["p"]
        assert [r.org for r in tx.secrets.list()] == [None]


@pytest.mark.parametrize(("org", "project"), [(None, None), ("o", None), ("o", "p")])
def test_duplicate_is_a_conflict_in_every_scope(
    db: Database, org: str | None, project: str | None
) -> None:
    create(db, org, project, "dup")
    with pytest.raises(Conflict, match=r"secret 'dup' .* already exists"):
        create(db, org, project, "dup")


def test_project_without_org_is_invalid(db: Database) -> None:
    with pytest.raises(InvalidInput, match="without its org"):
        create(db, None, "p", "s")


def test_update_increments_version_and_keeps_created_at(
    db: Database, store_clock: FakeClock
) -> None:
    created = create(db, "o", None, "s")
    later = store_clock.advance(60)
    with db.transaction() as tx:
        updated = tx.secrets.update(
            org="o",
            project=None,
            identifier="s",
            key_id="k2",
            nonce=b"m" * 12,
            ciphertext=b"new",
            aad_version=2,
            expected_version=1,
        )
        described = tx.secrets.update(org="o", project=None, identifier="s", description="d")
    assert (updated.version, updated.key_id, updated.ciphertext) == (2, "k2", b"new")
    assert updated.created_at == created.created_at and updated.updated_at == later
    assert (described.version, described.description, described.ciphertext) == (3, "d", b"new")


def test_stale_version_is_a_conflict_and_changes_nothing(db: Database) -> None:
    create(db, "o", "p", "s")
    with db.transaction() as tx:
        tx.secrets.update(org="o", project="p", identifier="s", description="first")
    with pytest.raises(Conflict, match=r"now version 2, expected 1"), db.transaction() as tx:
        tx.secrets.update(
            org="o", project="p", identifier="s", description="second", expected_version=1
        )
    with pytest.raises(Conflict), db.transaction() as tx:
        tx.secrets.delete(org="o", project="p", identifier="s", expected_version=1)
    with db.transaction() as tx:
        row = tx.secrets.get(org="o", project="p", identifier="s")
    assert (row.version, row.description) == (2, "first")


def test_partial_sealed_value_is_refused(db: Database) -> None:
    create(db, None, None, "s")
    with pytest.raises(InvalidInput, match="together"), db.transaction() as tx:
        tx.secrets.update(org=None, project=None, identifier="s", key_id="k9")


def test_missing_secret_names_scope_and_identifier(db: Database) -> None:
    create(db, "o", "p", "other")
    with (
        pytest.raises(NotFound, match="secret 'nope' in project o/p not found"),
        db.transaction() as tx,
    ):
        tx.secrets.get(org="o", project="p", identifier="nope")
    with pytest.raises(NotFound, match="secret 'gone' in org o"), db.transaction() as tx:
        tx.secrets.update(org="o", project=None, identifier="gone", description="x")
    with pytest.raises(NotFound, match="the account scope"), db.transaction() as tx:
        tx.secrets.delete(org=None, project=None, identifier="gone")


def test_delete_with_current_version(db: Database) -> None:
    create(db, "o", None, "s")
    with db.transaction() as tx:
        tx.secrets.delete(org="o", project=None, identifier="s", expected_version=1)
        assert tx.secrets.find(org="o", project=None, identifier="s") is None
