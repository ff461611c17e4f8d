"""The audit log through the service on both engines: what is recorded around a use case, what
a detail may hold, who may read it, and how it pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth_fixtures import caller
from sqlalchemy import text

from awsconn.errors import Conflict, Forbidden, InternalError, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.service.access import Permission, Role
from awsconn.service.audit import (
    AuditDetail,
    AuditTarget,
    Outcome,
    audited,
    list_audit,
    moment_of,
    record,
    record_in,
)
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate, create_token, revoke_token
from store_fixtures import FakeClock

PROD = AuditTarget.of("connector", EntityRef(Scope("eng", "web"), "prod_aws"))


def test_a_record_names_the_caller_its_token_and_address(auth_ctx: AppContext) -> None:
    token, info = create_token(auth_ctx, name="ci", role="editor", scope="eng")
    auth_ctx.caller = authenticate(auth_ctx, token, address="198.51.100.4")
    entry = record(
        auth_ctx,
        "connector.update",
        PROD,
        Outcome.OK,
        version=4,
        detail=AuditDetail(credential_type="ManualConfig", changed=("spec.credential.region",)),
    )
    assert (entry.actor, entry.actor_token, entry.address) == ("ci", info.id, "198.51.100.4")
    assert (entry.target.kind, entry.target.ref, entry.target.org, entry.target.project) == (
        "connector",
        "eng/web/prod_aws",
        "eng",
        "web",
    )
    assert entry.version == 4 and entry.at == auth_ctx.clock()
    assert entry.detail == {"credentialType": "ManualConfig", "changed": ["spec.credential.region"]}
    assert entry.wire()["actorToken"] == info.id


def test_audited_records_ok_failed_and_denied(auth_ctx: AppContext) -> None:
    with audited(auth_ctx, "connector.create", PROD) as event:
        event.version = 1
    with pytest.raises(Conflict), audited(auth_ctx, "connector.create", PROD):
        raise Conflict("connector 'prod_aws' in project eng/web already exists")
    with pytest.raises(Forbidden), audited(auth_ctx, "connector.delete", PROD):
        caller(Role.VIEWER).require(Permission.CONNECTOR_EDIT, PROD.scope)
    with pytest.raises(KeyError), audited(auth_ctx, "connector.test", PROD):
        raise KeyError("a bug")
    events = list_audit(auth_ctx).events
    assert [(e.action, e.outcome, e.version, e.detail) for e in reversed(events)] == [
        ("connector.create", Outcome.OK, 1, {}),
        ("connector.create", Outcome.FAILED, None, {"errorCode": "CONFLICT"}),
        ("connector.delete", Outcome.DENIED, None, {"errorCode": "FORBIDDEN"}),
        ("connector.test", Outcome.FAILED, None, {"errorCode": "INTERNAL"}),
    ]


def test_an_event_written_in_the_use_cases_transaction_is_recorded_once(
    auth_ctx: AppContext,
) -> None:
    secret = AuditTarget("secret", "s")
    with audited(auth_ctx, "secret.create", secret) as event, auth_ctx.db.transaction() as tx:
        event.detail = AuditDetail(key_id="k20250101")
        event.write(tx)
    with (
        pytest.raises(RuntimeError),
        audited(auth_ctx, "secret.delete", secret) as event,
        auth_ctx.db.transaction() as tx,
    ):
        event.write(tx)
        raise RuntimeError("the write failed after the event was added")
    events = list_audit(auth_ctx).events
    assert [(e.action, e.outcome) for e in reversed(events)] == [
        ("secret.create", Outcome.OK),
        ("secret.delete", Outcome.FAILED),  # the ok row rolled back with the write
    ]


def test_a_detail_holds_only_whitelisted_fields_of_narrow_forms() -> None:
    with pytest.raises(TypeError):
        AuditDetail(value="the secret")  # type: ignore[call-arg]
    token = "awsc_" + "Ab1" * 14 + "x"
    for field, value in [
        ("error_code", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("token_id", "awsc_ but with spaces"),
        ("token_id", token),
        ("key_id", token),
        ("credential_type", token),
        ("role", "root"),
        ("key_id", "x" * 65),
        ("changed", ("spec.credential.spec.secretKey: hunter2",)),
        ("capabilities", ("s3-read",) * 65),
        ("status", "lower case"),
    ]:
        with pytest.raises(InternalError):
            AuditDetail(**{field: value})
    with pytest.raises(InternalError):
        AuditDetail(count=-1)
    assert AuditDetail(force=True, count=3, capabilities=("s3-read",)).wire() == {
        "force": True,
        "count": 3,
        "capabilities": ["s3-read"],
    }


def test_actions_and_targets_have_fixed_forms(auth_ctx: AppContext) -> None:
    with pytest.raises(InternalError):
        record(auth_ctx, "Connector Create", PROD, Outcome.OK)
    with pytest.raises(InternalError):
        AuditTarget("Connector!", "x")
    long = AuditTarget("connector", "x" * 1000 + "\x1b[31m")
    assert len(long.ref) <= 400 and "\x1b" not in long.ref


def test_token_use_cases_are_audited(auth_ctx: AppContext) -> None:
    _, info = create_token(auth_ctx, name="ci", role="editor", scope="eng", expires="1h")
    with pytest.raises(Conflict):
        create_token(auth_ctx, name="ci", role="viewer", scope="eng")
    revoke_token(auth_ctx, name="ci")
    auth_ctx.caller = caller(Role.ADMIN, "ops")
    with pytest.raises(Forbidden):
        create_token(auth_ctx, name="x", role="viewer", scope="eng")
    auth_ctx.caller = caller(Role.ADMIN)
    events = list(reversed(list_audit(auth_ctx).events))
    assert [(e.actor, e.action, e.outcome, e.target.ref) for e in events] == [
        ("local", "token.create", "ok", "ci"),
        ("local", "token.create", "failed", "ci"),
        ("local", "token.revoke", "ok", "ci"),
        ("admin-ops", "token.create", "denied", "x"),
    ]
    assert events[0].detail == {
        "tokenId": info.id,
        "tokenKind": "api",
        "role": "editor",
        "access": False,
        "expiresAt": info.wire()["expiresAt"],
    }
    assert events[2].detail == {"tokenId": info.id, "tokenKind": "api", "role": "editor"}
    assert (events[0].target.org, events[3].target.org) == ("eng", "eng")


def test_only_auditors_read_and_only_their_scope(auth_ctx: AppContext) -> None:
    for ref, scope in [("a", Scope()), ("e", Scope("eng")), ("w", Scope("eng", "web"))]:
        record(auth_ctx, "connector.create", AuditTarget("connector", ref, scope), Outcome.OK)
    auth_ctx.caller = caller(Role.ADMIN, "eng")
    assert [e.target.ref for e in list_audit(auth_ctx).events] == ["w", "e"]
    for role in (Role.EDITOR, Role.VIEWER, Role.DELEGATE):
        auth_ctx.caller = caller(role)
        with pytest.raises(Forbidden, match="audit:view"):
            list_audit(auth_ctx)


def test_queries_filter_and_page(auth_ctx: AppContext, store_clock: FakeClock) -> None:
    start = store_clock.now
    for i in range(5):
        record(auth_ctx, "connector.test", AuditTarget("connector", f"c{i}"), Outcome.OK)
        store_clock.advance(60)
    record(auth_ctx, "secret.create", AuditTarget("secret", "s"), Outcome.OK)
    pages, cursor = [], None
    while True:
        page = list_audit(auth_ctx, action="connector.*", limit=2, cursor=cursor)
        pages.append([e.target.ref for e in page.events])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == [["c4", "c3"], ["c2", "c1"], ["c0"]]
    window = list_audit(
        auth_ctx, since=start + timedelta(minutes=1), until=start + timedelta(minutes=3)
    )
    assert [e.target.ref for e in window.events] == ["c2", "c1"]
    assert [e.action for e in list_audit(auth_ctx, target="s").events] == ["secret.create"]
    assert list_audit(auth_ctx, actor="someone else").events == []


def test_numbered_pages_count_the_events_of_a_scope(auth_ctx: AppContext) -> None:
    for i in range(5):
        scope = Scope("eng", "web") if i % 2 else Scope("ops")
        record(auth_ctx, "connector.test", AuditTarget("connector", f"c{i}", scope), Outcome.OK)
    page = list_audit(auth_ctx, scope=Scope("ops"), limit=2, page_index=1)
    assert [e.target.ref for e in page.events] == ["c0"]
    assert (page.page_index, page.total_items) == (1, 3)
    assert page.wire()["totalItems"] == 3
    auth_ctx.caller = caller(Role.ADMIN, "eng")
    assert [e.target.ref for e in list_audit(auth_ctx, scope=Scope("eng", "web")).events] == [
        "c3",
        "c1",
    ]
    with pytest.raises(Forbidden, match="granted in org eng only"):
        list_audit(auth_ctx, scope=Scope("ops"))
    with pytest.raises(ValidationFailed, match="pageIndex"):
        list_audit(auth_ctx, page_index=0, cursor="5")


def test_bad_queries_name_each_setting(auth_ctx: AppContext) -> None:
    now = auth_ctx.clock()
    with pytest.raises(ValidationFailed) as info:
        list_audit(
            auth_ctx,
            action="connector;drop",
            limit=0,
            cursor="abc",
            since=now,
            until=now - timedelta(seconds=1),
        )
    assert [p.path for p in info.value.problems] == ["action", "limit", "cursor", "until"]
    assert moment_of("24h", setting="since", now=now) == now - timedelta(hours=24)
    assert (
        moment_of("2025-01-01", setting="since", now=now).isoformat() == "2025-01-01T00:00:00+00:00"
    )
    for bad in ("yesterday", "999999d", ""):
        with pytest.raises(ValidationFailed, match="since"):
            moment_of(bad, setting="since", now=now)


def test_a_failure_to_record_never_hides_the_use_cases_outcome(
    auth_ctx: AppContext, auth_warnings: list[str]
) -> None:
    with auth_ctx.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_events"))
    with audited(auth_ctx, "connector.create", PROD):
        result = "created"
    assert result == "created"
    with (
        pytest.raises(Conflict, match="already exists"),
        audited(auth_ctx, "connector.create", PROD),
    ):
        raise Conflict("connector already exists")
    assert len(auth_warnings) == 2
    assert all("audit log did not record connector.create" in w for w in auth_warnings)


def test_a_bulk_write_records_one_event_per_target_in_its_own_transaction(
    auth_ctx: AppContext,
) -> None:
    refs = [EntityRef(Scope("eng"), f"c{i}") for i in range(3)]
    with auth_ctx.db.transaction() as tx:
        for version, ref in enumerate(refs, start=1):
            record_in(
                tx, auth_ctx, "connector.import", AuditTarget.of("connector", ref), version=version
            )
    with pytest.raises(RuntimeError), auth_ctx.db.transaction() as tx:
        record_in(tx, auth_ctx, "connector.import", AuditTarget.of("connector", refs[0]))
        raise RuntimeError("the import failed: its events go with it")
    events = list_audit(auth_ctx, action="connector.import").events
    assert [(e.target.ref, e.version) for e in events] == [
        ("eng/c2", 3),
        ("eng/c1", 2),
        ("eng/c0", 1),
    ]
