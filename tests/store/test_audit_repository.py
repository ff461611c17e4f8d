"""AuditRepository on real SQLite files and PostgreSQL: appended rows, filters, pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from awsconn.errors import InvalidInput
from awsconn.store.database import Database
from awsconn.store.repositories import AuditRow
from store_fixtures import FakeClock


def append(db: Database, action: str, ref: str = "c", **overrides: Any) -> AuditRow:
    values = {**_values(action), "target_ref": ref, **overrides}
    with db.transaction() as tx:
        return tx.audit.append(**values)


def test_an_event_round_trips(db: Database, store_clock: FakeClock) -> None:
    row = append(
        db,
        "connector.update",
        "eng/web/prod",
        actor="ci",
        actor_token="0123456789abcdef",
        address="2001:db8::1",
        target_org="eng",
        target_project="web",
        version=3,
        outcome="denied",
        detail={"errorCode": "FORBIDDEN", "changed": ["spec.region"]},
    )
    assert row.at == store_clock.now and row.id > 0
    with db.transaction(write=False) as tx:
        assert tx.audit.list() == [row]
    assert (row.target_org, row.target_project, row.version) == ("eng", "web", 3)
    assert row.detail == {"errorCode": "FORBIDDEN", "changed": ["spec.region"]}


def test_filters_and_time_bounds(db: Database, store_clock: FakeClock) -> None:
    start = store_clock.now
    append(db, "token.create", "a", actor="ci")
    store_clock.advance(60)
    append(db, "connector.create", "b")
    store_clock.advance(60)
    append(db, "connector.delete", "b", target_kind="connector")
    append(db, "secret.create", "b", target_kind="secret")

    def actions(**query: Any) -> list[str]:
        with db.transaction(write=False) as tx:
            return [r.action for r in tx.audit.list(**query)]

    assert actions() == ["secret.create", "connector.delete", "connector.create", "token.create"]
    assert actions(actor="ci") == ["token.create"]
    assert actions(action="connector.create") == ["connector.create"]
    assert actions(action_prefix="connector.") == ["connector.delete", "connector.create"]
    assert actions(action_prefix="connector_") == []  # '_' is no wildcard
    assert actions(target_ref="b", target_kind="connector") == [
        "connector.delete",
        "connector.create",
    ]
    later = start + timedelta(seconds=60)
    assert actions(since=later, until=later + timedelta(seconds=60)) == ["connector.create"]
    with pytest.raises(InvalidInput, match="timezone-aware"):
        actions(since=later.replace(tzinfo=None))


def test_scopes_hold_their_targets_and_what_is_inside(db: Database) -> None:
    append(db, "connector.create", "acct")
    append(db, "connector.create", "eng/x", target_org="eng")
    append(db, "connector.create", "eng/web/x", target_org="eng", target_project="web")
    append(db, "connector.create", "ops/x", target_org="ops")
    with db.transaction(write=False) as tx:
        assert [r.target_ref for r in tx.audit.list(org="eng")] == ["eng/web/x", "eng/x"]
        assert [r.target_ref for r in tx.audit.list(org="eng", project="web")] == ["eng/web/x"]
        assert len(tx.audit.list()) == 4


def test_pages_continue_below_the_last_id_shown(db: Database) -> None:
    ids = [append(db, "connector.test", f"c{i}").id for i in range(7)]
    seen: list[int] = []
    before = None
    while True:
        with db.transaction(write=False) as tx:
            page = tx.audit.list(before_id=before, limit=3)
        if not page:
            break
        seen += [r.id for r in page]
        before = page[-1].id
        append(db, "connector.test", "appended meanwhile")  # never shifts what is left
    assert seen == sorted(ids, reverse=True)


def test_numbered_pages_and_counts(db: Database) -> None:
    for i in range(5):
        append(db, "connector.test", f"c{i}", target_org="eng" if i % 2 else None)
    with db.transaction(write=False) as tx:
        assert [r.target_ref for r in tx.audit.list(limit=2, offset=2)] == ["c2", "c1"]
        assert tx.audit.count() == 5
        assert tx.audit.count(org="eng") == 2
        assert tx.audit.count(action_prefix="secret.") == 0


def test_a_detail_that_is_not_json_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput, match="audit detail"):
        append(db, "connector.create", detail={"x": object()})


def test_after_commit_runs_once_committed_and_never_on_rollback(db: Database) -> None:
    calls: list[str] = []
    with db.transaction() as tx:
        tx.after_commit(lambda: calls.append("first"))
        tx.audit.append(**_values("connector.create"))
        assert calls == []  # not before the commit
    assert calls == ["first"]
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.after_commit(lambda: calls.append("rolled back"))
        tx.audit.append(**_values("connector.delete"))
        raise RuntimeError("the use case failed")
    assert calls == ["first"]
    with db.transaction(write=False) as tx:
        assert [r.action for r in tx.audit.list()] == ["connector.create"]


def _values(action: str) -> dict[str, Any]:
    return {
        "actor": "local",
        "actor_token": None,
        "address": None,
        "action": action,
        "target_kind": "connector",
        "target_ref": "c",
        "target_org": None,
        "target_project": None,
        "version": None,
        "outcome": "ok",
        "detail": None,
    }
