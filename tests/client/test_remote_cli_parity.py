"""The CLI against a server prints what it prints on a local store: the same ``-o json``
(and text) for the same data. The local side runs on the server's own store, so both
read one set of connectors, secrets and tokens; what differs is said here: timestamps
cross the API as whole milliseconds (Harness's epoch ms)."""

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
_TIME = re.compile(r"(T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|\+00:00)")


def _ms(text: str) -> str:
    """Timestamps as the API carries them: to the millisecond, in one spelling (a time in
    the first millisecond of its second comes back from the API without a fraction)."""

    def spelled(m: re.Match[str]) -> str:
        return f"{m.group(1)}.{(m.group(2) or '').ljust(6, '0')[:3]}{m.group(3)}"

    return _TIME.sub(spelled, text)


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
    assert remote_cli("secret", "create", unique_name, "--org", org, "--project", "web",
                      input="v2").code == 0  # fmt: skip
    assert remote_cli("secret", "update", unique_name, "--org", org, input="v3").code == 0
    for argv in (
        ("secret", "list", "--org", org, "-o", "json"),
        ("secret", "list", "--org", org, "--project", "web"),
        ("secret", "list", "--all", "-o", "json"),
        ("secret", "list", "--all"),
    ):
        _same(remote_cli, server_cli, *argv)
    listed = json.loads(remote_cli("secret", "list", "--org", org, "-o", "json").out)
    assert listed[0]["version"] == 2 and listed[0]["keyId"]
    made = [
        cli("secret", "create", f"{unique_name}_{i}", input="v") for i, cli in
        enumerate((remote_cli, server_cli))
    ]  # fmt: skip
    assert [m.out for m in made] == [
        f"secret {unique_name}_{i} created (version 1)\n" for i in range(2)
    ]
    remote_cli("token", "list")  # the admin token's last use is now recorded
    assert remote_cli("token", "revoke", "--id", _token_id(remote_cli, "viewer")).code == 0
    for argv in (
        ("token", "list", "-o", "json"),
        ("token", "list", "--all", "-o", "json"),
        ("token", "list", "--all"),
    ):
        _same(remote_cli, server_cli, *argv)


def _token_id(cli: Runner, role: str) -> str:
    made = cli("token", "create", "--name", f"p{role}{id(cli)}", "--role", role, "-o", "json")
    assert made.code == 0, made.text
    token_id: str = json.loads(made.out)["id"]
    return token_id


def test_token_writes_print_the_same(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    def revoke(cli: Runner, name: str) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(cli("token", "revoke", name, "-o", "json").out)
        return out

    for cli, suffix in ((remote_cli, "r"), (server_cli, "l")):
        made = cli("token", "create", "--name", f"{unique_name}{suffix}", "--role", "editor",
                   "--scope", "eng", "--access", "--expires", "never", "-o", "json")  # fmt: skip
        assert made.code == 0, made.text
        assert json.loads(made.out)["expiresAt"] is None
    remote, local = revoke(remote_cli, f"{unique_name}r"), revoke(server_cli, f"{unique_name}l")
    for one in (remote, local):
        assert one.pop("revokedAt") and one.pop("createdAt")
        assert one.pop("name").startswith(unique_name) and one.pop("id") and one.pop("prefix")
        assert one.pop("lastUsedAt") is None
    assert (remote.pop("createdBy"), local.pop("createdBy")) == ("bootstrap-admin", "local")
    assert remote == local
    assert remote["status"] == "revoked" and remote["expiresAt"] is None
    bad = ("token", "create", "--name", f"{unique_name}x", "--role", "viewer", "--expires", "9y")
    r, loc = remote_cli(*bad), server_cli(*bad)
    assert (r.code, r.err) == (loc.code, loc.err) and r.code == 2 and "expires" in r.err


def test_the_audit_log_prints_the_same_filtered_and_paged(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    for i in range(3):
        assert remote_cli("secret", "create", f"{unique_name}_{i}", input="v").code == 0
    first = ("audit", "list", "--action", "secret.*", "--since", "1h", "--limit", "2", "-o",
             "json")  # fmt: skip
    page = json.loads(_same(remote_cli, server_cli, *first))
    assert [e["target"]["ref"] for e in page["events"]] == [f"{unique_name}_2", f"{unique_name}_1"]
    cursor = page["nextCursor"]
    nxt = json.loads(_same(remote_cli, server_cli, *first, "--cursor", cursor))
    assert nxt["events"][0]["target"]["ref"] == f"{unique_name}_0"
    for argv in (
        ("audit", "list", "--target", f"{unique_name}_1", "--actor", "bootstrap-admin"),
        ("audit", "list", "--target", f"{unique_name}_1", "--until", "2000-01-01", "-o", "json"),
        ("audit", "list", "--since", "not-a-time"),
        ("audit", "list", "--action", "Secret"),
        ("audit", "list", "--cursor", "x1"),
    ):
        code = 2 if argv[-1] in ("not-a-time", "Secret", "x1") else 0
        _same(remote_cli, server_cli, *argv, code=code)


def test_dry_runs_and_imports_of_several_documents_print_the_same(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    assert remote_cli("secret", "create", f"{unique_name}_sk", input="v").code == 0
    docs = [
        connector_doc(f"{unique_name}_{i}", "AKIAIOSFODNN7EXAMPLE", f"account.{unique_name}_sk")
        for i in range(2)
    ]
    text = "---\n".join(json.dumps(d) + "\n" for d in docs)
    for argv in (
        ("connector", "import", "-f", "-", "--dry-run", "-o", "json"),
        ("connector", "import", "-f", "-", "--dry-run"),
        ("connector", "create", "-f", "-", "--dry-run"),
    ):
        code = 2 if argv[1] == "create" else 0  # create takes exactly one document
        _same(remote_cli, server_cli, *argv, input=text, code=code)
    assert remote_cli("connector", "import", "-f", "-", input=text).code == 0
    docs[1]["connector"]["tags"] = {"team": "moved"}
    docs[0]["connector"]["description"] = "now described"
    text = "---\n".join(json.dumps(d) + "\n" for d in docs)
    for argv in (
        ("connector", "apply", "-f", "-", "--dry-run", "-o", "json"),
        ("connector", "apply", "-f", "-", "--dry-run"),
    ):
        _same(remote_cli, server_cli, *argv, input=text)
    broken = text.replace('"us-east-1"', '"us-nowhere-1"', 1)
    r = _same(remote_cli, server_cli, "connector", "import", "-f", "-", "-o", "json",
              input=broken, code=2)  # fmt: skip
    assert "document 1: spec.credential.region" in json.dumps(json.loads(r))
    listing = ("connector", "list", "--tag", "team", "-o", "json")
    assert unique_name in _same(remote_cli, server_cli, *listing)
    _same(remote_cli, server_cli, "connector", "list", "--tag", "team=moved")


def test_listings_without_a_scope_hold_every_scope_as_locally(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    assert remote_cli("secret", "create", f"{unique_name}_sk", input="v").code == 0
    for org, project in ((None, None), (f"o{unique_name}", None), (f"o{unique_name}", "web")):
        doc = connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", f"account.{unique_name}_sk",
                            org=org, project=project)  # fmt: skip
        assert remote_cli("connector", "apply", "-f", "-", input=json.dumps(doc)).code == 0
    listed = _same(remote_cli, server_cli, "connector", "list", "-o", "json")
    refs = [c["ref"] for c in json.loads(listed) if unique_name in c["ref"]]
    assert refs == [
        unique_name,
        f"o{unique_name}/{unique_name}",
        f"o{unique_name}/web/{unique_name}",
    ]
    _same(remote_cli, server_cli, "connector", "list")
    exported = _same(remote_cli, server_cli, "connector", "export")
    assert exported.count(f"identifier: {unique_name}\n") == 3
