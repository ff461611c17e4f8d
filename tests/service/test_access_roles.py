"""Roles per scope, inherited downwards; connector:access granted on its own."""

from __future__ import annotations

import pytest

from awsconn.errors import Forbidden
from awsconn.model import Scope
from awsconn.service.access import LOCAL_OWNER, Caller, Permission, Role

ACCOUNT = Scope()
ENG = Scope("eng")
WEB = Scope("eng", "web")
OPS = Scope("ops")


def test_a_grant_reaches_its_scope_and_everything_inside_it_only() -> None:
    editor = Caller("ci", Role.EDITOR, ENG)
    assert editor.can(Permission.CONNECTOR_EDIT, ENG)
    assert editor.can(Permission.CONNECTOR_EDIT, WEB)
    assert not editor.can(Permission.CONNECTOR_EDIT, OPS)
    assert not editor.can(Permission.CONNECTOR_VIEW, ACCOUNT)


def test_viewers_read_and_editors_write_but_neither_gets_credentials() -> None:
    viewer = Caller("v", Role.VIEWER)
    editor = Caller("e", Role.EDITOR)
    assert viewer.can(Permission.CONNECTOR_VIEW, WEB)
    assert not viewer.can(Permission.CONNECTOR_EDIT, WEB)
    assert not viewer.can(Permission.CONNECTOR_TEST, WEB)
    assert editor.can(Permission.SECRET_EDIT, WEB)
    assert not editor.can(Permission.CONNECTOR_ACCESS, WEB)
    assert not editor.can(Permission.TOKEN_ADMIN, WEB)
    assert Caller("e", Role.EDITOR, access=True).can(Permission.CONNECTOR_ACCESS, WEB)


def test_admins_hold_everything_but_delegate_work_and_delegates_only_that() -> None:
    admin = Caller("a", Role.ADMIN)
    assert all(admin.can(p, WEB) for p in Permission if p is not Permission.DELEGATE_WORK)
    delegate = Caller("d", Role.DELEGATE, access=True)
    assert delegate.permissions == {Permission.DELEGATE_WORK}
    assert LOCAL_OWNER.can(Permission.CONNECTOR_ACCESS, WEB)


def test_a_refusal_names_the_permission_the_scope_and_why() -> None:
    with pytest.raises(Forbidden) as info:
        Caller("ci", Role.EDITOR, ENG).require(Permission.CONNECTOR_ACCESS, WEB)
    assert info.value.http_status == 403 and info.value.exit_code == 2
    assert "connector:access" in info.value.message and "project eng/web" in info.value.message
    assert "granted connector access" in info.value.message
    with pytest.raises(Forbidden) as info:
        Caller("ci", Role.EDITOR, ENG).require(Permission.CONNECTOR_EDIT, OPS)
    assert "granted in org eng only" in info.value.message
