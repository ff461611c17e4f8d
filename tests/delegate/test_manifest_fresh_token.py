"""``awsconn delegate manifest`` without ``--token``: a fresh delegate token is made for
the pods once every other setting is right (never for bad input), written into the
Secret only; on the local store and on a server, where the token runs a delegate."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import yaml
from agent_fixtures import DelegateServer

from store_fixtures import InProcessCli


def _secret_token(manifest: str) -> str:
    docs = {d["kind"]: d for d in yaml.safe_load_all(manifest)}
    return str(docs["Secret"]["stringData"]["token"])


def test_a_fresh_token_is_made_on_the_local_store(store_cli: InProcessCli) -> None:
    made = store_cli(
        "delegate", "manifest", "--name", "edge", "--tags", "t",
        "--manager-url", "http://127.0.0.1:7420",
    )  # fmt: skip
    assert made.code == 0, made.err
    token = _secret_token(made.out)
    assert token.startswith("awsc_") and made.out.count(token) == 1
    assert token not in made.err and "delegate token revoke" in made.err
    listed = json.loads(store_cli("delegate", "token", "list", "-o", "json").out)
    assert len(listed) == 1
    assert listed[0]["name"].startswith("edge-manifest-") and listed[0]["name"] in made.err
    assert token not in json.dumps(listed)


def test_bad_input_makes_no_token(store_cli: InProcessCli) -> None:
    bad = store_cli(
        "delegate", "manifest", "--name", "Not_A_Label", "--tags", "t",
        "--manager-url", "http://127.0.0.1:7420",
    )  # fmt: skip
    assert bad.code == 2 and bad.out == "" and "name:" in bad.err
    assert json.loads(store_cli("delegate", "token", "list", "-o", "json").out) == []


def test_against_a_server_the_fresh_token_runs_a_delegate(
    delegate_server: DelegateServer, fresh_name: str
) -> None:
    env = {**delegate_server.env, "AWSCONN_URL": delegate_server.url,
           "AWSCONN_TOKEN": delegate_server.token}  # fmt: skip
    made = subprocess.run(
        [sys.executable, "-m", "awsconn", "delegate", "manifest", "--name", fresh_name,
         "--tags", "t"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    docs = {d["kind"]: d for d in yaml.safe_load_all(made.stdout)}
    assert docs["Secret"]["stringData"]["manager"] == delegate_server.url
    token = _secret_token(made.stdout)
    assert token not in made.stderr and delegate_server.token not in made.stdout
    with httpx.Client(base_url=delegate_server.url, headers={"x-api-key": token}) as http:
        register = {"name": fresh_name, "tags": ["t"], "version": "test"}
        assert http.post("/ng/api/awsconn/delegate/v1/register", json=register).status_code == 200
        assert http.get("/ng/api/connectors").status_code == 403
