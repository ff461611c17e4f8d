"""Connector, secret and credential use cases record themselves in the audit log, the CLI's
too (the local store's owner): writes with the version written, refusals and failures with
their code; credentials issued to anyone but the store's owner. Both engines."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from auth_fixtures import caller

from awsconn.errors import Forbidden, NotFound, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.service import connection, connectors, secrets
from awsconn.service.access import Role
from awsconn.service.audit import list_audit
from awsconn.service.context import AppContext

REF = EntityRef(Scope("eng"), "prod_aws")


def _doc(description: str = "", org: str = "eng") -> str:
    return (
        f"connector:\n  name: prod\n  identifier: prod_aws\n  orgIdentifier: {org}\n"
        f"  description: '{description}'\n  type: Aws\n  spec:\n    credential:\n"
        "      type: ManualConfig\n      spec:\n        accessKey: AKIAIOSFODNN7EXAMPLE\n"
        "        secretKeyRef: account.sk\n      region: us-east-1\n"
        "    delegateSelectors: []\n    executeOnDelegate: false\n"
    )


def _events(ctx: AppContext, **query: Any) -> list[tuple[Any, ...]]:
    found = list_audit(ctx, **query).events[::-1]  # oldest first
    return [(e.action, e.target.ref, e.version, e.outcome, e.actor) for e in found]


def test_connector_writes_are_audited_for_the_cli_too(auth_ctx: AppContext) -> None:
    secrets.create(auth_ctx, EntityRef(Scope(), "sk"), b"secret-value")
    connectors.apply_yaml(auth_ctx, _doc(), mode="create")
    connectors.apply_yaml(auth_ctx, _doc("changed"), mode="apply")
    connectors.apply_yaml(auth_ctx, _doc("changed"), mode="apply")  # unchanged: no event
    connectors.apply_yaml(auth_ctx, _doc("dry"), mode="apply", dry_run=True)  # nothing
    connectors.apply_yaml(auth_ctx, _doc("imported"), mode="import")
    with pytest.raises(ValidationFailed):
        connectors.apply_yaml(auth_ctx, _doc().replace("us-east-1", "us-nowhere-1"), mode="apply")
    connectors.delete(auth_ctx, REF)
    assert _events(auth_ctx, target_kind="connector") == [
        ("connector.create", "eng/prod_aws", 1, "ok", "local"),
        ("connector.update", "eng/prod_aws", 2, "ok", "local"),
        ("connector.import", "eng/prod_aws", 3, "ok", "local"),
        ("connector.apply", "eng/prod_aws", None, "failed", "local"),
        ("connector.delete", "eng/prod_aws", 3, "ok", "local"),
    ]
    failed = list_audit(auth_ctx, action="connector.apply").events[0]
    assert failed.detail == {"errorCode": "VALIDATION_FAILED"}
    update = list_audit(auth_ctx, action="connector.update").events[0]
    assert update.detail == {"credentialType": "ManualConfig", "changed": ["description"]}


def test_a_refused_write_is_recorded_as_denied(auth_ctx: AppContext) -> None:
    auth_ctx.caller = caller(Role.VIEWER, "eng")
    with pytest.raises(Forbidden):
        connectors.apply_yaml(auth_ctx, _doc(), mode="create")
    with pytest.raises(Forbidden):
        secrets.create(auth_ctx, EntityRef(Scope("eng"), "sk"), b"v")
    auth_ctx.caller = caller(Role.ADMIN)
    assert [(a, o) for a, _, _, o, _ in _events(auth_ctx)] == [
        ("connector.create", "denied"),
        ("secret.create", "denied"),
    ]


def test_secret_writes_are_audited_without_values(auth_ctx: AppContext) -> None:
    ref = EntityRef(Scope("eng"), "sk")
    secrets.create(auth_ctx, ref, b"first-value")
    secrets.update(auth_ctx, ref, b"second-value")
    secrets.delete(auth_ctx, ref)
    secrets.rotate_master_key(auth_ctx)
    events = _events(auth_ctx)
    assert [(a, v, o) for a, _, v, o, _ in events] == [
        ("secret.create", 1, "ok"),
        ("secret.update", 2, "ok"),
        ("secret.delete", 2, "ok"),
        ("secret.rotate-key", None, "ok"),
    ]
    assert "value" not in str(list_audit(auth_ctx).events)


def test_credentials_are_audited_unless_the_store_owner_takes_them(
    auth_ctx: AppContext,
) -> None:
    secrets.create(auth_ctx, EntityRef(Scope(), "sk"), b"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY")
    connectors.apply_yaml(auth_ctx, _doc(), mode="create")
    issued = connection.credential_process_output(auth_ctx, REF)  # the CLI: not audited
    assert issued["AccessKeyId"] == "AKIAIOSFODNN7EXAMPLE"
    admin = replace(caller(Role.ADMIN), address="203.0.113.9", access=True)
    auth_ctx.caller = admin
    connection.credential_process_output(auth_ctx, REF)
    with pytest.raises(NotFound):
        connection.credential_process_output(auth_ctx, EntityRef(Scope("eng"), "missing"))
    found = list_audit(auth_ctx, action="connector.credentials").events[::-1]
    assert [(e.target.ref, e.version, e.outcome, e.address) for e in found] == [
        ("eng/prod_aws", 1, "ok", "203.0.113.9"),
        ("eng/missing", None, "failed", "203.0.113.9"),
    ]
