"""``awsconn delegate token create/list/revoke``: on the local store and against a server
(where the token made runs a delegate, and a revoked one is refused), and bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
from agent_fixtures import DelegateServer

from store_fixtures import InProcessCli

TOKEN = re.compile(r"^awsc_[A-Za-z0-9]{43}$")


def test_create_list_revoke_on_the_local_store(store_cli: InProcessCli) -> None:
    made = store_cli("delegate", "token", "create", "--name", "pool", "-o", "json")
    assert made.code == 0, made.err
    data = json.loads(made.out)
    assert TOKEN.match(data["token"]) and data["name"] == "pool"
    plain = store_cli("delegate", "token", "create", "--name", "other")
    assert plain.code == 0 and TOKEN.match(plain.out.strip())  # the token alone on stdout
    assert "shown this once" in plain.err

    listed = json.loads(store_cli("delegate", "token", "list", "-o", "json").out)
    assert {t["name"] for t in listed} == {"pool", "other"}
    assert data["token"] not in json.dumps(listed) and plain.out.strip() not in json.dumps(listed)

    revoked = store_cli("delegate", "token", "revoke", "pool", "-o", "json")
    assert revoked.code == 0 and json.loads(revoked.out)["status"] == "revoked"
    live = json.loads(store_cli("delegate", "token", "list", "-o", "json").out)
    assert [t["name"] for t in live] == ["other"]
    every = json.loads(store_cli("delegate", "token", "list", "--all", "-o", "json").out)
    assert {t["name"] for t in every} == {"pool", "other"}


def test_bad_input_names_the_field_and_exits_2(store_cli: InProcessCli) -> None:
    bad = store_cli("delegate", "token", "create", "--name", "semi;colon")
    assert bad.code == 2 and "name" in bad.err
    store_cli("delegate", "token", "create", "--name", "twice")
    again = store_cli("delegate", "token", "create", "--name", "twice")
    assert again.code == 2 and "twice" in again.err
    missing = store_cli("delegate", "token", "revoke", "nobody")
    assert missing.code != 0 and "nobody" in missing.err


def test_against_a_server_the_token_does_delegate_work_only_until_revoked(
    delegate_server: DelegateServer, fresh_name: str
) -> None:
    env = {**delegate_server.env, "AWSCONN_URL": delegate_server.url,
           "AWSCONN_TOKEN": delegate_server.token}  # fmt: skip

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "awsconn", "delegate", "token", *args],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    made = cli("create", "--name", fresh_name, "-o", "json")
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)["token"]
    assert TOKEN.match(token)
    listed = cli("list", "-o", "json")
    assert fresh_name in {t["name"] for t in json.loads(listed.stdout)}
    assert token not in listed.stdout

    with httpx.Client(base_url=delegate_server.url, headers={"x-api-key": token}) as http:
        assert http.get("/ng/api/connectors").status_code == 403  # not a reader
        assert http.get("/ng/api/v2/secrets").status_code == 403
        register = {"name": fresh_name, "tags": ["t"], "version": "test"}
        assert http.post("/ng/api/awsconn/delegate/v1/register", json=register).status_code == 200
        assert cli("revoke", fresh_name).returncode == 0
        refused = http.post("/ng/api/awsconn/delegate/v1/register", json=register)
        assert refused.status_code == 401
