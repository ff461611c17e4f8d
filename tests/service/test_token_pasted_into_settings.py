"""A token pasted into the wrong setting (a name, an id, a filter) is refused without being
echoed, logged or stored, audit log included."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text

from awsconn.errors import ValidationFailed
from awsconn.service.audit import list_audit, moment_of
from awsconn.service.context import AppContext
from awsconn.service.tokens import create_token, revoke_token


def _refusal(call: Any) -> str:
    with pytest.raises(ValidationFailed) as info:
        call()
    return f"{info.value.message} {info.value.to_dict()} {info.value!r}"


def test_a_pasted_token_is_refused_unechoed_and_unstored(auth_ctx: AppContext) -> None:
    token, _ = create_token(auth_ctx, name="ci", role="viewer")
    piece = token[11:]
    calls = [
        lambda: create_token(auth_ctx, name=token, role="viewer"),
        lambda: create_token(auth_ctx, name="x", role=token),
        lambda: create_token(auth_ctx, name="x", role="viewer", scope=token),
        lambda: create_token(auth_ctx, name="x", role="viewer", expires=token),
        lambda: create_token(auth_ctx, name=f"my token is {token}", role="viewer"),
        lambda: create_token(auth_ctx, name="x", role="viewer", description=f"is {token}"),
        lambda: revoke_token(auth_ctx, name=token),
        lambda: revoke_token(auth_ctx, token_id=token),
        lambda: list_audit(auth_ctx, actor=token),
        lambda: list_audit(auth_ctx, target=token),
        lambda: list_audit(auth_ctx, action=token),
        lambda: list_audit(auth_ctx, cursor=token),
        lambda: moment_of(token, setting="since", now=auth_ctx.clock()),
    ]
    for call in calls:
        said = _refusal(call)
        assert piece not in said and "holds an API token (not shown)" in said
    with auth_ctx.db.engine.connect() as conn:
        dump = "\n".join(
            repr(tuple(row))
            for table in inspect(conn).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )
    assert piece not in dump
    assert [e.action for e in list_audit(auth_ctx).events] == ["token.create"]


def test_names_do_not_start_as_tokens_do_and_ids_have_their_form(auth_ctx: AppContext) -> None:
    with pytest.raises(ValidationFailed, match="starts with awsc_"):
        create_token(auth_ctx, name="awsc_ci", role="viewer")
    with pytest.raises(ValidationFailed, match="id: is not a token id"):
        revoke_token(auth_ctx, token_id="ci")
