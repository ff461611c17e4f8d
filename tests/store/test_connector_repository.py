"""ConnectorRepository on real SQLite files and PostgreSQL: documents, filters, history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from awsconn.errors import Conflict, InvalidInput, NotFound
from awsconn.store.database import Database
from awsconn.store.repositories import ConnectorRow
from store_fixtures import FakeClock


def document(identifier: str, **extra: Any) -> dict[str, Any]:
    return {"connector": {"identifier": identifier, "type": "Aws", "spec": {"x": [1, 2]}, **extra}}


def create(
    db: Database,
    identifier: str,
    *,
    org: str | None = "o",
    project: str | None = "p",
    credential_type: str = "ManualConfig",
    tags: dict[str, str] | None = None,
) -> ConnectorRow:
    with db.transaction() as tx:
        return tx.connectors.create(
            org=org,
            project=project,
            identifier=identifier,
            name=identifier.upper(),
            credential_type=credential_type,
            region="us-east-1",
            tags=tags or {},
            document=document(identifier),
        )


def test_create_and_get_keep_the_document(db: Database, store_clock: FakeClock) -> None:
    row = create(db, "c1", tags={"env": "prod", "team": ""})
    assert row.document == document("c1")
    assert row.tags == {"env": "prod", "team": ""}
    assert (row.version, row.created_at, row.last_status, row.last_tested_at) == (
        1,
        store_clock.now,
        None,
        None,
    )
    with db.transaction(write=False) as tx:
        assert tx.connectors.get(org="o", project="p", identifier="c1") == row


def test_duplicate_is_a_conflict_and_other_scopes_are_not(db: Database) -> None:
    create(db, "c1")
    create(db, "c1", project=None)
    create(db, "c1", org=None, project=None)
    with pytest.raises(Conflict, match="connector 'c1' in project o/p already exists"):
        create(db, "c1")
    with pytest.raises(Conflict, match="the account scope"):
        create(db, "c1", org=None, project=None)


def test_list_filters_by_scope_tag_and_credential_type(db: Database) -> None:
    create(db, "a", tags={"env": "prod", "team": "x"})
    create(db, "b", tags={"env": "dev"}, credential_type="Irsa")
    create(db, "c", tags={"team": ""}, credential_type="Irsa")
    create(db, "d", org="o", project=None, tags={"env": "prod"})
    create(db, "e", org="o2", project="p", tags={"env": "prod"})

    def ids(**filters: Any) -> list[str]:
        with db.transaction(write=False) as tx:
            return [r.identifier for r in tx.connectors.list(**filters)]

    assert ids(org="o", project="p") == ["a", "b", "c"]
    assert ids(org="o") == ["d"]
    assert ids() == []
    assert ids(all_scopes=True) == ["d", "a", "b", "c", "e"]
    assert ids(org="o", project="p", tag="env") == ["a", "b"]
    assert ids(org="o", project="p", tag="team") == ["a", "c"]
    assert ids(org="o", project="p", tag="team=") == ["c"]
    assert ids(org="o", project="p", tag="env=prod") == ["a"]
    assert ids(all_scopes=True, tag="env=prod") == ["d", "a", "e"]
    assert ids(all_scopes=True, tag=["env=prod", "team"]) == ["a"]
    assert ids(org="o", project="p", credential_type="Irsa") == ["b", "c"]
    assert ids(org="o", project="p", credential_type="Irsa", tag="env") == ["b"]
    assert ids(all_scopes=True, tag="missing") == []


def test_bad_tag_filter_is_invalid_input(db: Database) -> None:
    with pytest.raises(InvalidInput, match="tag filter"), db.transaction() as tx:
        tx.connectors.list(all_scopes=True, tag="=value")


def test_tags_must_be_text(db: Database) -> None:
    with pytest.raises(InvalidInput, match="tags"), db.transaction() as tx:
        tx.connectors.create(
            org=None,
            project=None,
            identifier="c",
            name="c",
            credential_type="Irsa",
            region=None,
            tags={"n": 1},  # type: ignore[dict-item]
            document={},
        )


def test_document_must_be_json(db: Database) -> None:
    with pytest.raises(InvalidInput, match="cannot be stored as JSON"), db.transaction() as tx:
        tx.connectors.create(
            org=None,
            project=None,
            identifier="c",
            name="c",
            credential_type="Irsa",
            region=None,
            tags={},
            document={"when": object()},
        )


def test_update_replaces_everything_and_bumps_version(db: Database, store_clock: FakeClock) -> None:
    created = create(db, "c1", tags={"env": "dev"})
    store_clock.advance(5)
    with db.transaction() as tx:
        updated = tx.connectors.update(
            org="o",
            project="p",
            identifier="c1",
            name="New name",
            credential_type="Irsa",
            region=None,
            tags={"env": "prod"},
            document=document("c1", description="changed"),
            expected_version=1,
        )
    assert updated.version == 2
    assert (updated.name, updated.credential_type, updated.region) == ("New name", "Irsa", None)
    assert updated.tags == {"env": "prod"}
    assert updated.document["connector"]["description"] == "changed"
    assert updated.created_at == created.created_at
    assert updated.updated_at == created.updated_at + timedelta(seconds=5)


def test_stale_update_and_delete_are_conflicts(db: Database) -> None:
    create(db, "c1")
    fields: dict[str, Any] = {
        "org": "o",
        "project": "p",
        "identifier": "c1",
        "name": "n",
        "credential_type": "Irsa",
        "region": None,
        "tags": {},
        "document": {},
    }
    with db.transaction() as tx:
        tx.connectors.update(**fields, expected_version=1)
    with pytest.raises(Conflict, match="changed by someone else"), db.transaction() as tx:
        tx.connectors.update(**fields, expected_version=1)
    with pytest.raises(Conflict), db.transaction() as tx:
        tx.connectors.delete(org="o", project="p", identifier="c1", expected_version=1)
    with db.transaction() as tx:
        tx.connectors.delete(org="o", project="p", identifier="c1", expected_version=2)
    with pytest.raises(NotFound, match="connector 'c1' in project o/p"), db.transaction() as tx:
        tx.connectors.get(org="o", project="p", identifier="c1")


def test_record_test_updates_last_fields_and_history(db: Database, store_clock: FakeClock) -> None:
    create(db, "c1")
    t0 = store_clock.now
    with db.transaction() as tx:
        ok = tx.connectors.record_test(
            org="o",
            project="p",
            identifier="c1",
            result={"status": "SUCCESS", "identity": {"arn": "arn:aws:iam::1:user/u"}},
            status="SUCCESS",
            tested_at=t0,
            duration_ms=120,
        )
        tx.connectors.record_test(
            org="o",
            project="p",
            identifier="c1",
            result={"status": "FAILURE", "error": {"code": "ACCESS_DENIED"}},
            status="FAILURE",
            tested_at=t0 + timedelta(minutes=1),
            duration_ms=80,
        )
        # A late result (older than the newest) joins the history but changes no last_*.
        tx.connectors.record_test(
            org="o",
            project="p",
            identifier="c1",
            result={"status": "SUCCESS"},
            status="SUCCESS",
            tested_at=t0 - timedelta(minutes=1),
        )
    assert ok.result["identity"]["arn"] == "arn:aws:iam::1:user/u"
    with db.transaction(write=False) as tx:
        row = tx.connectors.get(org="o", project="p", identifier="c1")
        history = tx.connectors.history(org="o", project="p", identifier="c1")
        latest = tx.connectors.history(org="o", project="p", identifier="c1", limit=1)
    assert row.version == 1  # a test result is not an edit
    assert row.last_status == "FAILURE"
    assert row.last_tested_at == t0 + timedelta(minutes=1)
    assert row.last_success_at == t0
    assert [h.status for h in history] == ["FAILURE", "SUCCESS", "SUCCESS"]
    assert [h.tested_at for h in history] == [
        t0 + timedelta(minutes=1),
        t0,
        t0 - timedelta(minutes=1),
    ]
    assert history[0].result == {"status": "FAILURE", "error": {"code": "ACCESS_DENIED"}}
    assert history[0].duration_ms == 80 and history[2].duration_ms is None
    assert [h.id for h in latest] == [history[0].id]


def test_record_test_for_missing_connector_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="connector 'x'"), db.transaction() as tx:
        tx.connectors.record_test(
            org=None,
            project=None,
            identifier="x",
            result={},
            status="SUCCESS",
            tested_at=FakeClock().now,
        )


def test_delete_cascades_to_history(db: Database) -> None:
    create(db, "c1")
    with db.transaction() as tx:
        tx.connectors.record_test(
            org="o", project="p", identifier="c1", result={}, status="X", tested_at=FakeClock().now
        )
        tx.connectors.delete(org="o", project="p", identifier="c1")
    create(db, "c1")
    with db.transaction() as tx:
        assert tx.connectors.history(org="o", project="p", identifier="c1") == []
        count = tx.session.execute(text("SELECT COUNT(*) FROM connector_tests")).scalar_one()
    assert count == 0
