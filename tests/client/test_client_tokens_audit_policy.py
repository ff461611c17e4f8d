"""``client.tokens``, ``client.audit`` and ``client.policy`` against a real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api_fixtures import ApiServer
from awsconn.client import Client, connect
from awsconn.errors import Forbidden, InvalidInput, Unauthenticated, ValidationFailed
from awsconn.model.results import AuditPage, TokenInfo

ALLOW_S3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
POLICY = {"Version": "2012-10-17", "Statement": [ALLOW_S3]}


def test_a_token_made_through_the_client_works_in_its_scope_until_revoked(
    client: Client, api_server: ApiServer, unique_name: str
) -> None:
    expires = datetime.now(UTC) + timedelta(days=2)
    made = client.tokens.create(
        unique_name, "viewer", scope=f"o{unique_name}", expires=expires, description="ci"
    )
    assert made.token.startswith("awsc_") and made.token not in repr(made)
    info = made.info
    assert isinstance(info, TokenInfo)
    assert (info.name, info.role, info.scope, info.status, info.description) == (
        unique_name, "viewer", f"o{unique_name}", "active", "ci"
    )  # fmt: skip
    assert info.expires_at is not None and abs(info.expires_at - expires) < timedelta(seconds=1)
    assert info.id in [t.id for t in client.tokens.list()]
    assert [t.id for t in client.tokens.list(scope=f"o{unique_name}")] == [info.id]
    with connect(api_server.url, made.token) as viewer:
        assert viewer.connectors.list(org=f"o{unique_name}") == []
        with pytest.raises(Forbidden):
            viewer.connectors.list()  # the account is outside its scope
        me = viewer.whoami()
        assert (me.name, me.kind, me.role, me.scope, me.access, me.token_id) == (
            unique_name, "api", "viewer", f"o{unique_name}", False, info.id
        )  # fmt: skip
        assert "connector:edit" not in me.permissions and "connector:view" in me.permissions
        revoked = client.tokens.revoke(info.id)
        assert (revoked.id, revoked.status) == (info.id, "revoked")
        assert revoked.revoked_at is not None
        with pytest.raises(Unauthenticated):
            viewer.connectors.list(org=f"o{unique_name}")
        with pytest.raises(Unauthenticated):
            viewer.whoami()
    assert info.id not in [t.id for t in client.tokens.list()]
    ended = {t.id: t.status for t in client.tokens.list(include_ended=True)}
    assert ended[info.id] == "revoked"


def test_a_token_that_never_expires_or_expires_as_the_cli_says(
    client: Client, unique_name: str
) -> None:
    never = client.tokens.create(f"{unique_name}_n", "viewer", expires="never").info
    assert never.expires_at is None
    later = client.tokens.create(f"{unique_name}_d", "viewer", expires="2d").info
    assert later.expires_at is not None
    assert timedelta(days=2) - timedelta(minutes=1) < later.expires_at - later.created_at
    with pytest.raises(ValidationFailed) as err:
        client.tokens.create(f"{unique_name}_x", "viewer", expires="400d")
    assert [p.path for p in err.value.problems] == ["expires"]


def test_a_token_without_expiry_time_zone_is_refused_before_sending(
    client: Client, unique_name: str
) -> None:
    with pytest.raises(InvalidInput):
        client.tokens.create(unique_name, "viewer", expires=datetime(2030, 1, 1))


def test_the_audit_log_pages_newest_first(client: Client, unique_name: str) -> None:
    client.secrets.create(unique_name, "audited")
    page = client.audit.page(page_size=1)
    assert isinstance(page, AuditPage) and page.page_index == 0
    (event,) = page.events
    assert (event.action, event.target.ref, event.actor) == (
        "secret.create", unique_name, "bootstrap-admin"
    )  # fmt: skip
    assert page.total_items is not None and page.total_items >= 1
    second = client.audit.page(page_index=1, page_size=1)
    assert second.events[0].id < event.id
    assert page.next_cursor is not None
    after = client.audit.page(cursor=page.next_cursor, page_size=1)
    assert after.events == second.events and after.total_items is None


def test_the_audit_log_filters_and_pages_by_cursor(client: Client, unique_name: str) -> None:
    for i in range(3):
        client.secrets.create(f"{unique_name}_{i}", "audited")
    mine = client.audit.list(limit=2, action="secret.*", since="1h", target=f"{unique_name}_1")
    assert [(e.action, e.target.ref) for e in mine.events] == [
        ("secret.create", f"{unique_name}_1")
    ]
    assert mine.next_cursor is None and mine.page_index is None and mine.total_items is None
    newest = client.audit.list(limit=2, actor="bootstrap-admin", action="secret.create")
    assert [e.target.ref for e in newest.events] == [f"{unique_name}_2", f"{unique_name}_1"]
    assert newest.next_cursor is not None
    following = client.audit.list(limit=1, cursor=newest.next_cursor, action="secret.create")
    assert [e.target.ref for e in following.events] == [f"{unique_name}_0"]
    assert client.audit.list(actor="nobody-at-all").events == []
    with pytest.raises(ValidationFailed) as err:
        client.audit.list(since="yesterday-ish")
    assert [p.path for p in err.value.problems] == ["since"]


def test_the_policy_engine_and_generators(client: Client) -> None:
    decision = client.policy.evaluate(
        "s3:GetObject", "arn:aws:s3:::b/k", policies=[("p.json", POLICY)]
    )
    assert decision["result"] == "Allowed"
    denied = client.policy.evaluate("ec2:RunInstances", policies=[("p.json", POLICY)])
    assert denied["result"] == "ImplicitlyDenied"
    depends = client.policy.evaluate(
        "s3:GetObject",
        policies=[
            (
                "cond.json",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:*",
                            "Resource": "*",
                            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                        }
                    ],
                },
            )
        ],
        unknown_keys=["aws:SourceIp"],
    )
    assert depends["result"] == "Depends"
    lint = client.policy.lint([("bad.json", {"Statement": [{"Effect": "Allow"}]})])
    assert lint["ok"] is False and lint["findings"]["bad.json"]
    generated = client.policy.generate(["s3-read"], parameters={"bucket": "artifacts"})
    assert "arn:aws:s3:::artifacts" in str(generated["policy"])
    trust = client.policy.trust_policy(
        trusted_principal="arn:aws:iam::123456789012:root", external_id="generate"
    )
    assert trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"]
    assert "s3:GetObject" in client.policy.expand("s3:Get*")
    assert "s3-read" in [c["name"] for c in client.policy.capabilities()]
    case = {
        "name": "c1",
        "request": {
            "principal": "arn:aws:iam::111122223333:user/a",
            "action": "s3:GetObject",
            "resource": {"resource": "*", "accountId": "111122223333"},
        },
        "identityPolicies": [POLICY],
        "expected": {"response": "Allowed"},
    }
    (line,) = client.policy.simulate([case])
    assert (line["name"], line["result"], line["pass"]) == ("c1", "Allowed", True)
    with pytest.raises(ValidationFailed):
        client.policy.evaluate("not-an-action", policies=[("p.json", POLICY)])
