"""API tokens through the service on both engines: made, listed, revoked, expired, authenticated;
who may mint which role in which scope."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from auth_fixtures import caller
from sqlalchemy import event, text

from awsconn.errors import (
    Conflict,
    Forbidden,
    NotFound,
    StoreCorrupt,
    Unauthenticated,
    ValidationFailed,
)
from awsconn.model import Scope
from awsconn.service.access import Permission, Role
from awsconn.service.context import AppContext
from awsconn.service.token_values import TOKEN_LENGTH, new_token
from awsconn.service.tokens import (
    LAST_USED_EVERY,
    TokenStatus,
    authenticate,
    create_token,
    list_tokens,
    revoke_token,
)
from store_fixtures import FakeClock

TOKEN_FORM = re.compile(r"^awsc_[A-Za-z0-9]{43}\Z")


def test_a_token_is_random_prefixed_and_stored_only_as_its_hash(auth_ctx: AppContext) -> None:
    token, info = create_token(auth_ctx, name="ci", role="editor", scope="eng/web", access=True)
    assert TOKEN_FORM.match(token) and len(token) == TOKEN_LENGTH
    assert 43 * math.log2(62) >= 256  # the body's entropy
    assert token.startswith(info.prefix) and len(info.prefix) == len("awsc_") + 6
    assert (info.name, info.role, info.scope, info.access) == ("ci", Role.EDITOR, "eng/web", True)
    assert info.status == TokenStatus.ACTIVE and info.created_by == "local"
    with auth_ctx.db.transaction(write=False) as tx:
        row = tx.tokens.find(info.id)
    assert row is not None and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len({new_token() for _ in range(500)}) == 500


def test_the_issued_token_hides_the_text_from_repr(auth_ctx: AppContext) -> None:
    issued = create_token(auth_ctx, name="ci", role="viewer")
    assert issued.token not in repr(issued)
    assert issued.wire()["token"] == issued.token
    assert {"token", "name", "role", "scope", "expiresAt"} <= set(issued.wire())


def test_authenticate_gives_the_caller_the_token_grants(auth_ctx: AppContext) -> None:
    token, info = create_token(auth_ctx, name="ci", role="editor", scope="eng", access=True)
    who = authenticate(auth_ctx, token, address="10.1.2.3")
    assert (who.name, who.role, who.scope, who.access) == ("ci", Role.EDITOR, Scope("eng"), True)
    assert (who.token_id, who.address) == (info.id, "10.1.2.3")
    assert who.can(Permission.CONNECTOR_ACCESS, Scope("eng", "web"))
    assert not who.can(Permission.CONNECTOR_EDIT, Scope("ops"))


def _refusal(ctx: AppContext, text: Any) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as info:
        authenticate(ctx, text, address="10.0.0.9")
    return info.value


def test_every_failure_to_authenticate_reads_the_same_and_echoes_nothing(
    auth_ctx: AppContext, store_clock: FakeClock
) -> None:
    revoked, _ = create_token(auth_ctx, name="revoked", role="viewer")
    revoke_token(auth_ctx, name="revoked")
    expired, _ = create_token(auth_ctx, name="expired", role="viewer", expires="1h")
    good, _ = create_token(auth_ctx, name="good", role="viewer")
    store_clock.advance(3600)
    cases = [
        revoked,
        expired,
        "awsc_" + "A" * 43,  # well-formed, unknown
        good[:-1],  # one character short
        good + "x",
        good[:-1] + "!",
        "AWSC_" + good[5:],
        good.replace("awsc_", "awsx_"),
        " " + good,
        "",
        None,
    ]
    refusals = [_refusal(auth_ctx, text) for text in cases]
    assert {(r.message, r.hint, r.code) for r in refusals} == {
        (refusals[0].message, refusals[0].hint, "UNAUTHENTICATED")
    }
    for refusal, given in zip(refusals, cases, strict=True):
        said = f"{refusal.message} {refusal.hint} {refusal!r} {refusal.to_dict()}"
        assert not given or given[5:15] not in said
        assert refusal.__cause__ is None and refusal.__context__ is None
    assert authenticate(auth_ctx, good).name == "good"


def test_a_token_expires_at_its_time(auth_ctx: AppContext, store_clock: FakeClock) -> None:
    token, info = create_token(auth_ctx, name="short", role="viewer", expires="90m")
    assert info.expires_at == store_clock.now + timedelta(minutes=90)
    store_clock.advance(90 * 60 - 1)
    assert authenticate(auth_ctx, token).name == "short"
    store_clock.advance(1)
    _refusal(auth_ctx, token)
    assert list_tokens(auth_ctx) == []
    [ended] = list_tokens(auth_ctx, include_ended=True)
    assert ended.status == TokenStatus.EXPIRED


@pytest.mark.parametrize(
    ("expires", "after"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("365d", timedelta(days=365)),
        (" 7d ", timedelta(days=7)),
    ],
)
def test_expiry_spans(auth_ctx: AppContext, expires: str, after: timedelta) -> None:
    _, info = create_token(auth_ctx, name="t", role="viewer", expires=expires)
    assert info.expires_at == auth_ctx.clock() + after


def test_expiry_dates_times_and_never(auth_ctx: AppContext, store_clock: FakeClock) -> None:
    # the test clock stands at 2025-01-02T03:04:05Z
    _, on_date = create_token(auth_ctx, name="a", role="viewer", expires="2025-06-01")
    assert on_date.expires_at == datetime(2025, 6, 1, tzinfo=UTC)
    _, at_time = create_token(
        auth_ctx, name="b", role="viewer", expires="2025-06-01T10:00:00+02:00"
    )
    assert at_time.expires_at == datetime(2025, 6, 1, 8, tzinfo=UTC)
    _, never = create_token(auth_ctx, name="c", role="viewer", expires="never")
    assert never.expires_at is None and never.wire()["expiresAt"] is None
    _, default = create_token(auth_ctx, name="d", role="viewer")
    assert default.expires_at == store_clock.now + timedelta(days=30)


@pytest.mark.parametrize(
    ("expires", "why"),
    [
        ("366d", "longer than the most a token may live, 365d"),
        ("2026-06-01", "more than 365 days ahead"),
        ("2024-12-31", "not in the future"),
        ("0m", "not in the future"),
        ("soon", "not a time span or date"),
        ("30 days", "not a time span or date"),
        ("-1d", "not a time span or date"),
    ],
)
def test_expiry_out_of_bounds_is_refused_naming_the_limit(
    auth_ctx: AppContext, expires: str, why: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_token(auth_ctx, name="t", role="viewer", expires=expires)
    [problem] = info.value.problems
    assert problem.path == "expires" and why in problem.message
    assert list_tokens(auth_ctx, include_ended=True) == []


def test_bad_requests_report_every_problem_and_store_nothing(auth_ctx: AppContext) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_token(auth_ctx, name="a\nb", role="owner", scope="eng/web/x", expires="later")
    assert [p.path for p in info.value.problems] == ["name", "role", "scope", "expires"]
    assert "viewer, editor, admin" in (info.value.problems[1].allowed or "")
    with pytest.raises(ValidationFailed, match="role"):
        create_token(auth_ctx, name="d", role=Role.DELEGATE)
    assert list_tokens(auth_ctx, include_ended=True) == []


def test_last_use_is_written_at_most_once_a_minute(
    auth_ctx: AppContext, store_clock: FakeClock
) -> None:
    token, _ = create_token(auth_ctx, name="ci", role="viewer")
    first = store_clock.now
    updates: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    event.listen(auth_ctx.db.engine, "before_cursor_execute", seen)
    try:
        for _ in range(5):
            authenticate(auth_ctx, token)
            store_clock.advance(10)
        assert len(updates) == 1  # the first use only
        store_clock.now = first + LAST_USED_EVERY
        authenticate(auth_ctx, token)
        assert len(updates) == 2
    finally:
        event.remove(auth_ctx.db.engine, "before_cursor_execute", seen)
    [info] = list_tokens(auth_ctx)
    assert info.last_used_at == first + LAST_USED_EVERY


def test_authenticating_a_recently_used_token_is_one_query(auth_ctx: AppContext) -> None:
    token, _ = create_token(auth_ctx, name="ci", role="viewer")
    authenticate(auth_ctx, token)  # the first use writes last_used_at
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    reader = auth_ctx.store._sqlite_reads()  # a SQLite file: the stdlib point reader
    for conn in reader._idle if reader is not None else ():
        conn.set_trace_callback(statements.append)
    event.listen(auth_ctx.db.engine, "before_cursor_execute", seen)
    try:
        authenticate(auth_ctx, token)
    finally:
        event.remove(auth_ctx.db.engine, "before_cursor_execute", seen)
    ends = ("BEGIN", "COMMIT", "ROLLBACK")
    queries = [s for s in statements if s.split()[0].upper() not in ends]
    assert len(queries) == 1 and "token_hash" in queries[0]


def test_a_name_is_unique_among_live_tokens(auth_ctx: AppContext, store_clock: FakeClock) -> None:
    create_token(auth_ctx, name="ci", role="viewer", expires="1h")
    with pytest.raises(Conflict, match="live API token named 'ci' exists already"):
        create_token(auth_ctx, name="ci", role="editor")
    store_clock.advance(3600)  # expired: the name is free again
    _, again = create_token(auth_ctx, name="ci", role="editor")
    revoke_token(auth_ctx, name="ci")
    _, third = create_token(auth_ctx, name="ci", role="admin")
    statuses = {(i.role, i.status) for i in list_tokens(auth_ctx, include_ended=True)}
    assert statuses == {
        (Role.VIEWER, TokenStatus.EXPIRED),  # it had expired before it gave its name up
        (Role.EDITOR, TokenStatus.REVOKED),
        (Role.ADMIN, TokenStatus.ACTIVE),
    }
    assert again.id != third.id


def test_revoke_by_name_or_id_once(auth_ctx: AppContext, store_clock: FakeClock) -> None:
    token, info = create_token(auth_ctx, name="ci", role="viewer")
    store_clock.advance(5)
    revoked = revoke_token(auth_ctx, token_id=info.id)
    assert revoked.status == TokenStatus.REVOKED and revoked.revoked_at == store_clock.now
    with pytest.raises(Conflict, match="revoked already"):
        revoke_token(auth_ctx, token_id=info.id)
    with pytest.raises(NotFound, match="no live API token named 'ci'"):
        revoke_token(auth_ctx, name="ci")
    with pytest.raises(NotFound):
        revoke_token(auth_ctx, token_id="0000000000000000")
    with pytest.raises(ValidationFailed):
        revoke_token(auth_ctx)
    with pytest.raises(ValidationFailed):
        revoke_token(auth_ctx, name="ci", token_id=info.id)
    _refusal(auth_ctx, token)


def test_an_org_admin_administers_its_org_and_nothing_else(auth_ctx: AppContext) -> None:
    create_token(auth_ctx, name="ops-ci", role="editor", scope="ops")
    create_token(auth_ctx, name="account-ci", role="viewer")
    auth_ctx.caller = caller(Role.ADMIN, "eng")
    create_token(auth_ctx, name="eng-ci", role="admin", scope="eng")
    create_token(auth_ctx, name="web-ci", role="editor", scope="eng/web")
    for scope in ("ops", None, "ops/x"):
        with pytest.raises(Forbidden, match="granted in org eng only"):
            create_token(auth_ctx, name="x", role="viewer", scope=scope)
    assert [i.name for i in list_tokens(auth_ctx)] == ["eng-ci", "web-ci"]
    for name in ("ops-ci", "account-ci"):
        with pytest.raises(NotFound):  # outside its scope: not even found
            revoke_token(auth_ctx, name=name)
    assert revoke_token(auth_ctx, name="web-ci").status == TokenStatus.REVOKED


def test_a_project_admin_cannot_reach_up_to_its_org(auth_ctx: AppContext) -> None:
    auth_ctx.caller = caller(Role.ADMIN, "eng", "web")
    create_token(auth_ctx, name="web-ci", role="admin", scope="eng/web")
    with pytest.raises(Forbidden, match="project eng/web only"):
        create_token(auth_ctx, name="eng-ci", role="viewer", scope="eng")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_no_role_above_ones_own_and_no_token_admin_below_admin(
    auth_ctx: AppContext, role: Role
) -> None:
    auth_ctx.caller = caller(role)
    ceiling = f"may not create a token with the admin role: its own role is {role.value}"
    with pytest.raises(Forbidden, match=ceiling):
        create_token(auth_ctx, name="up", role="admin")
    with pytest.raises(Forbidden, match="does not include token:admin"):
        create_token(auth_ctx, name="same", role=role)
    for call in (lambda: list_tokens(auth_ctx), lambda: revoke_token(auth_ctx, name="x")):
        with pytest.raises(Forbidden, match="token:admin"):
            call()
    auth_ctx.caller = caller(Role.ADMIN)
    assert list_tokens(auth_ctx, include_ended=True) == []


def test_a_description_is_free_text_for_people(auth_ctx: AppContext) -> None:
    _, info = create_token(
        auth_ctx, name="ci", role="viewer", description="CI of the web team\nrotated yearly"
    )
    assert info.description == "CI of the web team\nrotated yearly"
    assert info.wire()["description"] == info.description
    with pytest.raises(ValidationFailed) as bad:
        create_token(auth_ctx, name="x", role="viewer", description="\x1b[31mred" + "x" * 1100)
    assert [p.path for p in bad.value.problems] == ["description"]


def test_listing_a_scope_needs_token_admin_there(auth_ctx: AppContext) -> None:
    for name, scope in [("acct", None), ("eng", "eng"), ("web", "eng/web"), ("ops", "ops")]:
        create_token(auth_ctx, name=name, role="viewer", scope=scope)
    assert [i.name for i in list_tokens(auth_ctx, scope=Scope("eng"))] == ["eng", "web"]
    auth_ctx.caller = caller(Role.ADMIN, "eng")
    assert [i.name for i in list_tokens(auth_ctx, scope=Scope("eng", "web"))] == ["web"]
    with pytest.raises(Forbidden, match="granted in org eng only"):
        list_tokens(auth_ctx, scope=Scope("ops"))


def test_a_token_minted_by_a_token_holder_names_its_maker(auth_ctx: AppContext) -> None:
    admin, _ = create_token(auth_ctx, name="eng-admin", role="admin", scope="eng")
    auth_ctx.caller = authenticate(auth_ctx, admin, address="192.0.2.7")
    token, info = create_token(auth_ctx, name="web-ci", role="editor", scope="eng/web")
    assert info.created_by == "eng-admin"
    assert authenticate(auth_ctx, token).scope == Scope("eng", "web")
    with pytest.raises(Forbidden):
        create_token(auth_ctx, name="acct", role="viewer")


def test_a_token_row_edited_outside_awsconn_is_store_corrupt(auth_ctx: AppContext) -> None:
    token, info = create_token(auth_ctx, name="ci", role="viewer")
    with auth_ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET role = 'root' WHERE id = :id"), {"id": info.id})
    with pytest.raises(StoreCorrupt, match=f"token {info.id} grants a role"):
        authenticate(auth_ctx, token)
