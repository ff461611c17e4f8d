"""Every use case asks the caller first: a role too weak, or a grant in another scope, is
Forbidden before anything is read, written, decrypted or sent to AWS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from awsconn.errors import Forbidden
from awsconn.model import Scope, parse_ref
from awsconn.secrets.store import SecretStore
from awsconn.service import connection, connectivity, connectors, secrets
from awsconn.service.access import Caller, Permission, Role
from awsconn.service.connector_permissions import check_connector, diff_connector
from awsconn.service.context import AppContext

ENG, OPS = Scope("eng"), Scope("ops")
REF = parse_ref("eng/web/c")
DOC = (
    "connector:\n  name: c\n  identifier: c\n  orgIdentifier: eng\n  projectIdentifier: web\n"
    "  type: Aws\n  spec:\n    credential:\n      type: ManualConfig\n      spec:\n"
    "        accessKey: AKIAIOSFODNN7EXAMPLE\n        secretKeyRef: org.sk\n"
    "      region: us-east-1\n    delegateSelectors: []\n"
)
NEW = DOC.replace("region: us-east-1", "region: eu-west-1")
POLICY = ("p.json", {"Version": "2012-10-17", "Statement": []})

UseCase = Callable[[AppContext], Any]
USE_CASES: dict[Permission, dict[str, UseCase]] = {
    Permission.CONNECTOR_VIEW: {
        "get": lambda ctx: connectors.get(ctx, REF),
        "list a scope": lambda ctx: connectors.list_connectors(ctx, org="eng", project="web"),
        "export a scope": lambda ctx: connectors.export_yaml(ctx, org="eng", project="web"),
        "history": lambda ctx: connectors.history(ctx, REF),
    },
    Permission.CONNECTOR_EDIT: {
        "apply": lambda ctx: connectors.apply_yaml(ctx, NEW, mode="apply"),
        "apply naming a missing secret": lambda ctx: connectors.apply_yaml(
            ctx, NEW.replace("org.sk", "org.nope"), mode="apply"
        ),
        "dry run": lambda ctx: connectors.apply_yaml(ctx, NEW, mode="apply", dry_run=True),
        "delete": lambda ctx: connectors.delete(ctx, REF),
    },
    Permission.CONNECTOR_TEST: {
        "test": lambda ctx: connectivity.run_connector_test(ctx, REF),
        "test several": lambda ctx: connectivity.run_all_tests(ctx, [REF]),
        "regions": lambda ctx: connectivity.list_regions(ctx, REF),
        "check": lambda ctx: check_connector(ctx, REF, ["s3-read"]),
        "check what-if": lambda ctx: check_connector(ctx, REF, ["s3-read"], policy_files=[POLICY]),
        "diff": lambda ctx: diff_connector(ctx, REF, ["s3-read"], new_policies=[POLICY]),
    },
    Permission.CONNECTOR_ACCESS: {
        "credentials": lambda ctx: connection.credential_process_output(ctx, REF),
        "exec": lambda ctx: connection.exec_environment(ctx, REF, {}),
    },
    Permission.SECRET_VIEW: {
        "list": lambda ctx: secrets.list_secrets(ctx, org="eng"),
        "users": lambda ctx: secrets.users_of(ctx, parse_ref("eng/sk")),
    },
    Permission.SECRET_EDIT: {
        "create": lambda ctx: secrets.create(ctx, parse_ref("eng/other"), b"v"),
        "update": lambda ctx: secrets.update(ctx, parse_ref("eng/sk"), b"v2"),
        "delete": lambda ctx: secrets.delete(ctx, parse_ref("eng/sk"), force=True),
    },
}
# A role without the permission, granted in the connector's own org.
TOO_WEAK = {
    Permission.CONNECTOR_VIEW: Caller("delegate-token", Role.DELEGATE, ENG),
    Permission.CONNECTOR_EDIT: Caller("viewer", Role.VIEWER, ENG),
    Permission.CONNECTOR_TEST: Caller("viewer", Role.VIEWER, ENG),
    Permission.CONNECTOR_ACCESS: Caller("editor", Role.EDITOR, ENG),
    Permission.SECRET_VIEW: Caller("delegate-token", Role.DELEGATE, ENG),
    Permission.SECRET_EDIT: Caller("viewer", Role.VIEWER, ENG),
}
ELSEWHERE = Caller("ops-admin", Role.ADMIN, OPS, access=True)
CASES = [(p, name) for p, uses in USE_CASES.items() for name in uses]


@pytest.fixture
def owner(tmp_path: Path) -> AppContext:
    ctx = AppContext(environ={"AWSCONN_HOME": str(tmp_path / "home")})
    secrets.create(ctx, parse_ref("eng/sk"), b"not-a-real-secret")
    connectors.apply_yaml(ctx, DOC, mode="create")
    return ctx


def _state(ctx: AppContext) -> Any:
    return (
        connectors.get(ctx, REF).wire(),
        connectors.history(ctx, REF),
        [m.wire() for m in secrets.list_secrets(ctx, all_scopes=True)],
    )


@pytest.mark.parametrize(("permission", "use"), CASES, ids=[f"{p.value}-{u}" for p, u in CASES])
@pytest.mark.parametrize("who", ["a role without it", "another scope"])
def test_a_caller_without_the_permission_there_is_forbidden_and_nothing_happens(
    owner: AppContext, monkeypatch: pytest.MonkeyPatch, permission: Permission, use: str, who: str
) -> None:
    caller = TOO_WEAK[permission] if who == "a role without it" else ELSEWHERE
    before = _state(owner)
    monkeypatch.setattr(SecretStore, "reveal", _never)
    with pytest.raises(Forbidden) as info:
        USE_CASES[permission][use](owner.for_request(caller))
    assert permission.value in info.value.message and info.value.http_status == 403
    monkeypatch.undo()
    assert _state(owner) == before


def _never(*_: Any, **__: Any) -> Any:
    raise AssertionError("a secret was decrypted for a caller who may not use it")


def test_a_grant_reaches_the_projects_of_its_org(owner: AppContext) -> None:
    editor = owner.for_request(Caller("eng-editor", Role.EDITOR, ENG))
    assert connectors.get(editor, REF).status.ref == "eng/web/c"
    [applied] = connectors.apply_yaml(editor, NEW, mode="apply", dry_run=True)
    assert applied.action == "updated"


def test_listings_show_only_what_the_caller_may_see(owner: AppContext) -> None:
    secrets.create(owner, parse_ref("ops/sk"), b"v")
    connectors.apply_yaml(owner, DOC.replace("eng", "ops"), mode="create")
    viewer = owner.for_request(Caller("eng-viewer", Role.VIEWER, ENG))
    assert [c.ref for c in connectors.list_connectors(viewer)] == ["eng/web/c"]
    assert "ops" not in connectors.export_yaml(viewer)
    assert [s.ref for s in secrets.list_secrets(viewer, all_scopes=True)] == ["eng/sk"]
    assert len(secrets.list_secrets(owner, all_scopes=True)) == 2
    everything = [c.ref for c in connectors.list_connectors(owner)]
    assert everything == ["eng/web/c", "ops/web/c"]
    with pytest.raises(Forbidden):
        connectors.list_connectors(owner.for_request(Caller("d", Role.DELEGATE, ENG)))


def test_store_wide_key_operations_need_secret_edit_on_the_account(owner: AppContext) -> None:
    org_admin = owner.for_request(Caller("eng-admin", Role.ADMIN, ENG))
    for operation in (secrets.reencrypt, secrets.rotate_master_key):
        with pytest.raises(Forbidden, match="secret:edit in account"):
            operation(org_admin)
    secrets.reencrypt(owner)  # the local owner may


def test_a_test_of_many_lists_only_what_the_caller_may_test(owner: AppContext) -> None:
    secrets.create(owner, parse_ref("ops/sk"), b"v")
    connectors.apply_yaml(owner, DOC.replace("eng", "ops"), mode="create")
    secrets.delete(owner, parse_ref("ops/sk"), force=True)  # its test fails without a call
    ops_viewer = owner.for_request(Caller("ops-viewer", Role.VIEWER, OPS))
    with pytest.raises(Forbidden):
        connectivity.run_all_tests(ops_viewer)
    ops_editor = owner.for_request(Caller("ops-editor", Role.EDITOR, OPS))
    outcomes = connectivity.run_all_tests(ops_editor, timeout_s=5)
    assert [(o.connector, o.status) for o in outcomes] == [("ops/web/c", "FAILURE")]
