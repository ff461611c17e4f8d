"""End to end with real processes: a server, two delegates with different tags and AWS
identities, two moto servers.

- ``keys`` (tag ``team-a``): environment keys of an IAM user of the enforcing moto server.
- ``irsa`` (tag ``team-b``): a web identity token file and ``AWS_ROLE_ARN``, against a
  second moto server without enforcement (``AssumeRoleWithWebIdentity`` is unsigned:
  the enforcing one answers 500, TESTING.md).

InheritFromDelegate and Irsa connectors test SUCCESS through the right delegate (the
result names it); regions, credentials and a permission check of delegate connectors
run through tasks too; a connector whose selectors no delegate covers fails at once,
naming the selectors, the connected delegates and what each lacks. The CLI against the
server takes ``--for`` and ``--timeout`` for such a test. Last, the secret canary: a
ManualConfig connector's secret key, sent to the ``keys`` delegate for its tasks, is in
no delegate's log, not in the server's log, and in no task row.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_fixtures import DelegateProcess, DelegateServer, add_connector, delegate_token

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.aws.sessions import StaticKeys
from awsconn.client import connect

pytestmark = [pytest.mark.aws, pytest.mark.timeout(240)]

TEST = "/ng/api/connectors/testConnection/{}"
READER = allow_policy("ec2:DescribeRegions", "iam:Get*", "iam:List*", "sts:GetCallerIdentity")


@pytest.fixture(scope="module")
def keys_user(moto_auth: LocalAwsEndpoint) -> StaticKeys:
    keys = moto_auth.create_user("delegate-keys-user", READER)
    assert keys is not None
    return keys


@pytest.fixture(scope="module")
def canary_keys(moto_auth: LocalAwsEndpoint) -> StaticKeys:
    """The keys a ManualConfig connector stores: its secret key is the canary."""
    keys = moto_auth.create_user("delegate-canary-user", READER)
    assert keys is not None
    return keys


@pytest.fixture(scope="module")
def delegates(
    delegate_server: DelegateServer,
    module_dir: Path,
    moto_auth: LocalAwsEndpoint,
    moto_noauth: LocalAwsEndpoint,
    keys_user: StaticKeys,
) -> Iterator[dict[str, DelegateProcess]]:
    role = moto_noauth.create_role("delegate-irsa-role", web_identity=True)
    token_file = module_dir / "web-identity-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    one_token = delegate_token(delegate_server, "e2e-delegates")  # one token, many delegates
    keys = DelegateProcess(
        delegate_server,
        module_dir,
        name="keys",
        tags=["team-a", "shared"],
        token=one_token,
        aws_endpoint=moto_auth.url,
        aws={
            "AWS_ACCESS_KEY_ID": keys_user.access_key_id,
            "AWS_SECRET_ACCESS_KEY": keys_user.secret_access_key,
        },
    )
    irsa = DelegateProcess(
        delegate_server,
        module_dir,
        name="irsa",
        tags=["team-b", "shared"],
        token=one_token,
        aws_endpoint=moto_noauth.url,
        aws={"AWS_ROLE_ARN": role.arn, "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file)},
    )
    with keys, irsa:
        keys.wait_connected()
        irsa.wait_connected()
        yield {"keys": keys, "irsa": irsa}


@pytest.fixture(scope="module")
def connectors(delegate_server: DelegateServer, canary_keys: StaticKeys) -> dict[str, str]:
    add_connector(
        delegate_server,
        "inherit_a",
        credential={"type": "InheritFromDelegate"},
        selectors=["team-a"],
    )
    add_connector(delegate_server, "irsa_b", credential={"type": "Irsa"}, selectors=["team-b"])
    add_connector(
        delegate_server,
        "nowhere",
        credential={"type": "InheritFromDelegate"},
        selectors=["team-a", "gpu"],
    )
    with delegate_server.client() as http:
        for name, value in (("canary_ak", canary_keys.access_key_id),
                            ("canary_sk", canary_keys.secret_access_key)):  # fmt: skip
            body = {
                "secret": {
                    "type": "SecretText",
                    "name": name,
                    "identifier": name,
                    "spec": {
                        "secretManagerIdentifier": "harnessSecretManager",
                        "valueType": "Inline",
                        "value": value,
                    },
                }
            }
            assert http.post("/ng/api/v2/secrets", json=body).status_code == 200
    add_connector(
        delegate_server,
        "manual_a",
        credential={
            "type": "ManualConfig",
            "spec": {"accessKeyRef": "canary_ak", "secretKeyRef": "canary_sk"},
        },
        selectors=["team-a"],
        execute_on_delegate=True,
    )
    return {"canary": canary_keys.secret_access_key}


def _test(server: DelegateServer, identifier: str, **params: Any) -> dict[str, Any]:
    with server.client() as http:
        answer = http.post(TEST.format(identifier), params=params)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()["data"]
    return data


def test_inherit_and_irsa_connectors_succeed_through_the_right_delegate(
    delegate_server: DelegateServer,
    delegates: dict[str, DelegateProcess],
    connectors: dict[str, str],
    keys_user: StaticKeys,
) -> None:
    inherited = _test(delegate_server, "inherit_a")
    assert inherited["status"] == "SUCCESS", inherited
    assert inherited["delegateName"] == "keys"
    assert inherited["delegateId"] == delegates["keys"].wait_connected()["id"]
    assert inherited["taskId"] and len(inherited["taskId"]) == 32
    assert inherited["identity"]["arn"].endswith(":user/delegate-keys-user")
    assert inherited["identity"]["credentialMethod"] == "env"

    irsa = _test(delegate_server, "irsa_b")
    assert irsa["status"] == "SUCCESS", irsa
    assert irsa["delegateName"] == "irsa"
    assert irsa["identity"]["credentialMethod"] == "assume-role-with-web-identity"
    assert ":assumed-role/delegate-irsa-role/" in irsa["identity"]["arn"]

    with delegate_server.client() as http:  # the test is the connector's status and history
        history = http.get("/ng/api/awsconn/connectors/irsa_b/history").json()["data"]
        status = http.get("/ng/api/connectors/irsa_b").json()["data"]["status"]
    assert history[0]["status"] == "SUCCESS" and status["status"] == "SUCCESS"
    assert "task irsa_b" not in delegates["irsa"].logs()  # the log names tasks by id only


def test_a_connector_no_delegate_covers_fails_at_once_naming_them(
    delegate_server: DelegateServer,
    delegates: dict[str, DelegateProcess],
    connectors: dict[str, str],
) -> None:
    result = _test(delegate_server, "nowhere")
    assert result["status"] == "FAILURE"
    [error] = result["errors"]
    assert error["reason"] == "DELEGATE_UNAVAILABLE"
    message = error["detailedMessage"]
    assert result["errorSummary"].startswith("DELEGATE_UNAVAILABLE (")
    assert "delegateSelectors: gpu, team-a" in message
    assert "keys (" in message and "lacks tags gpu" in message  # what each connected lacks
    assert "irsa (" in message and "lacks tags gpu, team-a" in message
    assert result["taskId"] and "delegateId" not in result
    with delegate_server.client() as http:
        regions = http.get("/ng/api/awsconn/connectors/nowhere/regions")
    assert regions.status_code == 409
    assert regions.json()["awsconnCode"] == "DELEGATE_UNAVAILABLE"
    assert "gpu" in regions.json()["message"]


def test_regions_credentials_and_a_permission_check_run_on_the_delegates(
    delegate_server: DelegateServer,
    delegates: dict[str, DelegateProcess],
    connectors: dict[str, str],
    keys_user: StaticKeys,
) -> None:
    with delegate_server.client() as http:
        regions = http.get("/ng/api/awsconn/connectors/irsa_b/regions")
        assert regions.status_code == 200, regions.text
        assert "us-east-1" in regions.json()["data"]["regions"]

        issued = http.post("/ng/api/awsconn/connectors/inherit_a/credentials")
        assert issued.status_code == 200, issued.text
        assert issued.json()["data"]["AccessKeyId"] == keys_user.access_key_id

        check = http.post(
            "/ng/api/awsconn/connectors/inherit_a/permissions/check",
            json={"capabilities": ["describe-regions"], "useSimulator": False},
        )
        assert check.status_code == 200, check.text
        report = check.json()["data"]
        assert report["summary"] == {"describe-regions": "GRANTED"}
        assert report["principal"]["arn"].endswith(":user/delegate-keys-user")


def test_a_task_submitted_with_a_wait_is_answered_ended_in_one_request(
    delegate_server: DelegateServer,
    delegates: dict[str, DelegateProcess],
    connectors: dict[str, str],
    keys_user: StaticKeys,
) -> None:
    body = {"kind": "credentials", "connector": "inherit_a", "waitSeconds": 30}
    with delegate_server.client() as http:
        answer = http.post("/ng/api/awsconn/tasks", json=body)
        assert answer.status_code == 200, answer.text
        task = answer.json()["data"]
        assert task["state"] == "succeeded" and task["owner"], task
        assert task["result"]["AccessKeyId"] == keys_user.access_key_id
        bad = http.post("/ng/api/awsconn/tasks", json={**body, "waitSeconds": -1})
        assert bad.status_code == 400 and "waitSeconds" in bad.text, bad.text
        listed = http.get("/ng/api/awsconn/tasks", params={"kind": "credentials"}).json()
    assert len([t for t in listed["data"] if t["state"] == "queued"]) == 0  # none half-made
    with connect(delegate_server.url, delegate_server.token) as client:  # the typed client
        done = client.tasks.submit("inherit_a", "regions", wait_seconds=30)
    assert done.state == "succeeded" and done.result is not None


def _remote_cli(server: DelegateServer, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**server.env, "AWSCONN_URL": server.url, "AWSCONN_TOKEN": server.token}
    env.pop("AWSCONN_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "awsconn", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_against_the_server_tests_delegate_connectors_with_for_and_timeout(
    delegate_server: DelegateServer,
    delegates: dict[str, DelegateProcess],
    connectors: dict[str, str],
) -> None:
    done = _remote_cli(
        delegate_server,
        *("connector", "test", "inherit_a", "--for", "describe-regions", "--timeout", "20"),
        *("-o", "json"),
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "SUCCESS" and outcome["delegateName"] == "keys"
    assert outcome["permissions"]["summary"] == {"describe-regions": "GRANTED"}

    text = _remote_cli(delegate_server, "connector", "test", "irsa_b")
    assert text.returncode == 0, text.stderr
    assert "on delegate irsa" in text.stdout

    listed = _remote_cli(delegate_server, "delegate", "list", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    by_name = {d["name"]: d for d in json.loads(listed.stdout) if d["connected"]}
    assert set(by_name) >= {"keys", "irsa"}
    assert "identity:Irsa" in by_name["irsa"]["capabilities"]
    assert "identity:Irsa" not in by_name["keys"]["capabilities"]
    assert "identity:InheritFromDelegate" in by_name["keys"]["capabilities"]
    assert by_name["keys"]["tags"] == ["team-a", "shared"]


def test_the_secret_canary_is_in_no_log_and_no_task_row(
    delegate_server: DelegateServer,
    delegates: dict[str, DelegateProcess],
    connectors: dict[str, str],
) -> None:
    canary = connectors["canary"]
    tested = _test(delegate_server, "manual_a")
    assert tested["status"] == "SUCCESS" and tested["delegateName"] == "keys", tested
    with delegate_server.client() as http:
        creds = http.post("/ng/api/awsconn/connectors/manual_a/credentials")
        assert creds.json()["data"]["SecretAccessKey"] == canary  # to the caller with access
        check = http.post(
            "/ng/api/awsconn/connectors/manual_a/permissions/check",
            json={"capabilities": ["describe-regions"], "useSimulator": False},
        )
        assert check.status_code == 200, check.text
        listed = http.get("/ng/api/awsconn/tasks", params={"kind": "credentials"})
        assert listed.status_code == 200
    for process in delegates.values():
        assert "task " in process.logs()
        assert canary not in process.logs(), process.name
    assert canary not in delegate_server.logs()
    database = delegate_server.home / "awsconn.db"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT * FROM tasks").fetchall()
    assert len(rows) >= 3
    assert all(canary not in repr(row) for row in rows)
    for path in database.parent.glob("awsconn.db*"):  # the WAL too
        assert canary.encode() not in path.read_bytes(), path.name
