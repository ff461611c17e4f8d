"""Delegate tokens through the service: the delegate role in the account, names of their own."""

from __future__ import annotations

import pytest
from auth_fixtures import caller

from awsconn.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from awsconn.model import Scope
from awsconn.service.access import Permission, Role
from awsconn.service.audit import list_audit
from awsconn.service.context import AppContext
from awsconn.service.tokens import (
    TokenKind,
    TokenStatus,
    authenticate,
    create_delegate_token,
    create_token,
    list_tokens,
    revoke_token,
)


def test_a_delegate_token_does_delegate_work_and_nothing_else(auth_ctx: AppContext) -> None:
    token, info = create_delegate_token(auth_ctx, name="k8s-delegates")
    assert (info.kind, info.role, info.scope, info.expires_at) == (
        TokenKind.DELEGATE,
        Role.DELEGATE,
        None,
        None,  # like Harness's, it lives until revoked unless asked otherwise
    )
    who = authenticate(auth_ctx, token, address="10.9.8.7")
    assert who.permissions == {Permission.DELEGATE_WORK}
    assert not who.can(Permission.CONNECTOR_VIEW, Scope())
    auth_ctx.caller = who
    with pytest.raises(Forbidden):
        create_token(auth_ctx, name="escalate", role="viewer")
    with pytest.raises(Forbidden):
        list_tokens(auth_ctx, kind=TokenKind.DELEGATE)


def test_delegate_tokens_are_listed_and_revoked_apart_from_api_tokens(
    auth_ctx: AppContext,
) -> None:
    create_token(auth_ctx, name="shared-name", role="viewer")
    token, _ = create_delegate_token(auth_ctx, name="shared-name", expires="90d")
    assert [i.kind for i in list_tokens(auth_ctx)] == [TokenKind.API]
    [delegate] = list_tokens(auth_ctx, kind=TokenKind.DELEGATE)
    assert delegate.name == "shared-name" and delegate.expires_at is not None
    with pytest.raises(NotFound):  # an API token's id is not a delegate token's
        revoke_token(auth_ctx, token_id=list_tokens(auth_ctx)[0].id, kind=TokenKind.DELEGATE)
    revoked = revoke_token(auth_ctx, name="shared-name", kind=TokenKind.DELEGATE)
    assert revoked.status == TokenStatus.REVOKED
    with pytest.raises(Unauthenticated):
        authenticate(auth_ctx, token)
    assert [i.status for i in list_tokens(auth_ctx)] == [TokenStatus.ACTIVE]
    actions = [(e.action, e.outcome) for e in reversed(list_audit(auth_ctx).events)]
    assert actions == [
        ("token.create", "ok"),
        ("delegate_token.create", "ok"),
        ("delegate_token.revoke", "failed"),  # not found
        ("delegate_token.revoke", "ok"),
    ]


def test_a_delegate_token_holds_no_scope_no_access_and_no_other_role(
    auth_ctx: AppContext,
) -> None:
    for kwargs in ({"scope": "eng"}, {"access": True}, {"role": "admin"}):
        with pytest.raises(ValidationFailed):
            create_token(
                auth_ctx,
                name="d",
                kind=TokenKind.DELEGATE,
                **{"role": Role.DELEGATE, **kwargs},  # type: ignore[arg-type]
            )
    assert list_tokens(auth_ctx, kind=TokenKind.DELEGATE, include_ended=True) == []


def test_only_account_admins_manage_delegate_tokens(auth_ctx: AppContext) -> None:
    auth_ctx.caller = caller(Role.ADMIN, "eng")
    with pytest.raises(Forbidden, match="granted in org eng only"):
        create_delegate_token(auth_ctx, name="d")
