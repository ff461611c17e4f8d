"""The CLI against a server prints what it prints on a local store: the same ``-o json``
(and text) for the same data. The local side runs on the server's own store, so both
read one set of connectors, secrets and tokens; what differs is said here: timestamps
cross the API as whole milliseconds (Harness's epoch ms), and a secret's version and key
id are not in Harness's secret shape."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from client_fixtures import Runner, connector_doc

from awsconn.aws.session_spec import StaticKeys
from awsconn.client import Client

ALLOW_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
_MICROS = re.compile(r"(\.\d{3})\d{3}(Z|\+00:00)")


def _ms(text: str) -> str:
    """Timestamps as the API carries them: to the millisecond."""
    return _MICROS.sub(r"\g<1>000\2", text)


def _same(
    remote: Runner, local: Runner, *argv: str, input: str | None = None, code: int = 0
) -> str:
    r, loc = remote(*argv, input=input), local(*argv, input=input)
    assert (r.code, loc.code) == (code, code), (r.text, loc.text)
    assert _ms(r.out) == _ms(loc.out)
    assert r.err == loc.err
    return r.out


@pytest.fixture
def org_connector(client: Client, user_keys: StaticKeys, unique_name: str) -> str:
    client.secrets.create(f"{unique_name}_sk", user_keys.secret_access_key)
    doc = connector_doc(
        unique_name,
        user_keys.access_key_id,
        f"account.{unique_name}_sk",
        org=f"o{unique_name}",
        capabilities=["s3-read"],
    )
    client.connectors.apply(doc)
    return f"o{unique_name}/{unique_name}"


def test_connector_reads_print_the_same(
    remote_cli: Runner, server_cli: Runner, org_connector: str, unique_name: str
) -> None:
    org = f"o{unique_name}"
    assert remote_cli("connector", "test", org_connector).code == 1  # no policy reads
    for argv in (
        ("connector", "get", org_connector, "-o", "json"),
        ("connector", "get", org_connector),
        ("connector", "list", "--org", org, "-o", "json"),
        ("connector", "list", "--org", org, "--tag", "team=platform", "-o", "json"),
        ("connector", "list", "--org", org, "--type", "ManualConfig", "-o", "json"),
        ("connector", "history", org_connector, "-o", "json"),
        ("connector", "history", org_connector, "--limit", "1"),
        ("connector", "regions", org_connector, "-o", "json"),
        ("connector", "export", "--org", org),
        ("credentials", org_connector),
    ):
        _same(remote_cli, server_cli, *argv)
    detail = json.loads(remote_cli("connector", "get", org_connector, "-o", "json").out)
    assert detail["status"]["lastStatus"] == "SUCCESS"


def test_a_connection_test_prints_the_same_document(
    remote_cli: Runner, server_cli: Runner, org_connector: str
) -> None:
    def run(cli: Runner) -> dict[str, Any]:
        r = cli("connector", "test", org_connector, "-o", "json")
        assert r.code == 1, r.text  # the test passes, the check of its capabilities cannot run
        out: dict[str, Any] = json.loads(r.out)
        return out

    remote, local = run(remote_cli), run(server_cli)
    for varies in ("testedAt", "durationMs"):  # two runs: when and how long differ
        assert remote.pop(varies) and local.pop(varies)
    for run in (remote, local):  # AWS's id of the refused call
        assert run["permissions"]["error"].pop("requestId")
    assert remote == local
    assert remote["status"] == "SUCCESS"
    assert remote["permissions"]["error"]["code"] == "ACCESS_DENIED"  # may not read its policies


def test_permission_checks_print_the_same(
    remote_cli: Runner, server_cli: Runner, org_connector: str, tmp_path: Any
) -> None:
    policy = tmp_path / "s3.json"
    policy.write_text(json.dumps(ALLOW_S3))
    argv = ("permissions", "check", org_connector, "--for", "s3-read", "--policy-file")

    def report(cli: Runner) -> dict[str, Any]:
        r = cli(*argv, str(policy), "-o", "json")
        assert r.code == 1, r.text  # describe-regions is not in the policy
        out: dict[str, Any] = json.loads(r.out)
        for seen in out["context"].values():  # the moment each check ran
            for key in ("aws:CurrentTime", "aws:EpochTime"):
                assert seen["filled"].pop(key)
        return out

    remote, local = report(remote_cli), report(server_cli)
    assert remote == local
    assert remote["summary"] == {"describe-regions": "NOT_GRANTED", "s3-read": "GRANTED"}
    texts = [cli(*argv, str(policy)) for cli in (remote_cli, server_cli)]
    assert texts[0].code == texts[1].code == 1
    timeless = [
        [
            line
            for line in t.out.splitlines()
            if "CurrentTime" not in line and "EpochTime" not in line
        ]
        for t in texts
    ]
    assert timeless[0] == timeless[1] and len(timeless[0]) > 5


def test_writes_print_the_same(
    remote_cli: Runner, server_cli: Runner, unique_name: str, tmp_path: Any
) -> None:
    doc = connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", f"{unique_name}_sk")
    text = json.dumps(doc)  # JSON is YAML
    assert remote_cli("secret", "create", f"{unique_name}_sk", input="v").code == 0
    made = remote_cli("connector", "create", "-f", "-", "-o", "json", input=text)
    assert json.loads(made.out) == [
        {"action": "created", "dryRun": False, "ref": unique_name, "version": 1}
    ]
    again = _same(remote_cli, server_cli, "connector", "apply", "-f", "-", "-o", "json", input=text)
    assert json.loads(again)[0]["action"] == "unchanged"
    for i, cli in enumerate((remote_cli, server_cli)):
        doc["connector"]["tags"] = {"team": f"t{i}"}
        r = cli("connector", "apply", "-f", "-", "-o", "json", input=json.dumps(doc))
        assert json.loads(r.out) == [
            {
                "action": "updated",
                "changes": [
                    {"new": f"t{i}", "old": "platform" if i == 0 else "t0", "path": "tags.team"}
                ],
                "dryRun": False,
                "ref": unique_name,
                "version": 2 + i,
            }
        ]
    doc["connector"]["tags"] = {"team": "t2"}
    r = remote_cli("connector", "import", "-f", "-", input=json.dumps(doc))  # one document
    assert r.out == f"connector {unique_name} updated (version 4)\n"
    assert server_cli("connector", "import", "-f", "-", input=json.dumps(doc)).out == (
        f"connector {unique_name} unchanged (version 4)\n"
    )
    assert remote_cli("connector", "apply", "-f", "-", input=json.dumps(doc)).out == (
        f"connector {unique_name} unchanged (version 4)\n"
    )


def test_apply_reports_problems_as_the_local_store_does(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    doc = connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", f"{unique_name}_missing")
    doc["connector"]["spec"]["credential"]["region"] = "us-nowhere-1"
    remote = remote_cli("connector", "apply", "-f", "-", "-o", "json", input=json.dumps(doc))
    local = server_cli("connector", "apply", "-f", "-", "-o", "json", input=json.dumps(doc))
    assert (remote.code, remote.out, remote.err) == (local.code, local.out, local.err)
    assert remote.code == 2 and "spec.credential.region" in remote.err


def test_secret_and_token_listings_print_the_same(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    org = f"o{unique_name}"
    assert remote_cli("secret", "create", unique_name, "--org", org, input="v1").code == 0
    remote = json.loads(remote_cli("secret", "list", "--org", org, "-o", "json").out)
    local = json.loads(server_cli("secret", "list", "--org", org, "-o", "json").out)
    assert (local[0]["version"], remote[0]["version"]) == (1, None)  # not in Harness's shape
    for row in (*remote, *local):
        del row["version"], row["keyId"]
    assert _ms(json.dumps(remote)) == _ms(json.dumps(local))
    remote_cli("token", "list")  # the admin token's last use is now recorded
    _same(remote_cli, server_cli, "token", "list", "-o", "json")
