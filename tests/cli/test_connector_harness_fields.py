"""Harness's connector fields through the CLI: ignoreTestConnection in test --all, list and
get; accountIdentifier against AWSCONN_ACCOUNT; the secret expression for the access key."""

from __future__ import annotations

import json

import pytest
from cli_fixtures import Runner

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy


def _yaml(identifier: str, access_key: str, *, extra_spec: str = "", top: str = "") -> str:
    return (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n{top}  type: Aws\n"
        "  spec:\n    credential:\n      type: ManualConfig\n      spec:\n"
        f"        accessKey: {access_key}\n        secretKeyRef: sk\n      region: us-east-1\n"
        f"{extra_spec}"
    )


def test_test_all_passes_over_an_ignored_connector_and_list_and_get_show_it(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    assert cli("secret", "create", "sk", input=keys.secret_access_key).code == 0
    docs = _yaml("works", keys.access_key_id) + "---\n"
    docs += _yaml("later", "AKIAUNKNOWN000000000", extra_spec="    ignoreTestConnection: true\n")
    assert cli("connector", "import", "-f", "-", input=docs).code == 0

    r = cli("connector", "test", "--all")
    assert r.code == 0, r.text
    assert "NOT_TESTED later" in r.out
    assert "ignoreTestConnection" in r.out
    assert "1 SUCCESS, 1 NOT_TESTED" in r.out
    out = cli("connector", "test", "--all", "-o", "json").out
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert {row["connector"]: row["status"] for row in rows} == {
        "later": "NOT_TESTED",
        "works": "SUCCESS",
    }

    listed = {
        row["identifier"]: row for row in json.loads(cli("connector", "list", "-o", "json").out)
    }
    assert listed["later"]["ignoreTestConnection"] is True
    assert listed["works"]["ignoreTestConnection"] is False
    assert "(ignoreTestConnection)" in cli("connector", "list").out
    got = cli("connector", "get", "later").out
    assert "    ignoreTestConnection: true\n" in got
    assert "test --all' does not test it" in got

    r = cli("connector", "test", "later")  # asked for by name: tested, and it fails
    assert r.code == 1
    assert "INVALID_CREDENTIALS" in r.out


@pytest.mark.parametrize(
    ("account", "written", "ok"),
    [
        (None, "default", True),
        (None, "px7xd_BFRCi-pfWPYXVjvw", False),
        ("px7xd_BFRCi-pfWPYXVjvw", "px7xd_BFRCi-pfWPYXVjvw", True),
        ("px7xd_BFRCi-pfWPYXVjvw", "default", False),
    ],
)
def test_account_identifier_must_be_this_stores_account(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, account: str | None, written: str, ok: bool
) -> None:
    if account is not None:
        monkeypatch.setenv("AWSCONN_ACCOUNT", account)
    assert cli("secret", "create", "sk", input="v").code == 0
    doc = _yaml("c1", "AKIAIOSFODNN7EXAMPLE", top=f"  accountIdentifier: {written}\n")
    r = cli("connector", "create", "-f", "-", input=doc)
    if ok:
        assert r.code == 0, r.err
        assert "accountIdentifier" not in cli("connector", "export").out
    else:
        assert r.code == 2
        assert f"accountIdentifier: names account '{written}'" in r.err
        assert f"this awsconn store is account '{account or 'default'}'" in r.err


def test_a_malformed_awsconn_account_is_bad_input_naming_the_setting(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWSCONN_ACCOUNT", "not an account")
    assert cli("secret", "create", "sk", input="v").code == 0
    r = cli("connector", "create", "-f", "-", input=_yaml("c1", "AKIAIOSFODNN7EXAMPLE"))
    assert r.code == 2
    assert "AWSCONN_ACCOUNT: is not a valid account identifier" in r.err


def test_the_secret_expression_for_the_access_key_reads_the_key_id_from_the_secret(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    assert cli("secret", "create", "sk", input=keys.secret_access_key).code == 0
    doc = _yaml("c1", '<+secrets.getValue("account.key_id")>')
    r = cli("connector", "create", "-f", "-", input=doc)
    assert r.code == 2  # the secret it names must exist, reported at the path written
    assert "spec.credential.spec.accessKey: secret account.key_id not found" in r.err
    assert cli("secret", "create", "key_id", input=keys.access_key_id).code == 0
    assert cli("connector", "create", "-f", "-", input=doc).code == 0
    assert "accessKeyRef: account.key_id" in cli("connector", "get", "c1").out
    r = cli("connector", "test", "c1", "-o", "json")
    assert r.code == 0, r.text
    assert json.loads(r.out)["status"] == "SUCCESS"


def test_other_expressions_are_refused_saying_awsconn_does_not_evaluate_them(cli: Runner) -> None:
    cli("secret", "create", "sk", input="v")
    doc = _yaml("c1", "<+pipeline.variables.access_key>")
    r = cli("connector", "create", "-f", "-", input=doc)
    assert r.code == 2
    assert "awsconn does not evaluate pipeline expressions" in r.err
