"""Commands that use a connector's identity, against a server: ``connector test --all``
(SUCCESS, NOT_TESTED, SKIPPED as locally), ``exec``, and ``credentials`` on its fast road
(httpx, no CLI framework, pydantic, SQL or AWS SDK)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from client_fixtures import Runner, connector_doc

from api_fixtures import ApiServer
from awsconn.aws.session_spec import StaticKeys
from awsconn.client import Client


def test_test_all_streams_each_outcome_as_the_local_store_does(
    client: Client, remote_cli: Runner, user_keys: StaticKeys, unique_name: str
) -> None:
    client.secrets.create(f"{unique_name}_sk", user_keys.secret_access_key)
    sk = f"{unique_name}_sk"
    for suffix, options in (
        ("ok", {}),
        ("ignored", {"ignore_test": True}),
        ("delegated", {"on_delegate": True}),
    ):
        doc = connector_doc(f"{unique_name}_{suffix}", user_keys.access_key_id, sk, **options)
        client.connectors.apply(doc)
    r = remote_cli("connector", "test", "--all", "--concurrency", "2", "-o", "json")
    assert r.code == 1, r.text  # SKIPPED is not a pass
    outcomes = {o["connector"]: o for o in map(json.loads, r.out.splitlines())}
    mine = {k.removeprefix(f"{unique_name}_"): v for k, v in outcomes.items() if unique_name in k}
    assert {k: v["status"] for k, v in mine.items()} == {
        "ok": "SUCCESS",
        "ignored": "NOT_TESTED",
        "delegated": "SKIPPED",
    }
    assert mine["ignored"]["reason"] == "ignoreTestConnection"
    assert [e["code"] for e in mine["delegated"]["errors"]] == ["DELEGATE_UNAVAILABLE"]
    text = remote_cli("connector", "test", "--all")
    assert "1 SUCCESS" not in text.out or "NOT_TESTED" in text.out
    assert f"SKIPPED {unique_name}_delegated" in text.out


def test_exec_runs_the_command_with_the_servers_credentials(
    client: Client, remote_cli: Runner, user_keys: StaticKeys, unique_name: str
) -> None:
    client.secrets.create(f"{unique_name}_sk", user_keys.secret_access_key)
    client.connectors.apply(
        connector_doc(unique_name, user_keys.access_key_id, f"{unique_name}_sk")
    )
    probe = (
        "import os, sys; sys.exit(0 if os.environ['AWS_ACCESS_KEY_ID'] == sys.argv[1] "
        "and os.environ['AWS_REGION'] == 'us-east-1' else 3)"
    )
    r = remote_cli("exec", unique_name, "--", sys.executable, "-c", probe, user_keys.access_key_id)
    assert r.code == 0, r.text
    assert remote_cli("exec", unique_name, "--", sys.executable, "-c", "exit(7)").code == 7


def test_credentials_fast_road_asks_the_server_without_the_framework(
    client: Client, api_server: ApiServer, user_keys: StaticKeys, unique_name: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client.secrets.create(f"{unique_name}_sk", user_keys.secret_access_key)
    client.connectors.apply(
        connector_doc(unique_name, user_keys.access_key_id, f"{unique_name}_sk")
    )
    code = (
        "import sys; from awsconn.cli import main; "
        f"rc = main(['credentials', {unique_name!r}]); "
        "heavy = sorted(m for m in ('typer', 'click', 'pydantic', 'boto3', 'sqlalchemy') "
        "if m in sys.modules); print(rc, heavy, 'httpx' in sys.modules, file=sys.stderr)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS", "AWSCONN_"))},
        "AWSCONN_HOME": str(tmp_path / "empty-home"),
        "AWSCONN_URL": api_server.url,
        "AWSCONN_TOKEN": api_server.token,
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stderr.strip().splitlines()[-1] == "0 [] True", out.stderr
    assert json.loads(out.stdout) == {
        "Version": 1,
        "AccessKeyId": user_keys.access_key_id,
        "SecretAccessKey": user_keys.secret_access_key,
    }


def test_tokens_and_the_audit_log_through_the_server(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    made = remote_cli("token", "create", "--name", unique_name, "--role", "viewer", "-o", "json")
    assert made.code == 0, made.text
    issued = json.loads(made.out)
    assert issued["token"].startswith("awsc_") and issued["expiresAt"]
    text = remote_cli("token", "create", "--name", f"{unique_name}_2", "--role", "viewer")
    assert text.out.startswith("awsc_") and "shown this once" in text.err
    listed = json.loads(remote_cli("token", "list", "-o", "json").out)
    assert unique_name in [t["name"] for t in listed]
    revoked = remote_cli("token", "revoke", unique_name, "-o", "json")
    assert json.loads(revoked.out)["status"] == "revoked"
    assert remote_cli("token", "revoke", "--id", issued["id"]).code == 2
    again = [cli("token", "revoke", unique_name) for cli in (remote_cli, server_cli)]
    assert [r.code for r in again] == [2, 2] and again[0].err == again[1].err
    assert "no live API token named" in again[0].err
    page = json.loads(remote_cli("audit", "list", "--limit", "5", "-o", "json").out)
    mine = [
        (e["action"], e["outcome"]) for e in page["events"] if e["target"]["ref"] == unique_name
    ]
    assert mine[0] == ("token.revoke", "failed")  # the local store's attempt, just now
    assert ("token.revoke", "ok") in mine and page["pageIndex"] is page["totalItems"] is None
    table = remote_cli("audit", "list", "--limit", "1")
    assert "token.revoke" in table.out and table.code == 0
