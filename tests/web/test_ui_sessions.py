"""Web UI sessions in the service: a token opens one, the session stands for the token's
holder until its end, its idle limit, sign-out or the token's revocation; the store never
holds the session id or the token."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from awsconn.errors import Unauthenticated
from awsconn.model import Scope
from awsconn.service.access import Role
from awsconn.service.context import AppContext
from awsconn.service.tokens import create_delegate_token, create_token, revoke_token
from awsconn.service.ui_sessions import (
    IDLE_LIMIT,
    SESSION_LIFETIME,
    csrf_token,
    session_caller,
    sign_in,
    sign_out,
)
from store_fixtures import FakeClock


def test_a_session_stands_for_the_token_holder_until_sign_out(
    ui_session_ctx: AppContext,
) -> None:
    ctx = ui_session_ctx
    issued = create_token(ctx, name="eng-editor", role="editor", scope="eng")
    opened = sign_in(ctx.runtime, issued.token, address="10.0.0.7")
    assert opened.session_id not in repr(opened)
    caller = session_caller(ctx.runtime, opened.session_id, address="10.0.0.8")
    assert (caller.name, caller.role, caller.scope) == ("eng-editor", Role.EDITOR, Scope("eng"))
    assert caller.token_id == issued.info.id and caller.address == "10.0.0.8"
    sign_out(ctx.runtime, opened.session_id)
    with pytest.raises(Unauthenticated, match="session has ended"):
        session_caller(ctx.runtime, opened.session_id)


def test_the_store_holds_neither_the_session_id_nor_the_token(ui_session_ctx: AppContext) -> None:
    ctx = ui_session_ctx
    issued = create_token(ctx, name="viewer", role="viewer")
    opened = sign_in(ctx.runtime, issued.token)
    with ctx.db.engine.connect() as conn:
        rows = [tuple(map(str, r)) for r in conn.execute(text("SELECT * FROM ui_sessions"))]
    assert len(rows) == 1
    dumped = " ".join(rows[0])
    assert opened.session_id not in dumped and issued.token not in dumped
    assert issued.info.id in dumped


def test_a_session_ends_at_its_lifetime_and_after_idling(
    ui_session_ctx: AppContext, store_clock: FakeClock
) -> None:
    ctx = ui_session_ctx
    issued = create_token(ctx, name="admin2", role="admin", expires="never")
    busy = sign_in(ctx.runtime, issued.token).session_id
    idle = sign_in(ctx.runtime, issued.token).session_id
    step = IDLE_LIMIT.total_seconds() / 2
    elapsed = 0.0
    while elapsed + step < SESSION_LIFETIME.total_seconds():
        store_clock.advance(step)
        elapsed += step
        session_caller(ctx.runtime, busy)  # used often: it lives on
    with pytest.raises(Unauthenticated):
        session_caller(ctx.runtime, idle)  # unused for longer than the idle limit
    store_clock.advance(SESSION_LIFETIME.total_seconds() - elapsed)
    with pytest.raises(Unauthenticated):
        session_caller(ctx.runtime, busy)  # however busy, it ends


def test_a_session_never_outlives_its_token(
    ui_session_ctx: AppContext, store_clock: FakeClock
) -> None:
    ctx = ui_session_ctx
    short = create_token(ctx, name="short", role="viewer", expires="30m")
    opened = sign_in(ctx.runtime, short.token)
    assert opened.expires_at == short.info.expires_at
    revocable = create_token(ctx, name="revocable", role="viewer")
    other = sign_in(ctx.runtime, revocable.token).session_id
    revoke_token(ctx, name="revocable")
    with pytest.raises(Unauthenticated):
        session_caller(ctx.runtime, other)
    store_clock.advance(31 * 60)
    with pytest.raises(Unauthenticated):
        session_caller(ctx.runtime, opened.session_id)


@pytest.mark.parametrize("given", [None, "", "x" * 43 + "\n", "short", "A" * 43])
def test_anything_but_a_live_session_id_is_one_refusal(
    ui_session_ctx: AppContext, given: str | None
) -> None:
    with pytest.raises(Unauthenticated) as info:
        session_caller(ui_session_ctx.runtime, given)
    assert info.value.message == "the session has ended or was never valid"


def test_a_delegate_token_cannot_sign_in(ui_session_ctx: AppContext) -> None:
    delegate = create_delegate_token(ui_session_ctx, name="d1")
    with pytest.raises(Unauthenticated, match="delegate token"):
        sign_in(ui_session_ctx.runtime, delegate.token)


def test_each_session_has_its_own_csrf_token(ui_session_ctx: AppContext) -> None:
    issued = create_token(ui_session_ctx, name="v", role="viewer")
    one = sign_in(ui_session_ctx.runtime, issued.token).session_id
    two = sign_in(ui_session_ctx.runtime, issued.token).session_id
    assert csrf_token(one) != csrf_token(two)
    assert csrf_token(one) == csrf_token(one)
    assert one not in csrf_token(one)
